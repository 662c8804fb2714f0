"""The governors' anonymised summary (R33) piece by piece: small-number suppression and
its complementary suppression, the periods a summary covers, and the forms choosing them."""

import datetime
import itertools
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from oversight.forms import SummaryForm, SummarySaveForm
from oversight.summaries import (
    SUPPRESSED,
    TOO_FEW_DECISIONS,
    TOO_FEW_PEOPLE,
    Scope,
    _days_cell,
    _percent_cell,
    count_table,
    suppressed_counts,
)
from oversight.suppression import _ranges, exposed, hidden_cells
from policies.selectors import Completion
from schoolcalendar.forms import TermDatesForm
from schoolcalendar.models import Term, TermDates
from schoolcalendar.periods import (
    Period,
    PeriodError,
    current_term_token,
    custom_period,
    default_term,
    easter_sunday,
    half_terms_for,
    period_choices,
    period_from_token,
    term_dates_for,
    term_period,
    year_period,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)
INVALID_CHOICE = "Choose one of the terms or school years listed, or your own dates."
MALFORMED = "Choose a term, a school year or your own dates."
NOT_STARTED_YEAR = "That school year has not started yet: there is nothing to report."


def day(year: int, month: int, day_of_month: int) -> datetime.date:
    return datetime.date(year, month, day_of_month)


def table(grid, *, columns=None, previous=None, additive=True, total_row="All"):
    """A summary table of ``grid`` (rows by settings) as a report on the whole group
    shows it; ``previous`` holds each row's total in the previous period."""
    columns = columns or [f"Setting {c}" for c in range(len(grid[0]))]
    settings = [SimpleNamespace(pk=c + 1, name=name) for c, name in enumerate(columns)]
    period = custom_period(day(2026, 9, 1), day(2026, 11, 30))
    scope = Scope(SimpleNamespace(name="Group"), settings, period, period.previous(), TODAY)
    lines = [f"Row {r}" for r in range(len(grid))]
    if total_row and additive:
        lines.append((total_row, list(range(len(grid)))))
    before = None
    if previous is not None:
        before = [[count] + [0] * (len(columns) - 1) for count in previous]
    counts = suppressed_counts(scope, lines, grid, before, additive=additive)
    return count_table(scope, counts, key="test", title="Test", caption="A test table.")


def values(result) -> list[list[int | None]]:
    return [[cell["value"] for cell in row["cells"]] for row in result["rows"]]


def texts(result) -> list[list[str]]:
    return [[cell["text"] for cell in row["cells"]] for row in result["rows"]]


def exposed_lines(result) -> list[tuple[str, list[str]]]:
    """The lines (parts plus their total) read back from a table's structure in which
    exactly one member is hidden, so that it could be worked out by subtraction."""
    header = result["header"]
    rows = result["rows"]
    has_total_column = "Total" in header
    has_previous = header[-1:] == ["Previous period"]
    width = len(header) - (1 if has_previous else 0)
    parts_width = width - 1 if has_total_column else width
    has_total_row = bool(rows) and rows[-1]["total"]
    body = rows[:-1] if has_total_row else rows

    lines: list[tuple[str, list]] = []
    if has_total_column:
        lines += [(f"row {row['label']}", row["cells"][: parts_width + 1]) for row in rows]
    if has_total_row:
        lines += [(f"column {header[c]}", [row["cells"][c] for row in rows]) for c in range(width)]
        if has_previous:
            lines.append(("previous column", [row["cells"][width] for row in rows]))
    assert all(len(row["cells"]) == len(header) for row in body)
    return [
        (name, [cell["text"] for cell in cells])
        for name, cells in lines
        if sum(cell["value"] is None for cell in cells) == 1
    ]


# Primary suppression ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_a_count_from_one_to_four_shows_as_fewer_than_five_with_no_value(count):
    result = table([[count]], total_row="")

    assert result["rows"][0]["cells"] == [{"value": None, "text": "fewer than 5"}]
    assert SUPPRESSED == "fewer than 5"


@pytest.mark.parametrize(("count", "text"), [(0, "0"), (5, "5"), (12, "12"), (1234, "1,234")])
def test_zero_and_counts_of_five_or_more_show_as_numbers_with_thousands_separators(count, text):
    result = table([[count]], total_row="")

    assert result["rows"][0]["cells"] == [{"value": count, "text": text}]


def test_hidden_cells_hides_every_count_from_one_to_four_and_nothing_else_without_lines():
    grid = [[0, 1, 2, 3], [4, 5, 6, 1234]]

    assert hidden_cells(grid, []) == {(0, 1), (0, 2), (0, 3), (1, 0)}


def test_a_total_from_one_to_four_is_itself_hidden():
    result = table([[1], [2], [0]], columns=["Declarations"])

    assert result["header"] == ["Declarations"]
    assert values(result) == [[None], [None], [0], [None]]
    assert result["rows"][-1] == {
        "label": "All",
        "cells": [{"value": None, "text": "fewer than 5"}],
        "total": True,
    }


def test_a_row_total_from_one_to_four_is_hidden_with_its_only_part():
    result = table([[3, 0], [6, 5]], total_row="")

    assert result["header"] == ["Setting 0", "Setting 1", "Total"]
    assert values(result) == [[None, 0, None], [6, 5, 11]]


# Complementary suppression ----------------------------------------------------------------


def test_a_single_hidden_count_in_a_row_hides_another_so_subtraction_reveals_nothing():
    result = table([[3, 7, 9]], total_row="")

    assert result["header"] == ["Setting 0", "Setting 1", "Setting 2", "Total"]
    # The 7 is hidden to protect the 3, and says "hidden", not "fewer than 5".
    assert texts(result) == [["fewer than 5", "hidden", "9", "19"]]
    assert values(result) == [[None, None, 9, 19]]


