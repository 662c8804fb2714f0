"""Nobody takes over an account (#18, R36, R37): no self-service account changes, the
product's own account emails, limits a stranger cannot turn against everyone, sessions
that end, and powerful roles that another senior person confirms."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from contactpolicy.models import AuditEvent
from directory.models import Membership, Person, Role, RoleRequest
from tests.conftest import sign_in_with_mfa
from tests.factories import PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
PROXY = "10.0.0.2"  # the reverse proxy every request comes through
SCHOOL = "198.51.100.7"  # one school's network, shared by all its staff
STRANGER = "203.0.113.9"


def sign_in(client, email, password=PASSWORD, *, address=None):
    extra = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address} if address else {}
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


# No self-service account changes -------------------------------------------------------

UNUSED = [
    "/accounts/email/",
    "/accounts/signup/",
    "/accounts/password/set/",
    "/accounts/login/code/",
    "/accounts/login/code/confirm/",
    "/accounts/inactive/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/made-up:key/",
    "/accounts/3rdparty/",
    "/accounts/3rdparty/signup/",
    "/accounts/3rdparty/login/cancelled/",
    "/accounts/social/connections/",
    "/accounts/2fa/trust/",
    "/accounts/signup/passkey/",
]


@pytest.mark.parametrize("path", UNUSED)
def test_allauth_pages_the_product_does_not_use_are_not_there(client, world, path):
    sign_in_with_mfa(client, world.teacher_a)

    assert client.get(path).status_code == 404
    assert Client().get(path).status_code == 404


def test_a_forged_post_to_the_email_page_adds_no_address_and_changes_nothing(client, world):
    """The attack the issue found: a stolen session adds an outside address, makes it
    primary and resets the password there."""
    sign_in_with_mfa(client, world.teacher_a)

    for data in (
        {"action_add": "", "email": "attacker@outside.example"},
        {"action_primary": "", "email": "attacker@outside.example"},
        {"action_remove": "", "email": world.teacher_a.email},
    ):
        assert client.post("/accounts/email/", data).status_code == 404

    assert not EmailAddress.objects.filter(email="attacker@outside.example").exists()
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.email == world.teacher_a.email.lower()
    reset = Client().post(reverse("account_reset_password"), {"email": "attacker@outside.example"})
    assert reset.status_code == 302
    assert mail.outbox == []


def test_someone_without_a_password_is_not_offered_one(client, world):
    """A person who signs in through single sign-on: a password added from a stolen
    session would be a second way in."""
    caretaker = world.teacher_a
    caretaker.set_unusable_password()
    caretaker.save()
    sign_in_with_mfa(client, caretaker)

    home = client.get("/")
    response = client.get(reverse("account_change_password"), follow=True)

    assert reverse("account_change_password") not in home.text
    assert response.redirect_chain[-1][0] == "/"
    assert "there is no password to change here" in response.text


def test_a_password_change_is_audited_and_told_in_the_products_words(client, world):
    teacher = world.teacher_a
    other_session = Client()
    sign_in_with_mfa(other_session, teacher)
    sign_in(client, teacher.email)

    response = committed(
        client.post,
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-9",
            "password2": "a-new-long-password-9",
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.password_changed")
    assert event.actor == teacher
    (notice,) = mail.outbox
    assert notice.to == [teacher.email]
    assert notice.subject == "[Staff contact register] Your password was changed"
    assert f"Dear {teacher.get_full_name()}" in notice.body
    assert "Ash Primary School" in notice.body
    assert "Hello from" not in notice.body
    assert "127.0.0.1" not in notice.body.split("internet address")[0]
    # Every other session of the person ends with the old password.
    assert not signed_in(other_session)


def test_a_password_reset_email_is_the_products_and_the_reset_is_audited(client, world):
    teacher = world.teacher_a
    committed(client.post, reverse("account_reset_password"), {"email": teacher.email})

    (link_email,) = mail.outbox
    assert link_email.subject == "[Staff contact register] Choose a new password"
    assert "Hello from" not in link_email.body
    assert "Thank you for using" not in link_email.body
    assert "Ash Primary School" in link_email.body
    link = next(line for line in link_email.body.split() if "/password/reset/key/" in line)
    assert link.startswith("http://127.0.0.1:8000/accounts/password/reset/key/")  # SITE_URL
    path = link.removeprefix("http://127.0.0.1:8000")
    form_page = client.get(path, follow=True)
    committed(
        client.post,
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a-new-long-password-9", "password2": "a-new-long-password-9"},
    )

    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.target_id == str(teacher.pk)
    assert mail.outbox[-1].subject == "[Staff contact register] Your password was reset"
    assert sign_in(Client(), teacher.email, "a-new-long-password-9").status_code == 302


def test_the_admins_own_password_page_leads_to_the_products(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = client.get(reverse("admin:password_change"))

    assert response.url == reverse("account_change_password")


def test_a_reset_for_an_address_nobody_holds_sends_no_email_at_all(client, db):
    response = committed(
        client.post, reverse("account_reset_password"), {"email": "nobody@ash.example"}
    )

    assert response.url == reverse("account_reset_password_done")
    assert mail.outbox == []  # no "unknown account" email inviting a sign-up


def person_change_data(person: Person, **overrides) -> dict:
    memberships = list(person.memberships.order_by("pk"))
    data = {
        "email": person.email,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "is_active": "on" if person.is_active else "",
        "sign_in_method": person.sign_in_method,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "1",
        "memberships-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, membership in enumerate(memberships):
        data.update(
            {
                f"memberships-{index}-id": str(membership.pk),
                f"memberships-{index}-person": str(person.pk),
                f"memberships-{index}-organisation": str(membership.organisation_id),
                f"memberships-{index}-role": membership.role,
                f"memberships-{index}-job_title": membership.job_title,
                f"memberships-{index}-line_manager": str(membership.line_manager_id or ""),
                f"memberships-{index}-starts_on": membership.starts_on.strftime("%d/%m/%Y"),
                f"memberships-{index}-ends_on": (
                    membership.ends_on.strftime("%d/%m/%Y") if membership.ends_on else ""
                ),
            }
        )
    data.update(overrides)
    return data


def add_membership(data: dict, organisation, role: str) -> dict:
    index = int(data["memberships-TOTAL_FORMS"])
    data = {**data, "memberships-TOTAL_FORMS": str(index + 1)}
    data.update(
        {
            f"memberships-{index}-organisation": str(organisation.pk),
            f"memberships-{index}-role": role,
            f"memberships-{index}-job_title": "",
            f"memberships-{index}-line_manager": "",
            f"memberships-{index}-starts_on": timezone.localdate().strftime("%d/%m/%Y"),
            f"memberships-{index}-ends_on": "",
        }
    )
    return data


def committed(request, *args, **kwargs):
    """A post whose transaction commits, as the app's would: its notices are sent."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return request(*args, **kwargs)


