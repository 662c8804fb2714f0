"""Turn a declaration and the routing rules into the one person who decides it (R21, R22).

The rule for the kind names a role. The role is looked up for the declaration's
setting; if nobody holds it, or the person found is the declarant or family of the
people the declaration is about, the next role up is tried (line manager, head of
setting, Executive Headteacher, Chair of Governors). Cover and delegation then
redirect to whoever is standing in. Every step is written down as the reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Q, Value, When
from django.utils import timezone

from approvals.models import ESCALATION, Cover, DeciderRole, RoutingRule
from declarations.kinds import get_kind
from declarations.models import Declaration
from directory.models import FamilyLink, FamilyMember, Membership, Organisation, Person, Role


def default_role(kind: str, setting: Organisation) -> DeciderRole:
    """Who decides ``kind`` here when no routing rule says (the kind's own entry)."""
    entry = get_kind(kind)
    if setting.kind == Organisation.Kind.PRESCHOOL:
        return DeciderRole(entry.decider_in_pre_school)
    role = DeciderRole(entry.decider_in_school)
    if role == DeciderRole.EXECUTIVE_HEAD and setting.parent_id is None:
        return DeciderRole.HEAD  # a school on its own has no Executive Headteacher
    return role


@dataclass
class Route:
    decider: Person | None
    role: DeciderRole
    on_behalf_of: Person | None = None
    reasons: list[str] = field(default_factory=list)
    copy_to: list[Person] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return " ".join(self.reasons)


def below_the_head(kind: str, role: str) -> bool:
    """Whether a rule would have ``kind`` decided below the head, which its entry forbids."""
    return get_kind(kind).head_or_above and RANK[DeciderRole(role)] < RANK[DeciderRole.HEAD]


def rule_for(declaration: Declaration) -> tuple[DeciderRole, bool, str]:
    """The role that decides this kind here, whether the DSL is copied, and why."""
    setting = declaration.setting
    rules = {
        rule.organisation_id: rule
        for rule in RoutingRule.objects.filter(
            kind=declaration.kind,
            organisation_id__in=[setting.pk, setting.parent_id],
        )
    }
    rule = rules.get(setting.pk) or rules.get(setting.parent_id)
    if rule is not None:
        role = DeciderRole(rule.decider_role)
        reason = (
            f"Rule for {rule.get_kind_display().lower()} in {rule.organisation}: "
            f"{rule.get_decider_role_display().lower()} decides."
        )
        if below_the_head(declaration.kind, role):
            role = DeciderRole.HEAD
            reason += " This kind is never decided below the head: the head decides."
        return role, rule.copy_dsl, reason
    role = default_role(declaration.kind, setting)
    return role, False, f"Default route: {role.label.lower()} decides."


def own_setting_first(setting: Organisation) -> Case:
    """Sort memberships of the setting itself before those of its trust or federation."""
    return Case(When(organisation_id=setting.pk, then=Value(0)), default=Value(1))


def holders(role: DeciderRole, declaration: Declaration, on: datetime.date) -> list[Person]:
    """The people holding ``role`` for this declaration's setting, nearest first."""
    setting = declaration.setting
    current = Membership.objects.current(on).select_related("person")
    if role == DeciderRole.LINE_MANAGER:
        still_here = Membership.objects.current(on).filter(
            organisation_id__in=[setting.pk, setting.parent_id]
        )
        managers = (
            current.filter(
                person=declaration.declarant,
                organisation_id__in=[setting.pk, setting.parent_id],
                line_manager__isnull=False,
                line_manager__is_active=True,
                line_manager__memberships__in=still_here,  # a manager who left is skipped
            )
            .select_related("line_manager")
            .order_by(own_setting_first(setting), "pk")
        )
        return list(dict.fromkeys(membership.line_manager for membership in managers))
    membership_role = {
        DeciderRole.HEAD: Role.HEAD,
        DeciderRole.EXECUTIVE_HEAD: Role.EXECUTIVE_HEAD,
        DeciderRole.CHAIR: Role.CHAIR,
        DeciderRole.DSL: Role.DSL,
    }[role]
    places = [setting.pk, setting.parent_id] if role != DeciderRole.HEAD else [setting.pk]
    found = current.filter(role=membership_role, organisation_id__in=places).order_by(
        own_setting_first(setting), "person__family_name", "person__given_name"
    )
    return [membership.person for membership in found]


# Seniority along the chain: a decider must stand above the declarant's own role.
RANK = {
    DeciderRole.LINE_MANAGER: 0,
    DeciderRole.DSL: 0,
    DeciderRole.HEAD: 1,
    DeciderRole.EXECUTIVE_HEAD: 2,
    DeciderRole.CHAIR: 3,
}
SENIOR_ROLES = {
    Role.HEAD: DeciderRole.HEAD,
    Role.EXECUTIVE_HEAD: DeciderRole.EXECUTIVE_HEAD,
    Role.CHAIR: DeciderRole.CHAIR,
}


def declarant_rank(declaration: Declaration, on: datetime.date) -> tuple[int, DeciderRole | None]:
    """How senior the declarant is here: the head's own go above the head (001 §1.1)."""
    return person_rank(declaration.declarant_id, declaration.setting, on)


def person_rank(
    person_id: int, setting: Organisation, on: datetime.date
) -> tuple[int, DeciderRole | None]:
    held = Membership.objects.current(on).filter(
        person_id=person_id,
        organisation_id__in=[setting.pk, setting.parent_id],
        role__in=list(SENIOR_ROLES),
    )
    roles = [SENIOR_ROLES[role] for role in held.values_list("role", flat=True)]
    if not roles:
        return -1, None
    top = max(roles, key=RANK.__getitem__)
    return RANK[top], top


def senior_enough(person_id: int, declaration: Declaration, on: datetime.date) -> bool:
    """Whether the person may decide for the declarant's seniority: anyone with the role
    for a member of staff's declaration, only someone above them for a head's or an
    Executive Headteacher's own (001 §1.1). The one rule routing, cover and the
    administrator's assignment all ask."""
    floor, _ = declarant_rank(declaration, on)
    return floor < 0 or person_rank(person_id, declaration.setting, on)[0] > floor


def decider_problem(person_id: int, declaration: Declaration, on: datetime.date) -> str | None:
    """Why this person cannot decide the declaration, or None."""
    if person_id in conflicted_people(declaration):
        return "This person cannot decide it: it is their own declaration or about their family."
    if not senior_enough(person_id, declaration, on):
        _, own_role = declarant_rank(declaration, on)
        return f"The declarant is the {own_role.label.lower()}: choose someone senior to them."
    return None


def conflicted_people(declaration: Declaration) -> set[int]:
    """The declarant, and anyone who is family of the people the declaration is about."""
    subjects = list(declaration.subjects.all())
    pupil_ids = [subject.pupil_id for subject in subjects if subject.pupil_id]
    member_ids = [subject.family_member_id for subject in subjects if subject.family_member_id]
    # The named family members lead to their children, and so to the other parent too.
    pupil_ids += list(
        FamilyLink.objects.filter(family_member_id__in=member_ids).values_list(
            "pupil_id", flat=True
        )
    )
    family = FamilyMember.objects.filter(
        Q(pk__in=member_ids) | Q(links__pupil_id__in=pupil_ids), person__isnull=False
    ).values_list("person_id", flat=True)
    return {declaration.declarant_id, *family}


def cover_for(person: Person, on: datetime.date) -> Cover | None:
    return (
        Cover.objects.filter(person=person, starts_on__lte=on, ends_on__gte=on)
        .select_related("delegate")
        .order_by("-starts_on")
        .first()
    )


def resolve(
    declaration: Declaration,
    *,
    start: DeciderRole | None = None,
    on: datetime.date | None = None,
    exclude: set[int] | None = None,
    copy_dsl: bool = False,
) -> Route:
    """Who decides ``declaration``: from the rule's role, or from ``start`` when escalating."""
    on = on or timezone.localdate()
    rule_role, rule_copies, rule_reason = rule_for(declaration)
    copy_dsl = copy_dsl or rule_copies
    role: DeciderRole | None = start or rule_role
    reasons = [] if start else [rule_reason]
    blocked = conflicted_people(declaration) | (exclude or set())
    floor, own_role = declarant_rank(declaration, on)
    route = Route(decider=None, role=role, reasons=reasons)
    while role is not None:
        if RANK[role] <= floor:
            reasons.append(
                f"The declarant is the {own_role.label.lower()}, so the "
                f"{role.label.lower()} cannot decide;"
            )
            role = ESCALATION[role]
            if role is not None:
                reasons[-1] += f" it goes to the {role.label.lower()}."
            continue
        if role == DeciderRole.CHAIR and floor < RANK[DeciderRole.HEAD]:
            # Governors see no pupil (R33): the Chair decides only the head's or the
            # Executive Headteacher's own declarations, never a member of staff's.
            reasons.append(
                "The Chair of Governors decides only the head's or Executive Headteacher's "
                "own declarations."
            )
            break
        candidates = holders(role, declaration, on)
        chosen = next((person for person in candidates if person.pk not in blocked), None)
        if chosen is not None:
            route.decider, route.role = chosen, role
            break
        if not candidates:
            reasons.append(f"Nobody holds the role of {role.label.lower()} here;")
        elif declaration.declarant_id in {person.pk for person in candidates}:
            reasons.append(f"The {role.label.lower()} cannot decide their own declaration;")
        else:
            reasons.append(
                f"The {role.label.lower()} cannot decide this (their own family, or already "
                "involved);"
            )
        role = ESCALATION[role]
        if role is not None:
            reasons[-1] += f" it goes to the {role.label.lower()}."
    if route.decider is None:
        reasons.append("Nobody can decide it: the administrator is asked to act.")
    else:
        cover = cover_for(route.decider, on)
        if (
            cover is not None
            and cover.delegate_id not in blocked
            and cover.delegate.is_active
            # a senior person's own declaration is never handed to someone junior to them
            and senior_enough(cover.delegate_id, declaration, on)
        ):
            reasons.append(
                f"{cover.delegate.get_full_name()} decides for {route.decider.get_full_name()} "
                f"({cover.get_reason_display().lower()} until {cover.ends_on:%-d %B %Y})."
            )
            route.on_behalf_of, route.decider = route.decider, cover.delegate
    if get_kind(declaration.kind).safeguarding or copy_dsl:
        decider_pk = getattr(route.decider, "pk", None)
        route.copy_to = [
            person
            for person in holders(DeciderRole.DSL, declaration, on)
            if person.pk not in blocked and person.pk != decider_pk
        ]
        if not route.copy_to:  # the DSL is the declarant (or deciding it): the deputy
            deputies = (
                Membership.objects.current(on)
                .filter(
                    role=Role.DEPUTY_DSL,
                    organisation_id__in=[declaration.setting_id, declaration.setting.parent_id],
                )
                .select_related("person")
            )
            route.copy_to = [
                membership.person
                for membership in deputies
                if membership.person_id not in blocked and membership.person_id != decider_pk
            ]
    return route