def test_hidden_cells_hides_the_next_visible_part_of_a_line_not_the_smallest():
    # Chosen by place, never by size: knowing the rule tells a reader nothing.
    grid = [[3, 9, 7, 19]]
    line = ([(0, 0), (0, 1), (0, 2)], (0, 3))

    assert hidden_cells(grid, [line]) == {(0, 0), (0, 1)}


def test_hidden_cells_takes_the_part_after_the_small_one_wrapping_round():
    grid = [[8, 7, 3, 18]]
    line = ([(0, 0), (0, 1), (0, 2)], (0, 3))

    assert hidden_cells(grid, [line]) == {(0, 2), (0, 0)}


def test_a_zero_is_never_hidden_to_protect_another_count():
    result = table([[3, 0, 5]], total_row="")

    assert values(result) == [[None, 0, None, 8]]


def test_hidden_cells_hides_a_zero_before_a_total_when_no_visible_non_zero_part_is_left():
    # The 6 is hidden to protect the 3; in the second line it is the only non-zero
    # part, so the 0 beside it is hidden (and reads "fewer than 5"): then the 6 could
    # be 6 with a 0, or 5 with a 1. The line's total is hidden only as a last resort.
    grid = [[3, 6, 9], [0, 6]]
    lines = [([(0, 0), (0, 1)], (0, 2)), ([(0, 1), (1, 0)], (1, 1))]

    assert hidden_cells(grid, lines) == {(0, 0), (0, 1), (1, 0)}


def test_hidden_cells_keeps_suppressing_until_no_line_has_a_single_hidden_member():
    # Hiding the 7 beside the 3 leaves each of them alone in its column, so the 10
    # and the 8 below them go too; then every line has two hidden counts or none.
    grid = [[3, 7, 10], [10, 8, 18], [13, 15, 28]]
    rows = [([(r, 0), (r, 1)], (r, 2)) for r in range(3)]
    columns = [([(0, c), (1, c)], (2, c)) for c in range(3)]

    assert hidden_cells(grid, rows + columns) == {(0, 0), (0, 1), (1, 1), (1, 0)}


def test_a_two_by_two_table_with_one_small_count_hides_a_rectangle_and_keeps_the_totals():
    result = table([[3, 7], [10, 8]])

    assert result["header"] == ["Setting 0", "Setting 1", "Total"]
    assert values(result) == [[None, None, 10], [None, None, 18], [13, 15, 28]]
    assert [row["total"] for row in result["rows"]] == [False, False, True]
    assert exposed_lines(result) == []


def test_the_exposure_check_finds_a_line_with_a_single_hidden_count():
    # The checker used by the property test below must be able to fail.
    result = table([[3, 7, 9]], total_row="")
    result["rows"][0]["cells"][1] = {"value": 7, "text": "7"}

    assert exposed_lines(result) == [
        ("row Row 0", ["fewer than 5", "7", "9", "19"]),
    ]


def test_no_row_or_column_of_a_random_table_ever_has_exactly_one_hidden_count():
    generator = random.Random(20261201)
    checked_hidden = 0
    for _ in range(300):
        n_rows, n_columns = generator.randint(1, 5), generator.randint(1, 4)
        grid = [[generator.randint(0, 12) for _ in range(n_columns)] for _ in range(n_rows)]
        previous = [generator.randint(0, 12) for _ in range(n_rows)]
        result = table(grid, previous=previous)

        with_total = n_columns > 1
        full = [[*row, sum(row)] if with_total else list(row) for row in grid]
        full.append([sum(column) for column in zip(*full, strict=True)])
        old = [*previous, sum(previous)]
        expected_header = [f"Setting {c}" for c in range(n_columns)]
        expected_header += ["Total"] if with_total else []
        assert result["header"] == [*expected_header, "Previous period"], grid
        assert [row["total"] for row in result["rows"]] == [False] * n_rows + [True], grid

        for r, row in enumerate(result["rows"]):
            for true, cell in zip([*full[r], old[r]], row["cells"], strict=True):
                if 0 < true < 5:
                    assert cell == {"value": None, "text": SUPPRESSED}, (grid, previous)
                if cell["value"] is None:
                    # A 0 is hidden only beside a small count, and reads "fewer than 5".
                    assert true > 0 or cell["text"] == SUPPRESSED, (grid, previous)
                    checked_hidden += 1
                else:
                    assert cell == {"value": true, "text": f"{true:,}"}, (grid, previous)
        assert exposed_lines(result) == [], (grid, previous)
    assert checked_hidden > 300


# Tables whose rows are not parts of one whole, and the previous period --------------------


def test_a_table_that_is_not_additive_treats_each_row_as_its_own_line_with_no_total_row():
    result = table([[3, 7], [0, 0], [6, 8]], additive=False, total_row="All")

    assert result["header"] == ["Setting 0", "Setting 1", "Total"]
    assert [row["label"] for row in result["rows"]] == ["Row 0", "Row 1", "Row 2"]
    assert [row["total"] for row in result["rows"]] == [False, False, False]
    assert values(result) == [[None, None, 10], [0, 0, 0], [6, 8, 14]]


def test_a_table_that_is_not_additive_does_not_hide_across_rows():
    # Were the rows parts of one whole, the 6 under the hidden 3 would go too.
    result = table([[3, 7], [6, 8]], additive=False, total_row="")

    assert values(result) == [[None, None, 10], [6, 8, 14]]


