"""Governors' summaries people can read aloud (#22, R33): key messages at the top,
written from the figures and hiding what the tables hide; "At a glance" with what is
still open; the PDF's cover and footer; a chosen-dates heading that says its dates once;
and tables that scroll, visibly, on a phone."""

import datetime
import io
import re
from pathlib import Path

import pypdf
import pytest
from django.conf import settings

from approvals.models import Outcome
from oversight.summaries import key_messages
from registers.models import FollowUp
from tests.oversight.test_summary_views import (
    SUMMARY,
    declared,
    export_url,
    five_more_at_school_b,
    row_of,
    signed_in,
    tables_in,
)
from tests.oversight.test_summary_views import pdf_html as pdf_html  # the fixture
from tests.oversight.test_summary_views import recorded as recorded  # the fixture

pytestmark = pytest.mark.django_db

day = datetime.date
# Whole weeks up to last Sunday (the tests' today is Wednesday 18 November 2026).
MONDAY, SUNDAY = day(2026, 9, 21), day(2026, 11, 15)
ACTIONS_LATE = "Required actions not confirmed by the deadline now"


def weeks(organisation, starts_on=MONDAY, ends_on=SUNDAY) -> dict[str, str]:
    return {
        "organisation": str(organisation.pk),
        "period": "custom",
        "date_from": starts_on.isoformat(),
        "date_to": ends_on.isoformat(),
    }


def cell(text: str) -> dict:
    value = int(text.rstrip("%").replace(",", "")) if text[0].isdigit() else None
    return {"value": value, "text": text}


def report_with(**rows: tuple[str, str]) -> dict:
    """A report whose "At a glance" rows have these (this period, previous) texts."""
    labels = {
        "declarations": "Declarations",
        "final": "Final decisions made",
        "late": "Final decisions made after the due date",
        "reviews": "Monitoring reviews overdue now",
        "actions": ACTIONS_LATE,
        "round": "Answered the latest annual round",
    }
    return {
        "tables": {
            "glance": {
                "rows": [
                    {"label": labels[key], "cells": [cell(now), cell(before)]}
                    for key, (now, before) in rows.items()
                ]
            }
        }
    }


# The key messages, from the figures ---------------------------------------------------


def test_the_key_messages_say_the_figures_in_plain_sentences():
    report = report_with(
        declarations=("42", "30"),
        final=("40", "28"),
        late=("6", "fewer than 5"),
        actions=("0", "not compared"),
        reviews=("7", "not compared"),
        round=("85%", "not compared"),
    )

    assert key_messages(report) == [
        "42 new declarations were sent to be decided in this period, up from 30 in the "
        "previous period.",
        "85% of the 40 final decisions were made by their due date; 6 were made after it.",
        "No action required after a refusal is waiting past its deadline to be confirmed.",
        "7 monitoring reviews are overdue.",
        "85% of the people asked have answered the latest annual declaration round.",
    ]


def test_a_suppressed_figure_is_said_as_fewer_than_5_exactly_as_the_tables_say_it():
    report = report_with(
        declarations=("fewer than 5", "12"),
        final=("fewer than 5", "9"),
        late=("fewer than 5", "0"),
        actions=("fewer than 5", "not compared"),
        reviews=("fewer than 5", "not compared"),
        round=("fewer than 5 people", "not compared"),
    )

    messages = key_messages(report)

    assert messages == [
        "Fewer than 5 new declarations were sent to be decided in this period.",
        "Fewer than 5 final decisions were made in this period: too few to say how many "
        "were made by their due date.",
        "Fewer than 5 required actions after a refusal were not confirmed by their deadline.",
        "Fewer than 5 monitoring reviews are overdue.",
        "Fewer than 5 people have answered the latest annual declaration round.",
    ]
    # Not even the previous period's 12 beside a suppressed count, nor a share.
    assert not re.search(r"\d", " ".join(messages).replace("Fewer than 5", ""))


