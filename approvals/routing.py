"""Turn a declaration and the routing rules into the one person who decides it (R21, R22).

The rule for the kind names a role. The role is looked up for the declaration's
setting; if nobody holds it, or the person found is the declarant or family of the
people the declaration is about, the next role up is tried (line manager, head of
setting, Executive Headteacher, Chair of Governors, vice-chair). Someone away with
cover or a delegation is stood in for by their delegate, but only for what the
delegate's own seniority lets them decide; the rest goes on up the chain.

A referral to the DSL follows the setting's safeguarding chain instead (the DSL, the
deputy, the head, the Executive Headteacher, as the organisation sets it), which never
reaches a governor. Every step is written down as the reason.

A declaration that names pupils of several settings of a trust or federation (#19,
declarations.selectors explains which settings it involves) is decided by someone
who may decide for every one of them: the role held at the trust or federation, or
in each setting involved (a head of both schools); otherwise the chain goes on up to
the Executive Headteacher. One setting's head never decides for another setting's
pupils. Of the settings' rules the most senior role applies
(:func:`rule_for_settings`); the same check stands for a delegate and for whoever the
administrator assigns (:func:`reaches_every_setting`), and the reason says so. The
head of each setting involved is then told (approvals.services). A declaration that
names only its own setting's people is routed exactly as before.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Q, Value, When
from django.utils import timezone

from approvals.models import ESCALATION, GOVERNOR_DECIDERS, Cover, DeciderRole, RoutingRule
from declarations.kinds import get_kind
from declarations.models import Declaration
from declarations.selectors import settings_involved
from directory.access import DECIDING_ROLES
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
    copy_role: DeciderRole = DeciderRole.DSL  # the deputy's when the DSL cannot have it
    # The cover or delegation that decided where it went (to the delegate, or past
    # them up the chain), so that it goes back when the cover ends.
    cover: Cover | None = None
    safeguarding: bool = False
    # The settings the declaration involves, its own first (#19).
    settings: list[Organisation] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return " ".join(self.reasons)


def below_the_head(kind: str, role: str) -> bool:
    """Whether a rule would have ``kind`` decided below the head, which its entry forbids."""
    return get_kind(kind).head_or_above and RANK[DeciderRole(role)] < RANK[DeciderRole.HEAD]


def rule_for(
    declaration: Declaration, setting: Organisation | None = None
) -> tuple[DeciderRole, bool, str]:
    """The role that decides this kind here (at ``setting``, the declaration's own if
    not given), whether the DSL is copied, and why."""
    setting = setting or declaration.setting
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


def names_of(settings: list[Organisation]) -> str:
    names = [setting.name for setting in settings]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def rule_for_settings(
    declaration: Declaration, settings: list[Organisation]
) -> tuple[DeciderRole, bool, str]:
    """:func:`rule_for` over every setting the declaration involves: the most senior
    role any of their rules asks for (the declaration's own setting's on a tie), and
    the DSL copied if any of them copies it. With one setting, :func:`rule_for`."""
    if len(settings) < 2:
        return rule_for(declaration)
    rules = [rule_for(declaration, setting) for setting in settings]
    role, _, reason = max(rules, key=lambda rule: RANK[rule[0]])
    return (
        role,
        any(copies for _, copies, _ in rules),
        f"It names pupils of {names_of(settings)}: it is decided by someone who may "
        f"decide for each of them, never by one school's head for another's pupils. {reason}",
    )


def deciding_roles(role: DeciderRole) -> tuple[str, ...]:
    """The roles a person must hold to decide as ``role`` (a line manager may also be
    the head or Executive Headteacher over the declarant)."""
    if role == DeciderRole.LINE_MANAGER:
        return (Role.LINE_MANAGER, Role.HEAD, Role.EXECUTIVE_HEAD)
    return (str(role),)


def reaches_every_setting(
    person_id: int,
    settings: list[Organisation],
    on: datetime.date,
    roles: tuple[str, ...] | frozenset[str] = tuple(DECIDING_ROLES),
) -> bool:
    """Whether the person holds one of ``roles`` for every one of ``settings``: in the
    trust or federation over them, or in each of them. Always, for one setting."""
    if len(settings) < 2:
        return True
    places = {setting.pk for setting in settings} | {
        setting.parent_id for setting in settings if setting.parent_id
    }
    held = set(
        Membership.objects.current(on)
        .filter(person_id=person_id, role__in=list(roles), organisation_id__in=places)
        .values_list("organisation_id", flat=True)
    )
    return all(setting.pk in held or setting.parent_id in held for setting in settings)


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
        DeciderRole.VICE_CHAIR: Role.VICE_CHAIR,
        DeciderRole.DSL: Role.DSL,
        DeciderRole.DEPUTY_DSL: Role.DEPUTY_DSL,
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
    DeciderRole.DEPUTY_DSL: 0,
    DeciderRole.HEAD: 1,
    DeciderRole.EXECUTIVE_HEAD: 2,
    DeciderRole.CHAIR: 3,
    DeciderRole.VICE_CHAIR: 3,
}
SENIOR_ROLES = {
    Role.HEAD: DeciderRole.HEAD,
    Role.EXECUTIVE_HEAD: DeciderRole.EXECUTIVE_HEAD,
    Role.CHAIR: DeciderRole.CHAIR,
    Role.VICE_CHAIR: DeciderRole.VICE_CHAIR,
}
SAFEGUARDING_LEADS = frozenset({DeciderRole.DSL, DeciderRole.DEPUTY_DSL})


def safeguarding_chain(setting: Organisation) -> list[DeciderRole]:
    """The roles a referral to the DSL goes through at this setting, in turn."""
    return [DeciderRole(role) for role in setting.safeguarding_chain_roles()]


def next_role(
    role: DeciderRole, setting: Organisation, *, safeguarding: bool
) -> DeciderRole | None:
    """Who is next after ``role``: up the decision chain, or along the safeguarding one."""
    if not safeguarding:
        return ESCALATION[role]
    chain = safeguarding_chain(setting)
    later = chain[chain.index(role) + 1 :] if role in chain else []
    return later[0] if later else None


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


def _vice_for_the_chair(role: DeciderRole | None, own_role: DeciderRole | None) -> bool:
    """The vice-chair decides what the Chair cannot, the Chair's own included (#19)."""
    return role == DeciderRole.VICE_CHAIR and own_role == DeciderRole.CHAIR


