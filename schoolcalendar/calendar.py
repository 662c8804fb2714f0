"""The school calendar (R39): which days are school days at a setting.

A school day is a weekday that is

* inside one of the setting's terms and outside that term's half-term break,
* not a bank holiday in England (the ``holidays`` package), and
* not a closure day (an INSET day or another closure).

Terms come from :class:`~directory.models.TermDates`: the setting's own dates for a
term, else its trust's or federation's (the rule the governors' summaries follow).
Closure days are the setting's own and its trust's or federation's together: a
trust-wide training day closes every school.

**When neither the setting nor its trust or federation has any term dates for a school
year, every weekday of that year that is not a bank holiday or a closure day counts as a
school day**: the calendar has not been set up, and counting a holiday as a school day
makes a due date early, never late.

A :class:`SchoolCalendar` loads the school years around the day it is asked about with
two queries (the terms, the closure days) and answers from memory after that; a
computation that runs into a school year not yet loaded loads it with two more. Use
:func:`calendars_for` for many settings at once (two queries in all).
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from types import MappingProxyType

import holidays
from django.db.models import Q

from directory.models import Organisation
from schoolcalendar.models import ClosureDay, TermDates

ONE_DAY = datetime.timedelta(days=1)
# How far a search for a school day goes before it gives up (a calendar with no school
# day in it at all, which the admin screens' checks should make impossible).
LONGEST_SEARCH_DAYS = 800

# What a calendar reads of each term.
TERM_COLUMNS = (
    "organisation_id",
    "year",
    "term",
    "starts_on",
    "ends_on",
    "half_term_starts_on",
    "half_term_ends_on",
)


class NoSchoolDay(LookupError):
    """No school day could be found where one was looked for."""


def school_year_of(day: datetime.date) -> int:
    """The school year a day belongs to: 2026 for 1 September 2026 to 31 August 2027."""
    return day.year if day.month >= 9 else day.year - 1


@functools.cache
def _bank_holidays(year: int) -> MappingProxyType:
    """England's bank holidays of one calendar year (the same for every setting)."""
    return MappingProxyType(dict(holidays.country_holidays("GB", subdiv="ENG", years=year)))


def bank_holiday(day: datetime.date) -> str | None:
    """The name of the bank holiday in England on ``day``, or None."""
    return _bank_holidays(day.year).get(day)


