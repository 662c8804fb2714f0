"""An audit trail an auditor can trust to be complete (issue #21 item 5, R34): an attempt
to open a record that exists but is not the person's to see is a 404 to them and a
refusal on the trail, against the record and filed under the record's organisation, once
per person, record and hour; a record that does not exist is just a 404. The DSL and the
administrator of the record's organisation find refusals, failed sign-ins and lock-outs
with the "only refusals" filter; nobody else does."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.services import attachment_add
from directory.models import Role
from oversight.models import SummarySnapshot
from policies.middleware import SESSION_KEY
from registers.models import FollowUp, RegisterEntry
from tests.conftest import sign_in_with_mfa
from tests.factories import PASSWORD, PupilFactory, SchoolFactory, person_with_roles
from tests.factories.policies import PolicyVersionFactory, TrainingRecordFactory
from tests.two_schools import declare, submit

pytestmark = pytest.mark.django_db

REFUSED = "access.refused"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


def signed_in(client: Client, person) -> Client:
    """Signed in with the second factor, past the policy's first prompt."""
    sign_in_with_mfa(client, person)
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    return client


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=REFUSED).order_by("pk"))


def found_by(client, reader, **filters) -> set[int]:
    signed_in(client, reader)
    response = client.get(reverse("oversight:audit"), {"refused": "on", **filters})
    assert response.status_code == 200
    assert response.context["page"] is not None, response.context["form"].errors
    return set(response.context["page"].queryset.values_list("pk", flat=True))


@pytest.fixture
def ash(world, settings, tmp_path):
    """Ash Primary School's records: a planned contact with a photo, submitted by its
    teacher and refused by their line manager with an action to confirm (so on the
    files, followed up), a saved summary, a policy version and a training record."""
    settings.MEDIA_ROOT = tmp_path
    pupil = PupilFactory(setting=world.school_a, given_name="Xanthe", family_name="Ashgrove")
    declaration = declare(world.teacher_a, world.school_a, pupils=[pupil])
    attachment = attachment_add(
        actor=world.teacher_a,
        declaration=declaration,
        upload=SimpleUploadedFile("card.jpg", JPEG, content_type="image/jpeg"),
    )
    submit(declaration)
    request = ApprovalRequest.objects.get(declaration=declaration)
    decision_record(
        actor=world.line_manager_a,
        request=request,
        outcome="refused",
        details={
            "reasons": "Xanthe is in your class.",
            "required_action": "Decline it.",
            "action_due_on": timezone.localdate() + datetime.timedelta(days=7),
        },
    )
    snapshot = SummarySnapshot.objects.create(
        organisation=world.school_a,
        period="2026-autumn",
        title="Autumn term 2026",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 12, 18),
        data={},
        saved_by=world.head_a,
    )
    return {
        "declaration": declaration,
        "attachment": attachment,
        "request": request,
        "pupil": pupil,
        "follow_up": FollowUp.objects.get(declaration=declaration),
        "entry": RegisterEntry.objects.filter(declaration=declaration).first(),
        "snapshot": snapshot,
        "version": PolicyVersionFactory(organisation=world.school_a),
        "training": TrainingRecordFactory(person=world.teacher_a),
    }


# What is asked for -> (what the refusal is recorded against, what it says was asked for)
ATTEMPTS = {
    "declaration": (lambda r: reverse("declarations:detail", args=[r["declaration"].pk]), None),
    "declaration's attachment": (
        lambda r: reverse("declarations:attachment", args=[r["attachment"].pk]),
        "attachment",
    ),
    "approval request": (
        lambda r: reverse("approvals:request", args=[r["request"].pk]),
        "approval request",
    ),
    "request's attachment": (
        lambda r: reverse(
            "approvals:request_attachment", args=[r["request"].pk, r["attachment"].pk]
        ),
        "approval request",
    ),
    "staff file": (lambda r: reverse("registers:staff_file", args=[r["teacher"].pk]), None),
    "pupil file": (lambda r: reverse("registers:pupil_file", args=[r["pupil"].pk]), None),
    "follow-up": (lambda r: reverse("registers:follow_up", args=[r["follow_up"].pk]), "follow-up"),
    "entry to correct": (
        lambda r: reverse("registers:entry_correct", args=[r["entry"].pk]),
        "entry on a file",
    ),
    "summary of another school": (
        lambda r: f"{reverse('oversight:summary')}?organisation={r['school'].pk}",
        None,
    ),
    "saved summary": (
        lambda r: reverse("oversight:summary_snapshot", args=[r["snapshot"].pk]),
        None,
    ),
    "policy version": (lambda r: reverse("policies:version", args=[r["version"].pk]), None),
    "training evidence": (
        lambda r: reverse("policies:training_evidence", args=[r["training"].pk]),
        "training record",
    ),
}
RECORDED_AGAINST = {
    "declaration": "declaration",
    "declaration's attachment": "declaration",
    "approval request": "declaration",
    "request's attachment": "declaration",
    "staff file": "teacher",
    "pupil file": "pupil",
    "follow-up": "declaration",
    "entry to correct": "declaration",
    "summary of another school": "school",
    "saved summary": "snapshot",
    "policy version": "version",
    "training evidence": "teacher",
}


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
def test_another_schools_attempt_to_open_a_record_is_a_404_and_a_refusal_filed_under_it(
    client, world, ash, attempt
):
    records = {**ash, "teacher": world.teacher_a, "school": world.school_a}
    url, asked_for = ATTEMPTS[attempt]
    target = records[RECORDED_AGAINST[attempt]]
    signed_in(client, world.teacher_other)

    response = client.get(url(records))

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Ashgrove" not in response.text
    (refusal,) = refusals()
    assert refusal.actor == world.teacher_other
    assert refusal.target_type.model_class() is type(target)
    assert refusal.target_id == str(target.pk)
    assert refusal.target_label == str(target)
    # Filed under the record's organisation (a person's file: under the settings where
    # they work, by the audit history's own rule), never the intruder's.
    expected = None if attempt in {"staff file", "training evidence"} else world.school_a.pk
    assert refusal.organisation_pk == expected
    assert refusal.data.get("asked_for") == asked_for
    assert refusal.data["path"] == url(records).split("?")[0]
    assert refusal.ip_address == "127.0.0.1"
    # Ash's DSL and the federation's administrator find it; so does the intruder's own
    # school, which reads that its teacher tried, not what (the next test).
    assert refusal.pk in found_by(client, world.dsl_a)
    assert refusal.pk in found_by(client, world.administrator)
    assert refusal.pk in found_by(client, world.administrator_other)
    unrelated = person_with_roles(SchoolFactory(name="Elm Primary School"), Role.DSL)
    assert refusal.pk not in found_by(client, unrelated)  # neither the record's nor theirs


