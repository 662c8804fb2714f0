"""Reads of the policy, acknowledgements, training and permitted channels, each
already limited to what the signed-in person may see (R29 to R32, R35)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contactpolicy.refusals import visible_or_404
from directory.access import COMPLIANCE_ROLES, Access
from directory.models import Membership, Organisation, Person
from directory.selectors import organisations_run_by
from policies.models import (
    DUE_SOON_DAYS,
    NEVER_ALLOWED,
    Acknowledgement,
    Channel,
    DeclaredGift,
    GiftRule,
    GiftType,
    PermittedChannel,
    PolicyVersion,
    TrainingRecord,
    one_year_after,
    pounds,
    trained_since,
)


def percentage(count: int, total: int) -> int:
    """A whole percentage, halves rounded up (12.5 % shows as 13 %), 0 of nobody."""
    return int(100 * count / total + 0.5) if total else 0


# Versions in force ------------------------------------------------------------------------


def _newest_version(organisation_ref: str) -> Subquery:
    return Subquery(
        PolicyVersion.objects.filter(organisation_id=OuterRef(organisation_ref))
        .order_by("-number")
        .values("pk")[:1]
    )


def in_force_version_ids(organisations: QuerySet[Organisation]) -> QuerySet:
    """The id of the version in force for each organisation: its own newest, or else
    its trust's or federation's newest (R29). One subquery, usable in ``pk__in``."""
    return (
        organisations.annotate(
            in_force=Coalesce(_newest_version("pk"), _newest_version("parent_id"))
        )
        .filter(in_force__isnull=False)
        .values("in_force")
    )


def settings_without_policy(organisation_ids: Iterable[int]) -> QuerySet[Organisation]:
    """The schools and pre-schools among these with no policy in force: none of their
    own, nor of their trust or federation (R29). One query."""
    return (
        Organisation.objects.filter(pk__in=organisation_ids, kind__in=Organisation.SETTING_KINDS)
        .annotate(in_force=Coalesce(_newest_version("pk"), _newest_version("parent_id")))
        .filter(in_force__isnull=True)
        .order_by("name")
    )


def version_in_force_for(organisation: Organisation) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(
            pk__in=in_force_version_ids(Organisation.objects.filter(pk=organisation.pk))
        )
        .select_related("organisation")
        .first()
    )


def is_superseded(version: PolicyVersion) -> bool:
    return PolicyVersion.objects.filter(
        organisation_id=version.organisation_id, number__gt=version.number
    ).exists()


def _organisations_of(person_id: int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=Membership.objects.current().filter(person_id=person_id).values("organisation_id")
    )


def versions_to_acknowledge(*, user: Any) -> QuerySet[PolicyVersion]:
    """The versions in force where the person works that they have not yet acknowledged
    (R30): a new adult's first, and everyone's again after a new version."""
    if not getattr(user, "is_authenticated", False):
        return PolicyVersion.objects.none()
    return (
        PolicyVersion.objects.filter(pk__in=in_force_version_ids(_organisations_of(user.pk)))
        .exclude(acknowledgements__person_id=user.pk)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def versions_in_force_for(*, user: Any) -> QuerySet[PolicyVersion]:
    """The versions in force where the person works, with when they acknowledged each."""
    return (
        PolicyVersion.objects.filter(pk__in=in_force_version_ids(_organisations_of(user.pk)))
        .annotate(
            acknowledged_at=Subquery(
                Acknowledgement.objects.filter(person_id=user.pk, version_id=OuterRef("pk")).values(
                    "acknowledged_at"
                )[:1]
            )
        )
        .select_related("organisation")
        .order_by("organisation__name")
    )


def applies_to(version: PolicyVersion, person: Person) -> bool:
    return PolicyVersion.objects.filter(
        pk=version.pk, pk__in=in_force_version_ids(_organisations_of(person.pk))
    ).exists()


def people_asked(version: PolicyVersion) -> QuerySet[Person]:
    """Everyone the version is in force for: the organisation's own people and, for a
    trust or federation, the people of its settings that have no policy of their own."""
    organisations = Organisation.objects.filter(
        Q(pk=version.organisation_id) | Q(parent_id=version.organisation_id)
    )
    in_scope = organisations.filter(
        pk__in=Organisation.objects.annotate(
            in_force=Coalesce(_newest_version("pk"), _newest_version("parent_id"))
        )
        .filter(in_force=version.pk)
        .values("pk")
    )
    return Person.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current().filter(organisation__in=in_scope).values("person_id"),
    )


def versions_for(*, user: Any) -> QuerySet[PolicyVersion]:
    """Every version, current or past, of the organisations the person works in and of
    the trusts or federations above them."""
    access = Access.for_user(user)
    if access.is_superuser:
        return PolicyVersion.objects.select_related("organisation", "published_by")
    ids = access.organisation_ids()
    return PolicyVersion.objects.filter(
        Q(organisation_id__in=ids) | Q(organisation__children__in=ids)
    ).select_related("organisation", "published_by")


def version_get_for(*, user: Any, pk: int) -> PolicyVersion:
    return visible_or_404(versions_for(user=user).distinct(), pk=pk)


# Who manages what -------------------------------------------------------------------------


def policy_organisations_for(*, user: Any) -> QuerySet[Organisation]:
    """Where the person publishes policy versions and sets the permitted channels: a
    trust or federation first, as its policy usually covers its schools."""
    return organisations_run_by(user=user)


def compliance_organisations_for(*, user: Any) -> QuerySet[Organisation]:
    """Where the person sees acknowledgements and training, and records training."""
    return Access.for_user(user).organisations(*COMPLIANCE_ROLES).order_by("name")


def _people_of(organisation: Organisation) -> QuerySet[Person]:
    """The people holding a current role directly in the organisation."""
    return Person.objects.filter(
        pk__in=Membership.objects.current().filter(organisation=organisation).values("person_id")
    ).order_by("family_name", "given_name", "pk")


# Acknowledgements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AcknowledgementReport:
    organisation: Organisation
    version: PolicyVersion | None
    acknowledged: list[Person]
    outstanding: list[Person]

    @property
    def total(self) -> int:
        return len(self.acknowledged) + len(self.outstanding)

    @property
    def percentage(self) -> int:
        return percentage(len(self.acknowledged), self.total)


def acknowledgement_report(*, organisation: Organisation) -> AcknowledgementReport:
    """Who has acknowledged the version in force for the organisation, and when, and who
    has not yet (R30). Call with an organisation from compliance_organisations_for."""
    version = version_in_force_for(organisation)
    people = list(
        _people_of(organisation).annotate(
            acknowledged_at=Subquery(
                Acknowledgement.objects.filter(
                    person_id=OuterRef("pk"), version_id=getattr(version, "pk", None)
                ).values("acknowledged_at")[:1]
            )
        )
    )
    return AcknowledgementReport(
        organisation=organisation,
        version=version,
        acknowledged=[person for person in people if person.acknowledged_at],
        outstanding=[person for person in people if not person.acknowledged_at],
    )


# Training ----------------------------------------------------------------------------------


class TrainingStatus:
    NONE = "none"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    CURRENT = "current"

    LABELS = {
        NONE: "No training recorded",
        OVERDUE: "Overdue",
        DUE_SOON: f"Due within {DUE_SOON_DAYS} days",
        CURRENT: "Up to date",
    }


def training_status(last_trained: datetime.date | None, today: datetime.date) -> str:
    if last_trained is None:
        return TrainingStatus.NONE
    due = one_year_after(last_trained)
    if due < today:
        return TrainingStatus.OVERDUE
    if due <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return TrainingStatus.DUE_SOON
    return TrainingStatus.CURRENT


def training_report(
    *, organisation: Organisation, today: datetime.date | None = None
) -> list[Person]:
    """The organisation's people with their last training, due date and status (R31):
    those with none or overdue first, then due soon, then up to date."""
    today = today or timezone.localdate()
    people = list(
        _people_of(organisation).annotate(last_trained=Max("training_records__completed_on"))
    )
    order = list(TrainingStatus.LABELS)  # most urgent first
    for person in people:
        person.training_due_on = (
            one_year_after(person.last_trained) if person.last_trained else None
        )
        person.training_status = training_status(person.last_trained, today)
        person.training_status_label = TrainingStatus.LABELS[person.training_status]
    people.sort(
        key=lambda person: (
            order.index(person.training_status),
            person.training_due_on or datetime.date.min,
        )
    )
    return people


def training_counts(people: list[Person]) -> list[tuple[str, int]]:
    """How many of a training report's people are in each status, most urgent first."""
    return [
        (label, sum(1 for person in people if person.training_status == status))
        for status, label in TrainingStatus.LABELS.items()
    ]


