"""The new school year at a setting (R38): each pupil's year group moves up one, the
leaving year (the setting's top year: Year 6 at a primary) becomes former pupils with a
leaving date and, if given, one destination, and the roles that ended during the year
just gone are listed. A preview first (:func:`new_school_year_plan`, which writes
nothing), then :func:`new_school_year_start`, once per setting and school year.

Decisions, written down here because the page and the README repeat them:

* The school year started is the one the chosen first day falls in (1 September to
  31 August); it may be the current school year or the next, so an administrator can
  start it in the summer holidays, after the summer term has ended.
* The leavers' leaving date is the last day of the summer term before, from the
  setting's term dates (or its trust's or federation's); without term dates for that
  year, the day before the chosen first day. It cannot be in the future (the register
  never records a child as having left before they have).
* The leaving year and every year group above it leave; pupils with no year group stay
  as they are and are counted in the preview. Former pupils are never touched.
* Roles (memberships) whose end date has passed stopped counting on that date
  (``MembershipQuerySet.current``): nothing is written to them. The preview lists those
  that ended during the year just gone, so that the administrator can check them, and
  the audit row counts them. Nothing is deleted.
* Every pupil changed gets a version in their history; the changes are a fixed number
  of statements whatever the number of pupils (two updates, one read, the history
  written in batches).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from contactpolicy.services import audit_event_record
from directory.access import Access
from directory.models import Membership, Organisation, Person, Pupil, Role, YearGroup
from schoolcalendar.audit_actions import SCHOOL_YEAR_STARTED
from schoolcalendar.exceptions import SchoolYearError
from schoolcalendar.models import SchoolYearRollover, Term, TermDates
from schoolcalendar.periods import school_year_of, school_year_title

ONE_DAY = datetime.timedelta(days=1)
YEAR_GROUP_ORDER = list(YearGroup.values)
HISTORY_BATCH = 500


def label(year_group: str) -> str:
    return YearGroup(year_group).label


def leaves(year_group: str, leaving_year_group: str) -> bool:
    """Whether a pupil in ``year_group`` leaves when ``leaving_year_group`` is the top."""
    return YEAR_GROUP_ORDER.index(year_group) >= YEAR_GROUP_ORDER.index(leaving_year_group)


@dataclass(frozen=True)
class Move:
    """The pupils of one year group and where the new school year takes them."""

    year_group: str
    count: int
    to: str | None  # the next year group, or None: they become former pupils

    @property
    def label(self) -> str:
        return label(self.year_group)

    @property
    def to_label(self) -> str:
        return label(self.to) if self.to else "former pupils"


@dataclass(frozen=True)
class SchoolYearPlan:
    """What starting the new school year at ``setting`` would do (the preview)."""

    setting: Organisation
    year: int
    starts_on: datetime.date
    left_on: datetime.date
    left_on_is_end_of_summer_term: bool
    leaving_year_group: str
    destination: str
    empty_classes: bool
    moves: list[Move]
    leaving: list[Move]
    without_year_group: int
    roles_ended: list[Membership] = field(default_factory=list)

    @property
    def title(self) -> str:
        return school_year_title(self.year)

    @property
    def moved(self) -> int:
        return sum(move.count for move in self.moves)

    @property
    def left(self) -> int:
        return sum(move.count for move in self.leaving)

    def counts(self) -> dict[str, Any]:
        """What the audit row and the roll-over's own row keep."""
        return {
            "moved": {move.year_group: move.count for move in self.moves},
            "left": {move.year_group: move.count for move in self.leaving},
            "moved_total": self.moved,
            "left_total": self.left,
            "without_year_group": self.without_year_group,
            "roles_ended": len(self.roles_ended),
            "classes_emptied": self.empty_classes,
        }


# Who, and where ------------------------------------------------------------------------


def school_year_settings_for(*, user: Any) -> QuerySet[Organisation]:
    """The schools and pre-schools whose new school year ``user`` may start: those they
    administer, directly or as the administrator of their trust or federation."""
    return Access.for_user(user).settings(Role.ADMINISTRATOR).order_by("name")


def may_start_school_year(user: Any, setting: Organisation) -> bool:
    return setting.is_setting and Access.for_user(user).acts_as(
        Role.ADMINISTRATOR, organisation=setting
    )


def rollovers_of(setting: Organisation) -> QuerySet[SchoolYearRollover]:
    return SchoolYearRollover.objects.filter(setting=setting).select_related("made_by")


# The plan ------------------------------------------------------------------------------


