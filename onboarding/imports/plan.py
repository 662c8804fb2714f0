"""What an import would do with each row, worked out against what is there now.

``plan_rows`` reads the canonical tables (each row a dict of text) and returns a
:class:`RowPlan` per row: add, change (with each field's before and after), leave
alone, or the problems that stop it, each with its column and a plain-English reason.
Nothing is written here. The lookups are a fixed number of queries per table, whatever
the number of rows (the existing rows are read in bulk, keyed by their natural keys).

Matching: a person by email; a pupil by MIS reference at the setting, else by UPN; a
family member by MIS reference in the organisation, else by name among the family of
the same children. So the same file imported twice finds every row up to date.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from directory.access import POWERFUL_ROLES
from directory.models import (
    FamilyLink,
    FamilyMember,
    Membership,
    Organisation,
    Person,
    Pupil,
    Role,
    YearGroup,
)
from onboarding.imports import values as read
from onboarding.imports.values import CellProblem

TABLE_ORDER = ("staff", "pupils", "families", "line_management")
UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
SPLIT_REFERENCES = re.compile(r"[;,|]")
LEFT = {"left", "former", "leaver", "off roll", "no"}
ON_ROLL = {"", "on roll", "current", "on", "yes", "active", "enrolled"}


@dataclass
class RowPlan:
    table: str
    number: int
    values: dict[str, str]
    action: str = ""
    label: str = ""
    changes: dict[str, list[Any]] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    # What the writer needs, by natural key (resolved to ids when written).
    data: dict[str, Any] = field(default_factory=dict)

    def problem(self, column: str, message: str) -> None:
        self.problems.append({"column": column, "message": message})

    def read(self, column: str, reader, **kwargs) -> Any:
        """The cell read by ``reader``, or None with the problem noted."""
        try:
            return reader(self.values.get(column, ""), **kwargs)
        except CellProblem as problem:
            self.problem(column, str(problem))
            return None

    def settle(self, existing: dict[str, Any] | None, wanted: dict[str, Any]) -> None:
        """Add, change or unchanged, comparing ``wanted`` with ``existing`` field by field."""
        if self.problems:
            self.action = "problem"
            return
        if existing is None:
            self.action = "add"
            return
        self.changes = {
            key: [_shown(existing.get(key)), _shown(value)]
            for key, value in wanted.items()
            if existing.get(key) != value
        }
        self.action = "change" if self.changes else "unchanged"


def _shown(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return f"{value:%-d %B %Y}"
    return value


@dataclass
class Context:
    """The organisation imported into, its settings, and who is importing."""

    organisation: Organisation
    settings: list[Organisation]
    actor: Person | None
    today: datetime.date

    @classmethod
    def for_organisation(cls, organisation: Organisation, actor: Person | None) -> Context:
        if organisation.is_setting:
            settings = [organisation]
        else:
            settings = list(
                organisation.children.filter(kind__in=Organisation.SETTING_KINDS).order_by("name")
            )
        return cls(organisation, settings, actor, timezone.localdate())

    @property
    def setting_ids(self) -> list[int]:
        return [setting.pk for setting in self.settings]

    @property
    def organisation_ids(self) -> list[int]:
        return [self.organisation.pk, *(s.pk for s in self.settings if s != self.organisation)]

    def setting_named(self, row: RowPlan, *, group_allowed: bool = False) -> Organisation | None:
        """The setting a row names, by URN or name; the organisation itself when empty
        and it is a setting (or a trust's own role, where ``group_allowed``)."""
        value = row.values.get("setting", "")
        if not value:
            if self.organisation.is_setting or group_allowed:
                return self.organisation
            if len(self.settings) == 1:
                return self.settings[0]
            row.problem(
                "setting",
                f"It is empty; say which school of {self.organisation} this row is for, by "
                "its name or URN.",
            )
            return None
        lowered = value.lower()
        for candidate in [self.organisation, *self.settings]:
            if lowered in (candidate.name.lower(), (candidate.urn or "").lower()):
                if candidate == self.organisation and not (candidate.is_setting or group_allowed):
                    break
                return candidate
        names = ", ".join(setting.name for setting in self.settings) or "none"
        row.problem(
            "setting",
            f"“{value}” is not a school or pre-school of {self.organisation} that you "
            f"administer. Its settings are: {names}.",
        )
        return None


def plan_rows(
    context: Context, tables: dict[str, list[tuple[int, dict[str, str]]]]
) -> dict[str, list[RowPlan]]:
    """Each row of each table, planned in the order they are written."""
    planned: dict[str, list[RowPlan]] = {}
    staff = _plan_staff(context, tables.get("staff", []))
    planned["staff"] = staff
    pupils = _plan_pupils(context, tables.get("pupils", []))
    planned["pupils"] = pupils
    planned["families"] = _plan_families(context, tables.get("families", []), pupils)
    planned["line_management"] = _plan_line_management(
        context, tables.get("line_management", []), staff
    )
    return {table: planned[table] for table in TABLE_ORDER if planned[table]}


def _rows(table: str, rows: Iterable[tuple[int, dict[str, str]]]) -> list[RowPlan]:
    return [RowPlan(table=table, number=number, values=dict(values)) for number, values in rows]


def _first_seen(plans: list[RowPlan], key_of, column: str, what: str) -> None:
    """A second row with the same key as an earlier one is a problem, naming the first."""
    seen: dict[Any, int] = {}
    for plan in plans:
        key = key_of(plan)
        if key is None:
            continue
        if key in seen:
            plan.problem(column, f"Row {seen[key]} has the same {what}; a file lists each once.")
        else:
            seen[key] = plan.number


# Staff --------------------------------------------------------------------------------


def _plan_staff(context: Context, rows) -> list[RowPlan]:
    plans = _rows("staff", rows)
    for plan in plans:
        data = plan.data
        data["email"] = plan.read("email", read.email)
        data["given_name"] = plan.read("given_name", read.name)
        data["family_name"] = plan.read("family_name", read.name)
        data["role"] = plan.read("role", read.role)
        data["job_title"] = plan.read("job_title", read.plain, length=100)
        data["line_manager_email"] = plan.read("line_manager_email", read.email, required=False)
        data["starts_on"] = plan.read("starts_on", read.date)
        data["ends_on"] = plan.read("ends_on", read.date)
        setting = context.setting_named(plan, group_allowed=True)
        data["organisation_id"] = setting.pk if setting else None
        if data["starts_on"] and data["ends_on"] and data["ends_on"] < data["starts_on"]:
            plan.problem("ends_on", "The end date is before the start date.")
        if data["email"] and data["email"] == data["line_manager_email"]:
            plan.problem("line_manager_email", "Nobody can be their own line manager.")
        plan.label = f"{data['given_name'] or ''} {data['family_name'] or ''} ({data['email']})"
    _first_seen(
        plans,
        lambda p: (
            (p.data["email"], p.data["organisation_id"], p.data["role"])
            if p.data["email"]
            else None
        ),
        "email",
        "person in the same role at the same setting",
    )
    emails = {plan.data["email"] for plan in plans if plan.data["email"]}
    manager_emails = {p.data["line_manager_email"] for p in plans if p.data["line_manager_email"]}
    people = _people_by_email(emails | manager_emails)
    memberships = _memberships(
        [people[e].pk for e in emails if e in people], context.organisation_ids
    )
    at_organisation = _emails_at(manager_emails, context.organisation_ids)
    in_file = {plan.data["email"] for plan in plans if plan.data["email"] and not plan.problems}
    for plan in plans:
        data = plan.data
        manager = data["line_manager_email"]
        if manager and manager not in in_file and manager not in at_organisation:
            plan.problem(
                "line_manager_email",
                f"{manager} is not in this file and does not work at {context.organisation}. "
                "Add them to the file, or leave the line manager empty.",
            )
        person = people.get(data["email"]) if data["email"] else None
        if (
            person is not None
            and context.actor is not None
            and person.pk == context.actor.pk
            and data["role"] in POWERFUL_ROLES
            and not context.actor.is_superuser
        ):
            key = (person.pk, data["organisation_id"], data["role"])
            held = memberships.get(key)
            if held is None or (held.ends_on or datetime.date.max) < (
                data["ends_on"] or datetime.date.max
            ):
                plan.problem(
                    "role",
                    "This row gives you a role that sees pupils' files or decides; you "
                    "cannot give it to yourself. Ask a head to add it, or remove the row.",
                )
        existing = None
        wanted: dict[str, Any] = {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "job_title": data["job_title"] or "",
            "line_manager": manager or None,
            "ends_on": data["ends_on"],
        }
        if data["starts_on"]:
            wanted["starts_on"] = data["starts_on"]
        if person is not None:
            held = memberships.get((person.pk, data["organisation_id"], data["role"]))
            existing_membership = (
                {
                    "job_title": held.job_title,
                    "line_manager": held.line_manager.email if held.line_manager else None,
                    "starts_on": held.starts_on,
                    "ends_on": held.ends_on,
                }
                if held
                else {}
            )
            if held is None:
                data["new_membership"] = True
            existing = {
                "given_name": person.given_name,
                "family_name": person.family_name,
                **existing_membership,
            }
            if held is None:
                # A person already here in another role, or in another school (one login,
                # R1): the new role is the change.
                existing["role"] = None
                wanted["role"] = data["role"]
                for key in ("job_title", "line_manager", "starts_on", "ends_on"):
                    wanted.pop(key, None)
        plan.settle(existing, wanted)
        if plan.action == "change" and "role" in plan.changes:
            plan.changes["role"] = [None, Role(data["role"]).label]
    return plans


def _people_by_email(emails: set[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), 1000):
        for person in Person.objects.filter(email__in=ordered[start : start + 1000]):
            found[person.email] = person
    return found


def _memberships(person_ids: list[int], organisation_ids: list[int]):
    found = {}
    for start in range(0, len(person_ids), 1000):
        for membership in Membership.objects.filter(
            person_id__in=person_ids[start : start + 1000],
            organisation_id__in=organisation_ids,
        ).select_related("line_manager"):
            found[(membership.person_id, membership.organisation_id, membership.role)] = membership
    return found


def _emails_at(emails: set[str], organisation_ids: list[int]) -> set[str]:
    """Which of ``emails`` hold a current role at the organisation or its settings."""
    found: set[str] = set()
    ordered = sorted(emails)
    for start in range(0, len(ordered), 1000):
        found.update(
            Membership.objects.current()
            .filter(
                person__email__in=ordered[start : start + 1000],
                organisation_id__in=organisation_ids,
            )
            .values_list("person__email", flat=True)
        )
    return found


# Pupils -------------------------------------------------------------------------------

PUPIL_FIELDS = (
    "reference",
    "upn",
    "given_name",
    "family_name",
    "preferred_given_name",
    "preferred_family_name",
    "date_of_birth",
    "year_group",
    "class_name",
    "status",
    "left_on",
    "destination",
)


def _upn(value: str) -> str:
    value = value.upper().replace(" ", "")
    if value and not UPN.match(value):
        raise CellProblem(
            f"“{value}” is not a unique pupil number: 13 characters, a capital letter, "
            "eleven digits and a digit or capital letter, such as A123456789012."
        )
    return value


def _reference(value: str) -> str:
    if not value:
        raise CellProblem("It is empty; each pupil needs the MIS reference (admission number).")
    read.formula_refused(value)
    if len(value) > 32:
        raise CellProblem("It is longer than 32 characters.")
    return value


def _plan_pupils(context: Context, rows) -> list[RowPlan]:
    plans = _rows("pupils", rows)
    for plan in plans:
        data = plan.data
        setting = context.setting_named(plan)
        data["setting_id"] = setting.pk if setting else None
        data["reference"] = plan.read("reference", _reference)
        data["upn"] = plan.read("upn", _upn) or ""
        data["given_name"] = plan.read("given_name", read.name)
        data["family_name"] = plan.read("family_name", read.name)
        data["preferred_given_name"] = plan.read("preferred_given_name", read.name, required=False)
        data["preferred_family_name"] = plan.read(
            "preferred_family_name", read.name, required=False
        )
        if data["preferred_given_name"] == data["given_name"]:
            data["preferred_given_name"] = ""
        if data["preferred_family_name"] == data["family_name"]:
            data["preferred_family_name"] = ""
        data["date_of_birth"] = plan.read("date_of_birth", read.date, required=True)
        data["year_group"] = plan.read("year_group", read.year_group) or ""
        data["class_name"] = plan.read("class_name", read.plain, length=50) or ""
        data["destination"] = plan.read("destination", read.plain, length=200) or ""
        status = plan.values.get("status", "").lower().strip()
        left_on = plan.read("left_on", read.date)
        if status in LEFT or (left_on and status not in ON_ROLL):
            data["status"] = Pupil.Status.FORMER
            if left_on is None and not any(p["column"] == "left_on" for p in plan.problems):
                plan.problem("left_on", "A pupil who has left needs the date they left.")
        elif status in ON_ROLL:
            data["status"] = Pupil.Status.CURRENT
            if left_on and left_on <= context.today:
                data["status"] = Pupil.Status.FORMER
            elif left_on:
                left_on = None  # a leaving date still to come: on roll until then
        else:
            plan.problem("status", f"“{status}” should be “on roll” or “left”.")
        data["left_on"] = left_on if data.get("status") == Pupil.Status.FORMER else None
        birth = data["date_of_birth"]
        if birth and birth > context.today:
            plan.problem("date_of_birth", "The date of birth is in the future.")
        elif birth and birth < context.today.replace(year=context.today.year - 25):
            plan.problem(
                "date_of_birth",
                f"{birth:%-d %B %Y} would make the pupil over 25: check the date (dates are "
                "read day first).",
            )
        if left_on and left_on > context.today:
            plan.problem("left_on", "The leaving date is in the future.")
        if data["given_name"] and data["family_name"]:
            known = data["preferred_given_name"] or data["given_name"]
            plan.label = f"{known} {data['preferred_family_name'] or data['family_name']}"
    _first_seen(
        plans,
        lambda p: (p.data["setting_id"], p.data["reference"]) if p.data["reference"] else None,
        "reference",
        "MIS reference",
    )
    _first_seen(
        plans,
        lambda p: (p.data["setting_id"], p.data["upn"]) if p.data["upn"] else None,
        "upn",
        "UPN",
    )
    by_reference, by_upn = _existing_pupils(context.setting_ids)
    for plan in plans:
        data = plan.data
        key = (data["setting_id"], data["reference"])
        pupil = by_reference.get(key)
        if pupil is None and data["upn"]:
            pupil = by_upn.get((data["setting_id"], data["upn"]))
        elif pupil is not None and data["upn"]:
            other = by_upn.get((data["setting_id"], data["upn"]))
            if other is not None and other["id"] != pupil["id"]:
                plan.problem(
                    "upn",
                    f"This UPN belongs to another pupil here (reference {other['reference']}).",
                )
        data["id"] = pupil["id"] if pupil else None
        wanted = {name: data.get(name) for name in PUPIL_FIELDS}
        if pupil is not None and not data["destination"]:
            wanted.pop("destination")  # an MIS that does not say keeps what is there
        plan.settle(pupil, wanted)
    return plans


def _existing_pupils(setting_ids: list[int]):
    by_reference, by_upn = {}, {}
    for pupil in Pupil.objects.filter(setting_id__in=setting_ids).values(
        "id", "setting_id", *PUPIL_FIELDS
    ):
        by_reference[(pupil["setting_id"], pupil["reference"])] = pupil
        if pupil["upn"]:
            by_upn[(pupil["setting_id"], pupil["upn"])] = pupil
    return by_reference, by_upn


# Families -----------------------------------------------------------------------------


def _plan_families(context: Context, rows, pupil_plans: list[RowPlan]) -> list[RowPlan]:
    plans = _rows("families", rows)
    existing_pupils = {
        (pupil["setting_id"], pupil["reference"]): pupil["id"]
        for pupil in Pupil.objects.filter(setting_id__in=context.setting_ids).values(
            "id", "setting_id", "reference"
        )
    }
    known: dict[str, set[int]] = defaultdict(set)  # reference -> setting ids holding it
    for setting_id, reference in existing_pupils:
        known[reference].add(setting_id)
    waiting: dict[str, int] = {}  # reference -> the pupils' row with a problem
    for plan in pupil_plans:
        if not plan.problems and plan.data["setting_id"]:
            known[plan.data["reference"]].add(plan.data["setting_id"])
        elif plan.data.get("reference"):
            waiting.setdefault(plan.data["reference"], plan.number)
    for plan in plans:
        data = plan.data
        data["reference"] = plan.read("reference", read.plain, length=64) or ""
        data["given_name"] = plan.read("given_name", read.name)
        data["family_name"] = plan.read("family_name", read.name)
        data["relationship"] = plan.read("relationship", read.relationship)
        data["parental_responsibility"] = plan.read("parental_responsibility", read.yes_no)
        data["email"] = plan.read("email", read.email, required=False) or ""
        data["phone"] = plan.read("phone", read.phone) or ""
        setting = context.setting_named(plan) if plan.values.get("setting") else None
        data["pupils"] = _pupils_named(plan, known, waiting, setting, context)
        plan.label = f"{data['given_name'] or ''} {data['family_name'] or ''}".strip()
    plans = _merged_contacts(plans)
    members, links = _existing_family(context, existing_pupils)
    for plan in plans:
        data = plan.data
        member = members.get(("reference", data["reference"])) if data["reference"] else None
        if member is None:
            for pupil_key in data["pupils"]:
                pupil_id = existing_pupils.get(pupil_key)
                member = members.get(("name", pupil_id, data["given_name"], data["family_name"]))
                if member is not None:
                    break
        data["id"] = member["id"] if member else None
        wanted: dict[str, Any] = {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
        }
        for contact in ("email", "phone"):
            if data[contact] or member is None:
                wanted[contact] = data[contact]
        if member is not None and data["reference"]:
            wanted["reference"] = data["reference"]
        current = dict(member) if member else None
        for pupil_key in data["pupils"]:
            label = f"{pupil_key[1]}"
            link_wanted = [data["relationship"], data["parental_responsibility"]]
            wanted[f"link {label}"] = link_wanted
            if current is not None:
                pupil_id = existing_pupils.get(pupil_key)
                link = links.get((member["id"], pupil_id))
                current[f"link {label}"] = list(link) if link else None
        plan.settle(current, wanted)
    return plans


def _pupils_named(
    plan: RowPlan,
    known: dict[str, set[int]],
    waiting: dict[str, int],
    setting: Organisation | None,
    context: Context,
) -> list[tuple[int, str]]:
    value = plan.values.get("pupil_references", "")
    references = [part.strip() for part in SPLIT_REFERENCES.split(value) if part.strip()]
    if not references:
        plan.problem("pupil_references", "It is empty; give the references of their children.")
        return []
    found = []
    for reference in references:
        settings = known.get(reference, set())
        if setting is not None:
            settings = settings & {setting.pk}
        if not settings and reference in waiting:
            plan.problem(
                "pupil_references",
                f"The pupil {reference} is in this import, but row {waiting[reference]} of "
                "the pupils file has a problem: once that row is corrected, this one follows.",
            )
        elif not settings:
            plan.problem(
                "pupil_references",
                f"No pupil with the reference {reference} is in this import or at "
                f"{setting or context.organisation}.",
            )
        elif len(settings) > 1:
            plan.problem(
                "pupil_references",
                f"The reference {reference} is used at more than one school; add a setting "
                "column saying which school this contact's children are at.",
            )
        else:
            found.append((next(iter(settings)), reference))
    return found


def _merged_contacts(plans: list[RowPlan]) -> list[RowPlan]:
    """One contact listed once per child (as MIS exports do): the rows with the same
    reference, or the same name and email, become one, with all the children. The same
    reference with another name is a problem."""
    merged: list[RowPlan] = []
    first: dict[Any, RowPlan] = {}
    for plan in plans:
        data = plan.data
        if data["reference"]:
            key: Any = ("reference", data["reference"])
        elif data["email"]:
            key = ("email", data["given_name"], data["family_name"], data["email"])
        else:
            key = None
        earlier = first.get(key) if key else None
        if earlier is None:
            if key:
                first[key] = plan
            merged.append(plan)
            continue
        if (earlier.data["given_name"], earlier.data["family_name"]) != (
            data["given_name"],
            data["family_name"],
        ):
            plan.problem(
                "reference",
                f"Row {earlier.number} has the same reference for "
                f"{earlier.data['given_name']} {earlier.data['family_name']}; one reference "
                "is one person.",
            )
            merged.append(plan)
            continue
        for pupil in data["pupils"]:
            if pupil not in earlier.data["pupils"]:
                earlier.data["pupils"].append(pupil)
        earlier.problems.extend(plan.problems)
        earlier.data.setdefault("also_rows", []).append(plan.number)
        plan.action = "merged"
    return merged


def _existing_family(context: Context, existing_pupils: dict):
    """The family members held here (by reference, and by name beside each child) and
    their links (relationship, parental responsibility) to each child."""
    members: dict[Any, dict] = {}
    rows = (
        FamilyMember.objects.filter(
            Q(organisation_id__in=context.organisation_ids)
            | Q(links__pupil__setting_id__in=context.setting_ids)
        )
        .order_by()
        .distinct()
        .values("id", "reference", "given_name", "family_name", "email", "phone")
    )
    by_id = {}
    for member in rows:
        by_id[member["id"]] = member
        if member["reference"]:
            members[("reference", member["reference"])] = member
    links = {}
    for member_id, pupil_id, relationship, responsibility in (
        FamilyLink.objects.filter(
            Q(family_member__organisation_id__in=context.organisation_ids)
            | Q(pupil__setting_id__in=context.setting_ids)
        )
        .order_by()
        .values_list("family_member_id", "pupil_id", "relationship", "parental_responsibility")
        .distinct()
    ):
        links[(member_id, pupil_id)] = (relationship, responsibility)
        member = by_id.get(member_id)
        if member is None:
            continue
        members.setdefault(("name", pupil_id, member["given_name"], member["family_name"]), member)
    return members, links


# Line management ----------------------------------------------------------------------


def _plan_line_management(context: Context, rows, staff_plans: list[RowPlan]) -> list[RowPlan]:
    plans = _rows("line_management", rows)
    in_file = {p.data["email"] for p in staff_plans if p.data.get("email") and not p.problems}
    for plan in plans:
        data = plan.data
        data["email"] = plan.read("email", read.email)
        data["line_manager_email"] = plan.read("line_manager_email", read.email)
        setting = context.setting_named(plan, group_allowed=True)
        data["organisation_id"] = setting.pk if setting else None
        if data["email"] and data["email"] == data["line_manager_email"]:
            plan.problem("line_manager_email", "Nobody can be their own line manager.")
        plan.label = f"{data['email']} reports to {data['line_manager_email']}"
    _first_seen(
        plans,
        lambda p: (p.data["email"], p.data["organisation_id"]) if p.data["email"] else None,
        "email",
        "member of staff at the same setting",
    )
    emails = {p.data["email"] for p in plans if p.data["email"]}
    managers = {p.data["line_manager_email"] for p in plans if p.data["line_manager_email"]}
    here = _emails_at(emails | managers, context.organisation_ids)
    current = defaultdict(set)
    ordered = sorted(emails)
    for start in range(0, len(ordered), 1000):
        for email, organisation_id, manager in (
            Membership.objects.current()
            .filter(
                person__email__in=ordered[start : start + 1000],
                organisation_id__in=context.organisation_ids,
            )
            .values_list("person__email", "organisation_id", "line_manager__email")
        ):
            current[(email, organisation_id)].add(manager)
    for plan in plans:
        data = plan.data
        for column in ("email", "line_manager_email"):
            email = data[column]
            if email and email not in here and email not in in_file:
                plan.problem(
                    column,
                    f"{email} does not work at {context.organisation}: add them to the "
                    "staff file first.",
                )
        if plan.problems:
            plan.action = "problem"
            continue
        held = current.get((data["email"], data["organisation_id"]))
        if held is None and data["email"] not in in_file:
            plan.problem(
                "setting", f"{data['email']} holds no role at this setting to be managed in."
            )
            plan.action = "problem"
            continue
        before = sorted(m or "" for m in held) if held else []
        if before == [data["line_manager_email"]]:
            plan.action = "unchanged"
        else:
            plan.action = "change" if held else "add"
            plan.changes = {"line_manager": [", ".join(before) or None, data["line_manager_email"]]}
    return plans


def year_group_label(value: str) -> str:
    return YearGroup(value).label if value else ""