def training_records_for(*, user: Any, person: Person) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(person=person).select_related("recorded_by")


def training_people_for(*, user: Any) -> QuerySet[Person]:
    """Whose training the person may record: themself, and the people of the
    organisations where they hold a compliance role."""
    access = Access.for_user(user)
    if access.is_superuser:
        return Person.objects.filter(is_active=True)
    ids = access.organisation_ids(*COMPLIANCE_ROLES)
    return Person.objects.filter(
        Q(pk=user.pk)
        | Q(pk__in=Membership.objects.current().filter(organisation_id__in=ids).values("person_id"))
    ).order_by("family_name", "given_name")


def training_record_get_for(*, user: Any, pk: int) -> TrainingRecord:
    return visible_or_404(
        TrainingRecord.objects.filter(
            person__in=training_people_for(user=user).values("pk")
        ).select_related("person"),
        about="person",
        pk=pk,
    )


# Permitted channels ----------------------------------------------------------------------


def permitted_channels_by_setting(
    settings: Iterable[Organisation],
) -> list[tuple[Organisation, list[PermittedChannel]]]:
    """Each setting with its permitted list (R32): its own, or else its trust's or
    federation's; empty when neither has set one. One query for any number of settings."""
    settings = list(settings)
    ids = {setting.pk for setting in settings} | {
        setting.parent_id for setting in settings if setting.parent_id
    }
    by_organisation: dict[int, list[PermittedChannel]] = defaultdict(list)
    for row in PermittedChannel.objects.filter(organisation_id__in=ids).select_related(
        "organisation"
    ):
        by_organisation[row.organisation_id].append(row)
    return [
        (setting, by_organisation.get(setting.pk) or by_organisation.get(setting.parent_id, []))
        for setting in settings
    ]