def test_a_figure_the_tables_hide_is_never_stated():
    report = report_with(
        declarations=("hidden", "hidden"),
        final=("hidden", "8"),
        late=("hidden", "0"),
        actions=("hidden", "not compared"),
        reviews=("6", "not compared"),
        round=("all but fewer than 5 people", "not compared"),
    )

    assert key_messages(report) == [
        "The number of declarations is not shown, so that a smaller count cannot be worked out.",
        "6 monitoring reviews are overdue.",
        "All but fewer than 5 of the people asked have answered the latest annual "
        "declaration round.",
    ]


def test_late_decisions_fewer_than_5_are_said_without_a_share():
    report = report_with(final=("12", "0"), late=("fewer than 5", "0"))

    assert key_messages(report) == [
        "All but fewer than 5 of the 12 final decisions were made by their due date."
    ]


def test_a_summary_saved_before_the_new_rows_reads_without_them():
    old = report_with(declarations=("9", "9"), final=("0", "0"), late=("0", "0"))

    assert key_messages(old) == [
        "9 new declarations were sent to be decided in this period, the same as in the "
        "previous period.",
        "No final decision was made in this period.",
    ]
    assert key_messages({"tables": {}}) == []


# On the page and in the PDF -----------------------------------------------------------


def refused_with_actions_overdue(world, count: int) -> None:
    """``count`` refusals at Ash whose required action is past its deadline, unconfirmed."""
    for n in range(count):
        declaration = declared(
            setting=world.school_a,
            declarant=world.teacher_a,
            on=MONDAY + datetime.timedelta(days=n),
            decider=world.line_manager_a,
            outcome=Outcome.REFUSED,
        )
        FollowUp.objects.create(
            kind=FollowUp.Kind.ACTION,
            declaration=declaration,
            decision=declaration.approval_requests.get().decision,
            person=world.teacher_a,
            responsible=world.line_manager_a,
            what="Return the gift",
            due_on=SUNDAY - datetime.timedelta(days=n),
        )


def messages_in(page: str) -> list[str]:
    found = re.search(r'<section class="summary-messages".*?</section>', page, re.S)
    assert found, "no key messages"
    return [re.sub(r"\s+", " ", item) for item in re.findall(r"<li>(.*?)</li>", found[0], re.S)]


def test_the_key_messages_come_first_on_the_page_and_in_the_pdf(world, client, pdf_html):
    refused_with_actions_overdue(world, 6)
    signed_in(client, world.governor)

    page = client.get(SUMMARY, weeks(world.school_a)).content.decode()
    client.get(export_url("pdf"), weeks(world.school_a))

    expected = "6 required actions after a refusal were not confirmed by their deadline."
    for text in (page, pdf_html[0]):
        assert expected in messages_in(text)
        assert 3 <= len(messages_in(text)) <= 5
        assert text.index('id="key-messages"') < text.index('id="glance"')


def test_at_a_glance_has_the_actions_not_confirmed_and_the_reviews_overdue(world, client):
    refused_with_actions_overdue(world, 6)
    signed_in(client, world.governor)

    page = client.get(SUMMARY, weeks(world.school_a)).content.decode()

    glance = tables_in(page)["At a glance"]
    assert row_of(glance, ACTIONS_LATE) == ["6", "not compared"]
    assert row_of(glance, "Monitoring reviews overdue now") == ["0", "not compared"]
    assert row_of(glance, "Answered the latest annual round") == ["no round yet", "not compared"]
    # The same figure as the table of what is still open.
    still_open = tables_in(page)[next(title for title in tables_in(page) if "Open on" in title)]
    assert row_of(still_open, "Required actions after a refusal not confirmed by the deadline") == [
        "6"
    ]


def test_every_number_in_the_key_messages_is_one_the_glance_shows(world, client, recorded):
    """Wherever the tables say "fewer than 5" or "hidden", the messages state no count."""
    signed_in(client, world.governor)
    for organisation in (world.federation, world.school_a, world.school_b):
        page = client.get(SUMMARY, weeks(organisation)).content.decode()
        shown = {
            number
            for row in tables_in(page)["At a glance"][1:]
            for text in row[1:]
            for number in re.findall(r"\d[\d,]*", text)
        }
        for message in messages_in(page):
            said = set(
                re.findall(
                    r"\d[\d,]*", message.replace("Fewer than 5", "").replace("fewer than 5", "")
                )
            )
            # A share is worked out from two figures shown; every other number is shown.
            said -= set(re.findall(r"(\d+)%", message))
            assert said <= shown, (organisation, message, shown)


