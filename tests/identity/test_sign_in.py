"""Sign-in, sign-out and password reset through django-allauth."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contactpolicy.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

GENERIC_ERROR = "The email address and/or password you specified are not correct."
LOGIN_URL = reverse("account_login")


def sign_in(client, email, password=PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def test_person_signs_in_with_email_and_password_and_lands_on_home(client, person):
    response = sign_in(client, person.email)

    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_email_is_not_case_sensitive(client, person):
    assert sign_in(client, person.email.upper()).status_code == 302


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "disabled account"])
def test_failed_sign_in_gives_one_message_that_reveals_nothing(client, person, case):
    email, password = person.email, PASSWORD
    if case == "wrong password":
        password = "not-the-password"
    elif case == "unknown email":
        email = "nobody@school.example"
    else:
        person.is_active = False
        person.save()

    response = sign_in(client, email, password)

    assert response.status_code == 200
    assert GENERIC_ERROR in response.text
    assert "inactive" not in response.text.lower()
    assert "_auth_user_id" not in client.session


LOCKED = "There have been too many wrong passwords for this email address from here."


def test_wrong_passwords_slow_down_then_lock_even_with_the_right_password(client, person):
    """Three wrong in a minute: the next waits a minute. Five in a quarter of an hour:
    that address is kept out of that account for fifteen minutes."""
    for _ in range(3):
        sign_in(client, person.email, "wrong-password")

    slowed = sign_in(client, person.email)

    assert LOCKED in slowed.text
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=1)):
        sign_in(client, person.email, "wrong-password")
        sign_in(client, person.email, "wrong-password")
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        locked = sign_in(client, person.email)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        after_the_lock = sign_in(client, person.email)

    assert LOCKED in locked.text
    assert after_the_lock.status_code == 302


def test_lockout_of_one_account_does_not_lock_another(client, person, world):
    for _ in range(5):
        sign_in(client, person.email, "wrong-password")

    assert sign_in(client, world.teacher_a.email).status_code == 302


def test_failed_and_successful_sign_ins_are_audited(client, person):
    sign_in(client, person.email, "wrong-password")
    sign_in(client, person.email)

    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.actor is None
    assert failed.data["email_digest"]
    assert person.email not in str(failed.data)
    signed_in = AuditEvent.objects.get(action="auth.signed_in")
    assert signed_in.actor == person
    assert signed_in.ip_address == "127.0.0.1"


def test_sign_out_ends_the_session(client, person):
    client.force_login(person)
    session_key = client.session.session_key

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert client.get("/").status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert AuditEvent.objects.filter(action="auth.signed_out", actor=person).exists()


def test_sign_out_by_a_link_alone_does_not_sign_out(client, person):
    client.force_login(person)

    client.get(reverse("account_logout"))

    assert client.get("/").status_code == 200


def test_nobody_can_sign_themself_up(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@school.example", "password1": "a-long-new-password"},
    )

    assert response.status_code == 404
    from directory.models import Person

    assert not Person.objects.filter(email="new@school.example").exists()


def test_password_reset_sends_a_link_to_a_known_address(
    client, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # sent once the request commits
        response = client.post(reverse("account_reset_password"), {"email": person.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing_useful(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reset_password"), {"email": "nobody@school.example"}
        )

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert all("/accounts/password/reset/key/" not in message.body for message in mail.outbox)


def test_pages_need_sign_in_and_send_you_back_afterwards(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)
    assert "next=/" in response.url


def test_sign_in_page_and_health_check_are_open_to_everybody(client):
    assert client.get(LOGIN_URL).status_code == 200
    health = client.get(reverse("health"))
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}


def test_sign_in_page_offers_no_sign_up(client):
    response = client.get(LOGIN_URL)

    assert "/accounts/signup/" not in response.text
    assert response.text.count("Forgotten your password?") == 1
    assert "Forgot your password?" not in response.text
    assert re.search(r'<label\s+for="id_login"[^>]*>\s*Email address', response.text)
