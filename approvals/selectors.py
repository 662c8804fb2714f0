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

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from approvals.models import DSL_ROLES, ApprovalRequest, DeciderRole, Decision, DslLogEntry
from approvals.routing import conflicted_people
from contactpolicy.refusals import visible_or_404
from declarations.kinds import codes_where
from declarations.models import Declaration, DeclarationSubject
from declarations.selectors import gift_check
from directory.access import SAFEGUARDING_ROLES, Access
from directory.models import SAFEGUARDING_CHAIN_ROLES, FamilyLink, Membership, Person, Role
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
    """One request the person may see, or a 404 (a refusal on the audit trail, against
    its declaration, if it exists)."""
    return visible_or_404(request_list_for(user=user), about="declaration", pk=pk)


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


# The DSL's log (R41) ---------------------------------------------------------------------

# Who keeps the DSL's log: the designated safeguarding lead (or officer) and the deputies.
DSL_LOG_ROLES = (Role.DSL, Role.DEPUTY_DSL)
# What the DSL's home calls a new concern: the kinds that are safeguarding matters and
# always urgent, the concerns of R19 (declarations.kinds says which).
CONCERN_KINDS = codes_where(safeguarding=True, urgent=True)


def sent_to_the_dsl(declaration: Declaration) -> QuerySet[ApprovalRequest]:
    """The requests that copied or referred ``declaration`` to a safeguarding lead."""
    return declaration.approval_requests.filter(decider_role__in=DSL_ROLES)


def dsl_log_refusal(*, user: Any, request: ApprovalRequest) -> str | None:
    """Why ``user`` may not keep the DSL's log from ``request``, or None when they may:
    they hold the role of DSL or deputy DSL for the declaration's setting, the request
    is theirs and not a head's told of their own pupils' side (#19), and neither the
    declaration nor the children are theirs (the declarant, or family)."""
    access = Access.for_user(user)
    declaration = request.declaration
    if is_told(request):
        return "A copy telling you of your own pupils' side keeps no log."
    if not access.has_role(*DSL_LOG_ROLES, organisation=declaration.setting_id):
        return (
            "Only the designated safeguarding lead or a deputy of "
            f"{declaration.setting.name} records what was done."
        )
    if access.person_id in conflicted_people(declaration):
        return "You cannot record what was done about your own declaration or your own family."
    return None


def dsl_log_request_for(*, user: Any, pk: int) -> ApprovalRequest:
    """A request of the person's (as :func:`request_get_for`) on a declaration that was
    copied or referred to the DSL, from which they may keep its log: a 404 for any
    other request (nothing of a declaration the DSL was not sent is confirmed), a 403
    for someone who is not its DSL or deputy DSL."""
    approval = request_get_for(user=user, pk=pk)
    if not sent_to_the_dsl(approval.declaration).exists():
        raise Http404
    if (reason := dsl_log_refusal(user=user, request=approval)) is not None:
        raise PermissionDenied(reason)
    return approval


def may_read_dsl_log(*, user: Any, request: ApprovalRequest) -> bool:
    """Whether the page of ``request`` shows its declaration's log to ``user``: the
    safeguarding roles of its setting (the head, the Executive Headteacher, the DSL and
    deputy), never the declarant or the children's family, nor a head told (#19)."""
    access = Access.for_user(user)
    declaration = request.declaration
    return (
        not is_told(request)
        and access.has_role(*SAFEGUARDING_ROLES, organisation=declaration.setting_id)
        and access.person_id not in conflicted_people(declaration)
    )


def dsl_log_of(declaration: Declaration) -> QuerySet[DslLogEntry]:
    """What the DSL and the deputies did about ``declaration``, in the order it was done."""
    return declaration.dsl_log.select_related("done_by", "recorded_by")


def dsl_log_people(
    declaration: Declaration, *, actor: Any, on: datetime.date | None = None
) -> QuerySet[Person]:
    """Who may be named as having done something about ``declaration``: the person
    recording it and the people of its safeguarding chain there (its DSL and deputies,
    its head, the Executive Headteacher), never its declarant or the children's family."""
    setting = declaration.setting
    holders = Membership.objects.current(on).filter(
        role__in=SAFEGUARDING_CHAIN_ROLES,
        organisation_id__in=[setting.pk, setting.parent_id],
    )
    return (
        Person.objects.filter(Q(pk=actor.pk) | Q(pk__in=holders.values("person_id")))
        .exclude(pk__in=conflicted_people(declaration))
        .order_by("family_name", "given_name", "pk")
    )


def new_concerns_for(*, user: Any, limit: int = 10) -> QuerySet[Declaration]:
    """The DSL's home: concerns (R19) that came to this person (a copy, a referral, or
    to decide) and are not yet decided, the newest first, each with ``request_pk``, the
    person's own request to open it from, and ``acted_on``, whether the DSL's log has
    anything on it yet."""
    if not user.is_authenticated:
        return Declaration.objects.none()
    theirs = (
        ApprovalRequest.objects.filter(decider=user, declaration_id=OuterRef("pk"))
        .exclude(TOLD)
        .order_by("-created_at", "-pk")
    )
    return (
        Declaration.objects.filter(
            Exists(theirs),
            kind__in=CONCERN_KINDS,
            status__in=(Declaration.Status.SUBMITTED, Declaration.Status.MORE_INFO),
        )
        .annotate(
            request_pk=Subquery(theirs.values("pk")[:1]),
            acted_on=Exists(DslLogEntry.objects.filter(declaration_id=OuterRef("pk"))),
        )
        .select_related("declarant", "setting")
        .order_by("-submitted_at", "-pk")[:limit]
    )


