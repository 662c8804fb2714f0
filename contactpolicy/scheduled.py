"""Work done on a timetable, contributed by each app (an explicit hook).

An app registers a job in its ``AppConfig.ready``; ``manage.py run_scheduled_jobs``
runs every job in turn. A job takes today's date and returns one line for the log.
Every job must be idempotent: running it twice in a day does nothing twice.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any

logger = logging.getLogger(__name__)

Job = Callable[[datetime.date], str]
_jobs: list[Job] = []
# The steps that failed since the command began a job: (the job's counts, the step).
_failures: list[tuple[int, str]] = []


def register_job(job: Job) -> None:
    if job not in _jobs:
        _jobs.append(job)


def jobs() -> list[Job]:
    return list(_jobs)


def run_each(
    items: Iterable[Any], step: Callable[[Any], bool], counts: dict[str, int], key: str
) -> None:
    """Run ``step`` on each item; one failure is logged and does not stop the rest."""
    for item in items:
        try:
            if step(item):
                counts[key] += 1
        except Exception:
            logger.exception("Scheduled step %r failed for %r", key, item)
            counts["failed"] += 1
            _failures.append((id(counts), key))


def failures() -> int:
    """How many steps of the scheduled work have failed so far in this process."""
    return len(_failures)


def summary(line: str, counts: dict[str, int]) -> str:
    """A job's line for the log, naming the steps that failed, if any, and only those."""
    line = line.format(**counts)
    if counts.get("failed"):
        steps = sorted({key for of, key in _failures if of == id(counts)})
        named = f" (in {', '.join(repr(step) for step in steps)})" if steps else ""
        line += f" {counts['failed']} failed{named}: see the log."
    return line
