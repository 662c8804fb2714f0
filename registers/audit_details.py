"""How people, pupils, file entries, follow-ups and rounds read in the audit history
(contactpolicy/audit_details.py, #21): by name, linked to their file, follow-up or round
where the reader may open it. A pupil is named only to those who may see the pupils of
their setting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse

from contactpolicy.audit_details import Shown, keys, references
from directory.access import PUPIL_FILE_ROLES, PUPIL_ROLES, Access
from directory.models import Person, Pupil
from registers import audit_actions
from registers.models import DeclarationRound, FollowUp, RegisterEntry, RoundResponse
from registers.selectors import may_open_follow_up, rounds_for, staff_people_for


def people_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each person by name, linked to their staff file where the reader may open it."""
    found = (
        Person.objects.filter(pk__in=ids)
        .only("pk", "given_name", "family_name")
        .annotate(opens=Exists(staff_people_for(user=reader).filter(pk=OuterRef("pk"))))
    )
    return {
        person.pk: Shown(
            person.get_full_name(),
            reverse("registers:staff_file", args=[person.pk]) if person.opens else "",
        )
        for person in found
    }


def _pupil_shown(access: Access, pupil: Pupil) -> Shown:
    if not (access.is_superuser or pupil.setting_id in access.organisation_ids(*PUPIL_ROLES)):
        return Shown("A pupil of another school")
    opens = access.is_superuser or pupil.setting_id in access.organisation_ids(*PUPIL_FILE_ROLES)
    return Shown(str(pupil), reverse("registers:pupil_file", args=[pupil.pk]) if opens else "")


def pupils_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each pupil by name to those who may see their setting's pupils, linked to their
    file for those who may open it; to anyone else, only that it was a pupil."""
    access = Access.for_user(reader)
    return {pupil.pk: _pupil_shown(access, pupil) for pupil in Pupil.objects.filter(pk__in=ids)}


def entries_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each entry by the file it is on."""
    access = Access.for_user(reader)
    found = (
        RegisterEntry.objects.filter(pk__in=ids)
        .select_related("person", "pupil")
        .annotate(opens=Exists(staff_people_for(user=reader).filter(pk=OuterRef("person_id"))))
    )
    shown = {}
    for entry in found:
        if entry.file == RegisterEntry.File.PUPIL and entry.pupil_id:
            pupil = _pupil_shown(access, entry.pupil)
            shown[entry.pk] = Shown(f"{pupil.text}'s pupil file", pupil.url)
        elif entry.person_id:
            name = entry.person.get_full_name()
            url = reverse("registers:staff_file", args=[entry.person_id]) if entry.opens else ""
            shown[entry.pk] = Shown(f"{name}'s staff file", url)
    return shown


def follow_ups_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each follow-up by what it is and when it is due, linked for those it is for."""
    access = Access.for_user(reader)
    found = FollowUp.objects.filter(pk__in=ids).select_related("declaration")
    return {
        follow_up.pk: Shown(
            f"{follow_up.get_kind_display()}, due {follow_up.due_on:%-d %B %Y}",
            follow_up.get_absolute_url() if may_open_follow_up(access, follow_up) else "",
        )
        for follow_up in found
    }


def rounds_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    visible = set(rounds_for(user=reader).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        declaration_round.pk: Shown(
            declaration_round.title,
            declaration_round.get_absolute_url() if declaration_round.pk in visible else "",
        )
        for declaration_round in DeclarationRound.objects.filter(pk__in=ids)
    }


references.add("person", people_shown, model="directory.Person")
references.add("pupil", pupils_shown, model="directory.Pupil")
references.add("register entry", entries_shown, model="registers.RegisterEntry")
references.add("follow-up", follow_ups_shown, model="registers.FollowUp")
references.add("round", rounds_shown, model="registers.DeclarationRound")

records = audit_actions.actions
for name, label, how in (
    ("follow_up", "Follow-up", {"refers_to": "follow-up"}),
    ("next_follow_up", "Next follow-up", {"refers_to": "follow-up"}),
    ("entry", "Entry", {"refers_to": "register entry"}),
    ("entries", "On the files", {"refers_to": "register entry"}),
    ("correction", "Correction", {"refers_to": "register entry"}),
    ("round", "Round", {"refers_to": "round"}),
    ("kind", "Kind of follow-up", {"choices": dict(FollowUp.Kind.choices)}),
    ("result", "Result", {"choices": dict(FollowUp.Result.choices)}),
    ("answer", "Answer", {"choices": dict(RoundResponse.Answer.choices)}),
    ("late", "Late", {}),
    ("next_review_on", "Next review", {}),
    ("deadline", "Answer by", {}),
    ("people", "People asked", {}),
    ("format", "As", {"choices": {"pdf": "PDF", "csv": "CSV"}}),
):
    keys.add(name, label, group=records, **how)
