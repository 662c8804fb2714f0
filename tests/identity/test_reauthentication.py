"""Before the most sensitive steps (R37, #18): exporting a staff or pupil file, the DSL's
audit CSV, granting a role and publishing a policy, the person confirms it is them with
their password or second factor unless they have, or signed in, in the last 15 minutes.
After confirming they are back where they were, and nothing they typed is lost."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory import audit_actions
from directory.models import Membership, Role
from identity import audit_actions as identity_actions
from policies.models import PolicyVersion
from tests.conftest import sign_in_with_mfa
from tests.factories import PASSWORD, PupilFactory
from tests.files import pdf_bytes
from tests.mfa import at_the_start_of_a_step, clock_on, totp

pytestmark = pytest.mark.django_db

CONFIRM = reverse("account_reauthenticate")
LATER = datetime.timedelta(minutes=16)
SOON = datetime.timedelta(minutes=14)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def steps(world) -> dict[str, tuple[object, str]]:
    """Each sensitive page that is asked for (GET): who asks for it, and its address."""
    pupil = PupilFactory(setting=world.school_a)
    return {
        "staff file export": (
            world.head_a,
            reverse("registers:staff_file_export", args=[world.teacher_a.pk, "csv"])
            + "?export-reason=Inspection",
        ),
        "pupil file export": (
            world.dsl_a,
            reverse("registers:pupil_file_export", args=[pupil.pk, "csv"])
            + "?export-reason=Inspection",
        ),
        "audit CSV": (world.dsl_a, reverse("oversight:audit_export")),
        "publishing a policy": (world.head_a, reverse("policies:version_new")),
        "granting a role": (world.administrator, "/admin/directory/membership/add/"),
        "a person's roles": (
            world.administrator,
            f"/admin/directory/person/{world.teacher_a.pk}/change/",
        ),
    }


STEPS = [
    "staff file export",
    "pupil file export",
    "audit CSV",
    "publishing a policy",
    "granting a role",
    "a person's roles",
]


@pytest.mark.parametrize("step", STEPS)
def test_not_asked_again_within_15_minutes_of_signing_in(world, client, time_machine, step):
    person, url = steps(world)[step]
    sign_in_with_mfa(client, person)
    clock_on(time_machine, SOON)

    response = client.get(url)

    assert response.status_code == 200, response.get("Location")


@pytest.mark.parametrize("step", STEPS)
def test_asked_after_15_minutes_and_brought_back_once_confirmed(world, client, time_machine, step):
    person, url = steps(world)[step]
    sign_in_with_mfa(client, person)
    clock_on(time_machine, LATER)
    before = AuditEvent.objects.count()

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next={quote(url, safe='')}"
    assert AuditEvent.objects.count() == before  # nothing exported, nothing read
    page = client.get(response["Location"])
    assert "Confirm it is you" in page.text
    assert '<label class="form-label" for="id_password">Your password</label>' in page.text

    response = client.post(f"{CONFIRM}?next={quote(url)}", {"password": PASSWORD, "next": url})

    assert response["Location"] == url
    assert client.get(url).status_code == 200
    confirmed = AuditEvent.objects.get(action=identity_actions.MFA_REAUTHENTICATED)
    assert confirmed.actor == person
    assert confirmed.data == {"method": "password"}


def test_a_wrong_password_confirms_nothing(world, client, time_machine):
    person, url = steps(world)["staff file export"]
    sign_in_with_mfa(client, person)
    clock_on(time_machine, LATER)

    response = client.post(f"{CONFIRM}?next={url}", {"password": "not-it", "next": url})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert client.get(url)["Location"].startswith(CONFIRM)
    assert not AuditEvent.objects.filter(action=identity_actions.MFA_REAUTHENTICATED).exists()


def test_the_second_factor_confirms_too(world, client, time_machine):
    person, url = steps(world)["audit CSV"]
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(person, secret)
    sign_in_with_mfa(client, person)
    clock_on(time_machine, LATER)
    assert client.get(url)["Location"].startswith(CONFIRM)

    at_the_start_of_a_step(time_machine)
    response = client.post(
        f"{reverse('mfa_reauthenticate')}?next={url}", {"code": totp(secret), "next": url}
    )

    assert response["Location"] == url
    assert client.get(url).status_code == 200
    confirmed = AuditEvent.objects.get(action=identity_actions.MFA_REAUTHENTICATED)
    assert confirmed.data == {"method": "second factor", "authenticator": "authenticator app"}


def test_each_confirmation_lasts_15_minutes(world, client, time_machine):
    person, url = steps(world)["staff file export"]
    sign_in_with_mfa(client, person)
    clock_on(time_machine, LATER)
    client.post(f"{CONFIRM}?next={url}", {"password": PASSWORD, "next": url})
    clock_on(time_machine, SOON)
    assert client.get(url).status_code == 200
    clock_on(time_machine, datetime.timedelta(minutes=2))
    assert client.get(url)["Location"].startswith(CONFIRM)


def test_granting_a_role_after_15_minutes_is_saved_once_confirmed(world, client, time_machine):
    """The administrator's answers are kept while she confirms, and then saved."""
    sign_in_with_mfa(client, world.administrator)
    url = "/admin/directory/membership/add/"
    answers = {
        "person": world.teacher_a.pk,
        "organisation": world.school_a.pk,
        "role": Role.DEPUTY_DSL,
        "job_title": "Deputy designated safeguarding lead",
        "starts_on": "2026-11-18",
    }
    clock_on(time_machine, LATER)

    response = client.post(url, answers)

    assert response["Location"] == f"{CONFIRM}?next={quote(url, safe='')}"
    assert not Membership.objects.filter(person=world.teacher_a, role=Role.DEPUTY_DSL).exists()

    response = client.post(f"{CONFIRM}?next={url}", {"password": PASSWORD, "next": url})

    assert response.status_code == 302
    assert response["Location"] == "/admin/directory/membership/"
    granted = Membership.objects.get(person=world.teacher_a, role=Role.DEPUTY_DSL)
    assert granted.job_title == "Deputy designated safeguarding lead"
    assert AuditEvent.objects.filter(
        action=audit_actions.MEMBERSHIP_CREATED, target_id=str(granted.pk)
    ).exists()


def test_publishing_after_15_minutes_keeps_the_answers_and_asks_for_the_file_again(
    world, client, time_machine, media
):
    sign_in_with_mfa(client, world.head_a)
    url = reverse("policies:version_new")
    answers = {
        "organisation": world.school_a.pk,
        "title": "Staff contact with pupils and families",
        "text": "",
        "adopted_on": "2026-11-11",
        "adopted_by": "the full governing board",
        "signatory_name": "Alex Chair",
        "signatory_role": "Chair of Governors",
        "next_review_on": "2027-11-11",
        "confidentiality_agreement": "I will keep confidential what I learn at work.",
    }
    document = pdf_bytes()
    clock_on(time_machine, LATER)

    response = client.post(url, answers | {"document": SimpleUploadedFile("p.pdf", document)})

    assert response["Location"].startswith(CONFIRM)
    response = client.post(f"{CONFIRM}?next={url}", {"password": PASSWORD, "next": url})

    assert response.status_code == 200  # the form again, with the answers
    assert "choose the file again" in response.text
    assert 'value="the full governing board"' in response.text
    assert not PolicyVersion.objects.exists()

    response = client.post(url, answers | {"document": SimpleUploadedFile("p.pdf", document)})

    assert response.status_code == 302
    assert PolicyVersion.objects.get().document_type == "application/pdf"