def test_the_intruders_own_school_reads_where_they_tried_never_whose_record(client, world, ash):
    """#21's done-when: a teacher's attempt on another school's pupil file is in her
    school's DSL's search, saying which school; the pupil is named to that school only."""
    dsl_other = person_with_roles(world.other_school, Role.DSL)
    signed_in(client, world.teacher_other)
    client.get(reverse("registers:pupil_file", args=[ash["pupil"].pk]))

    signed_in(client, dsl_other)
    theirs = client.get(reverse("oversight:audit"), {"refused": "on"})
    export = client.get(reverse("oversight:audit_export"), {"refused": "on"})
    ours = signed_in(client, world.dsl_a).get(reverse("oversight:audit"), {"refused": "on"})

    rows = theirs.text.split("<tbody>", 1)[1]
    assert escape(world.teacher_other.get_full_name()) in rows
    assert "A pupil of Ash Primary School" in rows
    assert "Ashgrove" not in rows
    assert "Xanthe" not in rows
    assert str(ash["pupil"].pk) not in rows.split("A pupil of", 1)[1].split("</tr>", 1)[0]
    csv = b"".join(export.streaming_content).decode()
    assert "A pupil of Ash Primary School" in csv
    assert "Ashgrove" not in csv
    assert "Xanthe Ashgrove" in ours.text


def test_a_teacher_of_the_same_school_opening_a_pupil_file_is_refused_and_found(client, world, ash):
    signed_in(client, world.teacher_a)

    assert client.get(reverse("registers:pupil_file", args=[ash["pupil"].pk])).status_code == 404

    (refusal,) = refusals()
    assert refusal.target_label == "Xanthe Ashgrove"
    response = signed_in(client, world.dsl_a).get(reverse("oversight:audit"), {"refused": "on"})
    rows = response.text.split("<tbody>", 1)[1]
    assert escape(world.teacher_a.get_full_name()) in rows
    assert "Refused: a record or page they may not open" in rows
    assert f'href="{reverse("registers:pupil_file", args=[ash["pupil"].pk])}"' in rows


def test_a_page_the_person_s_roles_do_not_open_is_a_refusal_filed_under_their_school(client, world):
    signed_in(client, world.teacher_a)

    assert client.get(reverse("oversight:audit")).status_code == 404

    (refusal,) = refusals()
    assert refusal.target_type is None
    assert refusal.data["page"] == "Audit history"
    assert refusal.pk in found_by(client, world.dsl_a)
    assert refusal.pk not in found_by(client, world.administrator_other)


# Not a record ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/registers/pupils/987654/",
        "/declarations/987654/",
        "/decisions/987654/",
        "/registers/staff/987654/",
        "/registers/pupils/abc/",  # a forged id is not even a page
        "/registers/summaries/?organisation=987654",
        "/registers/summaries/?organisation=1%20OR%201=1",
    ],
)
def test_a_record_that_does_not_exist_is_just_a_404(client, world, url):
    signed_in(client, world.teacher_other)

    assert client.get(url).status_code == 404
    assert refusals() == []


def test_the_404_for_a_hidden_record_is_the_404_for_a_missing_one(client, world, ash):
    signed_in(client, world.teacher_other)

    hidden = client.get(reverse("registers:pupil_file", args=[ash["pupil"].pk]))
    missing = client.get(reverse("registers:pupil_file", args=[987654]))

    def main(response) -> str:
        return response.text.split("<main", 1)[1].split("</main>", 1)[0]

    assert main(hidden) == main(missing)