def change_person(client, person, data):
    return committed(client.post, reverse("admin:directory_person_change", args=[person.pk]), data)


def answer(client, role_request, verdict, **kwargs):
    return committed(
        client.post,
        reverse("directory:role_requests"),
        {"request": role_request.pk, "answer": verdict},
        **kwargs,
    )


def test_only_an_administrator_changes_an_email_audited_and_told_to_both_addresses(client, world):
    dsl = world.dsl_a
    old = dsl.email
    EmailAddress.objects.create(user=dsl, email=old, primary=True, verified=True)
    sign_in_with_mfa(client, world.administrator)

    response = change_person(client, dsl, person_change_data(dsl, email="dsl@ash.example"))

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    dsl.refresh_from_db()
    assert dsl.email == "dsl@ash.example"
    event = AuditEvent.objects.get(action="account.email_changed")
    assert event.data == {"before": old, "after": "dsl@ash.example", "senior": True}
    assert event.actor == world.administrator
    changed = [message for message in mail.outbox if "email address" in message.subject]
    told = {address for message in changed for address in message.to}
    # Both addresses, and the head and the Executive Headteacher (a DSL is senior).
    assert {old, "dsl@ash.example", world.head_a.email, world.executive_head.email} <= told
    assert world.teacher_a.email not in told
    # Nothing reaches the old address any more: not a sign-in, not a reset link.
    assert not EmailAddress.objects.filter(email=old).exists()
    mail.outbox.clear()
    Client().post(reverse("account_reset_password"), {"email": old})
    assert mail.outbox == []
    assert sign_in(Client(), "dsl@ash.example").status_code == 302


