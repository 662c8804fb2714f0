"""Behaviours added after a review of the approvals app."""

import datetime
import io
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole
from approvals.routing import resolve
from approvals.services import decision_record
from declarations.services import declaration_submit
from directory.models import Membership, Role
from tests.conftest import sign_in_with_mfa
from tests.factories import SchoolFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE


def submitted(declarant, setting, kind, capture):
    declaration = DeclarationFactory(declarant=declarant, setting=setting, kind=kind)
    DeclarationSubjectFactory(declaration=declaration)
    with capture(execute=True):
        declaration_submit(actor=declarant, declaration=declaration)
    return declaration


def test_the_chair_never_decides_a_staff_members_declaration(world):
    # No line manager, head or Executive Headteacher: not a governor, but the administrator.
    Membership.objects.filter(role__in=[Role.HEAD, Role.EXECUTIVE_HEAD, Role.LINE_MANAGER]).delete()
    Membership.objects.filter(person=world.teacher_a).update(line_manager=None)
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration)

    route = resolve(declaration)

    assert route.decider is None
    assert "Governors decide only" in route.explanation


def test_an_overdue_staff_declaration_is_not_escalated_to_the_chair(
    world, django_capture_on_commit_callbacks
):
    declaration = submitted(
        world.head_a, world.school_a, "work_outside_setting", django_capture_on_commit_callbacks
    )
    request = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    assert request.decider == world.executive_head
    # A teacher's declaration that reached the Executive Headteacher stays with them.
    teacher = submitted(
        world.teacher_a, world.school_a, "work_outside_setting", django_capture_on_commit_callbacks
    )
    waiting = ApprovalRequest.objects.get(declaration=teacher, purpose=DECIDE)
    assert waiting.decider == world.executive_head
    ApprovalRequest.objects.filter(pk=waiting.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled_jobs", stdout=io.StringIO())

    waiting.refresh_from_db()
    assert waiting.status == ApprovalRequest.Status.OPEN
    assert (
        not ApprovalRequest.objects.filter(decider=world.chair)
        .exclude(declaration=declaration)
        .exists()
    )


def test_the_declarant_is_not_told_that_lado_advice_was_sought(
    client, world, django_capture_on_commit_callbacks
):
    declaration = submitted(
        world.teacher_a,
        world.school_a,
        "planned_social_contact",
        django_capture_on_commit_callbacks,
    )
    request = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            actor=world.line_manager_a,
            request=request,
            outcome="lado_advice_sought",
            details={"reasons": "Close relationship raises concerns."},
        )

    assert all(world.teacher_a.email not in message.to for message in mail.outbox)
    sign_in_with_mfa(client, world.teacher_a)
    page = client.get(declaration.get_absolute_url()).text
    assert "LADO" not in page
    assert "Being considered by senior staff" in page


def test_a_request_nobody_can_take_reminds_the_administrators_every_day(
    django_capture_on_commit_callbacks,
):
    school = SchoolFactory()
    teacher = person_with_roles(school, Role.STAFF)
    administrator = person_with_roles(school, Role.ADMINISTRATOR)
    submitted(teacher, school, "planned_social_contact", django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled_jobs", stdout=io.StringIO())
        call_command("run_scheduled_jobs", stdout=io.StringIO())

    to_admin = [message for message in mail.outbox if administrator.email in message.to]
    assert len(to_admin) == 1
    assert to_admin[0].subject == "A declaration has nobody to decide it"


def test_the_deputy_is_copied_when_the_dsl_makes_a_safeguarding_declaration(
    world, django_capture_on_commit_callbacks
):
    deputy = person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)

    declaration = submitted(
        world.dsl_a, world.school_a, "concern", django_capture_on_commit_callbacks
    )

    copy = ApprovalRequest.objects.get(
        declaration=declaration, purpose=ApprovalRequest.Purpose.COPY
    )
    assert copy.decider == deputy
    assert copy.decider_role == DeciderRole.DEPUTY_DSL  # and says so on the page


