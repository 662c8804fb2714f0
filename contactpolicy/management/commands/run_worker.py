"""The production worker: django-tasks-db's ``db_worker``, made to outlive the database.

``db_worker`` stops at the first database error that is not "database is locked", so a
PostgreSQL restart used to leave the emails queued and nobody sending them. This worker
closes the broken connection, says so once in the log, tries again every few seconds
until the database is back (and says that too), then goes on with the queue. Every
minute it also queues again work that a killed worker left half done
(``contactpolicy.tasks.stale_tasks_requeue``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.db import connections as database_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from contactpolicy.tasks import stale_tasks_requeue

logger = logging.getLogger(__name__)

STALE_SWEEP_SECONDS = 60


class Worker(db_worker.Worker):
    """One worker process's loop: claim a ready task, run it, and again; when the
    database goes away, wait for it rather than stop."""

    def __init__(self, *, reconnect_interval: float, **options) -> None:
        super().__init__(**options)
        self.reconnect_interval = reconnect_interval
        self.lost_since: float | None = None
        self.next_sweep = 0.0

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 (a thundering herd, not a secret)
        while self.running:
            try:
                ran = self.run_one()
            except (OperationalError, InterfaceError) as error:
                if isinstance(error, OperationalError) and is_locked_database_exception(error):
                    ran = False  # SQLite busy: it unlocks soon
                else:
                    self.database_lost(error)
                    time.sleep(self.reconnect_interval)
                    continue
            if ran is None:
                return
            close_old_connections()
            if self.running and not ran:
                time.sleep(self.interval)

    def ready_tasks(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def run_one(self) -> bool | None:
        """Claim and run one task: True if one ran, False if none was ready, None when
        the worker has done what it was asked (``--batch``, ``--max-tasks``)."""
        close_old_connections()
        if time.monotonic() >= self.next_sweep:
            stale_tasks_requeue()
            self.next_sweep = time.monotonic() + STALE_SWEEP_SECONDS
        tasks = self.ready_tasks()
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)  # no other worker runs it now
        self.database_back()
        if task_result is None:
            if self.batch:
                logger.info("No more tasks to run for worker_id=%s: stopping.", self.worker_id)
                return None
            return False
        self.run_task(task_result)
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Ran %d tasks on worker_id=%s: stopping.", self._run_tasks, self.worker_id)
            return None
        return True

    def database_lost(self, error: Exception) -> None:
        """Close every connection (a new one is made on the next try); log once."""
        for connection in database_connections.all(initialized_only=True):
            with contextlib.suppress(DatabaseError):  # already broken: closed is all we want
                connection.close()
        if self.lost_since is None:
            self.lost_since = time.monotonic()
            logger.error(
                "The worker lost the database (%s: %s); trying again every %g s. "
                "A task it was running is queued again after TASK_RUNNING_TIMEOUT_MINUTES.",
                type(error).__name__,
                str(error).strip() or "no detail",
                self.reconnect_interval,
            )

    def database_back(self) -> None:
        if self.lost_since is not None:
            logger.warning(
                "The worker has the database again after %.0f s; running the queue.",
                time.monotonic() - self.lost_since,
            )
            self.lost_since = None


class Command(db_worker.Command):
    help = (
        "Run the emails and other background work from the database queue. Unlike "
        "db_worker, it waits for the database when it goes away (a restart) and queues "
        "again the work a killed worker left half done."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--reconnect-interval",
            type=db_worker.valid_interval,
            default=float(os.environ.get("WORKER_RECONNECT_SECONDS", "5")),
            help="Seconds between tries to reach the database when it is gone (default: 5).",
        )

    def handle(self, *, verbosity: int, reload: bool, batch: bool, **options) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be used together: not reloading.")
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
            reconnect_interval=options["reconnect_interval"],
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # the child process only
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
