"""Reads of declarations, already limited to what the person may see.

For now a declaration is seen by its declarant only; the deciders, DSLs and
registers that also see it (issues #5 and #6) widen :func:`declaration_list_for`.

One declaration, several settings (#19). A declaration is made at one setting, its
own (``Declaration.setting``: where the declarant files it, whose rules and people
route it). In a trust or federation it may also name pupils, and family members of
pupils, of the group's other settings where the declarant holds a role (directly or
through the trust or federation): a teaching assistant in both schools declares once
about siblings in each (:func:`naming_settings_for`). At least one person named
belongs to the declaration's own setting; a declarant who names only another
school's people makes it at that school.

The settings a declaration involves (:func:`settings_involved`) are its own and the
setting of each pupil named and of each named family member's children in the same
trust or federation (the same children whose files it goes on,
``registers.services.files_of``). They are worked out from the people named whenever
they are needed, never stored, so the routing, the heads who are told, the files and
the pages all read the same answer. When more than one setting is involved:

* someone who may decide for every setting involved decides (approvals.routing);
* the head of each setting involved is told, and reads the declaration with their
  own setting's people only (approvals.services, approvals.notifications);
* whoever reads it sees the people of the settings they hold a role in, and no
  others (:func:`subjects_shown_to`, ``directory.access.Access.sees_people_of``):
  the head of school B sees school B's pupil, not school A's; the declarant and
  those over the whole trust or federation see everyone;
* the audit trail, which the readers of the declaration's own setting search, names
  another setting's people by reference only (declarations.services).

A declaration that names only people of its own setting is routed, shown and
recorded as it always was.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.dateformat import format as date_format

from contactpolicy.refusals import visible_or_404
from declarations.models import Attachment, Declaration, DeclarationSubject
from directory.access import Access
from directory.models import FamilyLink, FamilyMember, Organisation, Pupil, Role
from directory.search import name_query, search_words
from policies.selectors import GiftCheck, gift_rule_in_force
from schoolcalendar.calendar import calendar_for


def declaration_list_for(*, user: Any) -> QuerySet[Declaration]:
    """Declarations the person may see, newest first, ready for a list page."""
    if not user.is_authenticated:
        return Declaration.objects.none()
    return (
        Declaration.objects.filter(declarant=user)
        .select_related("setting", "declarant")
        .annotate(is_superseded=Exists(Declaration.objects.filter(previous_version=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "subjects",
                queryset=DeclarationSubject.objects.select_related("pupil", "family_member"),
            )
        )
    )


def declaration_get_for(*, user: Any, pk: int) -> Declaration:
    """One declaration the person may see, or a 404 (never a 403 that confirms it
    exists; one that exists is a refusal on the audit trail)."""
    return visible_or_404(declaration_list_for(user=user).prefetch_related("attachments"), pk=pk)


def attachment_get_for(*, user: Any, pk: int) -> Attachment:
    """An attachment, under exactly the same rule as its declaration (a refusal is
    recorded against the declaration)."""
    return visible_or_404(
        Attachment.objects.select_related("declaration").filter(
            declaration__in=declaration_list_for(user=user)
        ),
        about="declaration",
        pk=pk,
    )


def declaring_settings_for(*, user: Any) -> QuerySet[Organisation]:
    """The settings a person can declare in: every setting they hold any role in (R1)."""
    return Access.for_user(user).settings().order_by("name")


def naming_settings_for(*, user: Any, setting: Organisation) -> QuerySet[Organisation]:
    """The settings whose pupils and families a declaration made at ``setting`` may
    name: ``setting`` itself and, in a trust or federation, each of its other settings
    where the person holds a role, directly or through the trust or federation."""
    access = Access.for_user(user)
    if not access.has_role(*Role.values, organisation=setting):
        return Organisation.objects.none()
    same_group = Q(pk=setting.pk)
    if setting.parent_id:
        same_group |= Q(parent_id=setting.parent_id)
    return access.settings().filter(same_group)


def pupils_for_declaring(
    *, user: Any, setting: Organisation, former: bool = False
) -> QuerySet[Pupil]:
    """Pupils a declaration made at ``setting`` may name: of ``setting`` and of the
    person's other settings in its trust or federation (:func:`naming_settings_for`),
    among those they may find at all; current ones, or former ones for R18."""
    access = Access.for_user(user)
    if not access.has_role(*Role.values, organisation=setting):
        return Pupil.objects.none()
    status = Pupil.Status.FORMER if former else Pupil.Status.CURRENT
    return access.pupils().filter(
        setting__in=naming_settings_for(user=user, setting=setting), status=status
    )


def family_members_for_declaring(*, user: Any, setting: Organisation) -> QuerySet[FamilyMember]:
    """Family members of the current pupils a declaration made at ``setting`` may name."""
    pupils = pupils_for_declaring(user=user, setting=setting)
    return FamilyMember.objects.filter(
        pk__in=FamilyLink.objects.filter(pupil__in=pupils).values("family_member_id")
    )


@dataclass(frozen=True)
class Found:
    """One person the picker offers or has chosen: the field and id it posts, the name,
    and what tells them apart from someone of the same name (#22): a pupil's year
    group, class and school; a family member's children, all in one line."""

    field: str  # "pupils" or "family_members"
    pk: int
    name: str
    about: str

    @property
    def key(self) -> str:
        return f"{self.field}:{self.pk}"

    @property
    def text(self) -> str:
        return f"{self.name}, {self.about}" if self.about else self.name


def _pupil_about(pupil: Pupil, made_at: Organisation) -> str:
    parts = []
    if pupil.year_group:
        parts.append(pupil.get_year_group_display())
    if pupil.class_name and pupil.class_name not in parts:
        parts.append(f"class {pupil.class_name}" if pupil.year_group else pupil.class_name)
    if pupil.setting_id != made_at.pk:
        parts.append(pupil.setting.name)
    if pupil.is_former:
        left = f"left {pupil.left_on:%Y}"
        parts.append(f"{left}, now {pupil.destination}" if pupil.destination else left)
    return ", ".join(parts)


def _child_about(link: FamilyLink, made_at: Organisation) -> str:
    about = _pupil_about(link.pupil, made_at)
    return f"{link.pupil} ({about})" if about else str(link.pupil)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _relations(links: Iterable[FamilyLink], made_at: Organisation) -> list[tuple[str, str]]:
    """Each relationship of the links with the children it is to, in words: ("mother",
    "Clive Smith (Year 3) and Dylan Smith (Year 1)")."""
    by_relationship: dict[str, list[str]] = defaultdict(list)
    for link in links:
        by_relationship[link.get_relationship_display()].append(_child_about(link, made_at))
    return [
        (relationship.lower(), _and(children)) for relationship, children in by_relationship.items()
    ]


def _member_about(member: FamilyMember, made_at: Organisation) -> str:
    """ "Mother of Clive Smith (Year 3) and Dylan Smith (Year 1)": every child here."""
    return "; ".join(
        f"{relationship} of {children}"
        for relationship, children in _relations(member.children_here, made_at)
    )


def relationships_of(*, user: Any, declaration: Declaration) -> list[str]:
    """How each family member the declaration names is related to their children, as
    this reader may see them: "Grace Smith is the mother of Clive Smith (Year 3)." (#22:
    the decider is told whose parent is whose). The children of the declaration's trust
    or federation, as on the files; expects :func:`subjects_shown_to` asked; one query."""
    members = [subject.family_member for subject in declaration.shown_subjects]
    members = [member for member in members if member is not None]
    if not members:
        return []
    access = Access.for_user(user)
    everyone = _sees_everyone(access, declaration)
    links: dict[int, list[FamilyLink]] = defaultdict(list)
    for link in (
        FamilyLink.objects.filter(family_member__in=members, pupil__status=Pupil.Status.CURRENT)
        .select_related("pupil__setting")
        .order_by("pupil__family_name", "pupil__given_name", "pk")
    ):
        pupil = link.pupil
        if _same_group(declaration.setting, pupil.setting_id, pupil.setting.parent_id) and (
            everyone or access.sees_people_of({pupil.setting_id})
        ):
            links[link.family_member_id].append(link)
    sentences = []
    other = FamilyLink.Relationship.OTHER.label.lower()  # not "the other relative"
    for member in members:
        relations = _relations(links[member.pk], declaration.setting)
        if relations:
            said = _and(
                [
                    f"{'a relative' if relationship == other else 'the ' + relationship}"
                    f" of {children}"
                    for relationship, children in relations
                ]
            )
            sentences.append(f"{member} is {said}.")
    return sentences


def _told_apart(found: list[Found], born: dict[str, datetime.date]) -> list[Found]:
    """Two pupils alike in name, year and class are told apart by their birthdays."""
    texts = defaultdict(int)
    for each in found:
        texts[each.text] += 1
    return [
        Found(
            each.field,
            each.pk,
            each.name,
            ", ".join(filter(None, [each.about, f"born {date_format(born[each.key], 'j F Y')}"])),
        )
        if texts[each.text] > 1 and each.key in born
        else each
        for each in found
    ]


def people_described(
    *,
    user: Any,
    setting: Organisation,
    pupils: QuerySet[Pupil],
    members: QuerySet[FamilyMember],
    limit: int | None = None,
) -> list[Found]:
    """``pupils`` then ``members``, by name, as the picker shows them: three queries
    whatever their number (each family member's children among the pupils of
    :func:`pupils_for_declaring`, so another school's children are never named)."""
    children = FamilyLink.objects.filter(
        pupil__in=pupils_for_declaring(user=user, setting=setting)
    ).select_related("pupil__setting")
    pupils = pupils.select_related("setting").order_by("family_name", "given_name", "pk")
    members = members.prefetch_related(
        Prefetch(
            "links",
            queryset=children.order_by("pupil__family_name", "pupil__given_name", "pk"),
            to_attr="children_here",
        )
    ).order_by("family_name", "given_name", "pk")
    if limit is not None:
        pupils, members = pupils[:limit], members[:limit]
    born = {}
    found = []
    for pupil in pupils:
        found.append(Found("pupils", pupil.pk, str(pupil), _pupil_about(pupil, setting)))
        born[found[-1].key] = pupil.date_of_birth
    found += [
        Found("family_members", member.pk, str(member), _member_about(member, setting))
        for member in members
    ]
    return _told_apart(found, born)


def people_search(
    *, user: Any, setting: Organisation, query: str, former: bool = False, limit: int = 10
) -> list[Found]:
    """Pupils and family members whose names hold each word of ``query`` however it is
    typed (directory.search), for the picker: a family member once, with all their
    children here."""
    if len("".join(search_words(query))) < 2:
        return []
    pupils = pupils_for_declaring(user=user, setting=setting, former=former)
    members = FamilyMember.objects.none()
    if not former:
        members = family_members_for_declaring(user=user, setting=setting)
    return people_described(
        user=user,
        setting=setting,
        pupils=pupils.filter(name_query(query)),
        members=members.filter(name_query(query)),
        limit=limit,
    )


# The settings a declaration involves (#19) ----------------------------------------------


def _same_group(setting: Organisation, setting_id: int, parent_id: int | None) -> bool:
    return setting_id == setting.pk or (
        setting.parent_id is not None and parent_id == setting.parent_id
    )


def children_settings(family_member_ids: Iterable[int]) -> dict[int, set[tuple[int, int | None]]]:
    """For each family member, the (setting, its trust or federation) of each of their
    children: one query, for any number of declarations."""
    settings: dict[int, set[tuple[int, int | None]]] = defaultdict(set)
    ids = set(family_member_ids)
    if ids:
        for member_id, setting_id, parent_id in FamilyLink.objects.filter(
            family_member_id__in=ids
        ).values_list("family_member_id", "pupil__setting_id", "pupil__setting__parent_id"):
            settings[member_id].add((setting_id, parent_id))
    return settings


def person_settings(
    setting: Organisation,
    *,
    pupil: Pupil | None = None,
    family_member_id: int | None = None,
    children: dict[int, set[tuple[int, int | None]]] | None = None,
) -> frozenset[int]:
    """The settings one person named at ``setting`` belongs to: a pupil's own; a family
    member's children's in ``setting``'s setting, trust or federation (another trust's
    children are not this declaration's, as on the files); anyone else's, ``setting``."""
    if pupil is not None:
        return frozenset({pupil.setting_id})
    if family_member_id is not None:
        found = frozenset(
            setting_id
            for setting_id, parent_id in (children or {}).get(family_member_id, ())
            if _same_group(setting, setting_id, parent_id)
        )
        return found or frozenset({setting.pk})
    return frozenset({setting.pk})


def subject_settings(
    declaration: Declaration,
    subject: DeclarationSubject,
    children: dict[int, set[tuple[int, int | None]]],
) -> frozenset[int]:
    """The settings one subject of ``declaration`` belongs to (:func:`person_settings`)."""
    return person_settings(
        declaration.setting,
        pupil=subject.pupil if subject.pupil_id else None,
        family_member_id=subject.family_member_id,
        children=children,
    )


def settings_involved(declaration: Declaration) -> list[Organisation]:
    """The declaration's own setting first, then every other setting whose pupils it
    names, directly or through a family member's children, by name. Routing, the heads
    who are told and the pages' scoping all ask this one (the module docstring)."""
    subjects = list(declaration.subjects.select_related("pupil"))
    children = children_settings(
        subject.family_member_id for subject in subjects if subject.family_member_id
    )
    ids = {declaration.setting_id}.union(
        *(subject_settings(declaration, subject, children) for subject in subjects)
    )
    others = ids - {declaration.setting_id}
    if not others:
        return [declaration.setting]
    return [declaration.setting, *Organisation.objects.filter(pk__in=others).order_by("name")]


def _sees_everyone(access: Access, declaration: Declaration) -> bool:
    """Whether ``access`` sees everyone ``declaration`` names (:func:`subjects_shown_to`)."""
    parent_id = declaration.setting.parent_id
    return (
        access.is_superuser
        or declaration.declarant_id == access.person_id
        or parent_id is None  # a setting on its own: whoever is named is its own
        or parent_id in access.roles_by_organisation
    )


def subjects_shown_to(*, user: Any, declarations: Iterable[Declaration]) -> None:
    """Ready, on each declaration, ``shown_subjects`` (whom it is about, as this reader
    may see them) and ``hidden_subjects`` (how many more it names that they may not).

    One that names only people of its own setting shows everyone, as it always did;
    so do the declarant's own, and any to a reader over the whole trust or federation.
    One that names people of several settings shows each reader the people of the
    settings they hold a role in (``Access.sees_people_of``): the head of school B sees
    school B's pupil, not school A's. Expects ``subjects`` prefetched with their pupil
    and the declaration's ``setting`` loaded, as the selectors here do; costs at most
    one query (family members' children), whatever the number of declarations."""
    access = Access.for_user(user)
    declarations = list(declarations)
    checked = {
        declaration.pk for declaration in declarations if not _sees_everyone(access, declaration)
    }
    children = children_settings(
        subject.family_member_id
        for declaration in declarations
        if declaration.pk in checked
        for subject in declaration.subjects.all()
        if subject.family_member_id
    )
    for declaration in declarations:
        subjects = list(declaration.subjects.all())
        shown = subjects
        if declaration.pk in checked:
            where = {
                subject.pk: subject_settings(declaration, subject, children) for subject in subjects
            }
            if any(settings - {declaration.setting_id} for settings in where.values()):
                shown = [
                    subject for subject in subjects if access.sees_people_of(where[subject.pk])
                ]
        declaration.shown_subjects = shown
        declaration.hidden_subjects = len(subjects) - len(shown)


def newer_version_of(declaration: Declaration) -> Declaration | None:
    """The live amendment of a declaration, if there is one."""
    return (
        declaration.next_versions.exclude(status=Declaration.Status.WITHDRAWN)
        .order_by("-version")
        .first()
    )


def declaration_changes(declaration: Declaration) -> list[tuple[Any, list[str]]]:
    """The declaration's history (django-simple-history) in plain words, oldest first."""
    records = list(declaration.history.select_related("history_user").order_by("history_id"))
    changes: list[tuple[Any, list[str]]] = []
    previous = None
    for record in records:
        if previous is None:
            changes.append((record, ["Created as a draft"]))
        else:
            delta = record.diff_against(
                previous,
                excluded_fields=[
                    "updated_at",
                    "form_token",
                    "submitted_at",
                    "first_submitted_at",
                    "withdrawn_at",
                ],
            )
            lines = [
                f"Status: {previous.get_status_display()} → {record.get_status_display()}"
                if change.field == "status"
                else f"{field_label(change.field)} changed"
                for change in delta.changes
            ]
            if lines:
                changes.append((record, lines))
        previous = record
    return changes


def field_label(name: str) -> str:
    return str(Declaration._meta.get_field(name).verbose_name).capitalize()


@dataclass(frozen=True)
class Deadline:
    """By when planned contact must be decided: the last school day before it (R24, R39)."""

    planned_on: datetime.date
    decide_by: datetime.date
    planned_day_is: str | None  # why the planned day is not a school day, if it is not
    no_school_day_left: bool  # the last school day before it is today or already gone


def deadline_for(declaration: Declaration, today: datetime.date) -> Deadline | None:
    """What the declarant is told before submitting planned contact: a date in a holiday
    is allowed (a party in half-term is ordinary), but the decision is needed by the
    last school day before it."""
    planned_on = declaration.key_date
    if planned_on is None or planned_on < today:
        return None
    calendar = calendar_for(declaration.setting, planned_on)
    decide_by = calendar.previous_school_day(planned_on)
    return Deadline(
        planned_on=planned_on,
        decide_by=decide_by,
        planned_day_is=calendar.why_not_a_school_day(planned_on),
        no_school_day_left=decide_by <= today,
    )


def gift_check(
    declaration: Declaration, *, at: datetime.datetime | None = None
) -> GiftCheck | None:
    """A gift beside the rule on gifts of its setting (R15, R40), as the rule stands now
    or stood ``at`` a moment; None for a declaration that is not a gift. One query."""
    gift = declaration.kind_entry.gift_declared(declaration.details)
    if gift is None:
        return None
    return GiftCheck(rule=gift_rule_in_force(declaration.setting, at=at), gift=gift, as_of=at)
