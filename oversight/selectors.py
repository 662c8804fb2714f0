"""Reads for the DSL: patterns across declarations and the audit history (R34), each
limited to the settings the signed-in person may see."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, TruncDate

from approvals.models import CONFIDENTIAL_OUTCOMES
from contactpolicy.audit import codes_of, registry
from contactpolicy.audit_actions import ACCESS_REFUSED
from contactpolicy.audit_details import Shown, describe_events
from contactpolicy.models import AuditEvent
from declarations.kinds import codes_where
from declarations.models import Declaration, DeclarationSubject
from directory.access import AUDIT_ROLES, PATTERN_ROLES, SAFEGUARDING_ROLES, Access
from directory.models import FamilyLink, FamilyMember, Membership, Organisation, Person, Pupil
from directory.selectors import name_query
from registers.selectors import current_versions, pupil_query


def pattern_settings_for(*, user: Any) -> QuerySet[Organisation]:
    """The DSL, deputy DSL and Executive Headteacher look for patterns."""
    return Access.for_user(user).settings(*PATTERN_ROLES)


@dataclass(frozen=True)
class Pattern:
    pupil: Pupil
    count: int
    people: int = 0
    declarant: Person | None = None


def _pupil_subjects(
    settings: QuerySet[Organisation], since: datetime.date, until: datetime.date
) -> QuerySet[Declaration]:
    return current_versions().filter(
        setting__in=settings,
        submitted_at__date__gte=since,
        submitted_at__date__lte=until,
    )


# The thresholds a pattern is looked for at unless the DSL chooses others, and the
# period: the patterns page starts from them, the DSL's home lists what is above them.
PATTERN_THRESHOLDS = {"staff_threshold": 3, "gift_threshold": 2, "declaration_threshold": 3}
PATTERN_PERIOD = datetime.timedelta(days=365)


def patterns_for(
    *,
    user: Any,
    since: datetime.date,
    until: datetime.date,
    staff_threshold: int = PATTERN_THRESHOLDS["staff_threshold"],
    gift_threshold: int = PATTERN_THRESHOLDS["gift_threshold"],
    declaration_threshold: int = PATTERN_THRESHOLDS["declaration_threshold"],
) -> dict[str, list[Pattern]]:
    """Three patterns over a period, each counted in the database (grouped queries):

    * several staff declaring contact with the same family (a pupil, or a family
      member of theirs, named);
    * one family giving gifts again and again;
    * one staff member making many declarations about one pupil.
    """
    settings = pattern_settings_for(user=user)
    declarations = _pupil_subjects(settings, since, until)
    # A declaration "concerns" a pupil if it names them or one of their family.
    # Only the reader's own settings' pupils: a declaration may also name pupils of
    # another school of the trust or federation, whom they may not see (#19).
    direct = DeclarationSubject.objects.filter(
        declaration__in=declarations, pupil__setting__in=settings
    ).values_list("pupil_id", "declaration_id", "declaration__declarant_id", "declaration__kind")
    named_members = list(
        DeclarationSubject.objects.filter(
            declaration__in=declarations, family_member__isnull=False
        ).values_list(
            "family_member_id", "declaration_id", "declaration__declarant_id", "declaration__kind"
        )
    )
    children = defaultdict(list)
    for member_id, pupil_id in FamilyLink.objects.filter(
        family_member_id__in={row[0] for row in named_members}, pupil__setting__in=settings
    ).values_list("family_member_id", "pupil_id"):
        children[member_id].append(pupil_id)
    via_family = [
        (pupil_id, declaration_id, declarant_id, kind)
        for member_id, declaration_id, declarant_id, kind in named_members
        for pupil_id in children[member_id]
    ]
    gift_kinds = set(codes_where(is_gift=True))
    families = defaultdict(lambda: {"people": set(), "declarations": set(), "gifts": set()})
    pairs = defaultdict(set)
    for pupil_id, declaration_id, declarant_id, kind in [*direct, *via_family]:
        family = families[pupil_id]
        family["people"].add(declarant_id)
        family["declarations"].add(declaration_id)
        if kind in gift_kinds:
            family["gifts"].add(declaration_id)
        pairs[(declarant_id, pupil_id)].add(declaration_id)
    several = {
        pupil_id: len(family["people"])
        for pupil_id, family in families.items()
        if len(family["people"]) >= staff_threshold
    }
    gifts = {
        pupil_id: len(family["gifts"])
        for pupil_id, family in families.items()
        if len(family["gifts"]) >= gift_threshold
    }
    many = {pair: len(ids) for pair, ids in pairs.items() if len(ids) >= declaration_threshold}
    pupil_ids = set(several) | set(gifts) | {pupil_id for _, pupil_id in many}
    pupils = Pupil.objects.select_related("setting").in_bulk(pupil_ids)
    people = Person.objects.in_bulk({person_id for person_id, _ in many})
    return {
        "several_staff": sorted(
            (
                Pattern(pupil=pupils[pk], count=len(families[pk]["declarations"]), people=n)
                for pk, n in several.items()
            ),
            key=lambda item: -item.people,
        ),
        "repeated_gifts": sorted(
            (Pattern(pupil=pupils[pk], count=n) for pk, n in gifts.items()),
            key=lambda item: -item.count,
        ),
        "many_declarations": sorted(
            (
                Pattern(pupil=pupils[pupil_id], count=n, declarant=people[person_id])
                for (person_id, pupil_id), n in many.items()
            ),
            key=lambda item: -item.count,
        ),
    }


def audit_scope_for(*, user: Any) -> set[int]:
    """Organisations whose audit history the person reads: DSL, deputy DSL and
    administrator of a setting; the Executive Headteacher across the federation."""
    access = Access.for_user(user)
    return set(access.organisation_ids(*AUDIT_ROLES))


def audit_events_for(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """Audit events of the person's settings, newest first, narrowed by ``filters``
    (person, pupil, family, kind, action, refused, date_from, date_to)."""
    access = Access.for_user(user)
    filters = filters or {}
    if access.is_superuser:
        events = AuditEvent.objects.all()
    else:
        scope = audit_scope_for(user=user)
        if not scope:
            return AuditEvent.objects.none()
        # An event with no setting (a sign-in, a staff file opened) belongs to the
        # settings where its actor, or the person it is about, worked on that day.
        day = OuterRef("day")
        members_then = Membership.objects.filter(
            organisation_id__in=scope, starts_on__lte=day
        ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        person_type = ContentType.objects.get_for_model(Person)
        # A file opened is about the person whose file it is; an event with no
        # target at all (an audit search) is about whoever did it; a record of another
        # school someone tried to open is theirs too (#21), read without its name
        # (audit_events_describe).
        events = AuditEvent.objects.annotate(day=TruncDate("occurred_at")).filter(
            Q(organisation_pk__in=scope)
            | Q(organisation_pk__isnull=True, target_type__isnull=True)
            & Exists(members_then.filter(person_id=OuterRef("actor_id")))
            | Q(action=ACCESS_REFUSED) & Exists(members_then.filter(person_id=OuterRef("actor_id")))
            | Q(organisation_pk__isnull=True, target_type=person_type)
            & Exists(
                members_then.annotate(key=Cast("person_id", CharField())).filter(
                    key=OuterRef("target_id")
                )
            )
        )
    declaration_type = ContentType.objects.get_for_model(Declaration)
    pupil_type = ContentType.objects.get_for_model(Pupil)
    # Nobody reads the trail of a referral or LADO consultation about themself.
    own_confidential = Declaration.objects.filter(
        declarant_id=access.person_id,
        approval_requests__decision__outcome__in=CONFIDENTIAL_OUTCOMES,
    )
    events = events.exclude(
        target_type=declaration_type,
        target_id__in=own_confidential.annotate(key=Cast("pk", CharField())).values("key"),
    )
    person_type = ContentType.objects.get_for_model(Person)

    def declaration_keys(queryset: QuerySet[Declaration]) -> QuerySet:
        return queryset.annotate(key=Cast("pk", CharField())).values("key")

    if person := (filters.get("person") or "").strip():
        people = Person.objects.filter(name_query(person))
        events = events.filter(
            Q(actor__in=people)
            | Q(
                target_type=person_type,
                target_id__in=people.annotate(key=Cast("pk", CharField())).values("key"),
            )
            | Q(
                target_type=declaration_type,
                target_id__in=declaration_keys(Declaration.objects.filter(declarant__in=people)),
            )
        )
    if pupil := (filters.get("pupil") or "").strip():
        pupils = Pupil.objects.filter(pupil_query(pupil))
        about = Declaration.objects.filter(
            Q(subjects__pupil__in=pupils) | Q(subjects__family_member__links__pupil__in=pupils)
        )
        events = events.filter(
            Q(
                target_type=pupil_type,
                target_id__in=pupils.annotate(key=Cast("pk", CharField())).values("key"),
            )
            | Q(target_type=declaration_type, target_id__in=declaration_keys(about))
        )
    if family := (filters.get("family") or "").strip():
        members = FamilyMember.objects.filter(name_query(family))
        about = Declaration.objects.filter(subjects__family_member__in=members)
        events = events.filter(target_type=declaration_type, target_id__in=declaration_keys(about))
    if kind := filters.get("kind"):
        events = events.filter(
            target_type=declaration_type,
            target_id__in=declaration_keys(Declaration.objects.filter(kind=kind)),
        )
    if action := filters.get("action"):
        # With the codes it replaced, so that rows written under those are found too.
        events = events.filter(action__in=codes_of(action))
    if filters.get("refused"):
        # Records someone may not open, failed and refused sign-ins, attempts refused.
        events = events.filter(action__in=registry.codes_where(refusal=True))
    if date_from := filters.get("date_from"):
        events = events.filter(occurred_at__date__gte=date_from)
    if date_to := filters.get("date_to"):
        events = events.filter(occurred_at__date__lte=date_to)
    return events.select_related("actor", "target_type").order_by("-occurred_at", "-pk")


def reads_confidential_details(*, user: Any, organisation_pk: int | None) -> bool:
    """Whether the person reads the details of a confidential event (a concern, a
    referral, LADO advice, the DSL's log) filed under ``organisation_pk``: the
    safeguarding roles there (KCSIE Part 4; ``directory.access.SAFEGUARDING_ROLES``).
    An administrator, or a platform operator, reads that it happened, not what it said."""
    safeguarding = Access.for_user(user).organisation_ids(*SAFEGUARDING_ROLES)
    return organisation_pk in safeguarding if organisation_pk is not None else bool(safeguarding)


def audit_events_describe(*, user: Any, events: Any) -> list[AuditEvent]:
    """``events`` read for the person (``contactpolicy.audit_details.describe_events``):
    each with its label, who, its record and its details in words, linked where the
    person may open what they name; a confidential event's details withheld from those
    who may not read them. A fixed number of queries, whatever the number of events."""
    events = describe_events(
        events,
        reader=user,
        may_read_confidential=lambda event: reads_confidential_details(
            user=user, organisation_pk=event.organisation_pk
        ),
    )
    _elsewhere(user, events)
    return events


def _elsewhere(user: Any, events: list[AuditEvent]) -> None:
    """A refusal of a record of an organisation the reader does not oversee (one of
    their staff tried to open another school's pupil file) says where, never which
    record: that school's DSL reads its name (one query)."""
    if Access.for_user(user).is_superuser:
        return
    scope = audit_scope_for(user=user)
    outside = [
        event
        for event in events
        if event.action == ACCESS_REFUSED and event.organisation_pk not in scope
    ]
    names = dict(
        Organisation.objects.filter(
            pk__in={event.organisation_pk for event in outside}
        ).values_list("pk", "name")
    )
    for event in outside:
        what = event.target_type.name if event.target_type_id else "page"
        where = names.get(event.organisation_pk, "another organisation")
        event.record = Shown(f"A {what} of {where}")
        event.details = []
        event.elsewhere = True
