"""The people picker on a phone 360 pixels wide (#22): a teaching assistant finds
"Siân O'Connor-Ní Bhriain" by typing "sian oconnor" and pressing Enter (which searches,
not saves), adds her, searches again and adds two more, removes one chip, and check your
answers names exactly the two left. Each page checked with axe-core and photographed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

NARROW_PHONE = {"width": 360, "height": 740}
KIND = "planned_social_contact"


def test_people_chosen_across_searches_stay_as_chips_and_a_removed_one_is_left_out(demo, visit):
    from playwright.sync_api import expect

    from declarations.models import Declaration
    from directory.models import Organisation, Pupil
    from tests.factories import PupilFactory

    assistant = demo["bro_ta1"]  # works in both schools: she chooses Brookfield
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    sian = PupilFactory(
        setting=brookfield,
        given_name="Siân",
        family_name="O'Connor-Ní Bhriain",
        year_group="4",
        class_name="Year 4",
    )
    others = list(
        Pupil.objects.filter(setting=brookfield, status=Pupil.Status.CURRENT)
        .exclude(pk=sian.pk)
        .order_by("family_name", "given_name")
    )
    kept, removed = others[0], others[-1]
    tab = visit(viewport=NARROW_PHONE, name="assistant")
    tab.sign_in(assistant)
    page = tab.page
    tab.go(reverse("declarations:create", args=[KIND]))
    tab.check("form")
    page.get_by_label("Which setting is this about?").select_option(label=brookfield.name)
    search = page.get_by_label(re.compile("Search by name"))

    def find(typed: str, pupil) -> None:
        search.fill("")
        search.press_sequentially(typed)
        search.press("Enter")  # searches in place: the page is not sent
        page.get_by_label(re.compile(re.escape(str(pupil)))).first.check()

    find("sian oconnor", sian)
    assert page.url.endswith(reverse("declarations:create", args=[KIND]))
    chips = page.locator("#chosen-people .chip")
    assert chips.count() == 1
    assert "Siân O'Connor-Ní Bhriain, Year 4" in chips.first.inner_text()
    find(kept.family_name, kept)
    find(removed.family_name, removed)
    assert chips.count() == 3  # each search kept the people already chosen
    tab.check("three-chosen")

    page.get_by_role("button", name=f"Remove {removed}").click()
    assert chips.count() == 2
    expect(page.locator("#picker-status")).to_have_text(f"{removed} removed")  # said aloud
    tab.check("one-removed")

    page.get_by_label("In person").check()
    planned = (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    page.get_by_label("Date*", exact=True).fill(planned)
    page.get_by_label("Where").fill("The village hall")
    page.get_by_label("Who will be there").fill("The families of the class")
    page.get_by_label("Why").fill("A birthday party")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    tab.check("check-answers")

    declaration = Declaration.objects.filter(declarant=assistant).latest("pk")
    named = set(declaration.subjects.values_list("pupil", flat=True))
    assert named == {sian.pk, kept.pk}
    answers = page.locator("main").inner_text()
    assert "Siân O'Connor-Ní Bhriain" in answers
    assert str(kept) in answers
    assert str(removed) not in answers