# The PDF's cover and footer -----------------------------------------------------------


def test_the_pdf_has_a_cover_and_a_footer_in_the_body_font(world, client, recorded):
    five_more_at_school_b(world, recorded)
    signed_in(client, world.governor)

    response = client.get(export_url("pdf"), weeks(world.federation))

    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    cover = pages[0].extract_text()
    assert "Governors' summary" in cover
    assert "Oak Federation" in cover
    assert "21 September 2026 to 15 November 2026" in re.sub(r"\s+", " ", cover)
    assert "Produced on 18 November 2026" in cover
    assert "Page 1" not in cover  # no footer on the cover
    assert "Key messages" not in cover  # the report starts on the next page

    fonts: dict[str, set[str]] = {"footer": set(), "body": set()}

    def seen(text, _cm, _tm, font, _size):
        if font is None or not text.strip():
            return
        name = str(font["/BaseFont"]).split("+")[-1]
        if text.startswith(("Page 2 of", "Governors' summary: Oak Federation")):
            fonts["footer"].add(name)
        elif text.startswith("No one is named here"):
            fonts["body"].add(name)

    pages[1].extract_text(visitor_text=seen)
    assert f"Page 2 of {len(pages)}" in pages[1].extract_text()
    assert fonts["body"] == {"Liberation-Sans"}
    assert fonts["footer"] == fonts["body"]


# Chosen dates are said once -----------------------------------------------------------


def test_a_chosen_dates_heading_says_its_dates_once(world, client, pdf_html):
    signed_in(client, world.governor)
    dates = "21 September 2026 to 15 November 2026"

    page = client.get(SUMMARY, weeks(world.school_a)).content.decode()
    client.get(export_url("pdf"), weeks(world.school_a))

    for text in (page, pdf_html[0]):
        said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
        assert f"{dates} ({dates})" not in said
        assert f"{dates}, {dates}" not in said
        period = re.search(r'<p class="summary-period">(.*?)</p>', text, re.S)[1]
        assert re.sub(r"\s+", " ", period).count(dates) == 1
    assert "<h1>Governors' summary: 21 September 2026 to 15 November 2026</h1>" in page


def test_a_terms_heading_still_gives_its_dates(world, client):
    signed_in(client, world.governor)

    page = client.get(
        SUMMARY, {"organisation": world.school_a.pk, "period": "summer-2025"}
    ).content.decode()

    period = re.sub(r"\s+", " ", re.search(r'<p class="summary-period">(.*?)</p>', page, re.S)[1])
    assert "Summer term 2026, 5 April 2026 to 31 August 2026;" in period


# Tables that scroll on a phone --------------------------------------------------------


def test_every_table_scrolls_in_a_named_focusable_region_that_says_so(world, client, recorded):
    signed_in(client, world.governor)

    page = client.get(SUMMARY, weeks(world.federation)).content.decode()

    tables = re.findall(r"<table\b", page)
    regions = re.findall(
        r'<div class="table-responsive summary-scroll" tabindex="0" role="region" '
        r'aria-label="([^"]+), a table that scrolls sideways">\s*<table class="table table-sm '
        r'summary-table">\s*<caption>[^<]*</caption>\s*<thead><tr><th scope="col">([^<]+)</th>',
        page,
    )
    assert len(regions) == len(tables) >= 8
    assert all(label == title for label, title in regions)
    assert page.count('class="summary-scroll-hint"') == len(tables)
    assert "Scroll sideways to see every column" in page


def test_the_scrolling_regions_have_a_visible_focus_and_a_cue_in_the_apps_css():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()

    assert re.search(r"\.summary-scroll:focus-visible \{ outline: 3px solid", css)
    assert re.search(r"\.summary-scroll \{\s*background:[^}]*linear-gradient", css)
    # The words saying it scrolls show on a narrow screen, not on a wide one.
    assert re.search(
        r"@media \(min-width: 48rem\) \{[^@]*\.summary-scroll-hint \{ display: none", css
    )