@dataclass(frozen=True)
class Merged:
    """One line shown once for several settings (#22): the settings it is said for, or
    none when it holds at every one of them."""

    text: str
    settings: list[Organisation]


def merged(lines: Iterable[tuple[Organisation, str]], settings: list[Organisation]) -> list[Merged]:
    """Each line once, in the order first met, naming its settings only where it does not
    hold at all of ``settings``: two schools of a federation with the same list read as
    one list, not the same list twice."""
    found: dict[str, list[Organisation]] = {}
    for setting, text in lines:
        found.setdefault(text, [])
        if setting not in found[text]:
            found[text].append(setting)
    return [
        Merged(text, [] if len(where) == len(settings) else where) for text, where in found.items()
    ]


def permitted_ways_merged(settings: Iterable[Organisation]) -> list[Merged]:
    """The permitted ways to communicate of all ``settings``, each way once (R32)."""
    by_setting = permitted_channels_by_setting(settings)
    lines = [
        (
            setting,
            f"{row.get_channel_display()}: {row.conditions}"
            if row.conditions
            else row.get_channel_display(),
        )
        for setting, rows in by_setting
        for row in rows
    ]
    return merged(lines, [setting for setting, _rows in by_setting])


def permitted_channels_for(organisation: Organisation) -> list[PermittedChannel]:
    """One setting's permitted list."""
    [(_setting, rows)] = permitted_channels_by_setting([organisation])
    return rows