def year_group_counts(setting: Organisation) -> dict[str, int]:
    """Current pupils at ``setting`` by year group ("" for none). One query."""
    return dict(
        Pupil.objects.filter(setting=setting, status=Pupil.Status.CURRENT)
        .values_list("year_group")
        .annotate(count=Count("pk"))
        .order_by()
    )


def top_year_group(counts: dict[str, int]) -> str | None:
    """The highest year group with a current pupil: the setting's leaving year, unless
    the administrator picks another."""
    held = [year_group for year_group in YEAR_GROUP_ORDER if counts.get(year_group)]
    return held[-1] if held else None


def summer_term_end(setting: Organisation, year: int) -> datetime.date | None:
    """The last day of the summer term of the school year starting in ``year``: the
    setting's own term dates, else its trust's or federation's; None if neither has."""
    ends = dict(
        TermDates.objects.filter(
            Q(organisation=setting) | Q(organisation_id=setting.parent_id),
            year=year,
            term=Term.SUMMER,
        ).values_list("organisation_id", "ends_on")
    )
    return ends.get(setting.pk) or ends.get(setting.parent_id)


def autumn_term_start(setting: Organisation, year: int) -> datetime.date:
    starts = dict(
        TermDates.objects.filter(
            Q(organisation=setting) | Q(organisation_id=setting.parent_id),
            year=year,
            term=Term.AUTUMN,
        ).values_list("organisation_id", "starts_on")
    )
    return starts.get(setting.pk) or starts.get(setting.parent_id) or datetime.date(year, 9, 1)


def suggested_first_day(setting: Organisation, today: datetime.date) -> datetime.date:
    """The first day to offer: the coming September's in the summer (June to August),
    otherwise this school year's; the first day of its autumn term where it is set."""
    year = school_year_of(today) + (1 if today.month in (6, 7, 8) else 0)
    return autumn_term_start(setting, year)


def roles_ended(setting: Organisation, year: int, starts_on: datetime.date) -> list[Membership]:
    """Roles at ``setting`` whose end date fell in the school year just gone, before the
    new one's first day: they stopped counting on that date."""
    return list(
        Membership.objects.filter(
            organisation=setting,
            ends_on__gte=datetime.date(year - 1, 9, 1),
            ends_on__lt=starts_on,
        )
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "role")
    )


def new_school_year_plan(
    *,
    setting: Organisation,
    starts_on: datetime.date,
    leaving_year_group: str,
    destination: str = "",
    empty_classes: bool = False,
    counts: dict[str, int] | None = None,
    today: datetime.date | None = None,
) -> SchoolYearPlan:
    """What starting the new school year on ``starts_on`` would do, or SchoolYearError
    saying why it cannot be started. Writes nothing."""
    today = today or timezone.localdate()
    year = school_year_of(starts_on)
    current = school_year_of(today)
    if year < current:
        raise SchoolYearError(
            f"{starts_on:%-d %B %Y} is in the school year {year} to {year + 1}, which has "
            "already ended: give the first day of the new school year."
        )
    if year > current + 1:
        raise SchoolYearError(
            f"{starts_on:%-d %B %Y} is more than a year away: the new school year can be "
            "started from the end of the summer term before it."
        )
    done = (
        SchoolYearRollover.objects.filter(setting=setting, year__gte=year)
        .select_related("made_by")
        .order_by("-year")
        .first()
    )
    if done is not None:
        raise SchoolYearError(already_started(done, year))
    summer_end = summer_term_end(setting, year - 1)
    left_on = summer_end if summer_end and summer_end < starts_on else starts_on - ONE_DAY
    if left_on > today:
        raise SchoolYearError(
            f"The leavers' leaving date would be {left_on:%-d %B %Y}, which has not come "
            "yet: start the new school year once the summer term has ended."
            + (
                ""
                if summer_end
                else f" Without term dates for {year - 1} to {year}, the leaving date is the "
                "day before the first day you give."
            )
        )
    counts = year_group_counts(setting) if counts is None else counts
    if not any(counts.get(year_group) for year_group in YEAR_GROUP_ORDER):
        raise SchoolYearError(
            f"No current pupil at {setting} has a year group, so no year group can move "
            "up. Give the pupils their year groups first (an import from the MIS does)."
        )
    moves, leaving = [], []
    for year_group in YEAR_GROUP_ORDER:
        count = counts.get(year_group, 0)
        if not count:
            continue
        if leaves(year_group, leaving_year_group):
            leaving.append(Move(year_group, count, None))
        else:
            moves.append(Move(year_group, count, YearGroup.after(year_group)))
    return SchoolYearPlan(
        setting=setting,
        year=year,
        starts_on=starts_on,
        left_on=left_on,
        left_on_is_end_of_summer_term=left_on == summer_end,
        leaving_year_group=leaving_year_group,
        destination=destination.strip(),
        empty_classes=empty_classes,
        moves=moves,
        leaving=leaving,
        without_year_group=counts.get("", 0),
        roles_ended=roles_ended(setting, year, starts_on),
    )


