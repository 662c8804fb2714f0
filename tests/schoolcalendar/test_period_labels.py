"""A term is labelled by the calendar year its dates fall in (#22): the summer term of
the school year 2025 to 2026 runs from April to August 2026, so it is "Summer term
2026". Its token still names the school year, so that links already sent keep working."""

import datetime

import pytest

from schoolcalendar.models import Term, TermDates
from schoolcalendar.periods import period_choices, period_from_token, term_period

pytestmark = pytest.mark.django_db

day = datetime.date
TODAY = day(2026, 11, 18)


@pytest.mark.parametrize(
    ("term", "title", "starts_on", "ends_on"),
    [
        (Term.AUTUMN, "Autumn term 2025", day(2025, 9, 1), day(2025, 12, 31)),
        (Term.SPRING, "Spring term 2026", day(2026, 1, 1), day(2026, 4, 4)),
        (Term.SUMMER, "Summer term 2026", day(2026, 4, 5), day(2026, 8, 31)),
    ],
)
def test_each_term_of_2025_to_2026_is_labelled_by_the_year_its_dates_fall_in(
    world, term, title, starts_on, ends_on
):
    period = period_from_token(world.school_a, f"{term}-2025", TODAY)

    assert (period.token, period.title) == (f"{term}-2025", title)
    assert (period.starts_on, period.ends_on) == (starts_on, ends_on)
    assert str(period.starts_on.year) in period.title
    assert str(period.ends_on.year) in period.title


def test_the_choices_label_every_term_by_the_year_of_its_dates(world):
    for token, title in period_choices(world.school_a, TODAY):
        if token.startswith("year-"):
            continue
        term, year = token.split("-")
        period = term_period(world.school_a, int(year), term)
        assert title.removesuffix(" (so far)") == period.title
        assert period.title.endswith(str(period.ends_on.year)), (token, title)


def test_a_spring_term_set_to_start_in_december_is_the_spring_of_the_new_year(world):
    TermDates.objects.create(
        organisation=world.school_a,
        year=2026,
        term=Term.SPRING,
        starts_on=day(2026, 12, 1),
        ends_on=day(2027, 3, 26),
    )

    assert term_period(world.school_a, 2026, Term.SPRING).title == "Spring term 2027"
