"""The scheduled work (R24): reminders, escalation, late planned contact and the routing
safety net, all from one command that sends nothing twice however often it runs."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.models import Declaration
from declarations.services import declaration_submit
from tests.factories import PupilFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE
OPEN = ApprovalRequest.Status.OPEN


# Helpers ----------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def days(offset: int) -> datetime.date:
    return today() + datetime.timedelta(days=offset)


@pytest.fixture
def pupil(world):
    return PupilFactory(setting=world.school_a, given_name="Ava", family_name="Smith")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the command as cron would, with what it sends after commit; return its summary."""

    def run() -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_scheduled_jobs", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def route(world, pupil, django_capture_on_commit_callbacks):
    """Submit a declaration as the app does; the request it was routed to, emails cleared."""

    def route(declarant=None, *, kind="planned_social_contact") -> ApprovalRequest:
        declarant = declarant or world.teacher_a
        declaration = DeclarationFactory(declarant=declarant, setting=world.school_a, kind=kind)
        DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        mail.outbox.clear()
        return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status=OPEN)

    return route


def set_due(request: ApprovalRequest, due_on: datetime.date) -> None:
    ApprovalRequest.objects.filter(pk=request.pk).update(due_on=due_on)


def set_key_date(request: ApprovalRequest, key_date: datetime.date) -> None:
    Declaration.objects.filter(pk=request.declaration_id).update(key_date=key_date)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def sent() -> list[tuple[list[str], str]]:
    return [(sorted(message.to), message.subject) for message in mail.outbox]


def assert_no_pupil_named(pupil) -> None:
    for message in mail.outbox:
        assert pupil.given_name not in message.subject
        assert pupil.family_name not in message.subject


# Reminders ---------------------------------------------------------------------------


def test_a_request_due_tomorrow_reminds_the_decider_once(world, route, run, pupil):
    request = route()
    set_due(request, days(1))

    summary = run()

    assert "reminded 1" in summary
    assert sent() == [
        ([world.line_manager_a.email], "Reminder: a declaration is waiting for your decision")
    ]
    assert request.get_absolute_url() in mail.outbox[0].body
    assert_no_pupil_named(pupil)
    assert events("approval.reminded") == 1
    event = AuditEvent.objects.get(action="approval.reminded")
    assert event.data["request"] == request.pk
    assert event.data["decider"] == world.line_manager_a.pk
    request.refresh_from_db()
    assert request.reminded_on == today()

    mail.outbox.clear()
    again = run()

    assert "reminded 0" in again
    assert mail.outbox == []
    assert events("approval.reminded") == 1


def test_a_request_due_later_is_not_reminded(route, run):
    route()  # due in five school days

    assert "Routed 0, flagged 0, escalated 0, reminded 0;" in run()
    assert mail.outbox == []
    assert events("approval.reminded") == 0


def test_a_decided_request_is_not_reminded(world, route, run):
    request = route()
    set_due(request, days(1))
    decision_record(actor=world.line_manager_a, request=request, outcome="approved", details={})
    mail.outbox.clear()

    run()

    assert mail.outbox == []
    assert events("approval.reminded") == 0


# Escalation ---------------------------------------------------------------------------


def test_an_overdue_request_escalates_one_level_up(world, route, run, pupil):
    request = route()
    assert request.decider == world.line_manager_a
    set_due(request, days(-1))

    summary = run()

    assert "escalated 1" in summary
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.ESCALATED
    new = ApprovalRequest.objects.get(declaration=request.declaration, status=OPEN)
    assert new.decider == world.head_a
    assert new.decider_role == DeciderRole.HEAD
    assert new.escalated_from == request
    assert new.purpose == DECIDE
    assert new.due_on >= today()
    assert "Overdue since" in new.routing_reason
    event = AuditEvent.objects.get(action="approval.escalated")
    assert event.data == {"from_request": request.pk, "to_request": new.pk, "to": world.head_a.pk}
    assert event.target_id == str(request.declaration_id)
    # The line manager is told it is overdue, then it goes to the head.
    assert sent() == [
        ([world.line_manager_a.email], "Overdue: a declaration is waiting for your decision"),
        ([world.head_a.email], "A declaration is waiting for your decision"),
    ]
    assert new.get_absolute_url() in mail.outbox[1].body
    assert_no_pupil_named(pupil)


def test_running_again_after_an_escalation_changes_nothing(world, route, run):
    request = route()
    set_due(request, days(-1))
    run()
    requests = list(ApprovalRequest.objects.order_by("pk").values("pk", "status", "decider"))
    audit = AuditEvent.objects.count()
    mail.outbox.clear()

    summary = run()

    assert "Routed 0, flagged 0, escalated 0, reminded 0;" in summary
    assert list(ApprovalRequest.objects.order_by("pk").values("pk", "status", "decider")) == (
        requests
    )
    assert AuditEvent.objects.count() == audit
    assert events("approval.escalated") == 1
    assert mail.outbox == []


