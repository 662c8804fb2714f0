"""Background work (#19): a task is queued in the transaction that causes it; an email
the SMTP server refuses is tried again later and, after the last try, recorded and told
to the administrators; work a killed worker left running is queued again.

SMTP is a real server on 127.0.0.1 (aiosmtpd) that refuses, then accepts; the worker is
the product's own, ``manage.py run_worker``, run until the queue has nothing ready.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from contactpolicy.models import AuditEvent
from contactpolicy.tasks import (
    EmailNotSent,
    EmailUndelivered,
    TaskAbandoned,
    enqueue,
    send_email,
    stale_tasks_requeue,
)
from tests.conftest import sign_in_with_mfa
from tests.factories import PersonFactory, SchoolFactory, person_with_roles

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SUBJECT = "A declaration is waiting for your decision"


def path_of(exception: type[Exception]) -> str:
    return f"{exception.__module__}.{exception.__qualname__}"


@pytest.fixture
def database_queue(settings) -> None:
    """The production queue: tasks are rows of the database, run by the worker."""
    settings.TASKS = DATABASE_QUEUE


# The SMTP server -----------------------------------------------------------------------


class Server:
    """An aiosmtpd handler that refuses whom it is told to (451: try again later), and
    everybody for the first ``busy`` messages, then takes the rest."""

    def __init__(self) -> None:
        self.busy = 0
        self.refused: set[str] = set()
        self.received: list[tuple[list[str], str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "451 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Try again later"
        subject = next(
            line[len("Subject: ") :]
            for line in envelope.content.decode().splitlines()
            if line.startswith("Subject: ")
        )
        self.received.append((list(envelope.rcpt_tos), subject))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    server = Server()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield server
    controller.stop(no_assert=True)


def work() -> str:
    """The worker, as production runs it, until nothing is ready to run."""
    out = io.StringIO()
    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--interval=0", "--no-reload", stdout=out
    )
    return out.getvalue()


def results(status: str | None = None) -> list[DBTaskResult]:
    found = DBTaskResult.objects.order_by("enqueued_at")
    return list(found.filter(status=status) if status else found)


def undelivered() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="email.undelivered").order_by("pk"))


# Queued in the transaction -------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_is_queued_with_the_change_and_gone_when_the_change_rolls_back(
    database_queue,
):
    with contextlib.suppress(RuntimeError), transaction.atomic():
        enqueue(send_email, to=["dana@example.org"], subject=SUBJECT, body="Open it.")
        assert DBTaskResult.objects.count() == 1  # written now, not after the commit
        raise RuntimeError("the change fails after the email was queued")

    assert DBTaskResult.objects.count() == 0

    with transaction.atomic():
        enqueue(send_email, to=["dana@example.org"], subject=SUBJECT, body="Open it.")

    [queued] = results()
    assert queued.status == TaskResultStatus.READY
    assert queued.args_kwargs["kwargs"]["to"] == ["dana@example.org"]


@pytest.mark.django_db
def test_where_tasks_run_at_once_the_email_goes_only_when_the_change_commits(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            enqueue(send_email, to=["dana@example.org"], subject="Rolled back", body="-")
            raise RuntimeError("the change fails")
        with transaction.atomic():
            enqueue(send_email, to=["dana@example.org"], subject=SUBJECT, body="-")
            assert mailoutbox == []  # not while the change may still roll back

    assert [message.subject for message in mailoutbox] == [SUBJECT]


# Tried again, then the administrators told -----------------------------------------------


@pytest.fixture
def school_people(db):
    school = SchoolFactory(name="Elm Primary School")
    return {
        "reader": person_with_roles(school, "staff", email="dana@elm.example"),
        "administrator": person_with_roles(school, "administrator", email="office@elm.example"),
        "elsewhere": person_with_roles(SchoolFactory(), "administrator"),
    }


@pytest.mark.django_db(transaction=True)
def test_a_refused_email_is_tried_again_later_and_sent_once_the_server_takes_it(
    database_queue, smtp, school_people, time_machine
):
    smtp.busy = 2
    enqueue(send_email, to=["dana@elm.example"], subject=SUBJECT, body="Open it.")

    work()
    assert smtp.received == []
    [first] = results(TaskResultStatus.FAILED)
    assert first.exception_class_path == path_of(EmailNotSent)
    assert "Try 1 of 6 failed" in first.traceback
    assert "451" in first.traceback
    [waiting] = results(TaskResultStatus.READY)
    assert waiting.run_after > timezone.now() + datetime.timedelta(seconds=50)
    assert waiting.args_kwargs["kwargs"]["attempt"] == 2

    work()  # not due yet: nothing is tried
    assert len(results()) == 2

    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=1, seconds=1))
    work()
    assert smtp.received == []
    assert len(results(TaskResultStatus.FAILED)) == 2
    [waiting] = results(TaskResultStatus.READY)
    assert waiting.run_after >= timezone.now() + datetime.timedelta(minutes=4)

    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=5, seconds=1))
    work()

    assert smtp.received == [(["dana@elm.example"], SUBJECT)]
    assert len(results(TaskResultStatus.SUCCESSFUL)) == 1
    assert results(TaskResultStatus.READY) == []
    assert undelivered() == []


@pytest.mark.django_db(transaction=True)
def test_after_the_last_try_the_administrators_of_the_readers_school_are_told(
    database_queue, smtp, school_people, time_machine, settings
):
    settings.EMAIL_RETRY_MINUTES = [1, 5]
    smtp.refused = {"dana@elm.example"}
    enqueue(send_email, to=["dana@elm.example"], subject=SUBJECT, body="Open it.")

    for minutes in (0, 2, 6):
        time_machine.move_to(timezone.now() + datetime.timedelta(minutes=minutes))
        work()

    [event] = undelivered()
    assert event.data["to"] == ["dana@elm.example"]
    assert event.data["subject"] == SUBJECT
    assert event.data["tries"] == 3
    assert event.data["told"] == ["office@elm.example"]
    assert event.target_id == str(school_people["reader"].pk)  # on the reader's record
    last = results(TaskResultStatus.FAILED)[-1]
    assert last.exception_class_path == path_of(EmailUndelivered)
    # Told by email: the school's own administrator, nobody else's.
    assert smtp.received == [
        (["office@elm.example"], "An email from the staff contact register could not be sent")
    ]
    assert results(TaskResultStatus.READY) == []

    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    work()
    assert len(smtp.received) == 1  # never tried again


@pytest.mark.django_db(transaction=True)
def test_the_notice_of_a_failed_email_is_not_itself_retried_for_ever(
    database_queue, smtp, school_people, time_machine, settings
):
    settings.EMAIL_RETRY_MINUTES = [1]
    smtp.refused = {"dana@elm.example", "office@elm.example"}
    enqueue(send_email, to=["dana@elm.example"], subject=SUBJECT, body="Open it.")

    for _ in range(6):
        work()
        time_machine.move_to(timezone.now() + datetime.timedelta(minutes=10))

    events = undelivered()
    assert [event.data["to"] for event in events] == [["dana@elm.example"], ["office@elm.example"]]
    assert events[1].data["told"] == []  # a notice is never reported by another email
    assert smtp.received == []
    # Two tries of the email, two of the notice, nothing left to run.
    assert len(results(TaskResultStatus.FAILED)) == 4
    assert results(TaskResultStatus.READY) == []


@pytest.mark.django_db(transaction=True)
def test_with_nobody_looking_after_the_reader_the_operators_are_told(
    database_queue, smtp, time_machine, settings
):
    settings.EMAIL_RETRY_MINUTES = []
    PersonFactory(is_superuser=True, email="operator@platform.example")
    PersonFactory(is_superuser=True, email="gone@platform.example", is_active=False)
    smtp.refused = {"someone@nowhere.example"}
    enqueue(send_email, to=["someone@nowhere.example"], subject=SUBJECT, body="-")

    work()

    assert undelivered()[0].data["told"] == ["operator@platform.example"]
    assert smtp.received[0][0] == ["operator@platform.example"]


@pytest.mark.django_db(transaction=True)
def test_an_smtp_server_that_is_not_there_counts_as_a_failed_try(database_queue, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5},
        }
    }
    enqueue(send_email, to=["dana@elm.example"], subject=SUBJECT, body="-")

    work()

    [failed] = results(TaskResultStatus.FAILED)
    assert failed.exception_class_path == path_of(EmailNotSent)
    assert "ConnectionRefusedError" in failed.traceback
    assert len(results(TaskResultStatus.READY)) == 1


@pytest.mark.django_db
def test_the_operators_find_the_emails_not_sent_with_one_filter(client, database_queue):
    for attempt, exception in ((1, EmailNotSent), (3, EmailUndelivered)):
        enqueue(send_email, to=[f"try{attempt}@example.org"], subject=SUBJECT, body="-")
        DBTaskResult.objects.filter(args_kwargs__kwargs__to=[f"try{attempt}@example.org"]).update(
            status=TaskResultStatus.FAILED,
            exception_class_path=path_of(exception),
            finished_at=timezone.now(),
        )
    enqueue(send_email, to=["fine@example.org"], subject=SUBJECT, body="-")
    not_sent = DBTaskResult.objects.get(exception_class_path=path_of(EmailUndelivered))
    sign_in_with_mfa(client, PersonFactory(is_superuser=True))

    response = client.get("/admin/django_tasks_database/dbtaskresult/?email=undelivered")

    assert response.status_code == 200
    assert "Not sent after every try" in response.text
    assert list(response.context["cl"].result_list) == [not_sent]


@pytest.mark.django_db
def test_a_school_administrator_cannot_read_the_queue(client, database_queue):
    administrator = person_with_roles(SchoolFactory(), "administrator")
    sign_in_with_mfa(client, administrator)

    response = client.get("/admin/django_tasks_database/dbtaskresult/?email=undelivered")

    assert response.status_code == 403


# Left running by a killed worker ---------------------------------------------------------


@pytest.mark.django_db
def test_work_a_killed_worker_left_running_is_queued_again_after_the_timeout(
    database_queue, settings
):
    settings.TASK_RUNNING_TIMEOUT_MINUTES = 15
    now = timezone.now()
    for address, started, workers in (
        ("stale@example.org", now - datetime.timedelta(minutes=16), ["killed-worker"]),
        ("busy@example.org", now - datetime.timedelta(minutes=14), ["live-worker"]),
        ("deadly@example.org", now - datetime.timedelta(hours=2), [f"w{n}" for n in range(5)]),
    ):
        enqueue(send_email, to=[address], subject=SUBJECT, body="-")
        DBTaskResult.objects.filter(args_kwargs__kwargs__to=[address]).update(
            status=TaskResultStatus.RUNNING, started_at=started, worker_ids=workers
        )

    assert stale_tasks_requeue(now=now) == 1

    def status(address: str) -> DBTaskResult:
        return DBTaskResult.objects.get(args_kwargs__kwargs__to=[address])

    assert status("stale@example.org").status == TaskResultStatus.READY
    assert status("busy@example.org").status == TaskResultStatus.RUNNING  # still within time
    deadly = status("deadly@example.org")
    assert deadly.status == TaskResultStatus.FAILED  # it may be what kills the workers
    assert deadly.exception_class_path == path_of(TaskAbandoned)
    events = AuditEvent.objects.filter(action="task.requeued").order_by("pk")
    assert [(event.data["workers"], event.data["queued_again"]) for event in events] == [
        (["killed-worker"], True),
        ([f"w{n}" for n in range(5)], False),
    ]
    assert stale_tasks_requeue(now=now) == 0  # once


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_an_email_a_killed_worker_left_running(database_queue, smtp):
    enqueue(send_email, to=["dana@elm.example"], subject=SUBJECT, body="-")
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        worker_ids=["killed-worker"],
    )

    work()

    assert smtp.received == [(["dana@elm.example"], SUBJECT)]
    [result] = results()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids[0] == "killed-worker"
    assert len(result.worker_ids) == 2
