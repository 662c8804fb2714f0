"""The periods a governors' summary covers (R33): a term, a school year or chosen dates.

A school year runs from 1 September to 31 August. Its terms are the organisation's own
dates where they are set (a trust's or federation's apply to its settings), otherwise
the default terms, which leave no gaps so that nothing declared in a holiday is left
out: autumn from 1 September to 31 December, spring from 1 January to the day before
Easter Sunday, summer from Easter Sunday to 31 August.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q

from directory.models import Organisation
from schoolcalendar.models import Term, TermDates

TERM_ORDER = [Term.AUTUMN, Term.SPRING, Term.SUMMER]
EARLIEST_YEAR = 2000
TOKEN = re.compile(r"(?:(?P<term>autumn|spring|summer)|year)-(?P<year>\d{4})")


class PeriodError(ValueError):
    """A period that cannot be reported on; the message says why, in plain words."""


def easter_sunday(year: int) -> datetime.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def default_term(year: int, term: str) -> tuple[datetime.date, datetime.date]:
    easter = easter_sunday(year + 1)
    return {
        Term.AUTUMN: (datetime.date(year, 9, 1), datetime.date(year, 12, 31)),
        Term.SPRING: (datetime.date(year + 1, 1, 1), easter - datetime.timedelta(days=1)),
        Term.SUMMER: (easter, datetime.date(year + 1, 8, 31)),
    }[Term(term)]


def school_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def school_year_title(year: int) -> str:
    return f"School year {year} to {year + 1}"


def term_title(term: str, ends_on: datetime.date) -> str:
    """A term by the calendar year its dates fall in (the year it ends: a spring term
    set to start in December is still the spring of the new year). The summer term of
    the school year 2025 to 2026 is "Summer term 2026", not 2025; its token stays
    ``summer-2025``, which names the school year, so that links already sent still work."""
    return f"{Term(term).label} {ends_on.year}"


@dataclass(frozen=True)
class Period:
    token: str
    title: str
    starts_on: datetime.date
    ends_on: datetime.date
    so_far: bool = False  # the period has not ended: figures are to today

    @property
    def full_title(self) -> str:
        """The title, saying where a period still running was cut."""
        return f"{self.title}, to {self.ends_on:%-d %B %Y}" if self.so_far else self.title

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one, for comparison."""
        ends_on = self.starts_on - datetime.timedelta(days=1)
        starts_on = ends_on - datetime.timedelta(days=self.days - 1)
        return Period("previous", _dates_title(starts_on, ends_on), starts_on, ends_on)

    def to_today(self, today: datetime.date) -> Period:
        """This period, cut at the end of its last whole week if it has not ended yet:
        a summary of a term so far read on Monday and again on Tuesday would otherwise
        differ by Tuesday alone, as two chosen periods a day apart would (#22)."""
        if self.starts_on > today:
            raise PeriodError(f"{self.title} has not started yet: there is nothing to report.")
        if self.ends_on < today:
            return self
        cut = last_whole_week_ends(today)
        if cut < self.starts_on:
            first = self.starts_on + datetime.timedelta(days=(SUNDAY - self.starts_on.weekday()))
            raise PeriodError(
                f"{self.title} has not run for a whole week yet: its figures can be read "
                f"from Monday {first + datetime.timedelta(days=1):%-d %B %Y}."
            )
        return Period(self.token, self.title, self.starts_on, cut, so_far=True)


def last_whole_week_ends(today: datetime.date) -> datetime.date:
    """The Sunday that ended the last whole week before today (today is never whole, a
    Sunday included): where figures of a period still running stop."""
    return today - datetime.timedelta(days=today.weekday() + 1)


def _dates_title(starts_on: datetime.date, ends_on: datetime.date) -> str:
    return f"{starts_on:%-d %B %Y} to {ends_on:%-d %B %Y}"


def term_dates_for(organisation: Organisation, years: list[int]) -> dict[tuple[int, str], tuple]:
    """(year, term) -> (first day, last day) for those school years: the organisation's
    own dates, else its trust's or federation's, else the defaults. One query."""
    found: dict[tuple[int, str], tuple] = {}
    rows = TermDates.objects.filter(
        Q(organisation=organisation) | Q(organisation_id=organisation.parent_id), year__in=years
    ).values_list("organisation_id", "year", "term", "starts_on", "ends_on")
    # The parent's first, so that the organisation's own dates replace them.
    for _organisation_id, year, term, starts_on, ends_on in sorted(
        rows, key=lambda row: row[0] == organisation.pk
    ):
        found[(year, term)] = (starts_on, ends_on)
    for year in years:
        for term in TERM_ORDER:
            found.setdefault((year, term), default_term(year, term))
    return found