def copies_not_acted_on_for(*, user: Any, limit: int = 10) -> QuerySet[ApprovalRequest]:
    """The DSL's home: what was copied to this person as DSL or deputy DSL (R22) and has
    nothing in the DSL's log yet, the urgent first, then the oldest; a concern still
    waiting is listed with the new concerns instead."""
    if not user.is_authenticated:
        return ApprovalRequest.objects.none()
    still_new = Q(
        declaration__kind__in=CONCERN_KINDS,
        declaration__status__in=(Declaration.Status.SUBMITTED, Declaration.Status.MORE_INFO),
    )
    acted_on = DslLogEntry.objects.filter(declaration_id=OuterRef("declaration_id"))
    return (
        ApprovalRequest.objects.filter(
            decider=user, purpose=ApprovalRequest.Purpose.COPY, decider_role__in=DSL_ROLES
        )
        .exclude(still_new)
        .exclude(declaration__status=Declaration.Status.WITHDRAWN)
        .filter(~Exists(acted_on))
        .select_related("declaration__declarant", "declaration__setting")
        .order_by("-urgent", "created_at", "pk")[:limit]
    )


# What a decider decided, and what waits on the people below a head (#22) ---------------

HEAD_ROLES = (Role.HEAD, Role.EXECUTIVE_HEAD)


def leads_a_setting(user: Any) -> bool:
    """Whether the person is a head or Executive Headteacher somewhere: who sees what
    waits on the other deciders of their settings."""
    return Access.for_user(user).has_role(*HEAD_ROLES)


def decided_by(*, user: Any) -> QuerySet[Decision]:
    """The decisions this person recorded, the newest first."""
    if not user.is_authenticated:
        return Decision.objects.none()
    return (
        Decision.objects.filter(decided_by=user)
        .select_related(
            "request__declaration__declarant", "request__declaration__setting", "request"
        )
        .prefetch_related(
            Prefetch(
                "request__declaration__subjects",
                queryset=DeclarationSubject.objects.select_related("pupil", "family_member"),
            )
        )
        .order_by("-decided_at", "-pk")
    )


def _overdue_first(today: datetime.date) -> Case:
    return Case(When(due_on__lt=today, then=Value(0)), default=Value(1))


def waiting_on_others_for(
    *, user: Any, today: datetime.date | None = None
) -> QuerySet[ApprovalRequest]:
    """For a head or Executive Headteacher: the declarations of their settings waiting
    for someone else's decision (their line managers, a DSL, a delegate), overdue first,
    then the urgent, then by due date. Someone else's own declaration (a head's, decided
    by the Chair) is theirs to see only if they decide it."""
    if not leads_a_setting(user):
        return ApprovalRequest.objects.none()
    today = today or timezone.localdate()
    settings = Access.for_user(user).settings(*HEAD_ROLES)
    return (
        _with_declaration(
            ApprovalRequest.objects.filter(
                declaration__setting__in=settings,
                purpose=ApprovalRequest.Purpose.DECIDE,
                status=ApprovalRequest.Status.OPEN,
                decider__isnull=False,
            )
            .exclude(decider=user)
            .exclude(declaration__declarant__in=_heads_of(settings))
            # Kept from her as routing keeps them (routing.conflicted_people): about
            # her own family.
            .exclude(Exists(_about_the_family_of(user)))
        )
        .annotate(overdue_order=_overdue_first(today))
        .order_by("overdue_order", "-urgent", "due_on", "created_at", "pk")
    )


def _about_the_family_of(user: Any) -> QuerySet[DeclarationSubject]:
    """The subjects of a request's declaration who are the person's family: the person
    as a family member, their children, or another parent of their children."""
    children = FamilyLink.objects.filter(family_member__person=user).values("pupil_id")
    return DeclarationSubject.objects.filter(
        Q(family_member__person=user)
        | Q(pupil_id__in=children)
        | Q(family_member__links__pupil_id__in=children),
        declaration_id=OuterRef("declaration_id"),
    )


def _heads_of(settings: QuerySet) -> QuerySet[Person]:
    """The heads and Executive Headteachers of ``settings`` and of the trust or
    federation above them: their own declarations go above them, not to be watched."""
    return Person.objects.filter(
        pk__in=Membership.objects.current()
        .filter(
            Q(organisation__in=settings) | Q(organisation__children__in=settings),
            role__in=HEAD_ROLES,
        )
        .values("person_id")
    )


def waiting_on_others_by_decider(*, user: Any, today: datetime.date | None = None) -> list[dict]:
    """How many wait on each other decider of a head's settings, and how many of those
    are overdue, the most overdue first: the head's home page (one query)."""
    today = today or timezone.localdate()
    rows = (
        waiting_on_others_for(user=user, today=today)
        .order_by()
        .values("decider_id", "decider__given_name", "decider__family_name")
        .annotate(count=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    )
    return sorted(
        rows,
        key=lambda row: (-row["overdue"], -row["count"], row["decider__family_name"]),
    )