def senior_enough(person_id: int, declaration: Declaration, on: datetime.date) -> bool:
    """Whether the person may decide for the declarant's seniority: anyone with the role
    for a member of staff's declaration, only someone above them for a head's or an
    Executive Headteacher's own (001 §1.1), and the vice-chair for the Chair's own. The
    one rule routing, cover and the administrator's assignment all ask."""
    floor, own_role = declarant_rank(declaration, on)
    if floor < 0:
        return True
    rank, top = person_rank(person_id, declaration.setting, on)
    return rank > floor or _vice_for_the_chair(top, own_role)


def decider_problem(person_id: int, declaration: Declaration, on: datetime.date) -> str | None:
    """Why this person cannot decide the declaration, or None."""
    if person_id in conflicted_people(declaration):
        return "This person cannot decide it: it is their own declaration or about their family."
    settings = settings_involved(declaration)
    if not reaches_every_setting(person_id, settings, on):
        return (
            f"This person cannot decide it: it names pupils of {names_of(settings)}, and "
            "they do not decide for all of them."
        )
    if not senior_enough(person_id, declaration, on):
        _, own_role = declarant_rank(declaration, on)
        return f"The declarant is the {own_role.label.lower()}: choose someone senior to them."
    return None


def delegate_problem(
    cover: Cover,
    declaration: Declaration,
    role: DeciderRole,
    on: datetime.date,
    *,
    safeguarding: bool = False,
    blocked: set[int] | None = None,
) -> str | None:
    """Why the person standing in cannot decide this in the place of the one away, or
    None: a delegate receives only what their own seniority lets them decide (#19)."""
    delegate = cover.delegate
    if not delegate.is_active:
        return "they can no longer sign in"
    if delegate.pk in (blocked if blocked is not None else conflicted_people(declaration)):
        return "it is their own declaration, about their family, or they have already acted on it"
    if not reaches_every_setting(delegate.pk, settings_involved(declaration), on):
        return "they do not decide for every school it names"
    setting = declaration.setting
    if safeguarding and role in SAFEGUARDING_LEADS:
        leads = Membership.objects.current(on).filter(
            person=delegate,
            role__in=[Role.DSL, Role.DEPUTY_DSL],
            organisation_id__in=[setting.pk, setting.parent_id],
        )
        return None if leads.exists() else "they are not a safeguarding lead here"
    floor, own_role = declarant_rank(declaration, on)
    rank, top = person_rank(delegate.pk, setting, on)
    if not senior_enough(delegate.pk, declaration, on):
        return f"the declarant is the {own_role.label.lower()}, and they are not senior to them"
    if get_kind(declaration.kind).head_or_above and rank < RANK[DeciderRole.HEAD]:
        return "this kind is decided by the head or someone more senior"
    if top in GOVERNOR_DECIDERS and floor < RANK[DeciderRole.HEAD]:
        return "governors decide only the head's or Executive Headteacher's own declarations"
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
        Cover.objects.filter(
            person=person, starts_on__lte=on, ends_on__gte=on, ended_at__isnull=True
        )
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
    safeguarding: bool = False,
) -> Route:
    """Who decides ``declaration``: from the rule's role, or from ``start`` when
    escalating; along the safeguarding chain when it is ``safeguarding`` (a referral)."""
    on = on or timezone.localdate()
    setting = declaration.setting
    involved = settings_involved(declaration)
    if safeguarding:
        role: DeciderRole | None = start or safeguarding_chain(setting)[0]
        reasons: list[str] = []
    else:
        rule_role, rule_copies, rule_reason = rule_for_settings(declaration, involved)
        copy_dsl = copy_dsl or rule_copies
        role = start or rule_role
        reasons = [] if start else [rule_reason]
    blocked = conflicted_people(declaration) | (exclude or set())
    floor, own_role = declarant_rank(declaration, on)
    route = Route(
        decider=None, role=role, reasons=reasons, safeguarding=safeguarding, settings=involved
    )
    while role is not None:
        # A safeguarding lead takes a referral whoever made the declaration; everyone
        # else must stand above the declarant (001 §1.1).
        lead = safeguarding and role in SAFEGUARDING_LEADS
        if RANK[role] <= floor and not lead and not _vice_for_the_chair(role, own_role):
            reasons.append(
                f"The declarant is the {own_role.label.lower()}, so the "
                f"{role.label.lower()} cannot decide;"
            )
        elif role in GOVERNOR_DECIDERS and floor < RANK[DeciderRole.HEAD]:
            # Governors see no pupil (R33): they decide only the head's or the
            # Executive Headteacher's own declarations, never a member of staff's.
            reasons.append(
                "Governors decide only the head's or Executive Headteacher's own declarations."
            )
            break
        elif _choose(route, holders(role, declaration, on), declaration, role, on, blocked):
            break
        role = next_role(role, setting, safeguarding=safeguarding)
        if role is not None:
            reasons[-1] += f" it goes to the {role.label.lower()}."
    if route.decider is None:
        reasons.append("Nobody can decide it: the administrator is asked to act.")
    if get_kind(declaration.kind).safeguarding or copy_dsl:
        decider_pk = getattr(route.decider, "pk", None)
        route.copy_to = [
            person
            for person in holders(DeciderRole.DSL, declaration, on)
            if person.pk not in blocked and person.pk != decider_pk
        ]
        if not route.copy_to:  # the DSL is the declarant (or deciding it): the deputy
            route.copy_role = DeciderRole.DEPUTY_DSL
            route.copy_to = [
                person
                for person in holders(DeciderRole.DEPUTY_DSL, declaration, on)
                if person.pk not in blocked and person.pk != decider_pk
            ]
    return route