def half_terms_for(
    organisation: Organisation, year: int
) -> dict[str, tuple[datetime.date | None, datetime.date | None]]:
    """term -> (first, last day of its half-term break) for one school year, from the
    same dates as :func:`term_dates_for` (the organisation's own, else its group's)."""
    rows = TermDates.objects.filter(
        Q(organisation=organisation) | Q(organisation_id=organisation.parent_id), year=year
    ).values_list("organisation_id", "term", "half_term_starts_on", "half_term_ends_on")
    found = {}
    for _organisation_id, term, starts_on, ends_on in sorted(
        rows, key=lambda row: row[0] == organisation.pk
    ):
        found[term] = (starts_on, ends_on)
    return found


def term_period(organisation: Organisation, year: int, term: str) -> Period:
    starts_on, ends_on = term_dates_for(organisation, [year])[(year, term)]
    return Period(f"{term}-{year}", term_title(term, ends_on), starts_on, ends_on)


def year_period(year: int) -> Period:
    return Period(
        f"year-{year}",
        school_year_title(year),
        datetime.date(year, 9, 1),
        datetime.date(year + 1, 8, 31),
    )


def whole_weeks_problems(
    starts_on: datetime.date, ends_on: datetime.date, today: datetime.date
) -> dict[str, str]:
    """What is wrong with chosen dates that are not whole weeks, by field ("date_from",
    "date_to"); empty when they run from a Monday to a Sunday, a week or more.

    Chosen dates are whole weeks so that two reports never differ by a few single days:
    subtracting the report of 1 to 14 March from that of 1 to 15 March would give one
    day's declarations, a count too small to show (R33)."""
    if (ends_on - starts_on).days + 1 < WEEK:
        return {"date_to": "Choose at least one whole week, from a Monday to a Sunday"}
    problems = {}
    if starts_on.weekday() != MONDAY:
        nearest = _nearest(starts_on, MONDAY, today)
        problems["date_from"] = f"Start your dates on a Monday {DASH} {nearest} is the nearest"
    if ends_on.weekday() != SUNDAY:
        nearest = _nearest(ends_on, SUNDAY, today)
        problems["date_to"] = f"End your dates on a Sunday {DASH} {nearest} is the nearest"
    elif ends_on >= today:  # today is not over: two reads of it would differ by hours
        latest = f"{last_whole_week_ends(today):%-d %B %Y}"
        problems["date_to"] = f"End your dates before today {DASH} {latest} is the latest Sunday"
    return problems


def _nearest(day: datetime.date, weekday: int, today: datetime.date) -> str:
    """The nearest such weekday to ``day``, before today, in words."""
    back = day - datetime.timedelta(days=(day.weekday() - weekday) % WEEK)
    ahead = back + datetime.timedelta(days=WEEK)
    nearest = ahead if ahead - day < day - back and ahead < today else back
    return f"{nearest:%-d %B %Y}"


WEEK, MONDAY, SUNDAY = 7, 0, 6
DASH = "\N{EN DASH}"  # GOV.UK's spaced en dash


def custom_period(starts_on: datetime.date, ends_on: datetime.date) -> Period:
    return Period("custom", _dates_title(starts_on, ends_on), starts_on, ends_on)


def period_from_token(organisation: Organisation, token: str, today: datetime.date) -> Period:
    """The term or school year a token such as ``autumn-2026`` or ``year-2025`` names,
    cut at today; PeriodError for a malformed token or one in the future."""
    match = TOKEN.fullmatch(token or "")
    if match is None:
        raise PeriodError("Choose a term, a school year or your own dates.")
    year = int(match["year"])
    if year < EARLIEST_YEAR:
        raise PeriodError(f"Choose a school year from {EARLIEST_YEAR} onwards.")
    if year > school_year_of(today):
        raise PeriodError("That school year has not started yet: there is nothing to report.")
    period = term_period(organisation, year, match["term"]) if match["term"] else year_period(year)
    return period.to_today(today)


def period_choices(organisation: Organisation, today: datetime.date, years: int = 3):
    """The terms and school years that have started, newest first, for the last
    ``years`` school years: (token, title) pairs."""
    current = school_year_of(today)
    wanted = list(range(current, current - years, -1))
    dates = term_dates_for(organisation, wanted)
    # A period still running is offered once it has run a whole week (Period.to_today).
    cut = last_whole_week_ends(today)
    choices = []
    for year in wanted:
        for term in reversed(TERM_ORDER):
            starts_on, ends_on = dates[(year, term)]
            if starts_on <= cut or ends_on < today:
                so_far = " (so far)" if ends_on >= today else ""
                choices.append((f"{term}-{year}", f"{term_title(term, ends_on)}{so_far}"))
        if year_period(year).starts_on <= cut:
            so_far = " (so far)" if year == current else ""
            choices.append((f"year-{year}", f"{school_year_title(year)}{so_far}"))
    return choices


def current_term_token(organisation: Organisation, today: datetime.date) -> str:
    """The term today falls in, or the latest term that has started (in a holiday
    between configured terms)."""
    for token, _title in period_choices(organisation, today, years=2):
        if not token.startswith("year-"):
            return token
    return f"year-{school_year_of(today)}"
