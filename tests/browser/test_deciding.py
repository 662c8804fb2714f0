"""Declaring a gift on a phone and deciding it in four taps (#22, done when): the
teaching assistant declares a gift from both of Aoife's parents, finding "Siân
O'Connor-Ní Bhriain" by typing "sian oconnor"; the head of Brookfield, on a phone 360
pixels wide, sees her home list what waits on Nigel Power, opens the gift from her to-do
list, reads the rule on gifts and whose parents they are, chooses Refuse and sees only
the refusal's boxes, and records it. At desktop size she finds it in "Decided by me",
and her home and the declaration form read as well. Each page checked with axe-core
and photographed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)

NARROW_PHONE = {"width": 360, "height": 740}


def test_a_gift_from_both_parents_is_declared_on_a_phone_and_refused_in_four_taps(demo, visit):
    from playwright.sync_api import expect

    from approvals.models import Decision, Outcome
    from declarations.models import Declaration
    from directory.models import FamilyMember, Organisation

    assistant, head, nigel = demo["bro_ta1"], demo["bro_head"], demo["bro_lm1"]
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    sian = FamilyMember.objects.get(given_name="Siân", family_name="O'Connor-Ní Bhriain")
    rory = FamilyMember.objects.get(given_name="Rory", family_name="O'Connor-Ní Bhriain")

    # The teaching assistant, on her phone.
    tab = visit(viewport=NARROW_PHONE, name="assistant")
    tab.sign_in(assistant)
    page = tab.page
    tab.go(reverse("declarations:create", args=["gift"]))
    tab.check("gift-form")
    # The first question is on the first screen, with no screenful of guidance above.
    first = page.get_by_label("Which setting is this about?")
    assert first.bounding_box()["y"] < NARROW_PHONE["height"]
    first.select_option(label=brookfield.name)
    search = page.get_by_label(re.compile("Search by name"))
    for typed, member in (("sian oconnor", sian), ("rory o'connor", rory)):
        search.fill("")
        search.press_sequentially(typed)
        search.press("Enter")
        page.get_by_label(re.compile(re.escape(str(member)))).first.check()
    expect(page.locator("#chosen-people .chip")).to_have_count(2)
    page.get_by_label("In person").check()
    page.get_by_label("I received it").check()
    page.get_by_label("What the gift is").fill("A box of chocolates and a card")
    page.get_by_label("Goods: a present, flowers, food or drink").check()
    page.get_by_label("Estimated value in pounds").fill("12")
    page.get_by_label("From or to whom").fill("Aoife's parents")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    tab.check("check-answers")
    page.get_by_role("button", name="Submit declaration").click()
    page.wait_for_load_state()
    tab.check("submitted")
    declaration = Declaration.objects.filter(declarant=assistant).latest("pk")
    assert set(declaration.subjects.values_list("family_member", flat=True)) == {sian.pk, rory.pk}

    # The head, on her phone.
    tab = visit(viewport=NARROW_PHONE, name="head")
    tab.sign_in(head)
    page = tab.page
    tab.go(reverse("home"))
    tab.check("home")
    home = page.locator("main").inner_text()
    assert f"waiting on {nigel.get_full_name()}" in home
    assert "overdue" in home  # said in words, not by colour alone
    page.get_by_role("link", name=re.compile("waiting for your decision")).click()  # tap 1
    page.wait_for_load_state()
    tab.check("dashboard")
    page.get_by_role("link", name=re.compile(f"Gift.*{assistant.get_full_name()}")).click()  # 2
    page.wait_for_load_state()
    tab.check("request")
    text = page.locator("main").inner_text()
    assert "The rule on gifts" in text or "Against the rule on gifts" in text
    assert "Siân O'Connor-Ní Bhriain is the mother of Aoife O'Connor-Ní Bhriain" in text
    assert "What the policy says" in text
    # No box shows before a decision is chosen; Refuse shows only the refusal's.
    expect(page.get_by_label("Conditions", exact=True)).to_be_hidden()
    expect(page.get_by_label("Reasons", exact=True)).to_be_hidden()
    page.get_by_role("radio", name="Refuse", exact=True).check()  # tap 3
    expect(page.get_by_label("Reasons", exact=True)).to_be_visible()
    expect(page.get_by_label("Conditions", exact=True)).to_be_hidden()
    expect(page.get_by_label("What information do you need?")).to_be_hidden()
    expect(page.get_by_label("Review date (optional)")).to_be_hidden()
    tab.check("refusal-boxes")
    page.get_by_label("Reasons", exact=True).fill(
        "Our policy allows no gifts. Thank the family warmly."
    )
    page.get_by_role("button", name="Record the decision").click()  # tap 4
    page.wait_for_load_state()
    tab.check("decided")
    assert "Your decision is recorded." in page.content()
    decision = Decision.objects.get(request__declaration=declaration)
    assert decision.outcome == Outcome.REFUSED

    # What waits on Nigel Power, from her home page, the overdue first.
    tab.go(reverse("home"))
    page.get_by_role("link", name=re.compile(f"waiting on {nigel.get_full_name()}")).click()
    page.wait_for_load_state()
    tab.check("waiting-on-nigel")
    items = page.locator("main li.list-group-item")
    expect(items.first).to_contain_text("Overdue")

    # At a desk (the same session, a wider window): what she decided.
    page.set_viewport_size({"width": 1280, "height": 900})
    tab.go(reverse("approvals:decided"))
    tab.check("decided-by-me")
    assert assistant.get_full_name() in page.locator("main").inner_text()
    page.get_by_text("Filter by decision").click()
    page.get_by_label("Decision", exact=True).select_option(label="Approved")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    tab.check("decided-filtered")
    assert assistant.get_full_name() not in page.locator("main").inner_text()

    # Her home, and the declaration form with its picker, at desktop size too.
    tab.go(reverse("home"))
    tab.check("home-desktop")
    assert f"waiting on {nigel.get_full_name()}" in page.locator("main").inner_text()
    tab.go(reverse("declarations:create", args=["gift"]))  # one school: no setting to choose
    search = page.get_by_label(re.compile("Search by name"))
    search.press_sequentially("ni bhriain")
    search.press("Enter")
    page.get_by_label(re.compile(re.escape(str(sian)))).first.check()
    expect(page.locator("#chosen-people .chip")).to_have_count(1)
    tab.check("gift-form-desktop")
