"""Journeys through the app in a real browser, each as its role would make it, from
signing in (#9). Every page on the way is checked with axe-core and photographed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from policies.models import Acknowledgement
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_volunteer_acknowledges_the_policy_on_first_sign_in(demo, visit):
    volunteer = demo["bro_volunteer1"]
    tab = visit(viewport=PHONE, name="volunteer")
    tab.go("/")
    tab.check("sign-in")
    tab.sign_in(volunteer)

    # The first page after signing in is the policy, before anything else.
    page = tab.page
    assert page.url.startswith(tab.base_url + reverse("policies:acknowledge"))
    tab.check("acknowledge")
    page.get_by_role("button", name=re.compile("Acknowledge version")).click()
    tab.check("acknowledge-errors")  # nothing ticked: an error summary, nothing saved
    assert not Acknowledgement.objects.filter(person=volunteer).exists()
    page.get_by_label(re.compile("I have read")).check()
    page.get_by_label(re.compile("agree", re.I)).check()
    page.get_by_role("button", name=re.compile("Acknowledge version")).click()
    page.wait_for_load_state()

    assert Acknowledgement.objects.filter(person=volunteer).count() == 1
    assert page.url == tab.base_url + "/"
    tab.check("home")
    assert "You have acknowledged the policy" in page.content()


def test_a_governor_reads_the_termly_summary_and_downloads_the_pdf(demo, visit):
    governor = demo["governor1"]
    tab = visit(name="governor")
    tab.sign_in(governor)
    tab.check("home")
    page = tab.page
    page.get_by_role("link", name="Open this term's summary").click()
    page.wait_for_load_state()
    tab.check("summary")
    content = page.content()
    assert "Brookfield Primary School" in content
    assert "Millbrook Primary School" in content
    assert page.locator("figure svg[role=img]").count() >= 3

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF for the board pack").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    # Nobody is named anywhere on the page.
    from directory.models import Person

    names = {person.get_full_name() for person in Person.objects.exclude(pk=governor.pk)}
    assert {name for name in names if name in content} == set()


def test_pages_carry_the_security_headers_the_browser_enforces(demo, visit):
    tab = visit(name="headers")
    responses = []
    tab.page.on("response", lambda response: responses.append(response))
    tab.sign_in(demo["bro_teacher1"])
    tab.go(reverse("declarations:list"))
    page_response = next(r for r in reversed(responses) if r.url.endswith("/declarations/"))
    headers = page_response.all_headers()

    policy = headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy or (
        "script-src" in policy and "'nonce-" in policy and "'unsafe-inline'" not in policy
    )
    assert "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert "no-store" in headers["cache-control"]
    # Inline scripts without the nonce are refused by the browser itself.
    blocked = tab.page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', () => resolve(true), {once: true});
            const script = document.createElement('script');
            script.textContent = 'window.__injected = true';
            document.body.appendChild(script);
            setTimeout(() => resolve(window.__injected !== true), 500);
        })"""
    )
    assert blocked
    cookies = {cookie["name"]: cookie for cookie in tab.page.context.cookies()}
    assert cookies["sessionid"]["httpOnly"] is True
    assert cookies["sessionid"]["sameSite"] in {"Lax", "Strict"}
    assert cookies["csrftoken"]["sameSite"] in {"Lax", "Strict"}
    # No mixed content: every request the page made went to the app itself.
    assert all(r.url.startswith(tab.base_url) for r in responses)
