"""Journeys through the app in a real browser, each as its role would make it, from
signing in (#9). Every page on the way is checked with axe-core and photographed."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contactpolicy.models import AuditEvent
from demo.identity_provider import LocalIdentityProvider
from demo.people import BROOKFIELD_DOMAIN, BROOKFIELD_SSO
from policies.models import Acknowledgement
from tests.browser.conftest import PHONE
from tests.saml_idp import (
    ENTITY_ID,
    SamlIdentityProviderServer,
    key_and_certificate,
    needs_xmlsec1,
)
from tests.sso import CLIENTS, oidc_settings

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_head_of_brookfield_sets_up_an_authenticator_app_and_reaches_her_dashboard(demo, visit):
    """R37: her role needs a second factor and she has none yet."""
    from allauth.mfa.models import Authenticator

    from contactpolicy.models import AuditEvent

    head = demo["bro_head"]
    tab = visit(name="head")
    page = tab.page
    tab.go("/accounts/login/")
    tab.check("sign-in")
    page.get_by_label("Email").fill(head.email)
    page.get_by_label("Password").fill("contact-demo-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()

    # Asked to set up a second factor, and nothing else until she has.
    assert page.url == tab.base_url + reverse("mfa_index")
    tab.check("asked-to-set-up")
    assert page.get_by_text("Your role needs a second step when you sign in").is_visible()
    tab.go(reverse("approvals:dashboard"))
    assert page.url == tab.base_url + reverse("mfa_index")
    tab.check("still-asked")
    page.get_by_role("link", name="Set up an authenticator app").click()
    tab.check("set-up-authenticator-app")
    # She reads the secret off the page and types the code her app works out from it.
    secret = page.locator("#authenticator-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(tab.code_for(secret))
    page.get_by_role("button", name="Set up the app").click()

    assert page.url == tab.base_url + reverse("mfa_view_recovery_codes")
    tab.check("recovery-codes")
    codes = page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")
    assert codes.count() == 10
    page.get_by_role("link", name=re.compile("I have saved my codes")).click()
    assert page.url == tab.base_url + "/"
    tab.check("home")
    page.get_by_role("link", name="Decisions", exact=True).click()
    assert page.url == tab.base_url + reverse("approvals:dashboard")
    tab.check("dashboard")
    assert Authenticator.objects.filter(user=head, type="totp").exists()
    assert AuditEvent.objects.filter(action="mfa.set_up", actor=head).exists()

    # Her next sign-in asks for a code from the app.
    page.get_by_role("button", name="Sign out").click()
    tab.check("signed-out")
    tab.go("/accounts/login/")
    tab.check("sign-in-again")
    page.get_by_label("Email").fill(head.email)
    page.get_by_label("Password").fill("contact-demo-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.url == tab.base_url + reverse("mfa_authenticate")
    tab.check("second-step")
    tab.enter_code(secret)
    assert page.url == tab.base_url + "/"
    tab.check("home-again")


def test_a_teacher_is_warned_before_the_idle_sign_out_and_stays_signed_in(demo, visit):
    """Two minutes before the idle end (2 hours for a teacher) the page warns in a
    dialog, the focus on "Stay signed in"; choosing it keeps the session (#18)."""
    teacher = demo["bro_teacher1"]
    tab = visit(name="teacher")
    page = tab.page
    page.clock.install()
    tab.sign_in(teacher)
    assert not page.locator("#idle-warning[open]").count()

    # An hour and 58 and a half minutes later, on the server's clock and the page's.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=118, seconds=30)):
        page.clock.fast_forward("01:58:30")
        page.wait_for_selector("#idle-warning[open]")
        tab.check("idle-warning")
        assert "you will be signed out in 2 minutes" in page.locator("#idle-warning").inner_text()
        assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
        assert not page.get_by_role("button", name="Close this message").is_visible()
        with page.expect_response(lambda response: "/accounts/session/" in response.url):
            page.get_by_role("button", name="Stay signed in").click()
        page.wait_for_selector("#idle-warning:not([open])", state="attached")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=200)):
        # 200 minutes after signing in, 80 after staying: still signed in.
        tab.go("/")
        tab.check("still-signed-in")
        assert page.url == tab.base_url + "/"