# Limits a stranger cannot turn against everyone ----------------------------------------


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_two_hundred_people_sign_in_within_a_minute_from_one_school_through_the_proxy(
    world,
):
    """Every request comes from the proxy's address and the whole staff from one school
    network: the limits are per client address, and far above a school's morning."""
    people = PersonFactory.create_batch(200)
    organisation = world.school_a
    Membership.objects.bulk_create(
        Membership(person=person, organisation=organisation, role=Role.STAFF) for person in people
    )

    with time_machine.travel(timezone.now(), tick=False):
        answers = [sign_in(Client(), person.email, address=SCHOOL) for person in people]

    assert [answer.status_code for answer in answers] == [302] * 200
    addresses = set(
        AuditEvent.objects.filter(action="auth.signed_in").values_list("ip_address", flat=True)
    )
    assert addresses == {SCHOOL}  # the client's address, not the proxy's


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_strangers_wrong_passwords_do_not_keep_the_head_out(world):
    head = world.head_a
    stranger = Client()
    for _ in range(10):
        sign_in(stranger, head.email, "guessing-again", address=STRANGER)

    strangers_right_guess = sign_in(stranger, head.email, address=STRANGER)
    heads_own = sign_in(Client(), head.email, address=SCHOOL)

    assert "too many wrong passwords" in strangers_right_guess.text
    assert heads_own.status_code == 302
    failures = AuditEvent.objects.filter(action="auth.sign_in_failed")
    assert set(failures.values_list("ip_address", flat=True)) == {STRANGER}
    # Each is about the head's account, so that her DSL finds them; so is the refusal.
    assert set(failures.values_list("target_id", flat=True)) == {str(head.pk)}
    limited = AuditEvent.objects.filter(action="auth.sign_in_limited", target_id=str(head.pk))
    assert limited.exists()
    assert set(limited.values_list("ip_address", flat=True)) == {STRANGER}


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_an_address_left_off_by_the_proxy_is_not_believed(world):
    """A client reaching gunicorn with its own X-Forwarded-For, shorter than the proxies
    would have made it, is not recorded under the address it chose."""
    client = Client()
    client.post(LOGIN, {"login": world.teacher_a.email, "password": PASSWORD}, REMOTE_ADDR=PROXY)

    assert AuditEvent.objects.get(action="auth.signed_in").ip_address == PROXY


def test_too_many_reset_requests_get_the_products_own_page(client, world):
    for _ in range(3):
        committed(client.post, reverse("account_reset_password"), {"email": world.teacher_a.email})

    response = client.post(reverse("account_reset_password"), {"email": world.teacher_a.email})

    assert response.status_code == 429
    assert "Too many tries: please wait a few minutes" in response.text
    assert "Staff contact register" in response.text  # the product's layout
    assert len(mail.outbox) == 3


# Sessions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "minutes"), [("head_a", 30), ("chair", 30), ("teacher_a", 120)])
def test_a_session_ends_after_its_idle_time_and_not_before(client, world, who, minutes):
    person = getattr(world, who)
    sign_in_with_mfa(client, person)
    client.get("/")

    with time_machine.travel(timezone.now() + timedelta(minutes=minutes - 1)):
        assert signed_in(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=2 * minutes)):
        response = client.get("/declarations/", follow=True)

    assert response.redirect_chain[0][0].startswith(f"{LOGIN}?next=/declarations/")
    assert f"had not been used for {minutes} minutes" in response.text
    assert AuditEvent.objects.filter(action="account.signed_out_idle", actor=person).exists()