def test_the_previous_period_column_hides_its_own_complement_and_keeps_its_total():
    result = table([[6, 6], [6, 6], [5, 7]], previous=[2, 8, 9])

    assert result["header"] == ["Setting 0", "Setting 1", "Total", "Previous period"]
    assert values(result) == [
        [6, 6, 12, None],
        [6, 6, 12, None],
        [5, 7, 12, 9],
        [17, 19, 36, 19],
    ]


def test_a_hidden_previous_count_does_not_hide_anything_in_the_current_period():
    result = table([[6], [9]], columns=["Declarations"], previous=[3, 0])

    assert result["header"] == ["Declarations", "Previous period"]
    assert values(result) == [[6, None], [9, 0], [15, None]]


def test_the_previous_column_of_a_table_that_is_not_additive_has_no_total():
    result = table([[6, 3]], additive=False, total_row="", previous=[2])

    assert values(result) == [[None, None, 9, None]]
    assert len(result["rows"]) == 1


# Percentages and waiting times ------------------------------------------------------------


def test_a_percentage_of_fewer_than_five_people_is_not_shown():
    assert _percent_cell(Completion(done=3, total=4), "none") == {
        "value": None,
        "text": TOO_FEW_PEOPLE,
    }
    assert TOO_FEW_PEOPLE == "fewer than 5 people"


def test_a_percentage_of_five_or_more_people_rounds_halves_up():
    assert _percent_cell(Completion(done=5, total=40), "none") == {"value": 13, "text": "13%"}
    assert _percent_cell(Completion(done=5, total=5), "none") == {"value": 100, "text": "100%"}
    assert _percent_cell(Completion(done=0, total=9), "none") == {"value": 0, "text": "0%"}


@pytest.mark.parametrize(
    ("done", "total", "text"),
    [
        (1, 8, "fewer than 5 people"),
        (4, 30, "fewer than 5 people"),
        (7, 8, "all but fewer than 5 people"),
        (26, 30, "all but fewer than 5 people"),
    ],
)
def test_a_percentage_never_gives_away_that_1_to_4_people_have_or_have_not(done, total, text):
    assert _percent_cell(Completion(done=done, total=total), "none") == {
        "value": None,
        "text": text,
    }


def test_a_percentage_that_does_not_apply_shows_the_missing_text():
    assert _percent_cell(None, "no round yet") == {"value": None, "text": "no round yet"}
    assert _percent_cell(Completion(0, 10, applies=False), "no policy published") == {
        "value": None,
        "text": "no policy published",
    }


def test_a_waiting_time_needs_five_decisions_and_reads_in_days():
    assert _days_cell(None, 0, 5) == {"value": None, "text": "none decided"}
    assert _days_cell(datetime.timedelta(days=1), 4, 5) == {
        "value": None,
        "text": TOO_FEW_DECISIONS,
    }
    assert _days_cell(datetime.timedelta(days=1), 5, 5) == {"value": 1.0, "text": "1 day"}
    assert _days_cell(datetime.timedelta(hours=36), 5, 5) == {"value": 1.5, "text": "1.5 days"}
    assert _days_cell(datetime.timedelta(days=10, hours=3), 7, 5) == {
        "value": 10.1,
        "text": "10.1 days",
    }


def test_the_90th_percentile_needs_ten_decisions_or_it_is_one_persons_wait():
    assert _days_cell(datetime.timedelta(days=9), 9, 10) == {
        "value": None,
        "text": "fewer than 10 decisions",
    }
    assert _days_cell(datetime.timedelta(days=9), 10, 10) == {"value": 9.0, "text": "9 days"}


# Periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, day(2024, 3, 31)),
        (2025, day(2025, 4, 20)),
        (2026, day(2026, 4, 5)),
        (2027, day(2027, 3, 28)),
        (2000, day(2000, 4, 23)),
        (2038, day(2038, 4, 25)),
    ],
)
def test_easter_sunday_falls_on_the_known_date(year, easter):
    assert easter_sunday(year) == easter
    assert easter.weekday() == 6


def test_the_default_terms_of_2026_run_from_september_to_christmas_to_easter_to_august():
    assert default_term(2026, Term.AUTUMN) == (day(2026, 9, 1), day(2026, 12, 31))
    assert default_term(2026, Term.SPRING) == (day(2027, 1, 1), day(2027, 3, 27))
    assert default_term(2026, Term.SUMMER) == (day(2027, 3, 28), day(2027, 8, 31))


@pytest.mark.parametrize("year", range(2000, 2040))
def test_the_default_terms_cover_the_school_year_with_no_gap_and_no_overlap(year):
    terms = [default_term(year, term) for term in (Term.AUTUMN, Term.SPRING, Term.SUMMER)]

    assert terms[0][0] == day(year, 9, 1)
    assert terms[-1][1] == day(year + 1, 8, 31)
    for (_start, end), (next_start, _end) in itertools.pairwise(terms):
        assert next_start == end + datetime.timedelta(days=1)
    assert all(start <= end for start, end in terms)


def test_the_previous_period_has_the_same_number_of_days_and_ends_the_day_before():
    autumn = Period("autumn-2026", "Autumn term 2026", day(2026, 9, 1), day(2026, 12, 31))

    previous = autumn.previous()

    assert autumn.days == 122
    assert previous == Period(
        "previous", "2 May 2026 to 31 August 2026", day(2026, 5, 2), day(2026, 8, 31)
    )
    assert previous.days == 122


def test_the_previous_period_of_a_single_day_is_the_day_before():
    one_day = custom_period(day(2026, 3, 1), day(2026, 3, 1))

    assert one_day.previous() == Period(
        "previous", "28 February 2026 to 28 February 2026", day(2026, 2, 28), day(2026, 2, 28)
    )


