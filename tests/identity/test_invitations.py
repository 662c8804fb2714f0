"""Going live (#20, R36, R38): an administrator sends the invitations for an
organisation; each person gets the product's email, read here from a real SMTP server
on 127.0.0.1; a link sets a password once, before it expires; single sign-on people get
the sign-in page and their button instead; who has not signed in is listed with "send
again"; all of it scoped to the organisation's administrators, and audited."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactpolicy.models import AuditEvent
from declarations.models import Declaration
from demo.identity_provider import LocalIdentityProvider
from directory.models import Person, Role
from identity.models import Invitation
from tests.conftest import sign_in_with_mfa
from tests.factories import MembershipFactory, PersonFactory, PupilFactory
from tests.smtp import Mailbox, smtp_server
from tests.sso import CLIENTS, oidc_settings, sso_sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "blue kettle river sandwich"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
GOING_LIVE = reverse("invitations:going_live")


@pytest.fixture
def smtp_mailbox(settings) -> Iterator[Mailbox]:
    with smtp_server(settings) as mailbox:
        yield mailbox


def new_person(organisation, role=Role.STAFF, **fields) -> Person:
    """Someone an administrator has just added: no password yet, never signed in."""
    person = PersonFactory(**fields)
    person.set_unusable_password()
    person.save()
    MembershipFactory(person=person, organisation=organisation, role=role)
    return person


@pytest.fixture
def live(world):
    """The world, everyone in it having signed in before, and two new people at Ash."""
    Person.objects.update(last_login=timezone.now() - datetime.timedelta(days=30))
    world.new_teacher = new_person(
        world.school_a, given_name="Siân", family_name="Ní Bhriain", email="sian@ash.example"
    )
    world.new_volunteer = new_person(
        world.school_a, Role.VOLUNTEER, given_name="Omar", family_name="Lloyd"
    )
    return world


def going_live(client, person, organisation, **post):
    sign_in_with_mfa(client, person)
    url = f"{GOING_LIVE}?organisation={organisation.pk}"
    if post:
        return client.post(GOING_LIVE, {"organisation": organisation.pk, **post})
    return client.get(url)


def send(client, person, organisation, send="everyone", callbacks=None):
    with callbacks(execute=True):
        return going_live(client, person, organisation, send=send)


def link_in(message) -> str:
    [link] = [link for link in message.links() if "/accounts/invitation/" in link]
    return urlsplit(link).path


# Sending -----------------------------------------------------------------------------


def test_the_administrator_sends_each_new_person_an_email_with_a_link_that_expires(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    response = send(
        client, live.administrator, live.school_a, callbacks=django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert sorted(message.to[0] for message in smtp_mailbox.messages) == sorted(
        [live.new_teacher.email, live.new_volunteer.email]
    )
    [message] = smtp_mailbox.to("sian@ash.example")
    assert message.subject == "Your account on the staff contact register"
    assert "Dear Siân Ní Bhriain" in message.body
    assert "Ash Primary School now uses the staff contact register" in message.body
    invitation = Invitation.objects.get(person=live.new_teacher)
    assert invitation.kind == Invitation.Kind.PASSWORD
    assert invitation.sent_by == live.administrator
    assert invitation.organisation == live.school_a
    assert invitation.expires == invitation.sent_at + datetime.timedelta(days=14)
    expires = timezone.localtime(invitation.expires)
    assert f"until {expires:%-d %B %Y} at {expires:%H:%M}" in message.body
    assert link_in(message).startswith(f"/accounts/invitation/{invitation.pk}/")
    page = client.get(f"{GOING_LIVE}?organisation={live.school_a.pk}", follow=True).text
    assert "Invitations are on their way to 2 people: 2 with a link to choose a password." in page


def test_sending_to_everyone_again_leaves_out_who_was_invited_recently(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks, settings
):
    callbacks = django_capture_on_commit_callbacks
    send(client, live.administrator, live.school_a, callbacks=callbacks)
    late = new_person(live.school_a, email="late@ash.example")

    response = send(client, live.administrator, live.school_a, callbacks=callbacks)

    assert [message.to for message in smtp_mailbox.messages[2:]] == [["late@ash.example"]]
    assert Invitation.objects.filter(person=late).count() == 1
    assert Invitation.objects.filter(person=live.new_teacher).count() == 1
    send(client, live.administrator, live.school_a, callbacks=callbacks)
    assert len(smtp_mailbox.messages) == 3
    page = client.get(response.url).text
    assert "Nothing was sent: everyone here who has not signed in was sent an invitation" in page

    # Once the links have expired, "everyone not yet invited" includes them again.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS)):
        send(client, live.administrator, live.school_a, callbacks=callbacks)
    assert len(smtp_mailbox.messages) == 6


def test_the_page_lists_who_has_not_signed_in_with_send_again_for_each(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    send(client, live.administrator, live.school_a, callbacks=django_capture_on_commit_callbacks)

    response = client.get(f"{GOING_LIVE}?organisation={live.school_a.pk}")

    page = response.text
    assert "Siân Ní Bhriain" in page
    assert "Omar Lloyd" in page
    assert live.teacher_a.get_full_name() not in page  # signed in before
    assert live.teacher_b.get_full_name() not in page  # at Birch, not Ash
    assert f'name="send" value="{live.new_teacher.pk}"' in page
    assert "Send again<span" in page
    sent = timezone.localtime(Invitation.objects.get(person=live.new_teacher).sent_at)
    assert f"Sent {sent:%-d %B %Y}; the link works until" in page
    assert "Send to everyone not yet invited" not in page  # nobody left to send to
    assert "Everyone here has been sent an invitation" in page


def test_send_again_replaces_the_invitation_and_the_old_link_says_so(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    callbacks = django_capture_on_commit_callbacks
    send(client, live.administrator, live.school_a, callbacks=callbacks)
    first = link_in(smtp_mailbox.to("sian@ash.example")[0])

    send(client, live.administrator, live.school_a, send=live.new_teacher.pk, callbacks=callbacks)

    assert len(smtp_mailbox.to("sian@ash.example")) == 2
    assert len(smtp_mailbox.to(live.new_volunteer.email)) == 1
    client.logout()
    old = client.get(first)
    assert old.status_code == 200
    assert "This invitation has been replaced" in old.text
    assert "use the link in the most recent email" in old.text
    newer = client.get(link_in(smtp_mailbox.to("sian@ash.example")[1]))
    assert "Choose your password" in newer.text


def test_the_whole_federation_can_be_sent_at_once_by_its_administrator(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    at_birch = new_person(live.school_b, email="birch.new@birch.example")

    send(client, live.administrator, live.federation, callbacks=django_capture_on_commit_callbacks)

    assert {message.to[0] for message in smtp_mailbox.messages} == {
        live.new_teacher.email,
        live.new_volunteer.email,
        at_birch.email,
    }
    [message] = smtp_mailbox.to(at_birch.email)
    assert "Birch Primary School now uses the staff contact register" in message.body


# Single sign-on ----------------------------------------------------------------------


def test_someone_who_must_use_single_sign_on_gets_the_sign_in_page_and_button_and_no_link(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    live.school_a.entra_tenant_id = TENANT
    live.school_a.sso_required = True
    live.school_a.save()

    send(client, live.administrator, live.school_a, callbacks=django_capture_on_commit_callbacks)

    [message] = smtp_mailbox.to("sian@ash.example")
    assert "/accounts/invitation/" not in message.body
    assert "you do not need a password" in message.body
    assert "press the 'Sign in with Microsoft' button" in message.body
    assert "http://127.0.0.1:8000/accounts/login/" in message.links()
    invitation = Invitation.objects.get(person=live.new_teacher)
    assert invitation.kind == Invitation.Kind.SINGLE_SIGN_ON
    assert invitation.expires is None
    page = client.get(f"{GOING_LIVE}?organisation={live.school_a.pk}").text
    assert "Signs in with Microsoft" in page


def test_nobody_is_invited_to_single_sign_on_that_is_not_set_up_and_the_page_says_why(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    live.school_a.sso_required = True  # but no tenant, domain or SAML service yet
    live.school_a.save()

    response = send(
        client, live.administrator, live.school_a, callbacks=django_capture_on_commit_callbacks
    )

    assert smtp_mailbox.messages == []
    assert not Invitation.objects.exists()
    page = client.get(response.url).text
    assert "No invitation was sent to 2 people" in page
    assert "which is not set up yet for their school" in page
    assert "not set up yet for Ash Primary School" in page


def test_a_person_allowed_a_password_gets_a_link_even_where_the_school_uses_sso(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    live.school_a.entra_tenant_id = TENANT
    live.school_a.sso_required = True
    live.school_a.save()
    Person.objects.filter(pk=live.new_volunteer.pk).update(sign_in_method="password")

    send(client, live.administrator, live.school_a, callbacks=django_capture_on_commit_callbacks)

    [message] = smtp_mailbox.to(live.new_volunteer.email)
    assert "/accounts/invitation/" in message.body


def test_signing_in_with_single_sign_on_accepts_the_invitation(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks, settings
):
    provider = LocalIdentityProvider(clients=CLIENTS, tenants={"ash.example": TENANT}).start()
    settings.SOCIALACCOUNT_PROVIDERS = oidc_settings(provider)
    live.school_a.entra_tenant_id = TENANT
    live.school_a.sso_required = True
    live.school_a.save()
    send(client, live.administrator, live.school_a, callbacks=django_capture_on_commit_callbacks)
    client.logout()

    try:
        response, _ = sso_sign_in(client, provider, "microsoft", "sian@ash.example")
    finally:
        provider.stop()

    assert response.status_code == 302
    assert Invitation.objects.get(person=live.new_teacher).accepted_at is not None
    assert Invitation.objects.get(person=live.new_volunteer).accepted_at is None
    event = AuditEvent.objects.get(action="account.invitation_accepted")
    assert event.actor == live.new_teacher
    assert event.data["how"] == "single sign-on"
    page = going_live(client, live.administrator, live.school_a).text
    assert f'name="send" value="{live.new_teacher.pk}"' not in page  # she has signed in
    assert f'name="send" value="{live.new_volunteer.pk}"' in page


# The link ------------------------------------------------------------------------------


def invited(client, live, smtp_mailbox, callbacks) -> str:
    send(client, live.administrator, live.school_a, callbacks=callbacks)
    client.logout()
    return link_in(smtp_mailbox.to("sian@ash.example")[0])


def test_the_link_sets_a_password_once_and_then_says_it_was_used(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    link = invited(client, live, smtp_mailbox, django_capture_on_commit_callbacks)

    form = client.get(link)
    response = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )

    assert form.status_code == 200
    assert "Choose your password" in form.text
    assert "sian@ash.example" in form.text
    assert response.redirect_chain == [(reverse("account_login"), 302)]
    assert "Your password is set. Sign in with your email address" in response.text
    live.new_teacher.refresh_from_db()
    assert live.new_teacher.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(person=live.new_teacher).accepted_at is not None
    again = client.get(link)
    assert "This invitation has been used" in again.text
    assert "Choose your password" not in again.text
    # Posting to it again changes nothing.
    client.post(link, {"new_password1": "another long password", "new_password2": "x"})
    live.new_teacher.refresh_from_db()
    assert live.new_teacher.check_password(NEW_PASSWORD)


def test_a_password_the_rules_refuse_is_explained_and_the_link_still_works(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    link = invited(client, live, smtp_mailbox, django_capture_on_commit_callbacks)

    short = client.post(link, {"new_password1": "kettle", "new_password2": "kettle"})
    different = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": "other"})

    assert "There is a problem" in short.text
    assert "This password is too short" in short.text
    assert "There is a problem" in different.text
    live.new_teacher.refresh_from_db()
    assert not live.new_teacher.has_usable_password()
    assert Invitation.objects.get(person=live.new_teacher).accepted_at is None
    assert "Choose your password" in client.get(link).text


def test_an_expired_link_says_so_and_sends_a_new_one_when_asked(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks, settings
):
    link = invited(client, live, smtp_mailbox, django_capture_on_commit_callbacks)
    later = timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS, minutes=1)

    with time_machine.travel(later):
        expired = client.get(link)
        refused = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        with django_capture_on_commit_callbacks(execute=True):
            asked = client.post(link, {"action": "ask_again"})
        with django_capture_on_commit_callbacks(execute=True):
            asked_twice = client.post(link, {"action": "ask_again"})

    assert "This invitation has expired" in expired.text
    assert "Send me a new invitation" in expired.text
    assert "This invitation has expired" in refused.text
    live.new_teacher.refresh_from_db()
    assert not live.new_teacher.has_usable_password()
    assert "A new invitation is on its way" in asked.text
    assert "This invitation has been replaced" in asked_twice.text  # not a third email
    messages = smtp_mailbox.to("sian@ash.example")
    assert len(messages) == 2
    newer = Invitation.objects.filter(person=live.new_teacher).latest("pk")
    assert newer.sent_by is None
    event = AuditEvent.objects.get(action="account.invitation_asked_again")
    assert event.target_id == str(live.new_teacher.pk)
    assert event.actor is None
    with time_machine.travel(later):
        assert "Choose your password" in client.get(link_in(messages[1])).text


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path[:-3] + "/",  # cut short
        lambda path: re.sub(r"/invitation/(\d+)/", lambda m: f"/invitation/{int(m[1]) + 1}/", path),
        lambda path: re.sub(r"/invitation/\d+/[^/]+/", "/invitation/1/nonsense/", path),
    ],
    ids=["cut-short", "another-invitation", "made-up"],
)
def test_a_link_that_is_not_right_says_so_and_sets_nothing(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks, spoil
):
    link = spoil(invited(client, live, smtp_mailbox, django_capture_on_commit_callbacks))

    shown = client.get(link)
    posted = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert shown.status_code == 404
    assert "This link does not work" in shown.text
    assert posted.status_code == 404
    live.new_teacher.refresh_from_db()
    assert not live.new_teacher.has_usable_password()
    assert not Invitation.objects.filter(accepted_at__isnull=False).exists()


def test_a_person_who_signed_in_another_way_has_accepted_and_the_link_is_used(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    link = invited(client, live, smtp_mailbox, django_capture_on_commit_callbacks)
    live.new_teacher.set_password(NEW_PASSWORD)  # from "Forgotten your password?"
    live.new_teacher.save()

    client.post(reverse("account_login"), {"login": "sian@ash.example", "password": NEW_PASSWORD})

    assert Invitation.objects.get(person=live.new_teacher).accepted_at is not None
    event = AuditEvent.objects.get(action="account.invitation_accepted")
    assert event.data["how"] == "signed in with a password"
    client.logout()
    assert "This invitation has been used" in client.get(link).text


# The audit trail --------------------------------------------------------------------------


def test_sending_and_accepting_are_audited_without_the_token(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    link = invited(client, live, smtp_mailbox, django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    sent = AuditEvent.objects.get(action="account.invitations_sent")
    assert sent.actor == live.administrator
    assert sent.organisation_pk == live.school_a.pk
    assert sent.data == {
        "organisation": "Ash Primary School",
        "to": "everyone not yet invited",
        "password_links": 2,
        "single_sign_on": 0,
        "not_sent_single_sign_on_not_set_up": 0,
    }
    accepted = AuditEvent.objects.get(action="account.invitation_accepted")
    assert accepted.actor == live.new_teacher
    assert accepted.target_id == str(live.new_teacher.pk)
    assert accepted.organisation_pk == live.school_a.pk
    assert accepted.data["how"] == "password set"
    everything = json.dumps(list(AuditEvent.objects.values("data", "target_label")))
    assert token not in everything
    assert token.split("-")[1] not in everything


# Who may send -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["teacher_a", "head_a", "governor", "executive_head", "dsl_a", "administrator_other"]
)
def test_only_the_organisations_administrators_open_the_page_or_send(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks, who
):
    person = getattr(live, who)

    page = going_live(client, person, live.school_a)
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(GOING_LIVE, {"organisation": live.school_a.pk, "send": "everyone"})
        again = client.post(
            GOING_LIVE, {"organisation": live.school_a.pk, "send": live.new_teacher.pk}
        )

    assert page.status_code == 404
    assert posted.status_code == 404
    assert again.status_code == 404
    assert smtp_mailbox.messages == []
    assert not Invitation.objects.exists()


def test_a_schools_administrator_sends_for_the_school_but_not_for_the_federation(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    school_administrator = new_person(live.school_a, Role.ADMINISTRATOR)

    federation = going_live(client, school_administrator, live.federation)
    school = going_live(client, school_administrator, live.school_a)

    assert federation.status_code == 404
    assert school.status_code == 200
    assert "Siân Ní Bhriain" in school.text


def test_a_forged_person_of_another_school_in_send_again_is_refused_and_nothing_is_sent(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    elsewhere = new_person(live.other_school, email="cedar.new@cedar.example")

    with django_capture_on_commit_callbacks(execute=True):
        response = going_live(client, live.administrator, live.school_a, send=elsewhere.pk)

    assert response.status_code == 302
    assert smtp_mailbox.messages == []
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="account.invitations_sent").exists()
    page = client.get(response.url).text
    assert "That person is not waiting for an invitation here" in page


@pytest.mark.parametrize("send", ["", "all", "12a", "-1"])
def test_a_send_that_names_nobody_is_answered_plainly(client, live, smtp_mailbox, send):
    response = going_live(client, live.administrator, live.school_a, send=send)

    assert response.status_code == 302
    assert not Invitation.objects.exists()
    assert "Choose whom to send invitations to." in client.get(response.url).text


def test_someone_who_has_signed_in_is_not_sent_one_by_send_again(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = going_live(client, live.administrator, live.school_a, send=live.teacher_a.pk)

    assert smtp_mailbox.messages == []
    assert "That person is not waiting for an invitation here" in client.get(response.url).text


# Queries ----------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_for_many_people_as_for_few(client, live):
    sign_in_with_mfa(client, live.administrator)
    url = f"{GOING_LIVE}?organisation={live.federation.pk}"
    client.get(url)

    def measured() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    few = measured()
    for number in range(30):
        new_person(live.school_a if number % 2 else live.school_b)
    many = measured()

    assert few == many


# Done when: a new teacher sets a password from hers and declares a contact --------------


def test_a_new_teacher_sets_a_password_from_her_invitation_signs_in_and_declares(
    client, live, smtp_mailbox, django_capture_on_commit_callbacks
):
    pupil = PupilFactory(setting=live.school_a, given_name="Ffion", family_name="Pritchard")
    callbacks = django_capture_on_commit_callbacks
    send(client, live.administrator, live.school_a, callbacks=callbacks)
    client.logout()

    # She reads her email and follows the link.
    [message] = smtp_mailbox.to("sian@ash.example")
    link = link_in(message)
    assert "Choose your password" in client.get(link).text
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # She signs in with it.
    signed_in = client.post(
        reverse("account_login"), {"login": "sian@ash.example", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    home = client.get(reverse("home"))
    assert home.context["user"] == live.new_teacher

    # And declares a contact she had with a pupil's family at the supermarket.
    kind = "unplanned_contact"
    form = client.get(reverse("declarations:create", args=[kind]))
    saved = client.post(
        reverse("declarations:create", args=[kind]),
        {
            "form_token": form.context["form"].initial["form_token"],
            "setting": live.school_a.pk,
            "pupils": [pupil.pk],
            "family_members": [],
            "other_name": "",
            "other_relationship": "",
            "notes": "",
            "action": "save",
            "details-channels": ["in_person"],
            "details-occurred_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "details-place": "The supermarket",
            "details-what_happened": "We said hello at the checkout.",
        },
    )
    assert saved.status_code == 302
    declaration = Declaration.objects.get(declarant=live.new_teacher)
    with callbacks(execute=True):
        client.post(reverse("declarations:submit", args=[declaration.pk]))

    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.SUBMITTED
    assert Invitation.objects.get(person=live.new_teacher).accepted_at is not None
    assert AuditEvent.objects.filter(
        action="account.invitation_accepted", actor=live.new_teacher
    ).exists()
