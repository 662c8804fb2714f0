"""Writes to the registers: outcomes onto files, and corrections as new entries (R25)."""

from __future__ import annotations

from django.db import transaction

from approvals.models import CONFIDENTIAL_OUTCOMES, Decision
from contactpolicy.services import audit_event_record
from directory.models import FamilyLink, Person
from registers.exceptions import RegisterError
from registers.models import RegisterEntry


def outcome_text(decision: Decision) -> str:
    """The decision as it stands now, in words; kept on the entry for ever."""
    declaration = decision.request.declaration
    parts = [
        f"{declaration.kind_entry.name} ({declaration.reference}) declared by "
        f"{declaration.declarant.get_full_name()}: {decision.get_outcome_display()} by "
        f"{decision.decided_by.get_full_name()}."
    ]
    for label, value in (
        ("Reasons", decision.reasons),
        ("Conditions", decision.conditions),
        ("Review date", decision.review_on and f"{decision.review_on:%-d %B %Y}"),
        (
            "Action required",
            decision.required_action
            and f"{decision.required_action} by {decision.action_due_on:%-d %B %Y}",
        ),
        ("Plan of involvement", decision.plan),
        ("Expected outcomes", decision.expected_outcomes),
        ("Timescales", decision.timescales),
        ("Information asked for", decision.questions),
    ):
        if value:
            parts.append(f"{label}: {value}")
    return "\n".join(parts)


@transaction.atomic
def register_outcome_record(*, decision: Decision) -> list[RegisterEntry]:
    """One entry on the staff member's file and one on each pupil's file it concerns.

    Pupils are those named, and the children of any family member named, so that a
    declaration about a mother is on her children's files too.
    """
    declaration = decision.request.declaration
    subjects = list(declaration.subjects.all())
    pupils: dict[int, int | None] = {
        subject.pupil_id: None for subject in subjects if subject.pupil_id
    }
    member_ids = [subject.family_member_id for subject in subjects if subject.family_member_id]
    for pupil_id, member_id in FamilyLink.objects.filter(
        family_member_id__in=member_ids
    ).values_list("pupil_id", "family_member_id"):
        pupils.setdefault(pupil_id, member_id)
    common = {
        "entry_kind": RegisterEntry.EntryKind.OUTCOME,
        "declaration": declaration,
        "decision": decision,
        "text": outcome_text(decision),
        "confidential": decision.outcome in CONFIDENTIAL_OUTCOMES,
        "recorded_by": decision.decided_by,
    }
    entries = [
        RegisterEntry(file=RegisterEntry.File.STAFF, person_id=declaration.declarant_id, **common)
    ]
    entries += [
        RegisterEntry(
            file=RegisterEntry.File.PUPIL, pupil_id=pupil_id, via_family_member_id=member, **common
        )
        for pupil_id, member in pupils.items()
    ]
    for entry in entries:
        entry.save()
    audit_event_record(
        actor=decision.decided_by,
        action="register.outcome_recorded",
        target=declaration,
        data={
            "decision": decision.pk,
            "entries": [entry.pk for entry in entries],
            "pupils": sorted(pupils),
        },
    )
    return entries


@transaction.atomic
def register_entry_correct(
    *, actor: Person, entry: RegisterEntry, text: str, reason: str, request=None
) -> RegisterEntry:
    """Correct an entry by adding one that points at it; the original stays as it was."""
    if not reason.strip():
        raise RegisterError("Give the reason for the correction.")
    if not text.strip():
        raise RegisterError("Write the corrected entry.")
    correction = RegisterEntry(
        file=entry.file,
        person_id=entry.person_id,
        pupil_id=entry.pupil_id,
        via_family_member_id=entry.via_family_member_id,
        entry_kind=RegisterEntry.EntryKind.CORRECTION,
        declaration_id=entry.declaration_id,
        decision_id=entry.decision_id,
        text=text.strip(),
        confidential=entry.confidential,
        amends=entry,
        reason=reason.strip(),
        recorded_by=actor,
    )
    correction.save()
    audit_event_record(
        actor=actor,
        action="register.corrected",
        target=entry.declaration,
        data={"entry": entry.pk, "correction": correction.pk, "reason": reason.strip()},
        request=request,
    )
    return correction
