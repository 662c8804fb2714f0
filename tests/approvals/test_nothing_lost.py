"""Nothing lost on the way (#19): a decision that commits has its email queued with it,
one that does not has none, even when PostgreSQL goes away in the middle; withdrawing
cancels its requests in the same transaction; nobody is reminded of, or escalated, a
withdrawn or decided declaration; on SQLite two decisions at once give the same clear
message as on PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime
import io
import sqlite3
import threading

import psycopg
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from approvals.models import ApprovalRequest, Decision
from approvals.services import decision_record, decision_recorded, scheduled_work
from contactpolicy.models import AuditEvent
from contactpolicy.workflow import IllegalTransition
from declarations.models import Declaration
from declarations.services import declaration_submit, declaration_withdraw, declaration_withdrawn
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

DECIDE = ApprovalRequest.Purpose.DECIDE
OPEN = ApprovalRequest.Status.OPEN
DECIDED_SUBJECT = "Your declaration has been decided"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings) -> None:
    """The production queue: each email is a row of the database."""
    settings.TASKS = DATABASE_QUEUE


def submitted(world, django_capture_on_commit_callbacks=None) -> ApprovalRequest:
    """A teacher's planned contact, submitted and routed to her line manager."""
    declaration = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="planned_social_contact"
    )
    DeclarationSubjectFactory(declaration=declaration, pupil=PupilFactory(setting=world.school_a))
    capture = (
        django_capture_on_commit_callbacks(execute=True)
        if django_capture_on_commit_callbacks
        else contextlib.nullcontext()
    )
    with capture:
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status=OPEN)


def decision_emails(declaration: Declaration) -> list[DBTaskResult]:
    """The decision's email to the declarant, as queued (it names the reference)."""
    return [
        result
        for result in DBTaskResult.objects.all()
        if result.args_kwargs["kwargs"]["subject"] == DECIDED_SUBJECT
        and declaration.reference in result.args_kwargs["kwargs"]["body"]
    ]


# The email is queued with the decision ------------------------------------------------


@pytest.mark.django_db
def test_a_decision_queues_its_email_in_its_own_transaction(
    world, database_queue, django_capture_on_commit_callbacks
):
    request = submitted(world, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        decision_record(actor=world.line_manager_a, request=request, outcome="approved", details={})

    [queued] = decision_emails(request.declaration)
    assert queued.args_kwargs["kwargs"]["to"] == [world.teacher_a.email]
    assert after_commit == []  # nothing is left for after the commit


@pytest.mark.django_db
def test_a_refused_decision_queues_no_email(
    world, database_queue, django_capture_on_commit_callbacks
):
    request = submitted(world, django_capture_on_commit_callbacks)
    declaration_withdraw(actor=world.teacher_a, declaration=request.declaration)
    ApprovalRequest.objects.filter(pk=request.pk).update(status=OPEN)  # as the old code left it

    with pytest.raises(IllegalTransition):
        decision_record(actor=world.line_manager_a, request=request, outcome="approved", details={})

    assert decision_emails(request.declaration) == []
    assert not Decision.objects.exists()


# PostgreSQL goes away during decisions --------------------------------------------------


class Terminator:
    """Ends this test's own database connection from a second one (never anybody
    else's: only a backend of the test database, by its pid), at the moment asked:
    in the middle of a decision's transaction, or just after it commits."""

    def __init__(self) -> None:
        self.when: str | None = None
        settings = connection.settings_dict
        self.database = settings["NAME"]
        self.conninfo = psycopg.conninfo.make_conninfo(
            dbname=settings["NAME"],
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
        )

    def terminate(self, pid: int) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as other:
            [(done,)] = other.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid = %s AND datname = %s",
                (pid, self.database),
            ).fetchall()
        assert done, "the test's connection was not found"

    def __call__(self, sender, decision, **kwargs) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [pid] = cursor.fetchone()
        if self.when == "during":
            self.terminate(pid)  # the rest of the decision fails: it must leave nothing
        elif self.when == "after commit":
            # First in line after the commit: before anything the decision left for then.
            connection.on_commit(lambda: self.terminate(pid))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_restart_during_decisions_leaves_every_committed_decision_with_its_email(
    world, database_queue
):
    if connection.vendor != "postgresql":
        pytest.skip("Ends a PostgreSQL backend.")
    plan = [None, "during", "after commit", "during", None, "after commit"]
    requests = [submitted(world) for _ in plan]
    terminator = Terminator()
    decision_recorded.connect(terminator, dispatch_uid="test-terminator")
    lost = 0
    try:
        for request, when in zip(requests, plan, strict=True):
            terminator.when = when
            try:
                decision_record(
                    actor=world.line_manager_a, request=request, outcome="approved", details={}
                )
            except DatabaseError:
                lost += 1
            finally:
                connection.close()  # as a web worker's next request would: a new connection
    finally:
        decision_recorded.disconnect(dispatch_uid="test-terminator")
        terminator.when = None

    assert lost == 2  # the two ended in the middle; those ended after the commit stand
    for request, when in zip(requests, plan, strict=True):
        decided = Decision.objects.filter(request=request).exists()
        emails = decision_emails(request.declaration)
        assert decided == (when != "during"), when
        assert len(emails) == (1 if decided else 0), when
        events = AuditEvent.objects.filter(
            action="approval.decided", target_id=str(request.declaration_id)
        )
        assert events.count() == (1 if decided else 0), when
        request.refresh_from_db()
        assert request.status == ("decided" if decided else "open"), when


