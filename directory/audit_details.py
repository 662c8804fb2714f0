"""How the directory's records and the keys that name them read in the audit history
(contactpolicy/audit_details.py, #21): organisations, roles and family members by their
names; every key that holds a person, a pupil or an organisation by id. (People and
pupils are read in registers/audit_details.py, which knows their files.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contactpolicy.audit_details import Shown, keys, references
from directory import audit_actions
from directory.access import PUPIL_ROLES, Access
from directory.models import FamilyMember, Membership, Organisation, Pupil, Role, SignInMethod


def organisations_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    return {
        pk: Shown(name)
        for pk, name in Organisation.objects.filter(pk__in=ids).values_list("pk", "name")
    }


def memberships_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    found = Membership.objects.filter(pk__in=ids).select_related("person", "organisation")
    return {
        membership.pk: Shown(
            f"{membership.person.get_full_name()}: {membership.get_role_display()} at "
            f"{membership.organisation.name}"
        )
        for membership in found
    }


def family_members_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each family member by name for the readers of their organisation's pupils; for
    anyone else, only that it was a family member of another organisation."""
    access = Access.for_user(reader)
    readable = access.organisation_ids(*PUPIL_ROLES)
    return {
        member.pk: Shown(
            str(member)
            if access.is_superuser or member.organisation_id in readable
            else "A family member held by another organisation"
        )
        for member in FamilyMember.objects.filter(pk__in=ids)
    }


references.add("organisation", organisations_shown, model="directory.Organisation")
references.add("membership", memberships_shown, model="directory.Membership")
references.add("family member", family_members_shown, model="directory.FamilyMember")

# Keys holding a person by id, whichever app writes them.
for name, label in (
    ("person", "Person"),
    ("person_id", "Person"),
    ("decider", "Decider"),
    ("dsl", "Designated safeguarding lead"),
    ("head", "Head"),
    ("to", "To"),
    ("on_behalf_of", "On behalf of"),
    ("next_up_told", "Next in line, told"),
    ("key_person", "Key person"),
    ("line_manager", "Line manager"),
    ("delegate", "Covered by"),
):
    keys.add(name, label, refers_to="person")
for name, label in (
    ("organisation", "Organisation"),
    ("organisation_id", "Organisation"),
    ("of", "Of"),
    ("setting", "Setting"),
):
    keys.add(name, label, refers_to="organisation")
keys.add("pupil", "Pupil", refers_to="pupil")
keys.add("pupils", "Pupils", refers_to="pupil")
keys.add("family_member", "Family member", refers_to="family member")
keys.add("role", "Role", choices=dict(Role.choices))
keys.add("sign_in_method", "Signs in", choices=dict(SignInMethod.choices))
keys.add("fields", "Fields", words=True)
keys.add("columns", "Columns", words=True)
keys.add("changed", "Changed", words=True)
keys.add("starts_on", "From")
keys.add("ends_on", "Until")
keys.add("job_title", "Job title")

people = audit_actions.actions
keys.add("status", "Status", choices=dict(Pupil.Status.choices), group=people)
keys.add("class_name", "Class", group=people)
keys.add("date_of_birth", "Date of birth", group=people)
keys.add("version", "Version of the history", group=people)
