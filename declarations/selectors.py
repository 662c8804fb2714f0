"""Reads of declarations, already limited to what the person may see.

For now a declaration is seen by its declarant only; the deciders, DSLs and
registers that also see it (issues #5 and #6) widen :func:`declaration_list_for`.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from declarations.models import Attachment, Declaration, DeclarationSubject
from directory.access import Access
from directory.calendar import calendar_for
from directory.models import FamilyLink, FamilyMember, Organisation, Pupil, Role
from policies.selectors import GiftCheck, gift_rule_in_force


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
    """One declaration the person may see, or a 404 (never a 403 that confirms it exists)."""
    return get_object_or_404(declaration_list_for(user=user).prefetch_related("attachments"), pk=pk)


def attachment_get_for(*, user: Any, pk: int) -> Attachment:
    """An attachment, under exactly the same rule as its declaration."""
    return get_object_or_404(
        Attachment.objects.select_related("declaration"),
        pk=pk,
        declaration__in=declaration_list_for(user=user),
    )


def declaring_settings_for(*, user: Any) -> QuerySet[Organisation]:
    """The settings a person can declare in: every setting they hold any role in (R1)."""
    return Access.for_user(user).settings().order_by("name")


def pupils_for_declaring(
    *, user: Any, setting: Organisation, former: bool = False
) -> QuerySet[Pupil]:
    """Pupils of ``setting`` the person may name; current ones, or former ones for R18."""
    access = Access.for_user(user)
    if not access.has_role(*Role.values, organisation=setting):
        return Pupil.objects.none()
    status = Pupil.Status.FORMER if former else Pupil.Status.CURRENT
    return access.pupils().filter(setting=setting, status=status)


def family_members_for_declaring(*, user: Any, setting: Organisation) -> QuerySet[FamilyMember]:
    """Family members of the current pupils of ``setting`` the person may name."""
    pupils = pupils_for_declaring(user=user, setting=setting)
    return FamilyMember.objects.filter(
        pk__in=FamilyLink.objects.filter(pupil__in=pupils).values("family_member_id")
    )


def people_search(
    *, user: Any, setting: Organisation, query: str, former: bool = False, limit: int = 10
) -> tuple[list[Pupil], list[FamilyLink]]:
    """Pupils and family members whose names match ``query``, for the picker."""
    words = query.split()
    if not words or len(query.strip()) < 2:
        return [], []
    pupils = pupils_for_declaring(user=user, setting=setting, former=former)
    for word in words[:3]:
        pupils = pupils.filter(given_name__icontains=word) | pupils.filter(
            family_name__icontains=word
        )
    links = FamilyLink.objects.none()
    if not former:
        links = FamilyLink.objects.filter(
            pupil__in=pupils_for_declaring(user=user, setting=setting)
        ).select_related("family_member", "pupil")
        for word in words[:3]:
            links = links.filter(family_member__given_name__icontains=word) | links.filter(
                family_member__family_name__icontains=word
            )
    return (
        list(pupils.order_by("family_name", "given_name")[:limit]),
        list(links.order_by("family_member__family_name", "family_member__given_name")[:limit]),
    )


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