def permitted_codes_for(settings: Iterable[Organisation]) -> dict[int, set[str]]:
    """Each setting's permitted channel codes: one query for any number of settings."""
    return {
        setting.pk: {row.channel for row in rows}
        for setting, rows in permitted_channels_by_setting(settings)
    }


def not_permitted(permitted: set[str], channels: list[str]) -> list[str]:
    """The declared ways of contact not on a permitted list, in words; none when there
    is no list (R32)."""
    if not permitted:
        return []
    return [
        Channel(code).label for code in channels if code in Channel.values and code not in permitted
    ]


def channels_not_permitted(*, setting: Organisation, channels: list[str]) -> list[str]:
    """The declared ways of contact that are not on the setting's permitted list."""
    return not_permitted(permitted_codes_for([setting])[setting.pk], channels)


# Gift rules (R15, R40) ----------------------------------------------------------------------


@dataclass(frozen=True)
class GiftRuleInForce:
    """The gift rule that applies at a setting: its own, or else its trust's or
    federation's, or None where neither has set one."""

    setting: Organisation
    rule: GiftRule | None

    @property
    def inherited(self) -> bool:
        return self.rule is not None and self.rule.organisation_id != self.setting.pk

    @property
    def forbids_gifts(self) -> bool:
        return self.rule is not None and self.rule.allows == GiftRule.Allows.NOTHING

    @property
    def token_limit(self):
        if self.rule is None or self.rule.allows != GiftRule.Allows.TOKENS:
            return None
        return self.rule.token_limit

    @property
    def in_words(self) -> str:
        """The rule in plain words, for the declarant and beside the gift for the decider."""
        name = self.setting.name
        if self.rule is None:
            return f"{name} has not set its rule on gifts yet."
        if self.forbids_gifts:
            return (
                f"{name} does not allow gifts of money or goods: staff must not give, "
                "receive or exchange gifts with pupils, their families or carers (policy 004)."
            )
        return (
            f"Token gifts worth up to {pounds(self.token_limit)} are allowed at {name}; "
            "never cash or vouchers, whatever their value."
        )

    @property
    def advice(self) -> str:
        """What the declarant does about it."""
        if self.rule is None:
            return (
                "Declare every gift you are offered or want to give, and never give or "
                "accept cash or vouchers."
            )
        if self.forbids_gifts:
            return (
                "Declare any gift you are offered, so that it can be declined or returned politely."
            )
        return "Declare every gift, even a small one."

    def marks(self, gift: DeclaredGift) -> list[str]:
        """Each way the gift is against the rule, in words; none for a gift within it."""
        marks = []
        if self.forbids_gifts:
            marks.append(
                f"Gifts are not allowed: {self.setting.name} does not allow gifts of money "
                "or goods (policy 004)."
            )
        if gift.form == GiftType.CASH:
            marks.append("Money: cash is never allowed as a gift, whatever the amount.")
        elif gift.form == GiftType.VOUCHER:
            marks.append(
                "A voucher: vouchers and gift cards are never allowed, whatever their value."
            )
        limit = self.token_limit
        if limit is not None and gift.value is not None and gift.value > limit:
            marks.append(
                f"Over the limit: worth £{gift.value:,.2f}, more than the {pounds(limit)} "
                "a token gift may be worth."
            )
        return marks


@dataclass(frozen=True)
class GiftCheck:
    """A declared gift beside the rule of its setting, for the person who decides it."""

    rule: GiftRuleInForce
    gift: DeclaredGift
    as_of: datetime.datetime | None = None  # the rule as it stood then; None: as it stands

    @cached_property
    def marks(self) -> list[str]:
        return self.rule.marks(self.gift)

    @property
    def against_rule(self) -> bool:
        return bool(self.marks)

    @property
    def form_not_said(self) -> bool:
        return self.gift.form is None

    @property
    def value_in_pounds(self) -> str:
        return f"£{self.gift.value:,.2f}" if self.gift.value is not None else ""

    @property
    def form_label(self) -> str:
        return GiftType(self.gift.form).label if self.gift.form else ""

    @property
    def never_allowed(self) -> bool:
        return self.gift.form in NEVER_ALLOWED