def test_the_warning_asks_how_long_is_left_without_counting_as_use(client, world):
    sign_in_with_mfa(client, world.head_a)
    page = client.get("/")
    assert 'id="idle-warning"' in page.text
    assert 'data-seconds="1800"' in page.text

    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        left = client.get(reverse("session_status")).json()["seconds_left"]
        stayed = client.post(reverse("session_status")).json()["seconds_left"]
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 25)):
        still_in = signed_in(client)

    assert 0 < left <= 60
    assert stayed == 1800
    assert still_in
    assert Client().get(reverse("session_status")).json() == {"seconds_left": 0}


def test_losing_a_role_ends_every_session_of_the_person(client, world):
    dsl = world.dsl_a
    phone, laptop = Client(), Client()
    sign_in_with_mfa(phone, dsl)
    sign_in_with_mfa(laptop, dsl)
    sign_in_with_mfa(client, world.administrator)
    data = person_change_data(dsl)
    index = next(
        i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
        if data[f"memberships-{i}-role"] == Role.DSL
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    data[f"memberships-{index}-starts_on"] = (yesterday - timedelta(days=30)).strftime("%d/%m/%Y")
    data[f"memberships-{index}-ends_on"] = yesterday.strftime("%d/%m/%Y")

    assert change_person(client, dsl, data).status_code == 302

    assert not signed_in(phone)
    assert not signed_in(laptop)
    event = AuditEvent.objects.get(action="account.sessions_ended")
    assert event.target_id == str(dsl.pk)
    assert "Designated safeguarding lead" in event.data["reason"]
    assert AuditEvent.objects.filter(action="account.role_changed").exists()
    # She can sign in again, as the staff member she still is.
    assert sign_in(Client(), dsl.email).status_code == 302


def test_being_made_inactive_ends_every_session(client, world):
    teacher_session = Client()
    sign_in_with_mfa(teacher_session, world.teacher_a)
    sign_in_with_mfa(client, world.administrator)

    change_person(client, world.teacher_a, person_change_data(world.teacher_a, is_active=""))

    assert not signed_in(teacher_session)


# Powerful roles ------------------------------------------------------------------------


def test_an_administrator_giving_herself_the_dsl_role_waits_for_the_head(client, world):
    administrator = world.administrator
    sign_in_with_mfa(client, administrator)
    data = add_membership(person_change_data(administrator), world.school_a, Role.DSL)

    response = change_person(client, administrator, data)

    assert response.status_code == 302
    assert not administrator.memberships.filter(role=Role.DSL).exists()
    waiting = RoleRequest.objects.get()
    assert (waiting.person, waiting.role, waiting.status) == (
        administrator,
        Role.DSL,
        RoleRequest.Status.WAITING,
    )
    message = client.get(response.url).text
    assert "waits for a head or the Executive Headteacher to confirm it" in message
    asked = [m for m in mail.outbox if "asked to give themself a role" in m.subject]
    told = {address for message in asked for address in message.to}
    assert {world.head_a.email, world.executive_head.email} <= told
    assert administrator.email not in told
    assert AuditEvent.objects.filter(action="account.role_requested", actor=administrator)

    # Her second try makes nothing new and tells nobody again; it is audited.
    mail.outbox.clear()
    again = change_person(client, administrator, data)
    assert "You have already asked for the role" in client.get(again.url).text
    assert RoleRequest.objects.count() == 1
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="account.role_requested").count() == 2
    assert not administrator.memberships.filter(role=Role.DSL).exists()

    # She cannot confirm it herself, even with a forged post.
    own = answer(client, waiting, "confirm")
    assert own.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RoleRequest.Status.WAITING

    # Nor can a teacher, nor another school's head.
    for outsider in (world.teacher_a, world.head_other):
        other = Client()
        sign_in_with_mfa(other, outsider)
        answer(other, waiting, "confirm")
        waiting.refresh_from_db()
        assert waiting.status == RoleRequest.Status.WAITING

    # The head reads it on her home page and confirms it.
    head = Client()
    sign_in_with_mfa(head, world.head_a)
    assert "Roles waiting for your confirmation" in head.get("/").text
    page = head.get(reverse("directory:role_requests"))
    assert administrator.get_full_name() in page.text
    mail.outbox.clear()
    answer(head, waiting, "confirm")

    waiting.refresh_from_db()
    assert waiting.status == RoleRequest.Status.CONFIRMED
    assert waiting.decided_by == world.head_a
    assert administrator.memberships.current().filter(role=Role.DSL, organisation=world.school_a)
    assert AuditEvent.objects.filter(action="account.role_confirmed", actor=world.head_a)
    granted = AuditEvent.objects.get(action="account.role_granted")
    assert granted.data["after"]["role"] == Role.DSL
    assert any(administrator.email in m.to and "confirmed" in m.subject for m in mail.outbox)


