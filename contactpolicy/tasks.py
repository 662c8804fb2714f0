"""Background work through Django's tasks framework: run at once in development, by the
product's worker (``manage.py run_worker``) from the database queue in production.

Every task is queued with :func:`enqueue`, inside the transaction that causes it: on
the database queue the task's row is written with the change, so a change that commits
always carries its email and one that rolls back has none. A backend that runs tasks
at once (development, the demo, the tests) is given the task when the transaction
commits instead, so that nothing is sent for work that is then rolled back.

An email that cannot be sent is tried again later (``EMAIL_RETRY_MINUTES``); after the
last try it is recorded on the audit trail and the administrators of the organisations
of the people it was for are told (the platform's operators when none is known).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import Task, TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from contactpolicy.audit_actions import EMAIL_UNDELIVERED, TASK_REQUEUED
from contactpolicy.services import audit_event_record

logger = logging.getLogger(__name__)

# A task whose worker was stopped this many times while running it (it may be what
# stops them) is not queued again but marked failed.
MOST_STARTS = 5

# A notice that an email could not be sent is tried this many times, minutes apart, and
# then only recorded: it is never retried for ever, and never itself reported by email.
NOTICE_RETRY_MINUTES = (5,)


def queues_in_the_database(task_: Task) -> bool:
    """Whether ``task_`` is queued as a row of this database (the worker runs it later)."""
    return isinstance(task_.get_backend(), DatabaseBackend)


def enqueue(task_: Task, /, **kwargs: Any) -> None:
    """Queue ``task_`` as part of the current transaction: at once on the database
    queue (the row commits or rolls back with the change), on commit where the backend
    would run it at once."""
    if queues_in_the_database(task_):
        task_.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task_.enqueue(**kwargs))


class EmailNotSent(Exception):
    """One try to send an email failed; a later try is queued (the task's error)."""


class EmailUndelivered(Exception):
    """Every try to send an email failed: it is recorded and the administrators told."""


# Who looks after the people at some addresses (their organisations' administrators):
# the directory app registers it at start-up, as this layer may not import it.
AddressesToAdministrators = Callable[[list[str]], list[str]]
_administrators_of: list[AddressesToAdministrators] = []


def register_administrators_of(function: AddressesToAdministrators) -> None:
    if function not in _administrators_of:
        _administrators_of.append(function)


def administrators_of(addresses: list[str]) -> list[str]:
    """Whom to tell that an email to ``addresses`` failed: the administrators of the
    organisations of the people there, or else the platform's operators; never the
    addresses that failed."""
    failed = {address.lower() for address in addresses}
    found = {found for function in _administrators_of for found in function(addresses)}
    if not found:
        found = set(
            get_user_model()
            .objects.filter(is_superuser=True, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    return sorted(address for address in found if address and address.lower() not in failed)


def _retry_minutes(notice: bool) -> tuple[int, ...]:
    return NOTICE_RETRY_MINUTES if notice else tuple(settings.EMAIL_RETRY_MINUTES)


@task
def send_email(
    *, to: list[str], subject: str, body: str, attempt: int = 1, notice: bool = False
) -> int:
    """One plain-text email. Callers never put a child's details in the subject.

    ``attempt`` counts the tries so far; a ``notice`` is the message that another email
    could not be sent."""
    try:
        return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
    except (smtplib.SMTPException, OSError) as error:
        raise _send_failed(
            to=to, subject=subject, body=body, attempt=attempt, notice=notice, error=error
        ) from error


def _send_failed(
    *, to: list[str], subject: str, body: str, attempt: int, notice: bool, error: Exception
) -> Exception:
    """Queue the next try, or give up; the error to record for this try."""
    delays = _retry_minutes(notice)
    reason = f"{type(error).__name__}: {error}"
    if attempt <= len(delays) and send_email.get_backend().supports_defer:
        run_after = timezone.now() + datetime.timedelta(minutes=delays[attempt - 1])
        with transaction.atomic():
            enqueue(
                send_email.using(run_after=run_after),
                to=to,
                subject=subject,
                body=body,
                attempt=attempt + 1,
                notice=notice,
            )
        logger.warning(
            "Email %r to %s not sent (try %d of %d, %s); trying again at %s",
            subject,
            ", ".join(to),
            attempt,
            len(delays) + 1,
            reason,
            f"{timezone.localtime(run_after):%H:%M}",
        )
        return EmailNotSent(
            f"Try {attempt} of {len(delays) + 1} failed ({reason}); "
            f"tried again after {timezone.localtime(run_after):%-d %B %Y %H:%M}."
        )
    told = _give_up(to=to, subject=subject, attempt=attempt, notice=notice, reason=reason)
    return EmailUndelivered(
        f"Not sent after {attempt} {'try' if attempt == 1 else 'tries'} ({reason}); "
        + (f"told {', '.join(told)}." if told else "nobody else to tell.")
    )


@transaction.atomic
def _give_up(*, to: list[str], subject: str, attempt: int, notice: bool, reason: str) -> list[str]:
    """Record the email that could not be sent and tell who looks after its readers."""
    told = [] if notice else administrators_of(to)
    readers = get_user_model().objects.filter(email__in=to).order_by("pk")
    audit_event_record(
        actor=None,
        action=EMAIL_UNDELIVERED,
        target=readers.first(),  # on the reader's own record, where there is one
        data={"to": to, "subject": subject, "tries": attempt, "error": reason, "told": told},
    )
    logger.error(
        "Email %r to %s not sent after %d tries (%s); %s",
        subject,
        ", ".join(to),
        attempt,
        reason,
        f"told {', '.join(told)}" if told else "nobody else to tell",
    )
    if told:
        enqueue(
            send_email,
            to=told,
            subject="An email from the staff contact register could not be sent",
            body=(
                f"The register tried {'once' if attempt == 1 else f'{attempt} times'} to "
                f"send an email to {', '.join(to)} and could not: {reason}.\n\n"
                f"The email was: \u201c{subject}\u201d. Its reader has not been told by "
                "email, so they may not know something is waiting for them: check the "
                "address on their page in the directory, and tell them in person.\n"
            ),
            notice=True,
        )
    return told


def site_link(path: str) -> str:
    """The full address of a page of the app, for an email."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def email_person(person, subject: str, body: str) -> None:
    """Queue one email to a person, if they are active and have an address."""
    if person is not None and person.email and person.is_active:
        enqueue(send_email, to=[person.email], subject=subject, body=body)


class TaskAbandoned(Exception):
    """A task stopped its worker too often to be queued again (the task's error)."""


def stale_tasks_requeue(*, now: datetime.datetime | None = None) -> int:
    """Queue again the work a worker started ``TASK_RUNNING_TIMEOUT_MINUTES`` ago and
    never finished (it was killed, or lost the database before it could say), each on
    the audit trail and in the log. Run by the worker; safe to run from several at once.

    An email sent just before its worker was killed may so be sent twice: better than
    an email never sent."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.TASK_RUNNING_TIMEOUT_MINUTES)
    requeued = 0
    with transaction.atomic():
        stale = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        for result in stale:
            given_up = len(result.worker_ids) >= MOST_STARTS
            audit_event_record(
                actor=None,
                action=TASK_REQUEUED,
                data={
                    "task": result.task_path,
                    "id": str(result.id),
                    "started_at": result.started_at,
                    "workers": result.worker_ids,
                    "queued_again": not given_up,
                },
            )
            if given_up:
                logger.error(
                    "Task %s (%s) stopped %d workers: marked failed, not queued again",
                    result.id,
                    result.task_path,
                    len(result.worker_ids),
                )
                result.set_failed(
                    TaskAbandoned(
                        f"Started {len(result.worker_ids)} times and never finished: "
                        "not queued again."
                    )
                )
                continue
            logger.warning(
                "Task %s (%s) was started at %s by worker %s and never finished: queued again",
                result.id,
                result.task_path,
                f"{timezone.localtime(result.started_at):%-d %B %Y %H:%M:%S}",
                result.worker_ids[-1] if result.worker_ids else "unknown",
            )
            result.status = TaskResultStatus.READY
            result.save(update_fields=["status"])
            requeued += 1
    return requeued