def gift_rules_by_setting(
    settings: Iterable[Organisation], *, at: datetime.datetime | None = None
) -> list[GiftRuleInForce]:
    """Each setting with the gift rule that applies there (R40): its own, or else its
    trust's or federation's; as it stands now, or as it stood ``at`` a moment (a decision
    already made is shown beside the rule it was made under). One query for any number
    of settings."""
    settings = list(settings)
    ids = {setting.pk for setting in settings} | {
        setting.parent_id for setting in settings if setting.parent_id
    }
    if at is None:
        rows = GiftRule.objects.filter(organisation_id__in=ids).select_related("organisation")
    else:
        rows = GiftRule.history.as_of(at).filter(organisation_id__in=ids)
    by_organisation = {row.organisation_id: row for row in rows}
    return [
        GiftRuleInForce(
            setting=setting,
            rule=by_organisation.get(setting.pk) or by_organisation.get(setting.parent_id),
        )
        for setting in settings
    ]


def gift_rule_in_force(
    setting: Organisation, *, at: datetime.datetime | None = None
) -> GiftRuleInForce:
    """One setting's gift rule: its own, or its trust's or federation's."""
    [in_force] = gift_rules_by_setting([setting], at=at)
    return in_force


# Counts for the governors' summaries (R33) -------------------------------------------------


@dataclass(frozen=True)
class Completion:
    done: int
    total: int
    applies: bool = True  # False where there is nothing to complete (no policy published)


def _counted_memberships(organisation_ids: Iterable[int]) -> QuerySet[Membership]:
    return Membership.objects.current().filter(
        organisation_id__in=list(organisation_ids), person__is_active=True
    )


def _completions(memberships: QuerySet[Membership], applies: Q | None = None):
    """Per organisation (and, under ``None``, over all of them, each person once): how
    many people have ``done`` out of how many hold a role there. Two grouped queries."""
    counts = {
        "total": Count("person_id", distinct=True),
        "done": Count("person_id", distinct=True, filter=Q(done=True)),
        "applies": Count("pk", filter=applies) if applies is not None else Count("pk"),
    }
    result: dict[int | None, Completion] = {
        row["organisation_id"]: Completion(row["done"], row["total"], row["applies"] > 0)
        for row in memberships.values("organisation_id").annotate(**counts).order_by()
    }
    # One group of everyone (aggregate() would lose the annotations the counts filter on).
    overall = next(
        iter(
            memberships.annotate(everyone=Value(1)).values("everyone").annotate(**counts).order_by()
        ),
        {"done": 0, "total": 0, "applies": 0},
    )
    result[None] = Completion(overall["done"], overall["total"], overall["applies"] > 0)
    return result


def acknowledgement_counts(organisation_ids: Iterable[int]) -> dict[int | None, Completion]:
    """Who has acknowledged the version in force where they hold a role (R30)."""
    memberships = _counted_memberships(organisation_ids).annotate(
        in_force=Coalesce(
            _newest_version("organisation_id"), _newest_version("organisation__parent_id")
        )
    )
    memberships = memberships.annotate(
        done=Exists(
            Acknowledgement.objects.filter(
                person_id=OuterRef("person_id"), version_id=OuterRef("in_force")
            )
        )
    )
    return _completions(memberships, applies=Q(in_force__isnull=False))


def training_counts_by_organisation(
    organisation_ids: Iterable[int], today: datetime.date
) -> dict[int | None, Completion]:
    """Whose safeguarding training is up to date, not overdue, today (R31)."""
    memberships = _counted_memberships(organisation_ids).annotate(
        done=Exists(
            TrainingRecord.objects.filter(
                person_id=OuterRef("person_id"), completed_on__gte=trained_since(today)
            )
        )
    )
    return _completions(memberships)