def test_a_teacher_and_another_schools_head_see_no_request_and_cannot_answer_one(client, world):
    waiting = RoleRequest.objects.create(
        person=world.administrator,
        organisation=world.school_a,
        role=Role.DSL,
        starts_on=timezone.localdate(),
        requested_by=world.administrator,
    )
    for outsider in (world.teacher_a, world.head_other, world.administrator):
        sign_in_with_mfa(client, outsider)
        assert "Roles waiting for your confirmation" not in client.get("/").text
        page = client.get(reverse("directory:role_requests"))
        assert world.administrator.get_full_name() not in page.text.split("<main")[1]
        response = answer(client, waiting, "confirm", follow=True)
        assert "That request is not waiting for you" in response.text
    waiting.refresh_from_db()
    assert waiting.status == RoleRequest.Status.WAITING
    assert not world.administrator.memberships.filter(role=Role.DSL).exists()


def test_the_head_may_refuse_and_nothing_is_given(client, world):
    waiting = RoleRequest.objects.create(
        person=world.administrator,
        organisation=world.school_a,
        role=Role.HEAD,
        starts_on=timezone.localdate(),
        requested_by=world.administrator,
    )
    sign_in_with_mfa(client, world.executive_head)

    answer(client, waiting, "refuse")

    waiting.refresh_from_db()
    assert waiting.status == RoleRequest.Status.REFUSED
    assert not world.administrator.memberships.filter(role=Role.HEAD).exists()
    assert any("refused" in message.subject for message in mail.outbox)
    again = answer(client, waiting, "confirm", follow=True)
    assert "That request is not waiting for you" in again.text


def test_giving_a_colleague_a_powerful_role_is_saved_audited_and_told(client, world):
    teacher = world.teacher_a
    sign_in_with_mfa(client, world.administrator)
    data = add_membership(person_change_data(teacher), world.school_a, Role.DEPUTY_DSL)

    assert change_person(client, teacher, data).status_code == 302

    assert teacher.memberships.current().filter(role=Role.DEPUTY_DSL).exists()
    granted = AuditEvent.objects.get(action="account.role_granted")
    assert granted.actor == world.administrator
    assert granted.data["before"] is None
    assert granted.data["after"]["role"] == Role.DEPUTY_DSL
    told = {address for message in mail.outbox for address in message.to}
    assert {teacher.email, world.head_a.email, world.executive_head.email} <= told


def test_an_administrator_may_still_shorten_her_own_powerful_role(client, world):
    administrator = world.administrator
    sign_in_with_mfa(client, administrator)
    data = person_change_data(administrator)
    index = next(
        i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
        if data[f"memberships-{i}-role"] == Role.ADMINISTRATOR
    )
    data[f"memberships-{index}-ends_on"] = (
        timezone.localdate() + datetime.timedelta(days=30)
    ).strftime("%d/%m/%Y")

    assert change_person(client, administrator, data).status_code == 302

    assert not RoleRequest.objects.exists()
    assert administrator.memberships.get(role=Role.ADMINISTRATOR).ends_on is not None