def already_started(done: SchoolYearRollover, year: int) -> str:
    if done.year == year:
        return (
            f"The school year {year} to {year + 1} has already been started at "
            f"{done.setting} by {done.made_by.get_full_name()} on {done.made_at:%-d %B %Y}: "
            "year groups move up once a year, so nothing was changed."
        )
    return (
        f"A later school year, {done.year} to {done.year + 1}, has already been started at "
        f"{done.setting}: nothing was changed."
    )


# The change ----------------------------------------------------------------------------


@transaction.atomic
def new_school_year_start(
    *,
    actor: Person,
    setting: Organisation,
    starts_on: datetime.date,
    leaving_year_group: str,
    destination: str = "",
    empty_classes: bool = False,
    request=None,
) -> SchoolYearRollover:
    """Start the new school year at ``setting``: the year groups move up, the leaving
    year (and any above it) becomes former pupils, each change a version in the pupil's
    history, one audit row with the counts. Once per setting and school year: a second
    start, even at the same moment as the first, is refused with SchoolYearError."""
    if not may_start_school_year(actor, setting):
        raise SchoolYearError(
            "Only an administrator of this school or pre-school, or of its trust or "
            "federation, starts its new school year."
        )
    # One start at a time per setting: a second waits here, then finds the first done.
    setting = Organisation.objects.select_for_update().get(pk=setting.pk)
    pupils = list(
        Pupil.objects.select_for_update()
        .filter(setting=setting, status=Pupil.Status.CURRENT)
        .order_by("pk")
    )
    counts: dict[str, int] = {}
    for pupil in pupils:
        counts[pupil.year_group] = counts.get(pupil.year_group, 0) + 1
    plan = new_school_year_plan(
        setting=setting,
        starts_on=starts_on,
        leaving_year_group=leaving_year_group,
        destination=destination,
        empty_classes=empty_classes,
        counts=counts,
    )
    try:
        with transaction.atomic():
            rollover = SchoolYearRollover.objects.create(
                setting=setting,
                year=plan.year,
                starts_on=plan.starts_on,
                left_on=plan.left_on,
                leaving_year_group=plan.leaving_year_group,
                destination=plan.destination,
                counts=plan.counts(),
                made_by=actor,
            )
    except IntegrityError as error:  # a start that did not wait for the lock above
        raise SchoolYearError(
            f"The school year {plan.year} to {plan.year + 1} has already been started at "
            f"{setting}: nothing was changed."
        ) from error

    leaving = [move.year_group for move in plan.leaving]
    moving = {move.year_group: move.to for move in plan.moves}
    current = Pupil.objects.filter(setting=setting, status=Pupil.Status.CURRENT)
    left: dict[str, Any] = {"status": Pupil.Status.FORMER, "left_on": plan.left_on}
    if plan.destination:
        left["destination"] = plan.destination
    if leaving:
        current.filter(year_group__in=leaving).update(**left)
    if moving:
        moved: dict[str, Any] = {
            "year_group": Case(
                *(When(year_group=before, then=Value(after)) for before, after in moving.items()),
                default=F("year_group"),
            )
        }
        if plan.empty_classes:
            moved["class_name"] = ""
        current.filter(year_group__in=list(moving)).update(**moved)

    # The history rows say what the two updates above wrote: the same fields, per pupil.
    changed = []
    for pupil in pupils:
        if pupil.year_group in leaving:
            written = left
        elif pupil.year_group in moving:
            written = {"year_group": moving[pupil.year_group]}
            if plan.empty_classes:
                written["class_name"] = ""
        else:
            continue
        for name, value in written.items():
            setattr(pupil, name, value)
        changed.append(pupil)
    Pupil.history.bulk_history_create(
        changed,
        batch_size=HISTORY_BATCH,
        update=True,
        default_user=actor,
        default_change_reason=f"New school year {plan.year} to {plan.year + 1}",
    )
    audit_event_record(
        actor=actor,
        action=SCHOOL_YEAR_STARTED,
        target=rollover,
        data={
            "year": plan.year,
            "starts_on": plan.starts_on.isoformat(),
            "left_on": plan.left_on.isoformat(),
            "leaving_year_group": plan.leaving_year_group,
            "destination": plan.destination,
            **plan.counts(),
        },
        request=request,
    )
    return rollover
