"""Browser journeys (#9): Debian's Chromium driven by Playwright against the app served
by pytest-django's live server on 127.0.0.1, with the demo data loaded.

Each page a journey visits is checked with axe-core (WCAG 2.0, 2.1 and 2.2, A and AA)
and photographed into ``artefacts/screenshots/<test>/`` for a reviewer."""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from demo.people import DEMO_TOTP_SECRET
from tests.demo import load_demo
from tests.mfa import at_the_start_of_a_step, totp

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(settings.BASE_DIR) / "artefacts" / "screenshots"
AXE_SOURCE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "contact-demo-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium, for the journeys of one module. Playwright's sync API keeps an event
    loop in the test thread, so Django would refuse the tests' own ORM calls (the app
    itself runs in the live server's thread): they are allowed while the browser is
    open, and the setting is undone with it, so that it never reaches another test or
    a deploy check (async.E001)."""
    if not CHROMIUM.exists():
        message = f"Debian's chromium is not at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            yield browser
            browser.close()
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def live_server() -> Iterator:
    """pytest-django's live server on 127.0.0.1. Django's test server wraps the app in a
    handler for MEDIA_URL, which this project leaves unset (attachments are only ever
    downloaded through their permission-checked views): it is given a path nothing
    links to while the server starts."""
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(MEDIA_URL="/test-server-media-not-linked/"):
        server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def demo(transactional_db) -> dict:
    """The demo's people by their key in the demo plan (see demo/people.py), the
    demo put back as it was loaded before each journey (pytest-django empties the
    database after it). The live server answers from another thread (and on PostgreSQL
    another connection), so the journeys commit, and cannot share the demo in a
    transaction rolled back after each as the other tests do: ``load_demo`` seeds it once
    for the process and puts its rows back for every journey (tests/demo.py), which is
    a fraction of a second; its files are in the session's media folder."""
    from demo.people import demo_plan
    from directory.models import Person

    load_demo()
    plan = demo_plan(timezone.localdate())
    return {key: Person.objects.get(email=person.email) for key, person in plan.people.items()}


# Every page records the Content Security Policy violations it meets, from its start.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', event => {
    window.__violations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


class Visit:
    """One person's browser tab: sign in, go to pages, check them, photograph them.
    Every page the tab lands on must be checked before the test ends."""

    def __init__(self, page, base_url: str, folder: Path, traveller=None) -> None:
        self.page = page
        self.base_url = base_url
        self.traveller = traveller  # the tests' clock (time-machine), for the codes
        self.folder = folder
        self.shots = 0
        self.visited: list[str] = []
        self.checked: set[str] = set()
        page.on(
            "framenavigated",
            lambda frame: frame == page.main_frame and self.visited.append(_page(frame.url)),
        )

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def sign_in(self, person, password: str = PASSWORD) -> None:
        self.go("/accounts/login/")
        self.check("sign-in")
        self.page.get_by_label("Email").fill(person.email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.page.wait_for_load_state()
        if self.page.url.startswith(self.base_url + "/accounts/2fa/authenticate/"):
            # The second step (R37): the demo's authenticator app, as a tester uses it.
            self.check("second-step")
            self.enter_code(DEMO_TOTP_SECRET)
        elif self.page.url == self.base_url + "/accounts/2fa/":
            self.set_up_authenticator()
        self.check("signed-in")

    def code_for(self, secret: str) -> str:
        """What the authenticator app shows now, with the clock moved to the start of a
        30-second step so that it is still the code when the server checks it."""
        at_the_start_of_a_step(self.traveller)
        return totp(secret)

    def enter_code(self, secret: str) -> None:
        self.page.get_by_label("Code from your authenticator app").fill(self.code_for(secret))
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.page.wait_for_load_state()

    def set_up_authenticator(self) -> str:
        """From the two-step sign-in page: set up an authenticator app by typing in the
        secret the page shows, save the recovery codes, go on. Returns the secret."""
        self.check("two-step-sign-in")
        self.page.get_by_role("link", name="Set up an authenticator app").click()
        self.check("set-up-authenticator-app")
        secret = self.page.locator("#authenticator-secret").inner_text().replace(" ", "")
        self.page.get_by_label("Code from the app").fill(self.code_for(secret))
        self.page.get_by_role("button", name="Set up the app").click()
        self.check("recovery-codes")
        self.page.get_by_role("link", name=re.compile("I have saved my codes")).click()
        self.page.wait_for_load_state()
        return secret

    def check(self, name: str) -> None:
        """No axe-core violation of WCAG 2.2 A or AA on this page, no breach of the
        Content Security Policy, and a photograph."""
        self.page.wait_for_load_state()
        # axe-core into the page once: a page that htmx changed in place still has it.
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(_axe_source() + "\n;true")
        # Every rule of the tags is run; only the violations are gathered in full and
        # sent back (the passes, most of what axe finds, are not read here).
        violations = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
            "resultTypes: ['violations']}).then(result => result.violations)",
            WCAG,
        )
        problems = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            for violation in violations
        ]
        problems += [
            f"CSP: {violation}" for violation in self.page.evaluate("() => window.__violations")
        ]
        self.shot(name)
        self.checked.add(_page(self.page.url))
        assert problems == [], f"{name} at {self.page.url}:\n" + "\n".join(problems)

    def shot(self, name: str) -> None:
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True)

    def unchecked(self) -> list[str]:
        return [url for url in self.visited if url not in self.checked and url != "about:blank"]


@functools.cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def _page(url: str) -> str:
    return url.split("#", 1)[0]


@pytest.fixture
def visit(browser, live_server, request, time_machine):
    """Open a tab for a person: ``visit(viewport=PHONE)``; closed after the test, which
    fails if the tab landed on a page it did not check."""
    tabs: list[tuple[object, Visit]] = []
    folder = ARTEFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)  # no photograph of an earlier run

    def open_tab(viewport: dict = DESKTOP, name: str = "", forwarded_for: str = "") -> Visit:
        # ``forwarded_for``: the address a reverse proxy would say the tab is at (with
        # ALLAUTH_TRUSTED_PROXY_COUNT set to 1), for people in different places.
        context = browser.new_context(
            viewport=viewport,
            accept_downloads=True,
            locale="en-GB",
            reduced_motion="reduce",  # no smooth scrolling: the focus is in view at once
            extra_http_headers={"X-Forwarded-For": forwarded_for} if forwarded_for else None,
        )
        context.add_init_script(RECORD_VIOLATIONS)
        tab = Visit(
            context.new_page(),
            live_server.url,
            folder / (name or f"tab{len(tabs) + 1}"),
            traveller=time_machine,
        )
        tabs.append((context, tab))
        return tab

    yield open_tab
    unchecked = [url for _context, tab in tabs for url in tab.unchecked()]
    for context, _tab in tabs:
        context.close()
    assert unchecked == [], f"pages visited but not checked: {unchecked}"
