"""Own dates for a governors' summary are whole weeks (#22, R33): from a Monday to a
Sunday, a week or more, so that two reports never differ by a few single days. Other
dates are refused with the nearest Monday or Sunday, and what was typed is kept."""

import datetime
import html

import pytest
from django.urls import reverse

from oversight.forms import SummaryForm
from oversight.models import SummarySnapshot
from schoolcalendar.periods import whole_weeks_problems
from tests.oversight.test_summary_views import SAVE, SUMMARY, signed_in

pytestmark = pytest.mark.django_db

day = datetime.date
TODAY = day(2026, 11, 18)  # a Wednesday (tests/clock.py)
DASH = "\N{EN DASH}"  # GOV.UK's spaced en dash


def form_for(world, date_from: str, date_to: str) -> SummaryForm:
    return SummaryForm(
        {"period": "custom", "date_from": date_from, "date_to": date_to},
        organisation=world.school_a,
        today=TODAY,
    )


def test_a_monday_to_a_sunday_is_accepted(world):
    form = form_for(world, "2026-03-02", "2026-03-29")

    assert form.is_valid(), form.errors
    chosen = form.cleaned_data["chosen"]
    assert (chosen.starts_on, chosen.ends_on, chosen.days) == (
        day(2026, 3, 2),
        day(2026, 3, 29),
        28,
    )


def test_one_week_is_the_shortest_accepted(world):
    assert form_for(world, "2026-11-09", "2026-11-15").is_valid()


def test_a_start_that_is_not_a_monday_is_refused_with_the_nearest_monday(world):
    form = form_for(world, "2026-03-03", "2026-03-29")

    assert form.errors == {
        "date_from": [f"Start your dates on a Monday {DASH} 2 March 2026 is the nearest"]
    }


def test_an_end_that_is_not_a_sunday_is_refused_with_the_nearest_sunday(world):
    form = form_for(world, "2026-03-02", "2026-03-27")  # a Friday: Sunday 29 is nearer

    assert form.errors == {
        "date_to": [f"End your dates on a Sunday {DASH} 29 March 2026 is the nearest"]
    }


def test_the_nearest_sunday_offered_is_never_after_today(world):
    form = form_for(world, "2026-11-02", TODAY.isoformat())  # Sunday 22 is in the future

    assert form.errors == {
        "date_to": [f"End your dates on a Sunday {DASH} 15 November 2026 is the nearest"]
    }


def test_dates_ending_today_are_refused_as_today_is_not_over(world):
    """Two reads on the same Sunday would otherwise differ by that day's last hours."""
    form = SummaryForm(
        {"period": "custom", "date_from": "2026-11-02", "date_to": "2026-11-22"},
        organisation=world.school_a,
        today=day(2026, 11, 22),  # a Sunday
    )

    assert form.errors == {
        "date_to": [f"End your dates before today {DASH} 15 November 2026 is the latest Sunday"]
    }


def test_dates_shorter_than_a_week_are_refused(world):
    form = form_for(world, "2026-03-02", "2026-03-05")

    assert form.errors == {"date_to": ["Choose at least one whole week, from a Monday to a Sunday"]}
    assert "chosen" not in form.cleaned_data


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "fields"),
    [
        (day(2026, 3, 4), day(2026, 3, 25), {"date_from", "date_to"}),
        (day(2026, 3, 2), day(2026, 3, 8), set()),
        (day(2026, 3, 8), day(2026, 3, 14), {"date_from", "date_to"}),
    ],
)
def test_whole_weeks_problems_names_each_field_at_fault(starts_on, ends_on, fields):
    assert set(whole_weeks_problems(starts_on, ends_on, TODAY)) == fields


def test_the_page_says_what_to_do_and_keeps_what_was_typed(world, client):
    signed_in(client, world.governor)

    response = client.get(
        SUMMARY,
        {
            "organisation": world.school_a.pk,
            "period": "custom",
            "date_from": "2026-03-03",
            "date_to": "2026-03-27",
        },
    )

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert response.context.get("report") is None  # no figures for dates refused
    assert "<title>Error: Governors' summary" in page
    assert "There is a problem" in page
    assert (
        f'href="#id_date_from" class="alert-link">From: Start your dates on a Monday {DASH} 2 March'
        in page
    )
    assert (
        f'href="#id_date_to" class="alert-link">To: End your dates on a Sunday {DASH} 29 March '
        in page
    )
    # Nothing typed is lost: the dates and "Your own dates" are as they were.
    assert 'value="2026-03-03"' in page
    assert 'value="2026-03-27"' in page
    assert '<option value="custom" selected>Your own dates</option>' in page
    assert "They run in whole weeks, from a Monday to a Sunday." in page


def test_saving_dates_that_are_not_whole_weeks_saves_nothing_and_says_why(world, client):
    signed_in(client, world.head_a)

    response = client.post(
        SAVE,
        {
            "organisation": world.school_a.pk,
            "period": "custom",
            "date_from": "2026-11-02",
            "date_to": "2026-11-04",
        },
        follow=True,
    )

    assert not SummarySnapshot.objects.exists()
    assert "Choose at least one whole week, from a Monday to a Sunday" in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_a_download_of_dates_that_are_not_whole_weeks_goes_back_to_the_page(world, client, fmt):
    signed_in(client, world.governor)
    query = {
        "organisation": world.school_a.pk,
        "period": "custom",
        "date_from": "2026-11-03",
        "date_to": "2026-11-15",
    }

    response = client.get(reverse("oversight:summary_export", args=[fmt]), query)

    assert response.status_code == 302
    assert response["Location"].startswith(SUMMARY)
    assert "date_from=2026-11-03" in response["Location"]