# Withdrawal ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_withdrawing_cancels_the_requests_in_the_same_transaction(
    world, django_capture_on_commit_callbacks
):
    request = submitted(world, django_capture_on_commit_callbacks)

    declaration_withdraw(actor=world.teacher_a, declaration=request.declaration)  # no commit yet

    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.CANCELLED
    assert AuditEvent.objects.filter(action="approval.cancelled").count() == 1


@pytest.mark.django_db
def test_a_withdrawal_whose_cancelling_fails_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    request = submitted(world, django_capture_on_commit_callbacks)

    def broken(sender, declaration, **kwargs) -> None:
        raise RuntimeError("the database went away while cancelling")

    declaration_withdrawn.connect(broken, dispatch_uid="test-broken-cancel")
    try:
        with pytest.raises(RuntimeError):
            declaration_withdraw(actor=world.teacher_a, declaration=request.declaration)
    finally:
        declaration_withdrawn.disconnect(dispatch_uid="test-broken-cancel")

    request.refresh_from_db()
    assert request.status == OPEN
    assert Declaration.objects.get(pk=request.declaration_id).status == "submitted"
    assert not AuditEvent.objects.filter(
        action__in=["declaration.withdrawn", "approval.cancelled"]
    ).exists()


# No reminder or escalation for a declaration no longer waiting ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["withdrawn", "decided"])
def test_no_reminder_or_escalation_is_sent_for_a_withdrawn_or_decided_declaration(
    world, status, django_capture_on_commit_callbacks
):
    overdue = timezone.localdate() - datetime.timedelta(days=3)
    waiting = submitted(world, django_capture_on_commit_callbacks)
    stopped = submitted(world, django_capture_on_commit_callbacks)
    # An open request left behind by a declaration no longer waiting (an older withdrawal
    # whose cancelling was lost, a decision on another request), both overdue and late.
    Declaration.objects.filter(pk=stopped.declaration_id).update(status=status, key_date=overdue)
    ApprovalRequest.objects.filter(pk__in=[waiting.pk, stopped.pk]).update(due_on=overdue)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        counts = scheduled_work()

    assert counts == {
        "routed": 0,
        "reminded": 1,
        "escalated": 1,
        "flagged": 0,
        "covered": 0,
        "returned": 0,
        "failed": 0,
    }
    stopped.refresh_from_db()
    assert stopped.status == OPEN
    assert stopped.reminded_on is None
    assert not ApprovalRequest.objects.filter(escalated_from=stopped).exists()
    assert ApprovalRequest.objects.filter(escalated_from=waiting).exists()
    told = {address for message in mail.outbox for address in message.to}
    assert told  # the one still waiting was reminded and escalated
    reference = Declaration.objects.get(pk=stopped.declaration_id).reference
    assert not [message for message in mail.outbox if reference in message.body]
    for action in ("approval.reminded", "approval.escalated", "approval.planned_date_passed"):
        assert not AuditEvent.objects.filter(
            action=action, target_id=str(stopped.declaration_id)
        ).exists()