class SchoolCalendar:
    """The school days of one setting. Build it with :func:`calendar_for`."""

    def __init__(self, setting: Organisation) -> None:
        self.setting = setting
        self._group_ids = [setting.pk, setting.parent_id] if setting.parent_id else [setting.pk]
        # school year -> [(first day, last day, half-term first day, half-term last day)];
        # an empty list: no term dates that year (weekdays count, see the module's note)
        self._terms: dict[int, list[tuple]] = {}
        self._closed: set[datetime.date] = set()
        self.queries = 0  # for the tests: how many times the database was asked

    # Loading --------------------------------------------------------------------------

    def _load(self, years: Iterable[int]) -> None:
        wanted = sorted(set(years) - set(self._terms))
        if not wanted:
            return
        terms = TermDates.objects.filter(organisation_id__in=self._group_ids, year__in=wanted)
        first = datetime.date(wanted[0], 9, 1)
        last = datetime.date(wanted[-1] + 1, 8, 31)
        closures = ClosureDay.objects.filter(
            organisation_id__in=self._group_ids, starts_on__lte=last, ends_on__gte=first
        )
        self._add(
            wanted,
            terms.values_list(*TERM_COLUMNS),
            closures.values_list("starts_on", "ends_on"),
        )
        self.queries += 2

    def _add(self, years: list[int], term_rows: Iterable[tuple], closure_rows: Iterable[tuple]):
        chosen: dict[tuple[int, str], tuple] = {}
        # The trust's or federation's first, so that the setting's own replace them.
        for _organisation_id, year, term, *dates in sorted(
            term_rows, key=lambda row: row[0] == self.setting.pk
        ):
            chosen[(year, term)] = tuple(dates)
        for year in years:
            self._terms[year] = sorted(dates for (y, _t), dates in chosen.items() if y == year)
        for starts_on, ends_on in closure_rows:
            day = starts_on
            while day <= ends_on:
                self._closed.add(day)
                day += ONE_DAY

    def _terms_of(self, year: int) -> list[tuple]:
        if year not in self._terms:
            self._load([year, year + 1])
        return self._terms[year]

    # Questions ------------------------------------------------------------------------

    def has_term_dates(self, year: int) -> bool:
        """Whether the setting (or its group) has set any term dates for the school year."""
        return bool(self._terms_of(year))

    def why_not_a_school_day(self, day: datetime.date) -> str | None:
        """Why ``day`` is not a school day here, in plain words, or None if it is one."""
        if why := self.why_not_term_time(day):
            return why
        if day in self._closed:
            return "a day the setting is closed (an INSET or closure day)"
        return None

    def why_not_term_time(self, day: datetime.date) -> str | None:
        """Why ``day`` is outside term time here (a weekend, a bank holiday, a holiday or
        the half-term break), or None when it is a term-time weekday; closures aside."""
        if day.weekday() >= 5:
            return "a weekend"
        if name := bank_holiday(day):
            return f"a bank holiday ({name})"
        terms = self._terms_of(school_year_of(day))
        if terms:
            term = next((term for term in terms if term[0] <= day <= term[1]), None)
            if term is None:
                return "in the school holidays"
            if term[2] and term[2] <= day <= term[3]:
                return "in the half-term break"
        return None

    def is_school_day(self, day: datetime.date) -> bool:
        return self.why_not_a_school_day(day) is None

    def _step(self, day: datetime.date, direction: int) -> datetime.date:
        step = ONE_DAY * direction
        for _ in range(LONGEST_SEARCH_DAYS):
            day += step
            if self.is_school_day(day):
                return day
        raise NoSchoolDay(f"No school day within {LONGEST_SEARCH_DAYS} days of {day}.")

    def next_school_day(self, day: datetime.date) -> datetime.date:
        """The first school day after ``day``."""
        return self._step(day, 1)

    def previous_school_day(self, day: datetime.date) -> datetime.date:
        """The last school day before ``day``."""
        return self._step(day, -1)

    def school_day_on_or_after(self, day: datetime.date) -> datetime.date:
        """``day`` if it is a school day, else the next one."""
        return day if self.is_school_day(day) else self.next_school_day(day)

    def add_school_days(self, start: datetime.date, days: int) -> datetime.date:
        """The ``days``-th school day after ``start`` (``start`` itself for 0, moved on
        to a school day if it is not one)."""
        current = start
        if days <= 0:
            return self.school_day_on_or_after(start)
        for _ in range(days):
            current = self.next_school_day(current)
        return current

    def school_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """The school days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_school_day(day)
        return count


def calendar_for(setting: Organisation, around: datetime.date | None = None) -> SchoolCalendar:
    """The calendar of a setting (a school or pre-school; for a trust or federation, its
    own dates), with the school years around ``around`` loaded in two queries."""
    calendar = SchoolCalendar(setting)
    if around is not None:
        year = school_year_of(around)
        calendar._load([year - 1, year, year + 1])
    return calendar


def calendars_for(
    settings: Iterable[Organisation], around: datetime.date
) -> dict[int, SchoolCalendar]:
    """The calendars of many settings by id, the school years around ``around`` loaded
    for all of them in two queries."""
    settings = list({setting.pk: setting for setting in settings}.values())
    year = school_year_of(around)
    years = [year - 1, year, year + 1]
    ids = {setting.pk for setting in settings} | {s.parent_id for s in settings if s.parent_id}
    term_rows: dict[int, list[tuple]] = defaultdict(list)
    for row in TermDates.objects.filter(organisation_id__in=ids, year__in=years).values_list(
        *TERM_COLUMNS
    ):
        term_rows[row[0]].append(row)
    closure_rows: dict[int, list[tuple]] = defaultdict(list)
    first, last = datetime.date(years[0], 9, 1), datetime.date(years[-1] + 1, 8, 31)
    for organisation_id, starts_on, ends_on in ClosureDay.objects.filter(
        Q(organisation_id__in=ids), starts_on__lte=last, ends_on__gte=first
    ).values_list("organisation_id", "starts_on", "ends_on"):
        closure_rows[organisation_id].append((starts_on, ends_on))
    calendars = {}
    for setting in settings:
        calendar = SchoolCalendar(setting)
        own = [setting.pk, setting.parent_id]
        calendar._add(
            years,
            [row for pk in own if pk for row in term_rows[pk]],
            [row for pk in own if pk for row in closure_rows[pk]],
        )
        calendars[setting.pk] = calendar
    return calendars


# The questions for one day, for callers that ask only one ----------------------------


def is_school_day(setting: Organisation, day: datetime.date) -> bool:
    return calendar_for(setting, day).is_school_day(day)


def next_school_day(setting: Organisation, day: datetime.date) -> datetime.date:
    return calendar_for(setting, day).next_school_day(day)


def previous_school_day(setting: Organisation, day: datetime.date) -> datetime.date:
    return calendar_for(setting, day).previous_school_day(day)


def add_school_days(setting: Organisation, start: datetime.date, days: int) -> datetime.date:
    return calendar_for(setting, start).add_school_days(start, days)