def test_changing_how_a_senior_person_signs_in_is_audited_and_told(client, world):
    head = world.head_a
    sign_in_with_mfa(client, world.administrator)

    change_person(client, head, person_change_data(head, sign_in_method="password"))

    event = AuditEvent.objects.get(action="directory.person.sign_in_method_changed")
    assert event.data == {
        "before": {"sign_in_method": "organisation"},
        "after": {"sign_in_method": "password"},
    }
    told = [
        message
        for message in mail.outbox
        if "signs in was changed" in message.subject
        or message.subject.endswith("How you sign in was changed")
    ]
    addresses = {address for message in told for address in message.to}
    assert {head.email, world.executive_head.email} <= addresses


def test_a_role_cannot_be_moved_from_a_colleague_to_the_administrator(client, world):
    """The review's finding: changing the person of a colleague's DSL membership to
    herself once gave an administrator the role with no confirmation and no notice."""
    membership = world.dsl_a.memberships.get(role=Role.DSL)
    sign_in_with_mfa(client, world.administrator)
    url = reverse("admin:directory_membership_change", args=[membership.pk])
    data = {
        "person": world.administrator.pk,
        "organisation": membership.organisation_id,
        "role": Role.DSL,
        "job_title": "",
        "line_manager": "",
        "starts_on": membership.starts_on.strftime("%d/%m/%Y"),
        "ends_on": "",
        "_save": "Save",
    }

    committed(client.post, url, data)

    membership.refresh_from_db()
    assert membership.person == world.dsl_a
    assert not world.administrator.memberships.filter(role=Role.DSL).exists()
    assert 'name="person"' not in client.get(url).text


def test_an_administrator_cannot_change_her_own_address_or_sign_in(client, world):
    administrator = world.administrator
    sign_in_with_mfa(client, administrator)
    data = person_change_data(
        administrator, email="me@outside.example", sign_in_method="password", is_active=""
    )

    change_person(client, administrator, data)

    administrator.refresh_from_db()
    assert administrator.email != "me@outside.example"
    assert administrator.sign_in_method == "organisation"
    assert administrator.is_active
    assert not AuditEvent.objects.filter(action="account.email_changed").exists()


def test_a_session_in_use_still_ends_after_the_working_day(client, world):
    teacher = world.teacher_a
    started = timezone.now()
    with time_machine.travel(started, tick=False):
        sign_in(client, teacher.email)
    for minutes in range(20, 8 * 60, 20):  # used every twenty minutes all day
        with time_machine.travel(started + timedelta(minutes=minutes), tick=False):
            assert signed_in(client), minutes
    with time_machine.travel(started + timedelta(hours=8, minutes=5), tick=False):
        response = client.get("/", follow=True)
    assert "session (8 hours)" in response.text
    assert AuditEvent.objects.get(action="account.signed_out_idle").data == {
        "working_day_over": True
    }


def test_a_change_to_how_a_school_signs_in_is_told_to_its_heads(client, world):
    from tests.forms import change_form

    sign_in_with_mfa(client, world.administrator)
    url = reverse("admin:directory_organisation_change", args=[world.school_a.pk])
    data = change_form(client, url)
    data["entra_tenant_id"] = "72f988bf-86f1-41af-91ab-2d7cd011db47"

    response = committed(client.post, url, data)

    assert response.status_code == 302
    told = [message for message in mail.outbox if "How people sign in" in message.subject]
    assert {world.head_a.email, world.executive_head.email} <= {
        address for message in told for address in message.to
    }
    assert "Microsoft Entra tenant ID" in told[0].body


def test_the_history_of_a_record_cannot_be_posted_back(client, world):
    sign_in_with_mfa(client, world.administrator)
    version = world.teacher_a.history.earliest("history_date")
    url = reverse(
        "admin:directory_person_simple_history", args=[world.teacher_a.pk, version.history_id]
    )

    assert client.post(url, {"email": "x@outside.example"}).status_code == 403