# Tuesday 1 December 2026: the last whole week ended on Sunday 29 November.
LAST_SUNDAY = day(2026, 11, 29)


def test_a_current_period_is_cut_at_its_last_whole_week_and_marked_so_far():
    """Read on Monday and again on Tuesday, a term so far gives the same figures: the
    two cannot be subtracted to one day's (#22)."""
    autumn = Period("autumn-2026", "Autumn term 2026", day(2026, 9, 1), day(2026, 12, 31))

    assert autumn.to_today(TODAY) == Period(
        "autumn-2026", "Autumn term 2026", day(2026, 9, 1), LAST_SUNDAY, so_far=True
    )
    assert autumn.to_today(day(2026, 11, 30)) == autumn.to_today(TODAY)
    # On a Sunday, that day is not over: to the Sunday before.
    assert autumn.to_today(LAST_SUNDAY).ends_on == day(2026, 11, 22)


def test_a_period_that_has_not_run_a_whole_week_cannot_be_reported_on_yet():
    spring = Period("spring-2026", "Spring term 2027", day(2026, 12, 1), day(2027, 3, 26))

    with pytest.raises(
        PeriodError,
        match=r"^Spring term 2027 has not run for a whole week yet: its figures can be read "
        r"from Monday 7 December 2026\.$",
    ):
        spring.to_today(day(2026, 12, 6))
    assert spring.to_today(day(2026, 12, 7)).ends_on == day(2026, 12, 6)


def test_a_period_that_ended_before_today_is_kept_whole_and_one_ending_today_is_cut():
    summer = Period("summer-2025", "Summer term 2026", day(2026, 4, 5), day(2026, 8, 31))

    assert summer.to_today(TODAY) == summer
    assert summer.to_today(day(2026, 9, 1)) == summer
    assert summer.to_today(day(2026, 9, 1)).so_far is False
    # Its last day (a Monday) is not over: to the Sunday before, so far.
    assert summer.to_today(day(2026, 8, 31)) == Period(
        "summer-2025", "Summer term 2026", day(2026, 4, 5), day(2026, 8, 30), so_far=True
    )


def test_a_period_starting_after_today_cannot_be_reported_on():
    spring = Period("spring-2026", "Spring term 2027", day(2027, 1, 1), day(2027, 3, 27))

    with pytest.raises(PeriodError, match=r"^Spring term 2027 has not started yet: there is"):
        spring.to_today(TODAY)


def test_a_school_year_runs_from_september_to_august():
    assert year_period(2025) == Period(
        "year-2025", "School year 2025 to 2026", day(2025, 9, 1), day(2026, 8, 31)
    )


def test_a_term_token_names_the_term_cut_at_its_last_whole_week(world):
    assert period_from_token(world.school_a, "autumn-2026", TODAY) == Period(
        "autumn-2026", "Autumn term 2026", day(2026, 9, 1), LAST_SUNDAY, so_far=True
    )


def test_a_past_term_token_names_the_whole_term(world):
    assert period_from_token(world.school_a, "spring-2025", TODAY) == Period(
        "spring-2025", "Spring term 2026", day(2026, 1, 1), day(2026, 4, 4)
    )


def test_a_year_token_names_the_whole_school_year_once_it_has_ended(world):
    assert period_from_token(world.school_a, "year-2025", TODAY) == Period(
        "year-2025", "School year 2025 to 2026", day(2025, 9, 1), day(2026, 8, 31)
    )
    assert period_from_token(world.school_a, "year-2026", TODAY) == Period(
        "year-2026", "School year 2026 to 2027", day(2026, 9, 1), LAST_SUNDAY, so_far=True
    )


@pytest.mark.parametrize(
    "token",
    [
        "",
        None,
        "winter-2026",
        "autumn-26",
        "year-abc",
        "autumn-2026x",
        "Autumn-2026",
        "2026",
        "autumn 2026",
        "year-20266",
        "-2026",
        "autumn-",
    ],
)
def test_a_malformed_token_is_refused_with_a_plain_message(world, token):
    with pytest.raises(PeriodError) as raised:
        period_from_token(world.school_a, token, TODAY)

    assert str(raised.value) == MALFORMED


@pytest.mark.parametrize("token", ["year-2027", "autumn-2027", "summer-2030"])
def test_a_token_for_a_school_year_not_yet_started_is_refused(world, token):
    with pytest.raises(PeriodError) as raised:
        period_from_token(world.school_a, token, TODAY)

    assert str(raised.value) == NOT_STARTED_YEAR


def test_a_term_of_the_current_school_year_not_yet_started_is_refused(world):
    with pytest.raises(PeriodError) as raised:
        period_from_token(world.school_a, "spring-2026", TODAY)

    assert str(raised.value) == "Spring term 2027 has not started yet: there is nothing to report."


@pytest.mark.parametrize("token", ["year-1999", "autumn-1999", "year-0000"])
def test_a_token_before_2000_is_refused(world, token):
    with pytest.raises(PeriodError):
        period_from_token(world.school_a, token, TODAY)


def test_the_earliest_school_year_2000_can_be_reported_on(world):
    assert period_from_token(world.school_a, "year-2000", TODAY) == year_period(2000)


def test_a_token_before_2000_is_not_refused_as_not_started_yet(world):
    with pytest.raises(PeriodError) as raised:
        period_from_token(world.school_a, "year-1999", TODAY)

    assert "not started" not in str(raised.value)


def test_a_token_with_a_trailing_newline_is_malformed(world):
    with pytest.raises(PeriodError, match=r"^Choose a term"):
        period_from_token(world.school_a, "autumn-2026\n", TODAY)


