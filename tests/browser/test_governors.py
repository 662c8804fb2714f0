"""A governor on a phone 360 pixels wide, then at a desk (#22, R33): her home says a summary
has been published; the summary opens with key messages she can read aloud, its tables
scroll sideways in named regions, and own dates that are not whole weeks are refused
with what was typed kept. At desktop size the same summary, naming nobody, and its PDF. Each page
checked with axe-core and photographed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)

NARROW_PHONE = {"width": 360, "height": 740}


def test_a_governor_reads_the_key_messages_on_a_phone_and_cannot_choose_single_days(demo, visit):
    from playwright.sync_api import expect

    governor = demo["governor1"]
    tab = visit(viewport=NARROW_PHONE, name="governor")
    tab.sign_in(governor)
    page = tab.page
    tab.go(reverse("home"))
    tab.check("home")
    published = page.get_by_role("link", name=re.compile("new summary has been published"))
    expect(published).to_be_visible()
    published.click()
    page.wait_for_load_state()
    tab.check("published-summary")
    expect(page.get_by_role("heading", name="Key messages")).to_be_visible()
    # Read once, the summary is no longer new.
    tab.go(reverse("home"))
    expect(
        page.get_by_role("link", name=re.compile("new summary has been published"))
    ).to_have_count(0)

    tab.go(reverse("oversight:summary"))
    tab.check("summary")
    messages = page.locator(".summary-messages li")
    assert 3 <= messages.count() <= 5
    for text in messages.all_inner_texts():
        assert text.strip().endswith(".")  # sentences, to be read aloud
    key = page.get_by_role("heading", name="Key messages").bounding_box()
    first_table = page.locator("table").first.bounding_box()
    assert key["y"] < first_table["y"]
    # Each table is a named region that scrolls sideways, reachable with the keyboard.
    regions = page.locator(".summary-scroll[role=region][tabindex='0']")
    assert regions.count() == page.locator("table").count()
    assert all(label for label in regions.evaluate_all("all => all.map(r => r.ariaLabel)"))
    # The tables too wide for the phone (the kinds of declaration) scroll, not cut off.
    wide = regions.evaluate_all(
        "all => all.map((r, i) => [i, r.scrollWidth > r.clientWidth]).filter(w => w[1])"
    )
    assert wide
    region = regions.nth(wide[0][0])
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle(), timeout=5000)

    # Own dates a day apart: refused, with what was typed kept.
    page.locator("#id_period").select_option(label="Your own dates")
    page.locator("#id_date_from").fill("2026-10-06")  # a Tuesday
    page.locator("#id_date_to").fill("2026-10-07")
    page.get_by_role("button", name="Show the summary").click()
    page.wait_for_load_state()
    tab.check("single-days-refused")
    expect(page.locator("#error-summary")).to_contain_text("whole week")
    assert page.locator("#id_date_from").input_value() == "2026-10-06"
    assert page.locator("#id_date_to").input_value() == "2026-10-07"
    page.locator("#id_date_from").fill("2026-10-06")
    page.locator("#id_date_to").fill("2026-10-25")
    page.get_by_role("button", name="Show the summary").click()
    page.wait_for_load_state()
    tab.check("not-on-a-monday")
    expect(page.locator("#error-summary")).to_contain_text("Start your dates on a Monday")
    page.locator("#id_date_from").fill("2026-10-05")
    page.get_by_role("button", name="Show the summary").click()
    page.wait_for_load_state()
    tab.check("whole-weeks")
    expect(page.get_by_role("heading", name="Key messages")).to_be_visible()

    # At a desk (the same session, a wider window): the summary and its PDF.
    page.set_viewport_size({"width": 1280, "height": 900})
    tab.go(reverse("home"))
    tab.check("home-desktop")
    tab.go(reverse("oversight:summary"))
    tab.check("summary-desktop")
    content = page.content()
    assert "Brookfield Primary School" in content
    assert "Millbrook Primary School" in content
    assert page.locator("figure svg[role=img]").count() >= 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF for the board pack").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    # Nobody is named anywhere on the page.
    from directory.models import Person

    names = {person.get_full_name() for person in Person.objects.exclude(pk=governor.pk)}
    assert {name for name in names if name in content} == set()
