"""Outcomes land on the staff file and each pupil's file, append-only (R25, issue #6 item 1)."""

from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction

from approvals.models import ApprovalRequest, Decision
from approvals.services import decision_record
from contactpolicy.exceptions import AppendOnlyError
from contactpolicy.models import AuditEvent
from declarations.services import declaration_submit
from registers.exceptions import RegisterError
from registers.models import RegisterEntry
from registers.services import register_entry_correct
from tests.factories import FamilyLinkFactory, PupilFactory, SchoolFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(world, django_capture_on_commit_callbacks):
    """Tuition about two pupils and a mother (whose child is at the other school), decided."""

    def decide(outcome="approved_with_conditions", **details):
        declaration = DeclarationFactory(
            declarant=world.teacher_a, setting=world.school_a, kind="planned_social_contact"
        )
        first = PupilFactory(setting=world.school_a)
        second = PupilFactory(setting=world.school_a)
        link = FamilyLinkFactory(pupil__setting=world.school_a)
        FamilyLinkFactory(family_member=link.family_member, pupil__setting=world.school_b)
        for pupil in (first, second):
            DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
        DeclarationSubjectFactory(
            declaration=declaration, pupil=None, family_member=link.family_member
        )
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=world.teacher_a, declaration=declaration)
        request = ApprovalRequest.objects.get(declaration=declaration, purpose="decide")
        details = details or {"conditions": "Meet only in a public place."}
        decision = decision_record(
            actor=request.decider, request=request, outcome=outcome, details=details
        )
        return decision, {
            first.pk,
            second.pk,
            *link.family_member.pupils.values_list("pk", flat=True),
        }

    return decide


def test_a_decision_writes_one_entry_on_the_staff_file_and_one_on_each_pupils_file(world, decided):
    decision, pupil_ids = decided()

    staff = RegisterEntry.objects.get(decision=decision, file=RegisterEntry.File.STAFF)
    assert staff.person == world.teacher_a
    assert "Approved with conditions" in staff.text
    assert "Meet only in a public place." in staff.text
    on_pupils = RegisterEntry.objects.filter(decision=decision, file=RegisterEntry.File.PUPIL)
    assert {entry.pupil_id for entry in on_pupils} == pupil_ids
    assert len(pupil_ids) == 4  # two named, and the mother's two children
    assert on_pupils.filter(via_family_member__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="register.outcome_recorded").count() == 1


def test_if_the_register_cannot_be_written_the_decision_is_not_saved_either(world, decided):
    with (
        mock.patch(
            "registers.handlers.register_outcome_record", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        decided()

    assert not Decision.objects.exists()
    assert not RegisterEntry.objects.exists()


def test_a_lado_consultation_is_marked_confidential_on_the_files(decided):
    decision, _ = decided("lado_advice_sought", reasons="Close relationship.")

    assert all(entry.confidential for entry in RegisterEntry.objects.filter(decision=decision))


def test_an_entry_cannot_be_changed_or_deleted_through_the_app(decided):
    decision, _ = decided()
    entry = RegisterEntry.objects.filter(decision=decision).first()

    entry.text = "Tampered."
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        RegisterEntry.objects.filter(pk=entry.pk).update(text="Tampered.")
    assert "Tampered" not in RegisterEntry.objects.get(pk=entry.pk).text


def test_the_database_refuses_a_change_that_goes_around_the_app(decided):
    decision, _ = decided()
    entry = RegisterEntry.objects.filter(decision=decision).first()
    table = RegisterEntry._meta.db_table

    with (
        pytest.raises(DatabaseError, match=f"{table} is append-only: rows cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET text = 'Tampered.' WHERE id = %s", [entry.pk])  # noqa: S608

    assert "Tampered" not in RegisterEntry.objects.get(pk=entry.pk).text


def test_a_correction_is_a_new_entry_pointing_at_the_one_it_amends(world, decided):
    decision, _ = decided()
    entry = RegisterEntry.objects.get(decision=decision, file=RegisterEntry.File.STAFF)
    original_text = entry.text

    correction = register_entry_correct(
        actor=world.head_a,
        entry=entry,
        text="Conditions: meet only in a public place, with another adult.",
        reason="The conditions were recorded incompletely.",
    )

    assert correction.amends == entry
    assert correction.entry_kind == RegisterEntry.EntryKind.CORRECTION
    assert correction.person == world.teacher_a
    assert RegisterEntry.objects.get(pk=entry.pk).text == original_text
    assert AuditEvent.objects.filter(action="register.corrected").count() == 1


@pytest.mark.parametrize(("text", "reason"), [("Corrected.", " "), (" ", "Because.")])
def test_a_correction_without_a_reason_or_text_is_refused(world, decided, text, reason):
    decision, _ = decided()
    entry = RegisterEntry.objects.filter(decision=decision).first()
    before = RegisterEntry.objects.count()

    with pytest.raises(RegisterError):
        register_entry_correct(actor=world.head_a, entry=entry, text=text, reason=reason)

    assert RegisterEntry.objects.count() == before


def test_an_entry_belongs_to_exactly_one_file(decided):
    decision, _ = decided()
    entry = RegisterEntry.objects.filter(decision=decision, file="staff").first()
    broken = RegisterEntry(
        file=RegisterEntry.File.STAFF,
        person=entry.person,
        pupil=PupilFactory(setting=SchoolFactory()),
        entry_kind=RegisterEntry.EntryKind.OUTCOME,
        declaration=entry.declaration,
        text="Both files at once.",
    )

    with (
        pytest.raises(DatabaseError, match=r"\bregister_entry_on_one_file\b"),
        transaction.atomic(),
    ):
        broken.save()