# Term dates -------------------------------------------------------------------------------


def term_dates(organisation, term, starts_on, ends_on, year=2026):
    return TermDates.objects.create(
        organisation=organisation, year=year, term=term, starts_on=starts_on, ends_on=ends_on
    )


def test_without_term_dates_every_organisation_uses_the_default_terms(world):
    found = term_dates_for(world.school_a, [2026])

    assert found == {
        (2026, Term.AUTUMN): (day(2026, 9, 1), day(2026, 12, 31)),
        (2026, Term.SPRING): (day(2027, 1, 1), day(2027, 3, 27)),
        (2026, Term.SUMMER): (day(2027, 3, 28), day(2027, 8, 31)),
    }


def test_a_federations_term_dates_apply_to_its_schools_but_not_to_others(world):
    term_dates(world.federation, Term.AUTUMN, day(2026, 9, 3), day(2026, 12, 18))

    for school in (world.school_a, world.school_b, world.federation):
        assert term_dates_for(school, [2026])[(2026, Term.AUTUMN)] == (
            day(2026, 9, 3),
            day(2026, 12, 18),
        )
        # A term the federation did not set keeps the default.
        assert term_dates_for(school, [2026])[(2026, Term.SPRING)] == (
            day(2027, 1, 1),
            day(2027, 3, 27),
        )
    assert term_dates_for(world.other_school, [2026])[(2026, Term.AUTUMN)] == (
        day(2026, 9, 1),
        day(2026, 12, 31),
    )


def test_a_schools_own_term_dates_override_its_federations(world):
    # The school's row is made first, so the result does not hang on the order of rows.
    term_dates(world.school_b, Term.AUTUMN, day(2026, 9, 4), day(2026, 12, 19))
    term_dates(world.federation, Term.AUTUMN, day(2026, 9, 3), day(2026, 12, 18))

    assert term_dates_for(world.school_b, [2026])[(2026, Term.AUTUMN)] == (
        day(2026, 9, 4),
        day(2026, 12, 19),
    )
    assert term_dates_for(world.school_a, [2026])[(2026, Term.AUTUMN)] == (
        day(2026, 9, 3),
        day(2026, 12, 18),
    )
    assert term_dates_for(world.federation, [2026])[(2026, Term.AUTUMN)] == (
        day(2026, 9, 3),
        day(2026, 12, 18),
    )


def test_term_dates_of_another_year_do_not_apply(world):
    term_dates(world.federation, Term.AUTUMN, day(2025, 9, 3), day(2025, 12, 19), year=2025)

    assert term_dates_for(world.school_a, [2026])[(2026, Term.AUTUMN)] == (
        day(2026, 9, 1),
        day(2026, 12, 31),
    )


def test_a_term_period_uses_the_organisations_term_dates(world):
    term_dates(world.federation, Term.AUTUMN, day(2026, 9, 3), day(2026, 12, 18))
    term_dates(world.school_b, Term.AUTUMN, day(2026, 9, 4), day(2026, 12, 19))

    assert term_period(world.school_a, 2026, Term.AUTUMN) == Period(
        "autumn-2026", "Autumn term 2026", day(2026, 9, 3), day(2026, 12, 18)
    )
    assert term_period(world.school_b, 2026, Term.AUTUMN) == Period(
        "autumn-2026", "Autumn term 2026", day(2026, 9, 4), day(2026, 12, 19)
    )
    assert term_period(world.other_school, 2026, Term.SUMMER) == Period(
        "summer-2026", "Summer term 2027", day(2027, 3, 28), day(2027, 8, 31)
    )


def test_the_period_choices_list_started_periods_newest_first_marking_current_ones(world):
    assert period_choices(world.school_a, TODAY) == [
        ("autumn-2026", "Autumn term 2026 (so far)"),
        ("year-2026", "School year 2026 to 2027 (so far)"),
        ("summer-2025", "Summer term 2026"),
        ("spring-2025", "Spring term 2026"),
        ("autumn-2025", "Autumn term 2025"),
        ("year-2025", "School year 2025 to 2026"),
        ("summer-2024", "Summer term 2025"),
        ("spring-2024", "Spring term 2025"),
        ("autumn-2024", "Autumn term 2024"),
        ("year-2024", "School year 2024 to 2025"),
    ]


def test_the_period_choices_follow_the_organisations_term_dates(world):
    term_dates(world.federation, Term.AUTUMN, day(2026, 9, 3), day(2026, 11, 30))
    term_dates(world.federation, Term.SPRING, day(2026, 12, 1), day(2027, 3, 26))

    # Spring began today: it is offered once it has run a whole week.
    assert period_choices(world.school_a, TODAY, years=1) == [
        ("autumn-2026", "Autumn term 2026"),
        ("year-2026", "School year 2026 to 2027 (so far)"),
    ]
    assert period_choices(world.other_school, TODAY, years=1) == [
        ("autumn-2026", "Autumn term 2026 (so far)"),
        ("year-2026", "School year 2026 to 2027 (so far)"),
    ]


@pytest.mark.parametrize(
    ("today", "token"),
    [
        (TODAY, "autumn-2026"),
        (day(2026, 9, 7), "autumn-2026"),
        (day(2026, 9, 1), "summer-2025"),  # autumn has not run a whole week yet
        (day(2026, 8, 31), "summer-2025"),
        (day(2027, 1, 4), "spring-2026"),
        (day(2027, 3, 28), "spring-2026"),  # summer began today, a Sunday
        (day(2027, 3, 29), "summer-2026"),
    ],
)
def test_the_current_term_is_the_term_today_falls_in(world, today, token):
    assert current_term_token(world.school_a, today) == token