def _choose(
    route: Route,
    candidates: list[Person],
    declaration: Declaration,
    role: DeciderRole,
    on: datetime.date,
    blocked: set[int],
) -> bool:
    """Put the first of ``candidates`` who can decide (or their delegate) on the route;
    False, with the reason written down, when none can."""
    reasons = route.reasons
    # Several settings: only someone who decides for each of them (#19).
    reaching = [
        person
        for person in candidates
        if reaches_every_setting(person.pk, route.settings, on, deciding_roles(role))
    ]
    if candidates and not reaching:
        reasons.append(f"The {role.label.lower()} does not decide for every school it names;")
        return False
    candidates = reaching
    away = []
    for person in candidates:
        if person.pk in blocked:
            continue
        cover = cover_for(person, on)
        if cover is None:
            route.decider, route.role = person, role
            return True
        until = f"{cover.get_reason_display().lower()} until {cover.ends_on:%-d %B %Y}"
        problem = delegate_problem(
            cover, declaration, role, on, safeguarding=route.safeguarding, blocked=blocked
        )
        route.cover = cover
        if problem is None:
            reasons.append(
                f"{cover.delegate.get_full_name()} decides for {person.get_full_name()} ({until})."
            )
            route.decider, route.role, route.on_behalf_of = cover.delegate, role, person
            return True
        away.append(
            f"{person.get_full_name()} is away ({until}) and "
            f"{cover.delegate.get_full_name()} cannot decide this: {problem};"
        )
    if away:
        reasons.extend(away)
    elif not candidates:
        reasons.append(f"Nobody holds the role of {role.label.lower()} here;")
    elif declaration.declarant_id in {person.pk for person in candidates}:
        reasons.append(f"The {role.label.lower()} cannot decide their own declaration;")
    else:
        reasons.append(
            f"The {role.label.lower()} cannot decide this (their own family, or already involved);"
        )
    return False