# Two decisions at once on SQLite ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_two_decisions_at_once_give_the_clear_message_not_database_locked(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """Two tabs of the same decider press "Record the decision" at the same moment,
    against a SQLite file as `make run` uses (the tests' own database is in memory)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking (PostgreSQL's: test_decisions.py).")
    request = submitted(world, django_capture_on_commit_callbacks)
    clients = [sign_in_with_mfa(Client(), world.line_manager_a) for _ in range(2)]
    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as file:
        connection.connection.backup(file)
        # As `migrate` leaves the file `make run` uses: WAL is kept by the file, so no
        # request has to switch it (two switching at once would both be refused).
        file.execute("PRAGMA journal_mode=WAL")
    on_file = {**connection.settings_dict, "NAME": str(path)}
    barrier = threading.Barrier(2)
    responses: list[object] = []

    def decide(client: Client) -> None:
        connections["default"] = DatabaseWrapper(on_file, "default")
        try:
            barrier.wait(timeout=10)
            responses.append(
                client.post(request.get_absolute_url(), {"outcome": "approved"}, follow=True)
            )
        except Exception as error:  # handed back to the test
            responses.append(error)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=decide, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert all(getattr(response, "status_code", None) == 200 for response in responses), responses
    texts = [response.text for response in responses]
    assert sum("Your decision is recorded." in text for text in texts) == 1
    name = world.line_manager_a.get_full_name()
    assert (
        sum(
            f"This was already decided by {name}" in text
            or "This is not waiting for your decision any more." in text
            for text in texts
        )
        == 1
    )
    with contextlib.closing(sqlite3.connect(path)) as file:
        [(decisions,)] = file.execute(
            "SELECT count(*) FROM approvals_decision WHERE request_id = ?", (request.pk,)
        ).fetchall()
        [(decided_events,)] = file.execute(
            "SELECT count(*) FROM contactpolicy_auditevent WHERE action = 'approval.decided'"
        ).fetchall()
    assert decisions == 1
    assert decided_events == 1


@pytest.mark.django_db
def test_the_scheduled_command_fails_when_a_reminder_fails_and_still_does_the_rest(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    request = submitted(world, django_capture_on_commit_callbacks)
    overdue = timezone.localdate() - datetime.timedelta(days=3)
    ApprovalRequest.objects.filter(pk=request.pk).update(due_on=overdue)
    unrouted = DeclarationFactory(
        declarant=world.teacher_b, setting=world.school_b, status="submitted"
    )
    DeclarationSubjectFactory(declaration=unrouted, pupil=PupilFactory(setting=world.school_b))

    def remind(**kwargs):
        raise DatabaseError("the database went away while reminding")

    monkeypatch.setattr("approvals.services.request_remind", remind)
    out, err = io.StringIO(), io.StringIO()

    with (
        pytest.raises(Exception, match="Some of the scheduled work failed"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("run_scheduled_jobs", stdout=out, stderr=err)

    line = next(line for line in out.getvalue().splitlines() if line.startswith("Routed"))
    # Routing worked: the line says so, and names the step that failed.
    assert line.startswith("Routed 1, flagged 0, escalated 1, reminded 0;")
    assert "1 failed (in 'reminded'): see the log." in line
    assert ApprovalRequest.objects.filter(declaration=unrouted, status=OPEN).exists()
    assert "Follow-ups:" in out.getvalue()  # the other apps' jobs still ran


@pytest.mark.django_db
def test_the_log_says_routing_failed_only_when_nothing_was_routed(
    world, settings, caplog, django_capture_on_commit_callbacks
):
    """Queuing the decider's email fails (a queue the worker does not serve): the
    routing is undone with it, so the log's "routing failed" is true, and the scheduled
    jobs route it, with its email, once the queue is right."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["elsewhere"]}
    }
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration, pupil=PupilFactory(setting=world.school_a))

    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)

    assert f"Routing declaration {declaration.pk} failed" in caplog.text
    assert not ApprovalRequest.objects.filter(declaration=declaration).exists()
    assert not AuditEvent.objects.filter(
        action="approval.routed", target_id=str(declaration.pk)
    ).exists()

    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        counts = scheduled_work()

    assert counts["routed"] == 1
    request = ApprovalRequest.objects.get(declaration=declaration, status=OPEN)
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["kwargs"]["to"] == [request.decider.email]
