"""The school calendar (R39, issue #19): which days are school days at a setting, from
its terms and half-terms, England's bank holidays and its INSET and closure days; and
the term dates and closure days refused when they make no sense."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from schoolcalendar.calendar import (
    add_school_days,
    bank_holiday,
    calendar_for,
    calendars_for,
    is_school_day,
    next_school_day,
    previous_school_day,
)
from schoolcalendar.models import ClosureDay, Term, TermDates
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

day = datetime.date

# 2026 to 2027, as the demo's local authority has it (issue #19).
TERMS_2026 = {
    Term.AUTUMN: (day(2026, 9, 2), day(2026, 12, 18), day(2026, 10, 26), day(2026, 10, 30)),
    Term.SPRING: (day(2027, 1, 4), day(2027, 3, 25), day(2027, 2, 15), day(2027, 2, 19)),
    Term.SUMMER: (day(2027, 4, 12), day(2027, 7, 21), day(2027, 5, 31), day(2027, 6, 4)),
}


def set_terms(organisation, terms=None, year=2026) -> list[TermDates]:
    return [
        TermDates.objects.create(
            organisation=organisation,
            year=year,
            term=term,
            starts_on=starts_on,
            ends_on=ends_on,
            half_term_starts_on=half_starts,
            half_term_ends_on=half_ends,
        )
        for term, (starts_on, ends_on, half_starts, half_ends) in (terms or TERMS_2026).items()
    ]


def closed(organisation, starts_on, ends_on=None, reason=ClosureDay.Reason.INSET) -> ClosureDay:
    return ClosureDay.objects.create(
        organisation=organisation, starts_on=starts_on, ends_on=ends_on or starts_on, reason=reason
    )


@pytest.fixture
def federation_terms(world):
    set_terms(world.federation)
    closed(world.federation, day(2026, 9, 2))  # the first day of the autumn term
    closed(world.federation, day(2027, 1, 4))  # and of the spring term


# Without term dates: weekdays, less bank holidays ---------------------------------------


def test_bank_holidays_in_england_come_from_the_holidays_package():
    assert bank_holiday(day(2026, 12, 25)) == "Christmas Day"
    assert bank_holiday(day(2026, 12, 28)) == "Boxing Day (observed)"  # 26th is a Saturday
    assert bank_holiday(day(2027, 5, 31)) == "Spring Bank Holiday"
    assert bank_holiday(day(2026, 12, 29)) is None


@pytest.mark.parametrize(
    ("on", "school_day"),
    [
        (day(2026, 11, 18), True),  # a Wednesday
        (day(2026, 11, 21), False),  # a Saturday
        (day(2026, 11, 22), False),  # a Sunday
        (day(2026, 12, 25), False),  # Christmas Day
        (day(2026, 12, 28), False),  # Boxing Day, observed
        (day(2026, 12, 29), True),  # a weekday with no term dates to say otherwise
        (day(2026, 8, 31), False),  # the late summer bank holiday
    ],
)
def test_without_term_dates_a_school_day_is_a_weekday_that_is_not_a_bank_holiday(
    world, on, school_day
):
    assert is_school_day(world.school_a, on) is school_day


def test_without_term_dates_a_closure_day_still_closes_the_setting(world):
    closed(world.school_a, day(2026, 11, 20))

    assert not is_school_day(world.school_a, day(2026, 11, 20))
    assert is_school_day(world.school_b, day(2026, 11, 20))


# With term dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "why"),
    [
        (day(2026, 9, 1), "in the school holidays"),  # before the autumn term
        (day(2026, 9, 2), "a day the setting is closed (an INSET or closure day)"),
        (day(2026, 9, 3), None),
        (day(2026, 10, 23), None),  # the Friday before half-term
        (day(2026, 10, 28), "in the half-term break"),
        (day(2026, 11, 2), None),
        (day(2026, 12, 21), "in the school holidays"),  # Christmas
        (day(2026, 12, 28), "a bank holiday (Boxing Day (observed))"),
        (day(2027, 1, 4), "a day the setting is closed (an INSET or closure day)"),
        (day(2027, 1, 5), None),
        (day(2027, 2, 12), None),
        (day(2027, 2, 15), "in the half-term break"),
        (day(2027, 2, 19), "in the half-term break"),
        (day(2027, 2, 22), None),
        (day(2027, 3, 26), "a bank holiday (Good Friday)"),
        (day(2027, 4, 6), "in the school holidays"),  # Easter
        (day(2027, 5, 3), "a bank holiday (May Day)"),  # in the summer term
        (day(2027, 6, 2), "in the half-term break"),
        (day(2027, 7, 21), None),  # the last day of the year
        (day(2027, 7, 22), "in the school holidays"),
        (day(2027, 8, 14), "a weekend"),
    ],
)
def test_a_federations_calendar_is_its_schools(world, federation_terms, on, why):
    for school in (world.school_a, world.school_b):
        assert calendar_for(school, on).why_not_a_school_day(on) == why
        assert is_school_day(school, on) is (why is None)


def test_another_organisations_calendar_does_not_apply(world, federation_terms):
    assert is_school_day(world.other_school, day(2026, 10, 28))  # not its half-term
    assert is_school_day(world.other_school, day(2026, 9, 2))  # nor its INSET day


def test_a_schools_own_term_replaces_its_federations(world, federation_terms):
    TermDates.objects.create(
        organisation=world.school_b,
        year=2026,
        term=Term.AUTUMN,
        starts_on=day(2026, 9, 7),
        ends_on=day(2026, 12, 18),
        half_term_starts_on=day(2026, 11, 2),
        half_term_ends_on=day(2026, 11, 6),
    )

    assert not is_school_day(world.school_b, day(2026, 9, 3))  # before its own term
    assert is_school_day(world.school_b, day(2026, 10, 28))  # not its half-term
    assert not is_school_day(world.school_b, day(2026, 11, 4))  # its own half-term
    assert not is_school_day(world.school_b, day(2027, 2, 16))  # the federation's spring
    assert is_school_day(world.school_a, day(2026, 9, 3))
    assert not is_school_day(world.school_a, day(2026, 10, 28))


def test_a_federations_and_a_schools_own_closure_days_both_close_the_school(
    world, federation_terms
):
    closed(world.school_a, day(2026, 11, 19), day(2026, 11, 20), ClosureDay.Reason.CLOSURE)

    for on in (day(2026, 9, 2), day(2026, 11, 19), day(2026, 11, 20)):
        assert not is_school_day(world.school_a, on)
    assert is_school_day(world.school_b, day(2026, 11, 19))


def test_a_year_without_term_dates_falls_back_to_weekdays(world, federation_terms):
    # Term dates are set for 2026 to 2027 only: 2027 to 2028 counts every weekday.
    assert is_school_day(world.school_a, day(2027, 9, 1))
    assert is_school_day(world.school_a, day(2027, 10, 28))  # no half-term known that year
    assert not is_school_day(world.school_a, day(2027, 7, 30))  # summer holiday of 2026-27


# Counting -------------------------------------------------------------------------------


def test_counting_school_days_skips_half_term(world, federation_terms):
    thursday = day(2027, 2, 11)

    assert add_school_days(world.school_a, thursday, 1) == day(2027, 2, 12)
    assert add_school_days(world.school_a, thursday, 2) == day(2027, 2, 22)
    assert add_school_days(world.school_a, thursday, 5) == day(2027, 2, 25)
    assert previous_school_day(world.school_a, day(2027, 2, 22)) == day(2027, 2, 12)
    assert next_school_day(world.school_a, day(2027, 2, 12)) == day(2027, 2, 22)


def test_the_christmas_holiday_and_an_inset_day_are_stepped_over(world, federation_terms):
    assert next_school_day(world.school_a, day(2026, 12, 18)) == day(2027, 1, 5)
    assert previous_school_day(world.school_a, day(2027, 1, 5)) == day(2026, 12, 18)


def test_counting_runs_into_the_next_school_year(world, federation_terms):
    set_terms(
        world.federation,
        {
            Term.AUTUMN: (
                day(2027, 9, 2),
                day(2027, 12, 17),
                day(2027, 10, 25),
                day(2027, 10, 29),
            )
        },
        year=2027,
    )

    assert add_school_days(world.school_a, day(2027, 7, 20), 3) == day(2027, 9, 3)


def test_zero_school_days_from_a_school_day_is_that_day_and_from_a_holiday_the_next(
    world, federation_terms
):
    calendar = calendar_for(world.school_a, day(2026, 10, 28))

    assert calendar.add_school_days(day(2026, 11, 18), 0) == day(2026, 11, 18)
    assert calendar.add_school_days(day(2026, 10, 28), 0) == day(2026, 11, 2)


def test_a_calendar_asks_the_database_twice_however_many_days_it_counts(
    world, federation_terms, django_assert_num_queries
):
    with django_assert_num_queries(2):
        calendar = calendar_for(world.school_a, day(2026, 11, 18))
        # 6 school days in December, 19 in January (the 4th an INSET day), then 10 in
        # February before half-term and 5 after it.
        assert calendar.add_school_days(day(2026, 12, 10), 40) == day(2027, 2, 26)
        assert calendar.previous_school_day(day(2026, 11, 2)) == day(2026, 10, 23)


def test_many_settings_calendars_take_two_queries_in_all(
    world, federation_terms, django_assert_num_queries
):
    schools = [world.school_a, world.school_b, world.other_school, *SchoolFactory.create_batch(5)]

    with django_assert_num_queries(2):
        calendars = calendars_for(schools, day(2026, 11, 18))
        results = {
            school.pk: calendars[school.pk].is_school_day(day(2026, 10, 28)) for school in schools
        }

    assert not results[world.school_a.pk]
    assert not results[world.school_b.pk]
    assert results[world.other_school.pk]


# Term dates that make no sense are refused ----------------------------------------------


def term(organisation, **fields) -> TermDates:
    values = {
        "organisation": organisation,
        "year": 2026,
        "term": Term.AUTUMN,
        "starts_on": day(2026, 9, 2),
        "ends_on": day(2026, 12, 18),
        **fields,
    }
    return TermDates(**values)


def refusal(term_dates: TermDates) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        term_dates.full_clean()
    return refused.value.message_dict


def test_a_term_that_runs_backwards_is_refused(world):
    errors = refusal(term(world.school_a, ends_on=day(2026, 9, 1)))

    assert errors["ends_on"] == ["The autumn term ends before it starts: check the two dates."]


def test_a_term_overlapping_another_of_the_same_organisation_is_refused(world):
    set_terms(world.school_a)

    errors = refusal(term(world.school_a, term=Term.SPRING, year=2026, starts_on=day(2026, 12, 14)))

    assert errors["starts_on"] == [
        "These dates overlap the autumn term 2026 to 2027 (2 September 2026 to 18 December "
        "2026): two terms cannot share a day."
    ]
    assert TermDates.objects.filter(organisation=world.school_a).count() == 3


def test_the_same_dates_at_another_organisation_do_not_overlap(world):
    set_terms(world.federation)

    term(world.school_a).full_clean()  # the school's own autumn: allowed


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"half_term_starts_on": day(2026, 12, 21), "half_term_ends_on": day(2026, 12, 24)},
            "half_term_starts_on",
            "The half-term break must fall inside the autumn term, after 2 September 2026 "
            "and before 18 December 2026.",
        ),
        (
            {"half_term_starts_on": day(2026, 9, 2), "half_term_ends_on": day(2026, 9, 4)},
            "half_term_starts_on",
            "The half-term break must fall inside the autumn term, after 2 September 2026 "
            "and before 18 December 2026.",
        ),
        (
            {"half_term_starts_on": day(2026, 10, 30), "half_term_ends_on": day(2026, 10, 26)},
            "half_term_ends_on",
            "The half-term break ends before it starts.",
        ),
        (
            {"half_term_starts_on": day(2026, 10, 26)},
            "half_term_ends_on",
            "Give both the first and the last day of the half-term break.",
        ),
        (
            {"starts_on": day(2026, 8, 28)},
            "starts_on",
            "The autumn term of 2026 to 2027 must fall between 1 September 2026 and 31 "
            "August 2027.",
        ),
    ],
)
def test_a_half_term_outside_its_term_or_a_term_outside_its_year_is_refused(
    world, fields, field, message
):
    assert refusal(term(world.school_a, **fields))[field] == [message]


def test_the_database_refuses_a_half_term_outside_its_term(world):
    with transaction.atomic(), pytest.raises(IntegrityError):
        term(
            world.school_a,
            half_term_starts_on=day(2026, 12, 21),
            half_term_ends_on=day(2026, 12, 24),
        ).save()
    with transaction.atomic(), pytest.raises(IntegrityError):
        term(world.school_a, ends_on=day(2026, 9, 1)).save()


@pytest.mark.postgres
def test_postgresql_refuses_two_overlapping_terms_of_one_organisation(world):
    if connection.vendor != "postgresql":
        pytest.skip("an exclusion constraint: PostgreSQL only")
    term(world.school_a).save()  # the autumn term
    with connection.cursor() as cursor:  # checked at once, not at the commit
        cursor.execute("SET CONSTRAINTS term_dates_never_overlap IMMEDIATE")
    spring = term(world.school_a, term=Term.SPRING, starts_on=day(2026, 12, 1))

    with transaction.atomic(), pytest.raises(IntegrityError, match="term_dates_never_overlap"):
        spring.save()
    term(world.school_b, term=Term.SPRING, starts_on=day(2026, 12, 1)).save()  # another school


# Closure days -----------------------------------------------------------------------------


def test_a_closure_day_with_no_last_day_is_one_day(world):
    closure = ClosureDay(organisation=world.school_a, starts_on=day(2026, 11, 20))

    closure.full_clean()
    closure.save()

    assert closure.ends_on == day(2026, 11, 20)
    assert not is_school_day(world.school_a, day(2026, 11, 20))
    assert is_school_day(world.school_a, day(2026, 11, 23))


def test_a_closure_that_ends_before_it_starts_is_refused(world):
    closure = ClosureDay(
        organisation=world.school_a, starts_on=day(2026, 11, 20), ends_on=day(2026, 11, 19)
    )

    with pytest.raises(ValidationError) as refused:
        closure.full_clean()

    assert refused.value.message_dict["ends_on"] == ["The closure ends before it starts."]