def test_a_routing_failure_does_not_fail_the_submission_and_is_retried(
    world, django_capture_on_commit_callbacks
):
    with mock.patch("approvals.handlers.declaration_route", side_effect=RuntimeError("down")):
        declaration = submitted(
            world.teacher_a,
            world.school_a,
            "planned_social_contact",
            django_capture_on_commit_callbacks,
        )
    declaration.refresh_from_db()
    assert declaration.status == "submitted"
    assert not ApprovalRequest.objects.filter(declaration=declaration).exists()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled_jobs", stdout=io.StringIO())

    assert ApprovalRequest.objects.get(declaration=declaration).decider == world.line_manager_a


def test_cover_added_later_moves_what_already_waits_to_the_delegate(
    client, world, django_capture_on_commit_callbacks
):
    declaration = submitted(
        world.teacher_a,
        world.school_a,
        "planned_social_contact",
        django_capture_on_commit_callbacks,
    )
    request = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    assert request.decider == world.line_manager_a
    today = timezone.localdate()
    sign_in_with_mfa(client, world.administrator)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/approvals/cover/add/",
            {
                "person": world.line_manager_a.pk,
                "delegate": world.head_a.pk,
                "reason": "absence",
                "starts_on": today.isoformat(),
                "ends_on": (today + datetime.timedelta(days=5)).isoformat(),
                "note": "",
            },
        )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.decider, request.on_behalf_of) == (world.head_a, world.line_manager_a)
    assert "now decides for" in request.routing_reason
    assert any(world.head_a.email in message.to for message in mail.outbox)
    from contactpolicy.models import AuditEvent

    assert AuditEvent.objects.filter(action="approval.redirected").count() == 1


def test_the_administrator_cannot_assign_a_heads_own_declaration_to_a_teacher(
    client, world, django_capture_on_commit_callbacks
):
    Membership.objects.filter(role__in=[Role.EXECUTIVE_HEAD, Role.CHAIR]).delete()
    declaration = submitted(
        world.head_a, world.school_a, "work_outside_setting", django_capture_on_commit_callbacks
    )
    request = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    assert request.decider is None
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        f"/admin/approvals/approvalrequest/{request.pk}/change/", {"decider": world.teacher_a.pk}
    )

    assert response.status_code == 200
    assert "choose someone senior to them" in response.text
    request.refresh_from_db()
    assert request.decider is None


def test_a_refused_attempt_to_decide_is_kept_on_the_record(
    client, world, django_capture_on_commit_callbacks
):
    from contactpolicy.models import AuditEvent
    from declarations.models import Declaration

    declaration = submitted(
        world.teacher_a,
        world.school_a,
        "planned_social_contact",
        django_capture_on_commit_callbacks,
    )
    request = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    Declaration.objects.filter(pk=declaration.pk).update(status=Declaration.Status.WITHDRAWN)
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.post(request.get_absolute_url(), {"outcome": "approved"}, follow=True)

    assert "cannot be decided" in response.text
    # Recorded once, after the rollback, as the refused move it was.
    event = AuditEvent.objects.get(action="workflow.refused")
    assert event.actor == world.line_manager_a
    assert (event.data["from"], event.data["to"]) == ("withdrawn", "decided")
    assert not AuditEvent.objects.filter(action="approval.decision_refused").exists()
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.OPEN


@pytest.mark.parametrize(
    ("kind", "waits"),
    [("planned_social_contact", "to decide, by"), ("unplanned_contact", "to read and note it, by")],
)
def test_the_declarant_reads_what_the_person_it_waits_for_does_with_it(
    client, world, django_capture_on_commit_callbacks, kind, waits
):
    declaration = submitted(
        world.teacher_a, world.school_a, kind, django_capture_on_commit_callbacks
    )

    sign_in_with_mfa(client, world.teacher_a)
    page = client.get(declaration.get_absolute_url()).text

    assert waits in page