def test_an_overdue_request_with_nobody_above_is_reminded_not_escalated(world, route, run):
    request = route(world.executive_head)
    assert request.decider == world.chair
    set_due(request, days(-1))

    summary = run()

    assert "escalated 0, reminded 1" in summary
    request.refresh_from_db()
    assert request.status == OPEN
    assert events("approval.escalated") == 0
    assert sent() == [([world.chair.email], "Overdue: a declaration is waiting for your decision")]

    mail.outbox.clear()
    run()

    assert mail.outbox == []


# Planned contact whose date has passed ---------------------------------------------------


def test_planned_contact_whose_date_passed_undecided_is_flagged_once(world, route, run, pupil):
    request = route()
    set_key_date(request, days(-1))

    summary = run()

    assert "flagged 1" in summary
    request.refresh_from_db()
    assert request.late_flagged_at is not None
    event = AuditEvent.objects.get(action="approval.planned_date_passed")
    assert event.data["request"] == request.pk
    # Each gets a link they can open: the decider to the request, the declarant to theirs.
    assert sent() == [
        ([world.line_manager_a.email], "A planned contact date passed without a decision"),
        ([world.teacher_a.email], "A planned contact date passed without a decision"),
    ]
    assert request.get_absolute_url() in mail.outbox[0].body
    assert request.declaration.get_absolute_url() in mail.outbox[1].body
    assert_no_pupil_named(pupil)

    mail.outbox.clear()
    again = run()

    assert "flagged 0" in again
    assert mail.outbox == []
    assert events("approval.planned_date_passed") == 1


def test_planned_contact_still_ahead_is_not_flagged(route, run):
    request = route()
    set_key_date(request, today())  # today is not yet past

    run()

    assert events("approval.planned_date_passed") == 0


def test_a_decided_planned_contact_is_not_flagged(world, route, run):
    request = route()
    decision_record(actor=world.line_manager_a, request=request, outcome="approved", details={})
    set_key_date(request, days(-1))
    mail.outbox.clear()

    run()

    assert events("approval.planned_date_passed") == 0
    assert mail.outbox == []


def test_running_twice_after_a_late_planned_contact_escalates_sends_nothing_more(world, route, run):
    """Overdue and past its date: flagged and escalated on the first run, silent after."""
    request = route()
    set_key_date(request, days(-2))
    set_due(request, days(-3))
    run()
    assert events("approval.planned_date_passed") == 1
    assert events("approval.escalated") == 1
    mail.outbox.clear()

    run()

    assert sent() == []
    assert events("approval.planned_date_passed") == 1


# The routing safety net ------------------------------------------------------------------


def test_a_submitted_declaration_with_no_request_is_routed(world, run):
    declaration = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, status="submitted"
    )
    DeclarationSubjectFactory(declaration=declaration)

    summary = run()

    assert "Routed 1" in summary
    request = ApprovalRequest.objects.get(declaration=declaration)
    assert request.decider == world.line_manager_a
    assert request.status == OPEN
    assert events("approval.routed") == 1
    assert sent() == [([world.line_manager_a.email], "A declaration is waiting for your decision")]

    mail.outbox.clear()
    again = run()

    assert "Routed 0" in again
    assert ApprovalRequest.objects.filter(declaration=declaration).count() == 1
    assert mail.outbox == []


def test_drafts_and_decided_declarations_are_left_alone(world, run):
    for status in ("draft", "decided", "withdrawn", "more_info_requested"):
        declaration = DeclarationFactory(
            declarant=world.teacher_a, setting=world.school_a, status=status
        )
        DeclarationSubjectFactory(declaration=declaration)

    assert "Routed 0" in run()
    assert not ApprovalRequest.objects.exists()


def test_a_resubmitted_safeguarding_declaration_whose_routing_was_lost_is_routed(world, route, run):
    """A concern has an open copy with the DSL; that copy must not hide a missing request."""
    request = route(kind="concern")
    assert ApprovalRequest.objects.filter(
        declaration=request.declaration, purpose=ApprovalRequest.Purpose.COPY, status=OPEN
    ).exists()
    decision_record(
        actor=world.head_a,
        request=request,
        outcome="more_information",
        details={"questions": "When did the messages start?"},
    )
    # The declarant answers; the routing after commit is lost (the worker died).
    declaration_submit(actor=world.teacher_a, declaration=request.declaration)
    assert not ApprovalRequest.objects.filter(
        declaration=request.declaration, purpose=DECIDE, status=OPEN
    ).exists()

    summary = run()

    assert "Routed 1" in summary
    again = ApprovalRequest.objects.get(
        declaration=request.declaration, purpose=DECIDE, status=OPEN
    )
    assert again.decider == world.head_a
