"""Leaks and miscounts found in review of issue #6, each pinned by a test."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, Decision, Outcome
from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record
from directory.models import Role
from oversight.selectors import patterns_for
from registers.models import RegisterEntry
from registers.services import files_of
from tests.conftest import sign_in_with_mfa
from tests.factories import (
    FamilyLinkFactory,
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    person_with_roles,
)
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    FamilyMemberSubjectFactory,
)

pytestmark = pytest.mark.django_db

LADO_TEXT = "Advice sought from the LADO about contact by the DSL herself."


def lado_declaration(world, declarant, pupil):
    """A declaration by ``declarant`` whose decision was 'LADO advice sought'."""
    declaration = DeclarationFactory(
        declarant=declarant, setting=world.school_a, status="submitted", kind="concern"
    )
    DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
    request = ApprovalRequest.objects.create(
        declaration=declaration,
        decider=world.head_a,
        decider_role="head",
        routing_reason="test",
    )
    decision = Decision.objects.create(
        request=request,
        decided_by=world.head_a,
        outcome=Outcome.LADO_ADVICE_SOUGHT,
        reasons="Allegation against the DSL.",
    )
    for file, owner in (("staff", {"person": declarant}), ("pupil", {"pupil": pupil})):
        RegisterEntry.objects.create(
            file=file,
            entry_kind="outcome",
            declaration=declaration,
            decision=decision,
            text=LADO_TEXT,
            confidential=True,
            recorded_by=world.head_a,
            **owner,
        )
    return declaration


def test_a_dsl_never_sees_a_lado_consultation_about_themself_on_a_pupil_file(world, client):
    pupil = PupilFactory(setting=world.school_a)
    declaration = lado_declaration(world, world.dsl_a, pupil)
    entry = RegisterEntry.objects.get(declaration=declaration, file="pupil")

    sign_in_with_mfa(client, world.dsl_a)
    page = client.get(reverse("registers:pupil_file", args=[pupil.pk]))
    export = client.get(
        reverse("registers:pupil_file_export", args=[pupil.pk, "csv"]),
        {"export-reason": "Inspection"},
    )
    correct = client.get(reverse("registers:entry_correct", args=[entry.pk]))

    assert page.status_code == 200
    assert LADO_TEXT not in page.text
    assert LADO_TEXT not in export.content.decode()
    assert correct.status_code == 404
    sign_in_with_mfa(client, world.head_a)
    assert LADO_TEXT in client.get(reverse("registers:pupil_file", args=[pupil.pk])).text


def test_the_audit_history_hides_a_referral_about_the_reader_themself(world, client):
    pupil = PupilFactory(setting=world.school_a)
    declaration = lado_declaration(world, world.dsl_a, pupil)
    audit_event_record(actor=world.head_a, action="approval.decided", target=declaration)

    sign_in_with_mfa(client, world.dsl_a)
    mine = client.get(reverse("oversight:audit"), {"action": "approval.decided"})
    sign_in_with_mfa(client, world.executive_head)
    theirs = client.get(reverse("oversight:audit"), {"action": "approval.decided"})

    assert mine.context["page"].queryset.count() == 0
    assert theirs.context["page"].queryset.count() == 1


def test_a_confidential_outcome_is_not_shown_on_the_registers_to_the_administrator(world, client):
    declaration = DeclarationFactory(
        declarant=world.teacher_a,
        setting=world.school_a,
        status="decided",
        kind="contact_details_shared",
    )
    request = ApprovalRequest.objects.create(
        declaration=declaration, decider=world.head_a, decider_role="head", routing_reason="t"
    )
    Decision.objects.create(
        request=request, decided_by=world.head_a, outcome=Outcome.REFERRED_TO_DSL, reasons="r"
    )
    label = escape(Outcome.REFERRED_TO_DSL.label)

    sign_in_with_mfa(client, world.administrator)
    hidden = client.get(reverse("registers:contact_details"))
    sign_in_with_mfa(client, world.dsl_a)
    shown = client.get(reverse("registers:contact_details"))

    assert declaration.reference in hidden.text
    assert label not in hidden.text
    assert label in shown.text


def test_a_file_opened_at_another_school_is_not_in_this_schools_history(world, client):
    # head_other also works a day a week at school A.
    MembershipFactory(person=world.head_other, organisation=world.school_a, role=Role.STAFF)
    audit_event_record(
        actor=world.head_other, action="register.staff_file_viewed", target=world.teacher_other
    )
    audit_event_record(
        actor=world.head_other, action="register.staff_file_viewed", target=world.teacher_a
    )

    sign_in_with_mfa(client, world.dsl_a)
    response = client.get(reverse("oversight:audit"), {"action": "register.staff_file_viewed"})

    labels = {event.target_label for event in response.context["page"].object_list}
    assert labels == {str(world.teacher_a)}


def test_a_parent_named_at_school_a_does_not_reach_a_file_in_another_trust(world):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    link = FamilyLinkFactory(pupil__setting=world.school_a)
    sibling_b = FamilyLinkFactory(family_member=link.family_member, pupil__setting=world.school_b)
    elsewhere = FamilyLinkFactory(family_member=link.family_member, pupil__setting=SchoolFactory())
    FamilyMemberSubjectFactory(declaration=declaration, family_member=link.family_member)

    pupils = files_of(declaration)

    assert link.pupil_id in pupils
    assert sibling_b.pupil_id in pupils  # the same federation
    assert elsewhere.pupil_id not in pupils


def test_an_amended_gift_counts_once_in_the_patterns(world):
    pupil = PupilFactory(setting=world.school_a)
    submitted = timezone.now() - datetime.timedelta(days=3)
    first = DeclarationFactory(
        declarant=world.teacher_a,
        setting=world.school_a,
        kind="gift",
        status="decided",
        submitted_at=submitted,
    )
    second = DeclarationFactory(
        declarant=world.teacher_a,
        setting=world.school_a,
        kind="gift",
        status="submitted",
        submitted_at=submitted,
        previous_version=first,
    )
    for declaration in (first, second):
        DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
    today = timezone.localdate()

    found = patterns_for(user=world.dsl_a, since=today - datetime.timedelta(days=30), until=today)

    assert found["repeated_gifts"] == []


def test_a_dsl_of_a_school_sees_no_pupil_of_another_trust_in_the_patterns(world):
    link = FamilyLinkFactory(pupil__setting=world.school_a)
    elsewhere = FamilyLinkFactory(family_member=link.family_member, pupil__setting=SchoolFactory())
    submitted = timezone.now() - datetime.timedelta(days=1)
    for person in (world.teacher_a, world.line_manager_a, world.head_a):
        declaration = DeclarationFactory(
            declarant=person, setting=world.school_a, status="submitted", submitted_at=submitted
        )
        FamilyMemberSubjectFactory(declaration=declaration, family_member=link.family_member)
    today = timezone.localdate()

    found = patterns_for(user=world.dsl_a, since=today - datetime.timedelta(days=7), until=today)

    flagged = {item.pupil.pk for item in found["several_staff"]}
    assert flagged == {link.pupil_id}
    assert elsewhere.pupil_id not in flagged


def test_a_manager_can_find_any_child_to_allocate_a_key_person(world, client):
    pupil = PupilFactory(setting=world.school_a, given_name="Ottoline", family_name="Quayle")
    PupilFactory(setting=world.other_school, given_name="Ottoline", family_name="Elsewhere")
    person_with_roles(world.school_a, Role.STAFF)

    sign_in_with_mfa(client, world.head_a)
    response = client.get(reverse("registers:key_people"), {"q": "Ottoline"})

    assert reverse("registers:key_person", args=[pupil.pk]) in response.text
    assert "Elsewhere" not in response.text
    assert AuditEvent.objects.filter(action="register.key_person_allocated").count() == 0
