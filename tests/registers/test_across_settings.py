"""The record of one declaration about a family across two schools of a federation
(#19, R25, R27, R28, R35): each sibling's file gets its entry, each head reads their
own school's side in the files and the registers, and nobody else's."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, Outcome
from approvals.services import decision_record
from directory.models import Role
from oversight.selectors import patterns_for
from registers.models import RegisterEntry
from tests.factories import MembershipFactory, PersonFactory
from tests.two_schools import (
    A_GIVEN,
    B_GIVEN,
    SIBLING_A,
    SIBLING_B,
    declare,
    declare_about_the_siblings,
    page_text,
    submit,
    two_schools,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ts(world):
    return two_schools(world)


def decide(declaration, outcome=Outcome.APPROVED):
    request = ApprovalRequest.objects.get(declaration=declaration, purpose="decide", status="open")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return decision_record(actor=request.decider, request=request, outcome=outcome, details={})


def test_the_outcome_goes_on_each_siblings_file_and_the_assistants(ts):
    declaration = submit(declare_about_the_siblings(ts))

    decision = decide(declaration)

    entries = RegisterEntry.objects.filter(decision=decision)
    assert {(entry.file, entry.person_id, entry.pupil_id) for entry in entries} == {
        (RegisterEntry.File.STAFF, ts.assistant.pk, None),
        (RegisterEntry.File.PUPIL, None, ts.sibling_a.pk),
        (RegisterEntry.File.PUPIL, None, ts.sibling_b.pk),
    }
    assert decision.decided_by == ts.world.executive_head
    for entry in entries:  # what stays on every file for ever names no child
        assert A_GIVEN not in entry.text
        assert B_GIVEN not in entry.text


def test_the_other_schools_head_reads_the_entry_on_the_staff_file_only_when_it_is_theirs(
    client, ts
):
    across = submit(declare_about_the_siblings(ts))
    decide(across)
    within = submit(declare(ts.assistant, ts.world.school_a, pupils=[ts.sibling_a]))
    decide(within)

    birch = page_text(client, ts.head_b, reverse("registers:staff_file", args=[ts.assistant.pk]))
    ash = page_text(
        client, ts.world.head_a, reverse("registers:staff_file", args=[ts.assistant.pk])
    )

    assert across.reference in birch
    assert within.reference not in birch  # Ash's alone: not Birch's to read
    assert across.reference in ash
    assert within.reference in ash


def test_the_contact_details_register_shows_each_head_their_own_pupil(client, ts):
    declaration = submit(declare_about_the_siblings(ts, kind="contact_details_shared"))
    url = reverse("registers:contact_details")

    ash = page_text(client, ts.world.head_a, url)
    birch = page_text(client, ts.head_b, url)
    cedar = page_text(client, ts.world.head_other, url)

    assert declaration.reference in ash
    assert SIBLING_A in ash
    assert B_GIVEN not in ash
    assert declaration.reference in birch
    assert SIBLING_B in birch
    assert A_GIVEN not in birch
    assert declaration.reference not in cedar
    assert "Pendleford" not in cedar


def test_a_declaration_within_one_school_stays_in_its_schools_register(client, ts):
    declaration = submit(
        declare(
            ts.assistant, ts.world.school_a, pupils=[ts.sibling_a], kind="contact_details_shared"
        )
    )
    url = reverse("registers:contact_details")

    assert SIBLING_A in page_text(client, ts.world.head_a, url)
    assert declaration.reference not in page_text(client, ts.head_b, url)


def test_the_dsls_patterns_never_name_another_schools_pupil(ts):
    today = timezone.localdate()
    for _ in range(3):  # three people in both schools, each about both siblings
        assistant = PersonFactory()
        for school in (ts.world.school_a, ts.world.school_b):
            MembershipFactory(person=assistant, organisation=school, role=Role.STAFF)
        submit(declare(assistant, ts.world.school_a, pupils=[ts.sibling_a, ts.sibling_b]))

    def several_staff(person) -> set[str]:
        found = patterns_for(
            user=person, since=today - datetime.timedelta(days=7), until=today, staff_threshold=3
        )
        return {str(pattern.pupil) for pattern in found["several_staff"]}

    assert several_staff(ts.world.dsl_a) == {SIBLING_A}
    assert several_staff(ts.world.executive_head) == {SIBLING_A, SIBLING_B}  # over both
