"""The administrator's journeys of issue #20 in a real browser: adding a parent from a
pupil's page with the "+" beside the family link, and starting the new school year at
Brookfield in September. The product's own pages are checked with axe-core; Django's
admin screens are photographed only (as in test_journeys.py)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from directory.models import FamilyLink, FamilyMember, Organisation, Pupil

pytestmark = pytest.mark.django_db(transaction=True)

SEPTEMBER = datetime.datetime(2027, 9, 1, 8, 0, tzinfo=datetime.UTC)


def test_the_administrator_adds_a_parent_from_the_pupils_page(demo, visit):
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    pupil = Pupil.objects.filter(setting=brookfield, status=Pupil.Status.CURRENT).first()
    tab = visit(name="administrator")
    tab.sign_in(demo["admin"])
    page = tab.page

    tab.go(reverse("admin:directory_pupil_change", args=[pupil.pk]))
    tab.shot("pupil-page")
    tab.checked.add(page.url)
    page.get_by_text("Add another Family link").click()
    row = page.locator("tr.dynamic-family_links").last
    with page.expect_popup() as opened:
        row.locator("a.add-related").click()
    popup = opened.value
    popup.wait_for_load_state()
    popup.locator("select[name='organisation']").select_option(label=brookfield.name)
    popup.get_by_label("Given name").fill("Máire")
    popup.get_by_label("Family name").fill("Ní Dhomhnaill-O'Neill")
    popup.get_by_role("button", name="Save", exact=True).click()
    popup.wait_for_event("close")
    member = FamilyMember.objects.get(family_name="Ní Dhomhnaill-O'Neill")
    assert row.locator("select[name$='-family_member']").input_value() == str(member.pk)
    row.locator("select[name$='-relationship']").select_option(value="mother")
    row.locator("input[name$='-parental_responsibility']").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    tab.shot("saved")
    tab.checked.add(page.url)

    assert "was changed successfully" in page.content()
    assert "Select a valid choice" not in page.content()
    link = FamilyLink.objects.get(pupil=pupil, family_member=member)
    assert link.parental_responsibility
    assert member.organisation == brookfield
    tab.go(reverse("admin:directory_familymember_changelist") + "?q=Dhomhnaill")
    tab.shot("family-members")
    tab.checked.add(page.url)
    assert "Máire" in page.content()


def test_the_administrator_starts_the_new_school_year_at_brookfield_in_september(
    demo, visit, time_machine
):
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    year_6 = list(
        Pupil.objects.filter(setting=brookfield, status="current", year_group="6").values_list(
            "pk", flat=True
        )
    )
    time_machine.move_to(SEPTEMBER, tick=True)
    tab = visit(name="administrator")
    tab.sign_in(demo["admin"])
    page = tab.page

    page.get_by_role("link", name="Start the new school year").click()
    tab.check("new-school-year")
    page.get_by_label("School or pre-school").select_option(label=brookfield.name)
    page.get_by_role("button", name="Show this school").click()
    tab.check("brookfield")
    page.get_by_label("Where the leavers go next (optional)").fill("Secondary school")
    page.get_by_role("button", name="Preview the new school year").click()
    tab.check("preview")
    assert "Year 6 → former pupils: 26, leaving date 21 July 2027" in page.content()
    page.get_by_role("button", name="Start the new school year").click()
    tab.check("started")

    assert re.search(r"26 became former pupils, with the leaving date 21 July 2027", page.content())
    assert set(Pupil.objects.filter(pk__in=year_6).values_list("status", "destination")) == {
        ("former", "Secondary school")
    }