def test_the_head_of_brookfield_adds_a_security_key_and_signs_in_with_it(demo, visit, live_server):
    """R37 with a passkey or security key (WebAuthn): Chromium's own virtual
    authenticator, driven through the DevTools protocol, answers the browser as a USB
    key would, so that allauth's scripts, its server-side checks and the product's
    pages are all used as they are for a real key. WebAuthn takes no IP address as its
    relying party, so the tab uses localhost."""
    from allauth.mfa.models import Authenticator

    head = demo["bro_head"]
    tab = visit(name="head")
    tab.base_url = live_server.url.replace("://127.0.0.1:", "://localhost:")
    page = tab.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    key = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    tab.go("/accounts/login/")
    tab.check("sign-in")
    page.get_by_label("Email").fill(head.email)
    page.get_by_label("Password").fill("contact-demo-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.url == tab.base_url + reverse("mfa_index")
    tab.check("asked-to-set-up")

    page.get_by_role("link", name="Add a passkey or security key").click()
    assert page.url == tab.base_url + reverse("mfa_add_webauthn")
    tab.check("add-a-key")
    page.get_by_label("Name").fill("Blue key")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the key").click()
    # Registered: the key holds one credential, for this site, and the server kept it.
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    assert [credential["rpId"] for credential in credentials] == ["localhost"]
    signed = credentials[0]["signCount"]
    assert page.url == tab.base_url + reverse("mfa_view_recovery_codes")
    tab.check("recovery-codes")
    page.get_by_role("link", name=re.compile("I have saved my codes")).click()
    assert page.url == tab.base_url + "/"
    tab.check("home")
    page.get_by_role("link", name="Decisions", exact=True).click()
    assert page.url == tab.base_url + reverse("approvals:dashboard")
    tab.check("dashboard")
    stored = Authenticator.objects.get(user=head, type="webauthn")
    assert stored.wrap().name == "Blue key"
    added = AuditEvent.objects.get(action="mfa.set_up", actor=head)
    assert added.data["authenticator"] == "passkey or security key"

    # Her next sign-in asks for the key, and the key answers.
    page.get_by_role("button", name="Sign out").click()
    tab.check("signed-out")
    tab.go("/accounts/login/")
    tab.check("sign-in-again")
    page.get_by_label("Email").fill(head.email)
    page.get_by_label("Password").fill("contact-demo-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.url == tab.base_url + reverse("mfa_authenticate")
    tab.check("asked-for-the-key")
    with page.expect_navigation():
        page.get_by_role("button", name="Use a passkey or security key").click()
    assert page.url == tab.base_url + "/"
    tab.check("home-again")
    page.get_by_role("link", name="Decisions", exact=True).click()
    assert page.url == tab.base_url + reverse("approvals:dashboard")
    tab.check("dashboard-again")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    assert credentials[0]["signCount"] > signed  # the key itself signed this sign-in
    assert Authenticator.objects.get(pk=stored.pk).last_used_at is not None


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


def test_pages_carry_the_security_headers_the_browser_enforces(demo, visit):
    from declarations.models import Declaration

    teacher = demo["bro_teacher1"]
    tab = visit(name="headers")
    requests, failed, responses = [], [], {}
    tab.page.on("request", lambda request: requests.append(request.url))
    tab.page.on("requestfailed", lambda request: failed.append(request.url))
    tab.page.on("response", lambda response: responses.update({response.url: response}))
    tab.sign_in(teacher)
    own = Declaration.objects.filter(declarant=teacher).latest("pk")
    for path in (reverse("declarations:list"), own.get_absolute_url()):
        tab.go(path)
        tab.check("page")
        headers = responses[tab.base_url + path].all_headers()
        policy = headers["content-security-policy"]
        assert re.search(r"script-src [^;]*'nonce-", policy), policy
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
        assert "frame-ancestors 'none'" in policy
        assert headers["x-frame-options"] == "DENY"
        assert "no-store" in headers["cache-control"], path  # signed-in pages are not kept

    # An inline script without the nonce is refused by the browser itself.
    outcome = tab.page.evaluate(
        """() => new Promise(resolve => {
            const script = document.createElement('script');
            script.textContent = 'window.__injected = true';
            document.body.appendChild(script);
            setTimeout(() => resolve({
                ran: window.__injected === true,
                reported: window.__violations.filter(v => v.startsWith('script-src')).length,
            }), 300);
        })"""
    )
    assert outcome == {"ran": False, "reported": 1}
    # The app's own scripts ran: htmx is there, under the nonce.
    assert tab.page.evaluate("() => typeof window.htmx") == "object"

    # Every cookie is out of reach of scripts and not sent by other sites.
    cookies = tab.page.context.cookies()
    assert {cookie["name"] for cookie in cookies} >= {"sessionid", "csrftoken"}
    for cookie in cookies:
        assert cookie["httpOnly"] is True, cookie["name"]
        assert cookie["sameSite"] in {"Lax", "Strict"}, cookie["name"]

    # No mixed content: nothing the pages asked for, or point to, is off the site.
    assert failed == []
    assert all(url.startswith(tab.base_url) for url in requests), requests
    off_site = tab.page.evaluate(
        """() => [...document.querySelectorAll('[src], [href], [action], [srcset]')]
            .flatMap(el => ['src', 'href', 'action', 'srcset'].map(a => el.getAttribute(a)))
            .filter(value => value && /^http:/i.test(value)
                    && !value.startsWith(location.origin))"""
    )
    assert off_site == []


# A small JPEG as a phone takes it (the upload is checked by its content).
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 256
    + b"\xff\xd9"
)


def test_a_teaching_assistant_declares_on_a_phone_and_the_line_manager_approves(demo, visit):
    from approvals.models import ApprovalRequest, Decision, Outcome
    from declarations.models import Declaration
    from directory.models import Organisation, Pupil
    from registers.models import RegisterEntry

    assistant = demo["bro_ta1"]  # works in both schools: she chooses one
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    pupil = Pupil.objects.filter(setting=brookfield, status=Pupil.Status.CURRENT).first()
    tab = visit(viewport=PHONE, name="assistant")
    tab.sign_in(assistant)
    page = tab.page
    tab.check("home")

    page.get_by_role("link", name="Declare contact").first.click()
    tab.check("choose")
    page.get_by_label(re.compile("I plan to meet a pupil or their family socially")).check()
    page.get_by_role("button", name="Continue").click()
    tab.check("form")
    page.get_by_label("Which setting is this about?").select_option(label=brookfield.name)
    page.get_by_label(re.compile("Search by name")).fill(pupil.family_name)
    page.get_by_label(re.compile(re.escape(str(pupil)))).first.check()
    page.get_by_label("In person").check()
    planned = (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    page.get_by_label("Date*", exact=True).fill(planned)
    page.get_by_label("Where").fill("The family's home, for a birthday party")
    page.get_by_label("Who will be there").fill("The family, and other children from the class")
    page.get_by_label("Why").fill("My daughter is the child's friend from Brownies")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    tab.check("check-answers")

    # A photo of the invitation card, taken on the phone.
    page.set_input_files(
        "#id_file", files=[{"name": "invitation.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    page.get_by_role("button", name="Attach", exact=True).click()
    page.wait_for_load_state()
    assert "invitation.jpg" in page.content()
    page.get_by_role("button", name="Submit declaration").click()
    page.wait_for_load_state()
    tab.check("submitted")

    declaration = Declaration.objects.filter(declarant=assistant).latest("pk")
    assert declaration.kind == "planned_social_contact"
    assert declaration.status == Declaration.Status.SUBMITTED
    assert declaration.attachments.count() == 1
    request = ApprovalRequest.objects.get(declaration=declaration, status="open")

    # The line manager decides it from the dashboard, on a desktop.
    manager_tab = visit(name="line-manager")
    manager_tab.sign_in(request.decider)
    manager = manager_tab.page
    manager_tab.go(reverse("approvals:dashboard"))
    manager_tab.check("dashboard")
    manager.get_by_role(
        "link", name=f"Planned social contact: {assistant.get_full_name()}"
    ).first.click()
    manager.wait_for_load_state()
    manager_tab.check("request")
    # The photo of the invitation is there for the decider to look at (R11).
    with manager.expect_download() as download:
        manager.get_by_role("link", name="invitation.jpg").click()
    assert download.value.suggested_filename == "invitation.jpg"
    manager.get_by_role("radio", name="Approve with conditions").check()
    manager.get_by_role("textbox", name=re.compile("Conditions")).fill(
        "Keep to the party; no photographs of the children on your own phone."
    )
    review_on = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    manager.get_by_label("Review date (optional)").fill(review_on)
    manager.get_by_role("button", name="Record the decision").click()
    manager.wait_for_load_state()
    manager_tab.check("decided")

    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.APPROVED_WITH_CONDITIONS
    assert decision.decided_by == request.decider
    assert RegisterEntry.objects.filter(declaration=declaration, pupil=pupil).exists()
    assert RegisterEntry.objects.filter(declaration=declaration, person=assistant).exists()


def declare(tab, question: str, *, setting=None, pupil=None, answers=()) -> None:
    """Declare from the home page: choose the kind by its question, say who it is
    about, answer its questions (``answers`` are calls on the page), check, submit."""
    page = tab.page
    tab.go("/")
    tab.check("home")
    page.get_by_role("link", name="Declare contact").first.click()
    tab.check("choose")
    page.get_by_label(question).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    if setting is not None:
        page.get_by_label("Which setting is this about?").select_option(label=setting.name)
    if pupil is not None:
        page.get_by_label(re.compile("Search by name")).fill(pupil.family_name)
        page.get_by_label(re.compile(re.escape(str(pupil)))).first.check()
    page.get_by_label("In person").check()
    for answer in answers:
        answer(page)
    tab.check("declaration-form")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    tab.check("check-answers")
    page.get_by_role("button", name="Submit declaration").click()
    page.wait_for_load_state()
    tab.check("submitted")


def decide(tab, link_name: str, choice: str, fields: dict[str, str]) -> None:
    """From the decisions dashboard, open the request and record a decision."""
    page = tab.page
    tab.go(reverse("approvals:dashboard"))
    tab.check("dashboard")
    page.get_by_role("link", name=link_name).first.click()
    page.wait_for_load_state()
    tab.check("request")
    page.get_by_role("radio", name=choice, exact=True).check()
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    tab.check("decided")


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def a_pupil_of(name: str):
    from directory.models import Pupil

    return Pupil.objects.filter(setting__name=name, status=Pupil.Status.CURRENT).last()


def test_the_head_declares_tuition_and_the_executive_head_refuses_it_with_an_action(demo, visit):
    from approvals.models import ApprovalRequest, DeciderRole, Decision, Outcome
    from declarations.models import Declaration
    from registers.models import FollowUp

    head = demo["bro_head"]
    head_tab = visit(name="head")
    head_tab.sign_in(head)
    declare(
        head_tab,
        "I have been asked to tutor, coach, babysit or visit a pupil at home",
        pupil=a_pupil_of("Brookfield Primary School"),
        answers=[
            lambda page: page.get_by_label("Activity").select_option(label="Private tuition"),
            lambda page: page.get_by_label("Yes, paid").check(),
            lambda page: page.get_by_label("Reasons").fill("The family asked for maths tuition."),
            lambda page: page.get_by_label("Start date*", exact=True).fill(in_days(30)),
            lambda page: page.get_by_label("Where it takes place").fill("The town library"),
        ],
    )
    declaration = Declaration.objects.filter(declarant=head).latest("pk")
    request = ApprovalRequest.objects.get(declaration=declaration, status="open")
    # A head's own declaration goes to the Executive Headteacher.
    assert request.decider == demo["exec"]
    assert request.decider_role == DeciderRole.EXECUTIVE_HEAD

    executive_tab = visit(name="executive-head")
    executive_tab.sign_in(demo["exec"])
    decide(
        executive_tab,
        f"Tuition, clubs, babysitting or home visits: {head.get_full_name()}",
        "Refuse",
        {
            "Reasons": ("Tuition of a pupil of your own school is not allowed by the policy."),
            "Action required of the staff member (optional)": (
                "Tell the family you cannot tutor their child"
            ),
            "Action to be done by (needed with an action)": in_days(14),
        },
    )
    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.REFUSED
    assert FollowUp.objects.filter(
        declaration=declaration, kind=FollowUp.Kind.ACTION, person=head
    ).exists()


def test_the_executive_heads_own_declaration_is_decided_by_the_chair(demo, visit):
    from approvals.models import ApprovalRequest, DeciderRole, Decision, Outcome
    from declarations.models import Declaration
    from directory.models import Organisation

    executive = demo["exec"]
    tab = visit(name="executive-head")
    tab.sign_in(executive)
    declare(
        tab,
        "I was offered or gave a gift",
        setting=Organisation.objects.get(name="Millbrook Primary School"),
        pupil=a_pupil_of("Millbrook Primary School"),
        answers=[
            lambda page: page.get_by_label("I received it").check(),
            lambda page: page.get_by_label("What the gift is").fill("A box of chocolates"),
            lambda page: page.get_by_label("Goods: a present, flowers, food or drink").check(),
            lambda page: page.get_by_label("Estimated value in pounds").fill("12"),
            lambda page: page.get_by_label("From or to whom").fill("A parent"),
        ],
    )
    declaration = Declaration.objects.filter(declarant=executive).latest("pk")
    request = ApprovalRequest.objects.get(declaration=declaration, status="open")
    assert request.decider == demo["chair"]
    assert request.decider_role == DeciderRole.CHAIR

    chair_tab = visit(name="chair")
    chair_tab.sign_in(demo["chair"])
    # The federation follows policy 004: no gifts of money or goods (R40).
    decide(
        chair_tab,
        f"Gift given or received: {executive.get_full_name()}",
        "Refuse",
        {
            "Reasons": ("The federation does not allow gifts of money or goods (policy 004)."),
        },
    )
    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.REFUSED
    assert decision.decided_by == demo["chair"]


def test_a_concern_reaches_the_dsl_who_finds_it_in_the_audit_history(demo, visit):
    from approvals.models import ApprovalRequest
    from declarations.models import Declaration

    teacher, dsl = demo["bro_teacher1"], demo["bro_dsl"]
    tab = visit(viewport=PHONE, name="teacher")
    tab.sign_in(teacher)
    declare(
        tab,
        "I am worried about a child's or parent's contact with me",
        answers=[
            lambda page: page.get_by_label("What the concern is").select_option(
                label="Someone is trying to make contact beyond the professional"
            ),
            lambda page: page.get_by_label("What happened").fill(
                "A parent sent me a friend request and then a message late at night."
            ),
        ],
    )
    declaration = Declaration.objects.filter(declarant=teacher).latest("pk")
    assert declaration.kind == "concern"
    assert ApprovalRequest.objects.filter(declaration=declaration, decider=dsl).exists()

    dsl_tab = visit(name="dsl")
    dsl_tab.sign_in(dsl)
    page = dsl_tab.page
    dsl_tab.go(reverse("approvals:dashboard"))
    dsl_tab.check("dashboard")
    assert f"Concern: {teacher.get_full_name()}" in page.content()
    dsl_tab.go(reverse("registers:index"))
    dsl_tab.check("records")
    page.get_by_role("link", name="Audit history").click()
    page.wait_for_load_state()
    dsl_tab.check("audit-history")
    page.get_by_label("Staff member").fill(teacher.family_name)
    page.get_by_label("Kind of declaration").select_option(label="Concern")
    with page.expect_response(
        lambda response: "/registers/audit/" in response.url and "kind=concern" in response.url
    ):
        page.get_by_role("button", name="Search").click()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    dsl_tab.check("audit-search")
    # Only the teacher's concern is listed now: every record is a concern.
    records = page.locator("table tbody tr td:nth-child(4)").all_inner_texts()
    assert len(records) >= 2  # created and submitted, at least
    assert all(record.startswith("Concern") for record in records), records
    assert declaration.reference in page.content()


def test_the_dsl_records_lado_advice_on_a_concern_and_finds_it_on_the_childs_file(demo, visit):
    """#21: the concern just copied to the DSL is on her home page and on the child's
    file as open; she records in the DSL's log that she sought LADO advice (a date in
    the future first, refused with what she typed kept), and it is on the file,
    confidential."""
    from approvals.models import DslLogEntry
    from declarations.models import Declaration
    from registers.models import RegisterEntry

    teacher, dsl = demo["bro_teacher1"], demo["bro_dsl"]
    pupil = a_pupil_of("Brookfield Primary School")
    tab = visit(name="teacher")
    tab.sign_in(teacher)
    declare(
        tab,
        "I am worried about a child's or parent's contact with me",
        pupil=pupil,
        answers=[
            lambda page: page.get_by_label("What the concern is").select_option(
                label="Someone is trying to make contact beyond the professional"
            ),
            lambda page: page.get_by_label("What happened").fill(
                "A parent keeps messaging me late at night about their child."
            ),
        ],
    )
    declaration = Declaration.objects.filter(declarant=teacher).latest("pk")

    dsl_tab = visit(name="dsl")
    dsl_tab.sign_in(dsl)
    page = dsl_tab.page
    dsl_tab.go(reverse("registers:pupil_file", args=[pupil.pk]))
    dsl_tab.check("pupil-file-open")
    open_section = page.get_by_role("region", name="Open: not yet decided")
    assert declaration.reference in open_section.inner_text()
    dsl_tab.go("/")
    dsl_tab.check("home")
    safeguarding = page.get_by_role("region", name="Safeguarding")
    safeguarding.get_by_role(
        "link", name=re.compile(re.escape(f"({declaration.reference}): {teacher.get_full_name()}"))
    ).first.click()
    page.wait_for_load_state()
    dsl_tab.check("copy")
    outcome = "The LADO advised that the parent be reminded of the school's ways to get in touch."
    page.get_by_role("radio", name="Sought advice from the LADO").check()
    page.get_by_label("Date it was done").fill(in_days(1))
    page.get_by_label("Outcome").fill(outcome)
    page.get_by_role("button", name="Add to the DSL's log").click()
    page.wait_for_load_state()
    dsl_tab.check("log-refused")
    assert "The date cannot be in the future" in page.content()
    assert page.get_by_label("Outcome").input_value() == outcome
    assert not DslLogEntry.objects.exists()
    page.get_by_label("Date it was done").fill(in_days(0))
    page.get_by_role("button", name="Add to the DSL's log").click()
    page.wait_for_load_state()
    dsl_tab.check("log-recorded")
    log = page.get_by_role("region", name=re.compile("The DSL's log"))
    assert "Sought advice from the LADO" in log.inner_text()
    entry = RegisterEntry.objects.get(pupil=pupil, entry_kind=RegisterEntry.EntryKind.DSL_LOG)
    assert entry.confidential

    dsl_tab.go(reverse("registers:pupil_file", args=[pupil.pk]))
    dsl_tab.check("pupil-file-logged")
    entries = page.locator(".register-entries").inner_text()
    assert "DSL's log: Concern" in entries
    assert "Confidential" in entries
    assert outcome in entries


def test_nobody_takes_over_an_account_and_the_dsl_finds_every_attempt(demo, visit, settings):
    """#18's walk: a caretaker finds no way to change his email; the administrator's
    attempt to make herself DSL waits for the head, who is told and confirms it; a
    stranger's wrong passwords for the head do not keep the head out; the DSL finds each
    in the audit history. Each tab is somewhere else behind the proxy."""
    from django.core import mail

    from directory.models import Membership, Role, RoleRequest

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    caretaker, administrator = demo["bro_caretaker"], demo["admin"]
    head, dsl = demo["bro_head"], demo["bro_dsl"]
    brookfield = Membership.objects.get(person=head, role=Role.HEAD).organisation

    tab = visit(viewport=PHONE, name="caretaker", forwarded_for="198.51.100.20")
    tab.sign_in(caretaker)
    page = tab.page
    assert not page.get_by_role("link", name=re.compile("email", re.I)).count()
    tab.go("/accounts/email/")
    tab.check("no-email-page")
    assert "Page not found" in page.content()

    stranger = visit(name="stranger", forwarded_for="203.0.113.9")
    for _ in range(4):
        stranger.sign_in(head, password="is-it-this-one")
    assert "too many wrong passwords for this email address from here" in (stranger.page.content())

    admin_tab = visit(name="administrator", forwarded_for="198.51.100.21")
    admin_tab.sign_in(administrator)
    page = admin_tab.page
    admin_tab.go(reverse("admin:directory_person_change", args=[administrator.pk]))
    admin_tab.shot("own-person-page")  # Django's own admin screens: photographed only
    admin_tab.checked.add(page.url)
    page.get_by_text("Add another Membership").click()
    row = page.locator("tr.dynamic-memberships").last
    row.locator("select[name$='-organisation']").select_option(label=brookfield.name)
    row.locator("select[name$='-role']").select_option(value=Role.DSL)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    admin_tab.shot("waits-for-the-head")
    admin_tab.checked.add(page.url)
    assert "waits for a head or the Executive Headteacher to confirm it" in page.content()
    assert not Membership.objects.filter(person=administrator, role=Role.DSL).exists()
    waiting = RoleRequest.objects.get(person=administrator)
    assert any(head.email in message.to for message in mail.outbox)

    head_tab = visit(name="head", forwarded_for="198.51.100.22")
    head_tab.sign_in(head)  # from her own office: the stranger's guesses did not lock her
    page = head_tab.page
    assert "Roles waiting for your confirmation" in page.content()
    page.get_by_role("link", name="Confirm or refuse").click()
    page.wait_for_load_state()
    head_tab.check("roles-waiting")
    page.get_by_role("button", name=re.compile("^Confirm the role")).click()
    page.wait_for_load_state()
    head_tab.check("confirmed")
    waiting.refresh_from_db()
    assert waiting.status == RoleRequest.Status.CONFIRMED
    assert Membership.objects.current().filter(person=administrator, role=Role.DSL).exists()

    dsl_tab = visit(name="dsl", forwarded_for="198.51.100.23")
    dsl_tab.sign_in(dsl)
    page = dsl_tab.page
    dsl_tab.go(reverse("oversight:audit"))
    dsl_tab.check("audit-history")
    for action, who in [
        ("Administrator asked to give themself a role", administrator),
        ("Role an administrator asked to give themself confirmed", head),
        ("Sign-in failed", None),  # the stranger's guesses at the head's account
        ("Sign-in refused: too many wrong passwords from one address", None),
    ]:
        page.get_by_label("Action").select_option(label=action)
        with page.expect_response(lambda response: "/registers/audit/" in response.url):
            page.get_by_role("button", name="Search").click()
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        dsl_tab.check(f"audit-{action[:24].lower().replace(' ', '-')}")
        rows = page.locator("table tbody tr").all_inner_texts()
        assert rows, action
        if who is not None:
            assert who.get_full_name() in rows[0], rows
        else:
            assert any(head.get_full_name() in row for row in rows), rows


FOCUSED = """() => {
    const element = document.activeElement;
    const label = element.labels && element.labels.length ? element.labels[0].innerText : '';
    const style = getComputedStyle(element);
    const seen = colour => colour && colour !== 'transparent'
        && !/rgba\\([^)]*,\\s*0\\)$/.test(colour);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && seen(style.outlineColor);
    const shadowed = style.boxShadow !== 'none' && seen(style.boxShadow.split(') ')[0] + ')')
        && /\\s[1-9][0-9.]*px$/.test(style.boxShadow.trim());
    const box = element.getBoundingClientRect();
    return {
        name: (label || element.innerText || element.value || '').trim(),
        tag: element.tagName.toLowerCase(),
        type: element.type || '',
        visible: outlined || shadowed,
        // Not hidden off screen (WCAG 2.4.11, focus not obscured).
        inView: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
    };
}"""


def tab_to(page, name: str, *, limit: int = 120) -> dict:
    """Press Tab until the element named ``name`` has the focus; every element on the
    way must show where the focus is (WCAG 2.4.7)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"], f"no visible focus on {focused}"
        assert focused["inView"], f"the focus is out of sight on {focused}"
        if focused["name"].startswith(name):
            return focused
    raise AssertionError(f"Tab never reached {name!r}")


def follow(page, key: str) -> None:
    """Press a key that takes the browser to another page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


def date_keys(tab, day: datetime.date) -> str:
    """The keys that type ``day`` into a date field: its parts come in the order of the
    browser's own language, found by typing a known date into a scratch page."""
    scratch = tab.page.context.new_page()
    scratch.set_content("<input type=text><input type=date>")
    scratch.focus("input[type=text]")
    scratch.keyboard.press("Tab")
    scratch.keyboard.type("01022003")
    day_first = scratch.eval_on_selector("input[type=date]", "field => field.value") == (
        "2003-02-01"
    )
    scratch.close()
    return day.strftime("%d%m%Y" if day_first else "%m%d%Y")


def test_a_declaration_can_be_made_with_the_keyboard_alone(demo, visit):
    """The teaching assistant's journey again, with no mouse: the setting, the search,
    the date, the photo and every button by the keyboard."""
    from declarations.models import Declaration

    assistant = demo["bro_ta1"]
    pupil = a_pupil_of("Brookfield Primary School")
    tab = visit(viewport=PHONE, name="keyboard")
    page = tab.page
    # Playwright asks the browser to hand it file choosers when one is first listened
    # for, without waiting for the answer: a chooser opened by a key pressed at once (as
    # below) could beat it on a busy machine and never be seen. Listen from the start.
    page.on("filechooser", lambda _chooser: None)
    tab.go("/accounts/login/")
    tab.check("sign-in")
    tab_to(page, "Email")
    page.keyboard.type(assistant.email)
    tab_to(page, "Password")
    page.keyboard.type("contact-demo-2026")
    follow(page, "Enter")
    tab.check("home")

    tab_to(page, "Declare contact")
    follow(page, "Enter")
    tab.check("choose")
    tab_to(page, "I ")  # the first kind; the arrow keys move through the others
    wanted = "I plan to meet a pupil or their family socially"
    for _ in range(20):
        if page.evaluate(FOCUSED)["name"].startswith(wanted):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    tab_to(page, "Continue")
    follow(page, "Enter")
    tab.check("form")

    tab_to(page, "Which setting is this about?")
    page.keyboard.type("Brookfield")
    tab_to(page, "Search by name")
    page.keyboard.type(pupil.family_name)
    page.get_by_label(re.compile(re.escape(str(pupil)))).first.wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    tab_to(page, str(pupil))
    page.keyboard.press("Space")
    tab_to(page, "In person")
    page.keyboard.press("Space")
    tab_to(page, "Date")
    planned = timezone.localdate() + datetime.timedelta(days=21)
    page.keyboard.type(date_keys(tab, planned))
    tab_to(page, "Where")
    page.keyboard.type("The family's home")
    tab_to(page, "Who will be there")
    page.keyboard.type("The family and other children")
    tab_to(page, "Why")
    page.keyboard.type("A birthday party")
    tab_to(page, "Save and continue")
    follow(page, "Enter")
    tab.check("check-answers")

    tab_to(page, "Attach a file")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(
        files=[{"name": "invitation.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    tab_to(page, "Attach")
    follow(page, "Enter")
    tab.check("attached")
    tab_to(page, "Submit declaration")
    follow(page, "Enter")
    tab.check("submitted")

    declaration = Declaration.objects.filter(declarant=assistant).latest("pk")
    assert declaration.kind == "planned_social_contact"
    assert declaration.status == Declaration.Status.SUBMITTED
    assert declaration.key_date == planned
    assert declaration.setting.name == "Brookfield Primary School"
    assert [a.original_name for a in declaration.attachments.all()] == ["invitation.jpg"]


# Single sign-on (#18, R36): the head of Brookfield with Microsoft and a teacher with
# Google through the local test provider on 127.0.0.1, and a teacher through her school's
# SAML service (pysaml2's identity provider behind a page on 127.0.0.1). The providers'
# pages are checked with axe-core too. In this module so that the demo loads once.


@pytest.fixture(scope="module")
def oidc_provider():
    provider = LocalIdentityProvider(
        clients=CLIENTS, tenants={BROOKFIELD_DOMAIN: BROOKFIELD_SSO["entra_tenant_id"]}
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def providers(settings, oidc_provider):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_settings(oidc_provider)
    return oidc_provider


def sign_in_with(tab, button: str, email: str) -> None:
    tab.go(reverse("account_login"))
    tab.check("sign-in")
    tab.page.get_by_role("button", name=button).click()
    tab.page.wait_for_load_state()
    tab.check("identity-provider")
    tab.page.get_by_label("Email address").fill(email)
    tab.page.get_by_role("button", name="Sign in", exact=True).click()
    tab.page.wait_for_load_state()


def test_the_head_of_brookfield_signs_in_with_microsoft_and_sets_up_an_authenticator(
    demo, visit, providers
):
    """#18's walk: Microsoft did not ask her for a second factor this time, so the
    product does: she sets up an authenticator app and reaches her dashboard."""
    from allauth.mfa.models import Authenticator

    head = demo["bro_head"]
    tab = visit(name="head")

    sign_in_with(tab, "Sign in with Microsoft", head.email)

    assert tab.page.url == tab.base_url + "/accounts/2fa/"
    tab.set_up_authenticator()
    assert tab.page.url == tab.base_url + "/"
    tab.check("home")
    assert head.get_full_name() in tab.page.content()
    assert Authenticator.objects.filter(user=head, type="totp").exists()
    event = AuditEvent.objects.get(action="auth.sso_signed_in", actor=head)
    assert event.data["provider"] == "Microsoft"
    assert event.data["organisation"] == "Brookfield Primary School"
    assert event.data["provider_said_mfa"] is False


def test_a_teacher_signs_in_with_google(demo, visit, providers):
    teacher = demo["bro_teacher1"]
    tab = visit(name="teacher")

    sign_in_with(tab, "Sign in with Google", teacher.email)

    assert tab.page.url == tab.base_url + "/"
    tab.check("home")
    assert AuditEvent.objects.filter(action="auth.sso_signed_in", actor=teacher).exists()


def test_someone_from_another_school_is_refused_in_words_they_understand(demo, visit, providers):
    teacher = demo["mil_teacher1"]  # Millbrook: no tenant recorded
    tab = visit(name="refused")

    sign_in_with(tab, "Sign in with Microsoft", teacher.email)

    tab.check("refused")
    assert "You have not been signed in" in tab.page.content()
    assert "does not sign in through" in tab.page.content()


@needs_xmlsec1
def test_a_teacher_signs_in_through_her_schools_saml_service(
    demo, visit, live_server, tmp_path, client
):
    from directory.models import Organisation, SamlIdentityProvider

    key_file, cert_file, pem = key_and_certificate(tmp_path)
    server = SamlIdentityProviderServer(tmp_path, key_file=key_file, cert_file=cert_file).start()
    try:
        SamlIdentityProvider.objects.create(
            organisation=Organisation.objects.get(name="Millbrook Primary School"),
            name="RM Unify",
            slug="millbrook",
            entity_id=ENTITY_ID,
            sso_url=server.sso_url,
            x509_certificate=pem,
            email_attribute="urn:oid:0.9.2342.19200300.100.1.3",
        )
        metadata = client.get(
            reverse("saml_metadata", args=["millbrook"]),
            HTTP_HOST=live_server.url.removeprefix("http://"),
        )
        server.load_sp_metadata(metadata.text)
        teacher = demo["mil_teacher1"]
        tab = visit(name="saml")

        sign_in_with(tab, "Sign in with RM Unify", teacher.email)
        tab.check("identity-provider-answer")
        tab.page.get_by_role("button", name="Continue to the staff contact register").click()
        tab.page.wait_for_load_state()

        assert tab.page.url == tab.base_url + "/"
        tab.check("home")
        event = AuditEvent.objects.get(action="auth.sso_signed_in", actor=teacher)
        assert event.data["provider"] == "RM Unify"
    finally:
        server.stop()
