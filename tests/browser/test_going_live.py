"""Going live in a real browser (#20, done when): the federation's administrator sends a
new teacher her invitation from the to-do list on her home page; the teacher reads the
email (from a real SMTP server on 127.0.0.1), follows its link, chooses a password,
signs in with it, acknowledges the policy and declares a contact. Every page is checked
with axe-core and photographed (tests/browser/conftest.py)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_journeys import a_pupil_of, declare
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "blue kettle river sandwich"


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    with smtp_server(settings) as box:
        yield box


def test_a_new_teacher_is_invited_sets_her_password_and_declares_a_contact(demo, visit, mailbox):
    from declarations.models import Declaration
    from directory.models import Membership, Organisation, Person, Role
    from identity.models import Invitation

    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    # Added by the administrator (or the school's import): no password, never signed in.
    teacher = Person.objects.create_user(
        "sian.obrien@brookfield.example", given_name="Siân", family_name="O'Brien"
    )
    Membership.objects.create(
        person=teacher,
        organisation=brookfield,
        role=Role.STAFF,
        job_title="Class teacher",
        line_manager=demo["bro_lm1"],
    )
    administrator = demo["admin"]

    # The administrator's to-do list leads to the going-live page.
    office = visit(name="administrator")
    office.sign_in(administrator)
    page = office.page
    page.get_by_role("link", name=re.compile("not been sent an invitation")).click()
    page.wait_for_load_state()
    office.check("going-live")
    page.get_by_label("Organisation").select_option(label=brookfield.name)
    page.get_by_role("button", name="Show its people").click()
    page.wait_for_load_state()
    office.check("going-live-brookfield")
    page.get_by_role("button", name=f"Send to {teacher.get_full_name()}").click()
    page.wait_for_load_state()
    office.check("sent")
    assert "Invitations are on their way to 1 person" in page.content()
    assert Invitation.objects.filter(person=teacher, accepted_at__isnull=True).count() == 1

    # The teacher reads her email and follows the link in it.
    [message] = mailbox.to(teacher.email)
    assert message.subject == "Your account on the staff contact register"
    [link] = [link for link in message.links() if "/accounts/invitation/" in link]
    tab = visit(name="teacher")
    tab.go(urlsplit(link).path)
    tab.check("choose-password")
    tab.page.get_by_label("Choose a password").fill(PASSWORD)
    tab.page.get_by_label("Type the password again").fill(PASSWORD)
    tab.page.get_by_role("button", name="Save my password").click()
    tab.page.wait_for_load_state()
    assert tab.page.url == tab.base_url + reverse("account_login")
    tab.check("password-set")
    assert "Your password is set" in tab.page.content()

    # She signs in with it, acknowledges the policy she is shown first, and declares.
    tab.sign_in(teacher, password=PASSWORD)
    assert tab.page.url.startswith(tab.base_url + reverse("policies:acknowledge"))
    tab.page.get_by_label(re.compile("I have read")).check()
    tab.page.get_by_label(re.compile("agree", re.I)).check()
    tab.page.get_by_role("button", name=re.compile("Acknowledge version")).click()
    tab.page.wait_for_load_state()
    tab.check("acknowledged")
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    declare(
        tab,
        re.compile("I met a pupil or their family by chance"),
        pupil=a_pupil_of(brookfield.name),
        answers=[
            lambda page: page.get_by_label(re.compile("When it happened")).fill(yesterday),
            lambda page: page.get_by_label("Where").fill("The supermarket"),
            lambda page: page.get_by_label("What happened").fill("We said hello."),
        ],
    )

    declaration = Declaration.objects.get(declarant=teacher)
    assert declaration.status == Declaration.Status.SUBMITTED
    assert Invitation.objects.get(person=teacher).accepted_at is not None