def test_the_record_seen_by_those_who_may_is_not_a_refusal(client, world, ash):
    signed_in(client, world.dsl_a)

    assert client.get(reverse("registers:pupil_file", args=[ash["pupil"].pk])).status_code == 200
    assert refusals() == []


# A flood ---------------------------------------------------------------------------------


def test_a_flood_of_attempts_leaves_one_row_per_person_record_and_hour(client, world, ash):
    pupil_file = reverse("registers:pupil_file", args=[ash["pupil"].pk])
    other_pupil = PupilFactory(setting=world.school_a)
    signed_in(client, world.teacher_other)

    for _ in range(40):
        assert client.get(pupil_file).status_code == 404
    assert len(refusals()) == 1

    client.get(reverse("registers:pupil_file", args=[other_pupil.pk]))  # another record
    assert len(refusals()) == 2
    signed_in(Client(), world.teacher_b).get(pupil_file)  # another person
    assert len(refusals()) == 3
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        for _ in range(10):
            client.get(pupil_file)  # the next hour
    assert len(refusals()) == 4
    assert {(r.actor_id, r.target_id) for r in refusals()} == {
        (world.teacher_other.pk, str(ash["pupil"].pk)),
        (world.teacher_other.pk, str(other_pupil.pk)),
        (world.teacher_b.pk, str(ash["pupil"].pk)),
    }


# Signing in ------------------------------------------------------------------------------

LOGIN = reverse("account_login")


def test_failed_sign_ins_and_a_lock_out_are_found_by_the_dsl_and_administrator(world):
    teacher = world.teacher_a
    stranger = Client()
    for _ in range(12):
        stranger.post(LOGIN, {"login": teacher.email, "password": "guessing"})

    failed = AuditEvent.objects.filter(action="auth.sign_in_failed", target_id=str(teacher.pk))
    limited = AuditEvent.objects.filter(action="auth.sign_in_limited", target_id=str(teacher.pk))
    assert failed.count() == 3  # then the limits refuse before the password is tried
    # Locked out: every later try is refused again, and the lock-out is one row.
    assert limited.count() == 1
    assert limited.get().data["email_digest"] == failed.first().data["email_digest"]
    expected = {*failed.values_list("pk", flat=True), limited.get().pk}
    for reader in (world.dsl_a, world.administrator):
        assert expected <= found_by(Client(), reader)
    assert not expected & found_by(Client(), world.administrator_other)


def test_a_lock_out_is_recorded_again_the_next_hour(world):
    stranger = Client()
    for _ in range(6):
        stranger.post(LOGIN, {"login": world.teacher_a.email, "password": "guessing"})
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
        for _ in range(6):
            stranger.post(LOGIN, {"login": world.teacher_a.email, "password": "guessing"})

    assert AuditEvent.objects.filter(action="auth.sign_in_limited").count() == 2


def test_every_way_in_and_out_is_on_the_trail_of_the_person(world):
    """Signing in, out, failing, asking for a reset: each recorded about the person, so
    that their school's DSL finds it."""
    person = person_with_roles(world.school_a, Role.STAFF)
    client = Client()
    client.post(LOGIN, {"login": person.email, "password": "wrong"})
    client.post(LOGIN, {"login": person.email, "password": PASSWORD})
    client.post(reverse("account_logout"))
    client.post(reverse("account_reset_password"), {"email": person.email})

    trail = list(
        AuditEvent.objects.filter(target_id=str(person.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )

    assert trail == [
        "auth.sign_in_failed",
        "auth.signed_in",
        "auth.signed_out",
        "auth.password_reset_asked",
    ]
    seen = found_by(Client(), world.dsl_a, person=person.get_full_name())
    assert AuditEvent.objects.get(action="auth.sign_in_failed", target_id=str(person.pk)).pk in seen


def test_a_failed_sign_in_at_an_address_nobody_holds_names_nobody(world):
    Client().post(LOGIN, {"login": "nobody@nowhere.example", "password": "guessing"})

    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.target_type is None
    assert "nobody@nowhere.example" not in str(failed.data)


def test_an_administrator_opening_another_schools_record_in_the_admin_is_refused(client, world):
    pupil = PupilFactory(setting=world.school_a, given_name="Xanthe", family_name="Ashgrove")
    signed_in(client, world.administrator_other)

    response = client.get(reverse("admin:directory_pupil_change", args=[pupil.pk]), follow=True)
    history = client.get(reverse("admin:directory_pupil_history", args=[pupil.pk]))

    assert "Ashgrove" not in response.text
    assert history.status_code == 404
    (refusal,) = refusals()  # the change page and its history: one record, one hour
    assert refusal.actor == world.administrator_other
    assert refusal.target_id == str(pupil.pk)
    assert refusal.organisation_pk == world.school_a.pk
    assert refusal.pk in found_by(client, world.dsl_a)
    assert client.get(reverse("admin:directory_pupil_change", args=[987654])).status_code == 302
    assert len(refusals()) == 1
