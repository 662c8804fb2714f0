"""Only services move state (#19, R34): the administration screens' history pages are
for reading, and a save there records what really changed, or nothing."""

import pytest
from django.contrib import admin
from django.urls import reverse

from approvals.models import ApprovalRequest, Decision, Outcome
from contactpolicy.models import AuditEvent
from directory.audit_actions import HISTORY_POST_REFUSED, PUPIL_CHANGED
from directory.models import Person, Pupil
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import DeclarationFactory
from tests.forms import change_form

pytestmark = pytest.mark.django_db


def history_url(obj, version) -> str:
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, version.history_id],
    )


@pytest.fixture
def decided_request(world):
    """A request the Executive Headteacher has decided: its first version was open."""
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    request = ApprovalRequest.objects.create(
        declaration=declaration,
        decider=world.executive_head,
        decider_role="executive_head",
        routing_reason="Default route.",
    )
    Decision.objects.create(
        request=request, decided_by=world.executive_head, outcome=Outcome.APPROVED
    )
    request.status = ApprovalRequest.Status.DECIDED
    request.save()
    return request


def test_posting_an_open_version_back_onto_a_decided_request_is_refused_and_recorded(
    client, world, decided_request
):
    open_version = decided_request.history.earliest("history_date")
    assert open_version.status == ApprovalRequest.Status.OPEN
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        history_url(decided_request, open_version),
        {"status": "open", "decider": world.head_a.pk, "due_on": "2026-12-10"},
    )

    assert response.status_code == 403
    decided_request.refresh_from_db()
    assert decided_request.status == ApprovalRequest.Status.DECIDED
    assert decided_request.decider == world.executive_head
    refused = AuditEvent.objects.get(action=HISTORY_POST_REFUSED.code)
    assert refused.actor == world.administrator
    assert refused.data["version"] == str(open_version.history_id)
    # Filed under the request's school, so that its DSL finds it in the audit history.
    assert refused.organisation_pk == world.school_a.pk
    sign_in_with_mfa(client, world.dsl_a)
    audit = client.get(reverse("oversight:audit"), {"action": HISTORY_POST_REFUSED.code})
    assert "Attempt to save an old version" in audit.text
    assert "No events" not in audit.text


def test_a_history_page_can_still_be_read(client, world, decided_request):
    sign_in_with_mfa(client, world.administrator)
    version = decided_request.history.earliest("history_date")

    assert client.get(history_url(decided_request, version)).status_code == 200
    assert not AuditEvent.objects.filter(action=HISTORY_POST_REFUSED.code).exists()


def test_a_deactivated_person_is_not_brought_back_through_an_old_version(client, world):
    leaver = world.teacher_b
    active_version = leaver.history.earliest("history_date")
    leaver.is_active = False
    leaver.save()
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        history_url(leaver, active_version),
        {
            "email": leaver.email,
            "given_name": leaver.given_name,
            "family_name": leaver.family_name,
            "is_active": "on",
            "sign_in_method": leaver.sign_in_method,
        },
    )

    assert response.status_code == 403
    assert not Person.objects.get(pk=leaver.pk).is_active
    assert AuditEvent.objects.filter(action=HISTORY_POST_REFUSED.code).count() == 1


def test_another_schools_history_answers_not_found_and_records_nothing(client, world):
    pupil = PupilFactory(setting=world.other_school)
    sign_in_with_mfa(client, world.administrator)

    response = client.post(history_url(pupil, pupil.history.earliest("history_date")), {})

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=HISTORY_POST_REFUSED.code).exists()


def change_data(client, pupil: Pupil, **overrides) -> dict:
    """The pupil's change form as the browser sends it back, with ``overrides``."""
    data = change_form(client, reverse("admin:directory_pupil_change", args=[pupil.pk]))
    data.pop("csrfmiddlewaretoken", None)
    return {**data, **overrides}


def test_a_save_that_changes_nothing_writes_nothing(client, world):
    pupil = PupilFactory(setting=world.school_a)
    versions = pupil.history.count()
    sign_in_with_mfa(client, world.administrator)
    admin_log = admin.models.LogEntry.objects.count()

    response = client.post(
        reverse("admin:directory_pupil_change", args=[pupil.pk]), change_data(client, pupil)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert pupil.history.count() == versions
    assert not AuditEvent.objects.filter(action=PUPIL_CHANGED.code).exists()
    assert admin.models.LogEntry.objects.count() == admin_log


def test_a_save_records_each_changed_field_before_and_after(client, world):
    pupil = PupilFactory(setting=world.school_a, class_name="Oak")
    sign_in_with_mfa(client, world.administrator)

    client.post(
        reverse("admin:directory_pupil_change", args=[pupil.pk]),
        change_data(client, pupil, class_name="Willow"),
    )

    event = AuditEvent.objects.get(action=PUPIL_CHANGED.code)
    assert event.organisation_pk == world.school_a.pk
    assert event.data["fields"] == ["class_name"]
    assert event.data["before"] == {"class_name": "Oak"}
    assert event.data["after"] == {"class_name": "Willow"}
    assert pupil.history.latest("history_date").class_name == "Willow"


def test_a_request_s_status_and_decider_cannot_be_changed_in_the_administration_screens(
    client, world, decided_request
):
    sign_in_with_mfa(client, world.administrator)

    client.post(
        reverse("admin:approvals_approvalrequest_change", args=[decided_request.pk]),
        {"status": "open", "decider": world.head_a.pk},
    )

    decided_request.refresh_from_db()
    assert decided_request.status == ApprovalRequest.Status.DECIDED
    assert decided_request.decider == world.executive_head
