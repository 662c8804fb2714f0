"""Reads for deciders, already limited to what the person may see.

A copy with the role of head (``TOLD``) is the head of a school whose pupils a
declaration of several settings names, told of their own pupils' side (#19); the
other copies are the DSL's. The pages show each reader the people of a declaration
as ``declarations.selectors.subjects_shown_to`` says.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole
from declarations.models import Declaration, DeclarationSubject
from declarations.selectors import gift_check
from directory.access import Access
from directory.models import Role
from policies.selectors import GiftCheck

OVERSIGHT_ROLES = (Role.HEAD, Role.EXECUTIVE_HEAD, Role.DSL, Role.DEPUTY_DSL)
# A head told of their own pupils' side of a declaration of several settings (#19).
TOLD = Q(purpose=ApprovalRequest.Purpose.COPY, decider_role=DeciderRole.HEAD)


def is_told(request: ApprovalRequest) -> bool:
    """Whether ``request`` tells a head of their own pupils' side (#19)."""
    return (
        request.purpose == ApprovalRequest.Purpose.COPY and request.decider_role == DeciderRole.HEAD
    )


def _with_declaration(queryset: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return queryset.select_related(
        "declaration__declarant", "declaration__setting", "decider", "on_behalf_of"
    ).prefetch_related(
        Prefetch(
            "declaration__subjects",
            queryset=DeclarationSubject.objects.select_related("pupil", "family_member"),
        )
    )


def request_list_for(*, user: Any) -> QuerySet[ApprovalRequest]:
    """Requests waiting for, or once waiting for, this person (or someone they cover)."""
    if not user.is_authenticated:
        return ApprovalRequest.objects.none()
    return _with_declaration(ApprovalRequest.objects.filter(Q(decider=user) | Q(on_behalf_of=user)))


def dashboard_for(*, user: Any) -> QuerySet[ApprovalRequest]:
    """What waits for my decision: the urgent first (R39), then by due date."""
    if not user.is_authenticated:
        return ApprovalRequest.objects.none()
    # Straight on the decider (not request_list_for's "or covering for"), so that the
    # database reads them from the dashboard index, not all the years of requests (#10).
    return _with_declaration(
        ApprovalRequest.objects.filter(
            decider=user,
            purpose=ApprovalRequest.Purpose.DECIDE,
            status=ApprovalRequest.Status.OPEN,
        )
    ).order_by("-urgent", "due_on", "declaration__key_date", "created_at", "pk")


def dashboard_counts(*, user: Any, today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    week = today + datetime.timedelta(days=7)
    mine = ApprovalRequest.objects.filter(decider=user)
    decide = ApprovalRequest.Purpose.DECIDE
    # Three narrow counts, each read from the dashboard index: one count over all of a
    # decider's requests would read years of them on every visit (#10).
    counts = mine.filter(purpose=decide, status=ApprovalRequest.Status.OPEN).aggregate(
        waiting=Count("pk"),
        urgent=Count("pk", filter=Q(urgent=True)),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due_this_week=Count("pk", filter=Q(due_on__gte=today, due_on__lte=week)),
    )
    counts["decided"] = mine.filter(purpose=decide, status=ApprovalRequest.Status.DECIDED).count()
    unread = mine.filter(purpose=ApprovalRequest.Purpose.COPY, read_at__isnull=True).aggregate(
        copies=Count("pk", filter=~TOLD), told=Count("pk", filter=TOLD)
    )
    counts.update(unread)
    return counts


def copies_for(*, user: Any) -> QuerySet[ApprovalRequest]:
    """What was copied to this person: as DSL, or as a head told (:func:`is_told`)."""
    if not user.is_authenticated:
        return ApprovalRequest.objects.none()
    # An urgent copy not yet read first (a concern, R39), then the newest.
    return _with_declaration(
        ApprovalRequest.objects.filter(decider=user, purpose=ApprovalRequest.Purpose.COPY)
    ).order_by(_urgent_and_unread_first(), "-created_at", "-pk")


def _urgent_and_unread_first() -> Case:
    return Case(When(urgent=True, read_at__isnull=True, then=Value(0)), default=Value(1))


def urgent_for(*, user: Any, limit: int = 5) -> list[ApprovalRequest]:
    """The urgent requests waiting for this person's decision and the urgent copies they
    have not read, the oldest first: the top of their home page (R39)."""
    if not user.is_authenticated:
        return []
    waiting = Q(purpose=ApprovalRequest.Purpose.DECIDE, status=ApprovalRequest.Status.OPEN) | Q(
        purpose=ApprovalRequest.Purpose.COPY, read_at__isnull=True
    )
    return list(
        _with_declaration(
            ApprovalRequest.objects.filter(waiting, decider=user, urgent=True)
        ).order_by("due_on", "created_at", "pk")[:limit]
    )


def request_get_for(*, user: Any, pk: int) -> ApprovalRequest:
    """One request the person may see, or a 404."""
    return get_object_or_404(request_list_for(user=user), pk=pk)


def declaration_pages_for(*, user: Any, declarations: Iterable[Declaration]) -> dict[int, str]:
    """Where the reader opens each of these declarations, for those they may open: their
    own, on its own page; one that came to them (to decide, copied, or for someone they
    covered), on the page of the latest such request. One query at most."""
    access = Access.for_user(user)
    pages: dict[int, str] = {}
    others = []
    for declaration in declarations:
        if declaration.declarant_id == access.person_id:
            pages[declaration.pk] = declaration.get_absolute_url()
        else:
            others.append(declaration.pk)
    if access.person_id is None or not others:
        return pages
    came = ApprovalRequest.objects.filter(
        Q(decider_id=access.person_id) | Q(on_behalf_of_id=access.person_id),
        declaration_id__in=others,
    )
    for request in came.only("pk", "declaration_id").order_by("created_at", "pk"):
        pages[request.declaration_id] = request.get_absolute_url()
    return pages


def declaration_trail(declaration: Declaration) -> QuerySet[ApprovalRequest]:
    """Every request and decision on a declaration, oldest first."""
    return declaration.approval_requests.select_related(
        "decider", "on_behalf_of", "decision__decided_by"
    ).order_by("created_at", "pk")


def related_declarations(*, user: Any, declaration: Declaration) -> QuerySet[Declaration]:
    """Other declarations by the same person, and (for heads and DSLs) about the same family."""
    subjects = list(declaration.subjects.all())
    pupil_ids = [subject.pupil_id for subject in subjects if subject.pupil_id]
    member_ids = [subject.family_member_id for subject in subjects if subject.family_member_id]
    # Anyone sees the declarant's other declarations that came to them; heads and DSLs
    # also see, within their setting, the declarant's others and those about the family.
    related = Q(declarant_id=declaration.declarant_id) & (
        Q(approval_requests__decider=user) | Q(approval_requests__on_behalf_of=user)
    )
    access = Access.for_user(user)
    if access.has_role(*OVERSIGHT_ROLES, organisation=declaration.setting_id):
        related |= Q(setting_id=declaration.setting_id) & (
            Q(declarant_id=declaration.declarant_id)
            | Q(subjects__pupil_id__in=pupil_ids)
            | Q(subjects__family_member_id__in=member_ids)
            | Q(subjects__family_member__links__pupil_id__in=pupil_ids)
            | Q(subjects__pupil__family_links__family_member_id__in=member_ids)
        )
    ids = (
        Declaration.objects.filter(related)
        .exclude(pk=declaration.pk)
        .exclude(status=Declaration.Status.DRAFT)
        .values("pk")
    )
    return (
        Declaration.objects.filter(pk__in=ids)
        .select_related("declarant", "setting")
        .prefetch_related(
            Prefetch(
                "subjects",
                queryset=DeclarationSubject.objects.select_related("pupil", "family_member"),
            )
        )
        .order_by("-created_at")[:20]
    )


def gift_check_for(approval: ApprovalRequest) -> GiftCheck | None:
    """The declared gift beside its setting's rule on gifts (R15, R40): the rule as it
    stood when this request was decided, or as it stands while the request waits. None
    for a declaration that is not a gift."""
    if not approval.declaration.kind_entry.is_gift:
        return None
    decision = getattr(approval, "decision", None)
    return gift_check(approval.declaration, at=decision.decided_at if decision else None)


def nobody_to_decide_count(organisation_ids: Iterable[int]) -> int:
    """Open requests of these organisations' settings that routing found nobody to
    decide (the administration screens' "Nobody to decide it"). One query."""
    return ApprovalRequest.objects.filter(
        decider__isnull=True,
        status=ApprovalRequest.Status.OPEN,
        declaration__setting_id__in=list(organisation_ids),
    ).count()