def test_in_a_holiday_between_set_terms_the_current_term_is_the_latest_started(world):
    term_dates(world.federation, Term.AUTUMN, day(2026, 9, 3), day(2026, 12, 18))
    term_dates(world.federation, Term.SPRING, day(2027, 1, 5), day(2027, 3, 26))

    assert current_term_token(world.school_a, day(2026, 12, 25)) == "autumn-2026"
    assert current_term_token(world.school_a, day(2026, 9, 2)) == "summer-2025"


# The summary forms ------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The wall clock the date checks read, held at TODAY."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def summary_form(world, data, form_class=SummaryForm, today=TODAY):
    return form_class(data, organisation=world.school_a, today=today)


def test_the_summary_form_turns_a_term_into_its_period_cut_at_its_last_week(world, clock):
    form = summary_form(world, {"period": "autumn-2026"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["chosen"] == Period(
        "autumn-2026", "Autumn term 2026", day(2026, 9, 1), LAST_SUNDAY, so_far=True
    )


def test_the_summary_form_turns_a_past_school_year_into_its_whole_period(world, clock):
    form = summary_form(world, {"period": "year-2024"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["chosen"] == year_period(2024)


def test_the_summary_form_offers_the_started_periods_and_own_dates(world, clock):
    choices = list(summary_form(world, None).fields["period"].choices)

    assert choices[0] == ("autumn-2026", "Autumn term 2026 (so far)")
    assert choices[-1] == ("custom", "Your own dates")
    assert len(choices) == 11


def test_the_summary_form_turns_own_dates_into_a_custom_period(world, clock):
    form = summary_form(
        world, {"period": "custom", "date_from": "2026-09-28", "date_to": "2026-11-15"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["chosen"] == Period(
        "custom", "28 September 2026 to 15 November 2026", day(2026, 9, 28), day(2026, 11, 15)
    )


def test_own_dates_without_the_dates_are_refused_on_both_date_fields(world, clock):
    form = summary_form(world, {"period": "custom"})

    assert not form.is_valid()
    assert form.errors == {
        "date_from": ["Enter the date, or choose a term or school year."],
        "date_to": ["Enter the date, or choose a term or school year."],
    }
    assert "chosen" not in form.cleaned_data


def test_own_dates_with_only_a_start_are_refused_on_the_end(world, clock):
    form = summary_form(world, {"period": "custom", "date_from": "2026-10-01"})

    assert form.errors == {"date_to": ["Enter the date, or choose a term or school year."]}


def test_own_dates_ending_before_they_start_are_refused(world, clock):
    form = summary_form(
        world, {"period": "custom", "date_from": "2026-11-15", "date_to": "2026-10-01"}
    )

    assert not form.is_valid()
    assert form.errors == {"date_to": ["The end date is before the start date."]}


def test_own_dates_in_the_future_are_refused(world, clock):
    form = summary_form(
        world, {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-12-02"}
    )

    assert not form.is_valid()
    assert form.errors == {"date_to": ["The date cannot be in the future."]}


def test_own_dates_of_the_last_whole_week_are_accepted(world, clock):
    form = summary_form(
        world, {"period": "custom", "date_from": "2026-11-23", "date_to": "2026-11-29"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["chosen"].days == 7


def test_own_dates_before_2000_are_refused(world, clock):
    form = summary_form(
        world, {"period": "custom", "date_from": "1999-12-31", "date_to": "2000-01-01"}
    )

    assert form.errors == {"date_from": ["Choose a date from 1 January 2000 onwards."]}


def test_own_dates_after_the_forms_today_are_refused_whatever_the_wall_clock(world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day(2027, 6, 1))
    form = summary_form(
        world, {"period": "custom", "date_from": "2027-01-10", "date_to": "2027-01-20"}
    )

    assert form.errors == {
        "date_from": ["The date cannot be in the future."],
        "date_to": ["The date cannot be in the future."],
    }


@pytest.mark.parametrize("period", ["fortnight", "year-2027", "autumn-2020", "custom-2026", ""])
def test_an_unknown_period_is_refused(world, clock, period):
    form = summary_form(world, {"period": period})

    assert not form.is_valid()
    if period:
        assert form.errors == {"period": [INVALID_CHOICE]}
    else:
        assert form.errors == {"period": ["Choose a term, a school year or your own dates."]}


def test_a_term_not_yet_started_is_not_offered_so_it_is_an_invalid_choice(world, clock):
    # spring-2026 is the spring term of school year 2026 to 2027: from 1 January 2027.
    form = summary_form(world, {"period": "spring-2026"})

    assert "spring-2026" not in dict(form.fields["period"].choices)
    assert not form.is_valid()
    assert form.errors == {"period": [INVALID_CHOICE]}


def test_the_save_form_also_carries_whether_to_publish(world, clock):
    form = summary_form(world, {"period": "summer-2025", "publish": "on"}, SummarySaveForm)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["publish"] is True
    assert form.cleaned_data["chosen"] == Period(
        "summer-2025", "Summer term 2026", day(2026, 4, 5), day(2026, 8, 31)
    )
    assert summary_form(world, {"period": "summer-2025"}, SummarySaveForm).is_valid()


def test_the_save_form_refuses_what_the_summary_form_refuses(world, clock):
    form = summary_form(world, {"period": "spring-2026", "publish": "on"}, SummarySaveForm)

    assert form.errors == {"period": [INVALID_CHOICE]}


# The term dates form ----------------------------------------------------------------------

GOOD_TERMS = {
    "autumn_starts_on": "2026-09-03",
    "autumn_ends_on": "2026-12-18",
    "spring_starts_on": "2027-01-05",
    "spring_ends_on": "2027-03-26",
    "summer_starts_on": "2027-04-12",
    "summer_ends_on": "2027-07-21",
}


def term_dates_form(world, **changes):
    return TermDatesForm(
        {**GOOD_TERMS, **changes},
        year=2026,
        initial_dates=term_dates_for(world.school_a, [2026]),
    )


def test_the_term_dates_form_starts_from_the_organisations_dates(world):
    autumn = term_dates(world.federation, Term.AUTUMN, day(2026, 9, 3), day(2026, 12, 18))
    autumn.half_term_starts_on, autumn.half_term_ends_on = day(2026, 10, 26), day(2026, 10, 30)
    autumn.save()
    form = TermDatesForm(
        year=2026,
        initial_dates=term_dates_for(world.school_a, [2026]),
        initial_half_terms=half_terms_for(world.school_a, 2026),
    )

    assert {name: field.initial for name, field in form.fields.items()} == {
        "autumn_starts_on": day(2026, 9, 3),
        "autumn_ends_on": day(2026, 12, 18),
        "autumn_half_term_starts_on": day(2026, 10, 26),
        "autumn_half_term_ends_on": day(2026, 10, 30),
        "spring_starts_on": day(2027, 1, 1),
        "spring_ends_on": day(2027, 3, 27),
        "spring_half_term_starts_on": None,
        "spring_half_term_ends_on": None,
        "summer_starts_on": day(2027, 3, 28),
        "summer_ends_on": day(2027, 8, 31),
        "summer_half_term_starts_on": None,
        "summer_half_term_ends_on": None,
    }


def test_valid_term_dates_give_each_terms_first_and_last_day(world):
    form = term_dates_form(world)

    assert form.is_valid(), form.errors
    assert form.dates() == {
        Term.AUTUMN: (day(2026, 9, 3), day(2026, 12, 18)),
        Term.SPRING: (day(2027, 1, 5), day(2027, 3, 26)),
        Term.SUMMER: (day(2027, 4, 12), day(2027, 7, 21)),
    }


def test_terms_filling_the_whole_school_year_are_accepted(world):
    form = term_dates_form(
        world,
        autumn_starts_on="2026-09-01",
        spring_starts_on="2026-12-19",
        summer_starts_on="2027-03-27",
        summer_ends_on="2027-08-31",
    )

    assert form.is_valid(), form.errors


def test_a_term_ending_before_it_starts_is_refused_on_its_last_day(world):
    form = term_dates_form(world, spring_ends_on="2027-01-04")

    assert not form.is_valid()
    assert form.errors == {"spring_ends_on": ["The spring term ends before it starts."]}


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    [
        ("autumn_starts_on", "2026-08-31", "autumn_starts_on"),
        ("summer_ends_on", "2027-09-01", "summer_starts_on"),
    ],
)
def test_a_term_outside_the_school_year_is_refused(world, field, value, error_field):
    form = term_dates_form(world, **{field: value})

    assert not form.is_valid()
    term = field.split("_")[0]
    assert form.errors == {
        error_field: [f"The {term} term must fall between 1 September 2026 and 31 August 2027."]
    }


def test_a_term_starting_before_the_term_before_it_ends_is_refused(world):
    form = term_dates_form(world, spring_starts_on="2026-12-18")

    assert not form.is_valid()
    assert form.errors == {
        "spring_starts_on": ["The spring term starts before the term before it has ended."]
    }


def test_summer_overlapping_spring_is_refused_on_the_summer(world):
    form = term_dates_form(world, summer_starts_on="2027-03-20")

    assert form.errors == {
        "summer_starts_on": ["The summer term starts before the term before it has ended."]
    }


def test_a_missing_term_date_is_required(world):
    form = term_dates_form(world, autumn_ends_on="")

    assert form.errors == {"autumn_ends_on": ["This field is required."]}


def test_a_subtotal_line_hides_a_second_count_when_one_of_its_parts_is_hidden():
    settings = [SimpleNamespace(pk=1, name="Only")]
    period = custom_period(day(2026, 9, 1), day(2026, 11, 30))
    scope = Scope(SimpleNamespace(name="Group"), settings, period, period.previous(), TODAY)
    lines = ["A", "B", ("A and B", [0, 1]), "C", "D", ("C and D", [3, 4])]
    counts = suppressed_counts(scope, lines, [[10], [6], [3], [0]])
    table_ = count_table(scope, counts, key="t", title="T", caption="")
    texts_ = {row["label"]: row["cells"][0]["text"] for row in table_["rows"]}

    assert texts_ == {
        "A": "10",
        "B": "6",
        "A and B": "16",
        "C": "fewer than 5",
        "D": "0",
        "C and D": "fewer than 5",
    }


def test_a_total_hidden_in_another_table_stays_hidden_and_takes_a_part_with_it():
    # The same total is hidden elsewhere (fixed): here it must be hidden too, and then
    # one of its parts, or the visible parts would add up to it.
    grid = [[10], [6], [16]]
    line = ([(0, 0), (1, 0)], (2, 0))

    assert hidden_cells(grid, [line], fixed={(2, 0): True}) == {(2, 0), (0, 0)}
    assert hidden_cells(grid, [line], fixed={(2, 0): False}) == set()


def test_a_total_shown_in_another_table_is_never_hidden_here():
    grid = [[3], [0], [3]]
    line = ([(0, 0), (1, 0)], (2, 0))

    # Were the total not fixed, a total of 3 would be hidden with its part; as it is
    # shown elsewhere, the 0 is hidden instead, so the 3 could be a 3 or a 2 and a 1.
    assert hidden_cells(grid, [line]) == {(0, 0), (2, 0)}
    assert hidden_cells(grid, [line], fixed={(2, 0): False}) == {(0, 0), (1, 0)}


def test_a_count_pinned_down_along_a_chain_of_lines_is_protected():
    # The reviewer's table (kinds by three schools): hiding only the counts of 1 to 4,
    # and a second count in any line with one, still let row 3's 4 be solved exactly.
    grid = [[0, 2, 0], [6, 0, 2], [0, 2, 0], [4, 0, 0], [1, 7, 3]]
    result = table(grid)
    full = [[*row, sum(row)] for row in grid]
    full.append([sum(column) for column in zip(*full, strict=True)])
    rows = [([(r, c) for c in range(3)], (r, 3)) for r in range(len(full))]
    columns = [([(r, c) for r in range(len(grid))], (len(grid), c)) for c in range(4)]
    hidden = {
        (r, c)
        for r, row in enumerate(result["rows"])
        for c, cell in enumerate(row["cells"])
        if cell["value"] is None
    }

    assert exposed(full, rows + columns, hidden) == []


def test_two_counts_of_fewer_than_5_making_8_are_protected_by_hiding_the_total():
    # 4 + 4 = 8: two counts of at most 4 making 8 must both be 4; so the total goes.
    assert texts(table([[4, 4]], total_row="")) == [["fewer than 5", "fewer than 5", "hidden"]]


def test_a_hidden_count_and_a_small_one_beside_a_shown_total_are_not_pinned():
    # 1 + 5 = 6: "fewer than 5" is 0 to 4 and "hidden" 5 or more, so 0 + 6 and 1 + 5
    # both fit: nothing more needs hiding.
    assert texts(table([[1, 5]], total_row="")) == [["fewer than 5", "hidden", "6"]]


def test_a_hidden_count_is_never_pinned_down_by_the_equations_in_a_random_table():
    generator = random.Random(1312)
    for _ in range(200):
        n_rows, n_columns = generator.randint(1, 4), generator.randint(2, 4)
        grid = [[generator.randint(0, 9) for _ in range(n_columns)] for _ in range(n_rows)]
        full = [[*row, sum(row)] for row in grid]
        full.append([sum(column) for column in zip(*full, strict=True)])
        rows = [([(r, c) for c in range(n_columns)], (r, n_columns)) for r in range(len(full))]
        columns = [([(r, c) for r in range(n_rows)], (n_rows, c)) for c in range(n_columns + 1)]
        hidden = hidden_cells(full, rows + columns)
        bounds = _ranges(full, rows + columns, hidden)
        assert all(low < high for low, high in bounds.values()), (grid, bounds)
        for position in hidden:
            low, high = bounds[position]
            assert low <= full[position[0]][position[1]] <= high, (grid, bounds)


def test_two_rectangles_of_hidden_counts_joined_by_one_count_give_that_one_away():
    # Every line holds two hidden counts or more, yet the count joining the two
    # rectangles (row 1, column 2) is a bridge: working round each rectangle pins it.
    grid = [[5, 6, 0, 0], [7, 8, 9, 0], [0, 0, 5, 6], [0, 0, 7, 8]]
    full = [[*row, sum(row)] for row in grid]
    full.append([sum(column) for column in zip(*full, strict=True)])
    rows = [([(r, c) for c in range(4)], (r, 4)) for r in range(5)]
    columns = [([(r, c) for r in range(4)], (4, c)) for c in range(5)]
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)}
    assert all(sum(m in hidden for m in (*parts, total)) != 1 for parts, total in rows + columns)

    assert exposed(full, rows + columns, hidden) == [(1, 2)]


def test_no_hidden_count_of_a_small_table_has_only_one_possible_value_by_brute_force():
    # An exact check, independent of the code's own: try every value the words allow
    # for the hidden counts inside the table (the totals follow from them) and keep
    # those that match everything shown. Every hidden count must be able to differ.
    generator = random.Random(7)
    tried = 0
    for _ in range(250):
        n_rows, n_columns = generator.choice([(2, 2), (1, 3), (3, 1), (1, 2), (2, 1)])
        grid = [[generator.randint(0, 7) for _ in range(n_columns)] for _ in range(n_rows)]
        result = table(grid)
        shown = [[cell["value"] for cell in row["cells"]] for row in result["rows"]]
        words = [[cell["text"] for cell in row["cells"]] for row in result["rows"]]
        inside = [(r, c) for r in range(n_rows) for c in range(n_columns) if shown[r][c] is None]
        choices = [range(5) if words[r][c] == SUPPRESSED else range(5, 13) for r, c in inside]
        seen: dict[tuple[int, int], set[int]] = {}
        for values_ in itertools.product(*choices):
            trial = [list(row) for row in grid]
            for (r, c), value in zip(inside, values_, strict=True):
                trial[r][c] = value
            full = [[*row, sum(row)] if n_columns > 1 else list(row) for row in trial]
            full.append([sum(column) for column in zip(*full, strict=True)])
            fits = all(
                (shown[r][c] == full[r][c])
                if shown[r][c] is not None
                else ((full[r][c] < 5) == (words[r][c] == SUPPRESSED))
                for r in range(len(full))
                for c in range(len(full[0]))
            )
            if fits:
                for r in range(len(full)):
                    for c in range(len(full[0])):
                        seen.setdefault((r, c), set()).add(full[r][c])
        for r in range(len(shown)):
            for c in range(len(shown[0])):
                if shown[r][c] is None:
                    tried += 1
                    assert len(seen[(r, c)]) > 1, (grid, words)
    assert tried > 100
