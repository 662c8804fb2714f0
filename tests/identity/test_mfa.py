"""Multi-factor sign-in (R37, #18 item 3): who must use a second factor, that they reach
no page but setting it up until they have, that every sign-in then asks for it, and that
wrong, reused and used-up codes are refused, audited, and change nothing."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory import audit_actions
from directory.models import Person, Role
from identity import audit_actions as identity_actions
from identity.mfa import SSO_MFA_SESSION_KEY, mfa_required
from tests.factories import PASSWORD, person_with_roles
from tests.mfa import at_the_start_of_a_step, secret_on_page, totp

pytestmark = pytest.mark.django_db

SET_UP = reverse("mfa_index")
LOGIN = reverse("account_login")


def sign_in_with_password(client, person):
    return client.post(LOGIN, {"login": person.email, "password": PASSWORD})


def activate(client, code, capture):
    """Post the set-up form; what allauth does once the set-up commits (its signals:
    the audit rows, this session's second factor) runs as it would after a commit."""
    with capture(execute=True):
        return client.post(reverse("mfa_activate_totp"), {"code": code})


def set_up_totp(client, time_machine, capture) -> str:
    """Through the set-up page, as the person would: read the secret, type a code."""
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = secret_on_page(page.text)
    at_the_start_of_a_step(time_machine)
    response = activate(client, totp(secret), capture)
    assert response.status_code == 302, response.text
    return secret


@pytest.fixture
def with_totp(client, time_machine, django_capture_on_commit_callbacks):
    def set_up(person) -> str:
        """``person`` with an authenticator app, set up in a session that then ends."""
        sign_in_with_password(client, person)
        secret = set_up_totp(client, time_machine, django_capture_on_commit_callbacks)
        client.post(reverse("account_logout"))
        return secret

    return set_up


def actions_of(person) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(person.pk), action__startswith="mfa.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# Who must ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["head_a", "executive_head", "dsl_a", "administrator", "chair"],
)
def test_senior_roles_must_use_a_second_factor_by_default(world, name):
    assert mfa_required(getattr(world, name))


@pytest.mark.parametrize("name", ["teacher_a", "line_manager_a", "volunteer_a", "governor"])
def test_other_roles_need_not(world, name):
    assert not mfa_required(getattr(world, name))


def test_a_deputy_dsl_must_too(world):
    assert mfa_required(person_with_roles(world.school_a, Role.DEPUTY_DSL))


def test_a_school_can_add_a_role_to_the_list(world):
    world.school_a.mfa_roles = [*world.school_a.mfa_roles, Role.LINE_MANAGER]
    world.school_a.save()
    assert mfa_required(world.line_manager_a)


def test_a_school_cannot_take_its_federations_role_off_the_list(world):
    world.school_a.mfa_roles = []
    world.school_a.save()
    assert mfa_required(world.head_a)  # the federation still lists heads


def test_a_standalone_school_can_decide_its_heads_need_none(world):
    world.other_school.mfa_roles = [Role.DSL]
    world.other_school.save()
    assert not mfa_required(world.head_other)


def test_a_role_held_in_the_federation_counts_in_each_of_its_schools(world):
    for organisation in (world.federation, world.school_a, world.school_b):
        organisation.mfa_roles = []
        organisation.save()
    assert not mfa_required(world.executive_head)
    world.school_b.mfa_roles = [Role.EXECUTIVE_HEAD]
    world.school_b.save()
    assert mfa_required(Person.objects.get(pk=world.executive_head.pk))


# Until they have set it up ----------------------------------------------------------


def test_a_head_without_a_second_factor_is_sent_to_set_it_up_from_every_page(world, client):
    sign_in_with_password(client, world.head_a)
    for path in [
        reverse("home"),
        reverse("registers:staff_file", args=[world.teacher_a.pk]),
        reverse("declarations:list"),
        reverse("approvals:dashboard"),
        reverse("policies:index"),
        reverse("account_change_password"),
        "/admin/",
        "/admin/directory/person/",
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == SET_UP, path
    response = client.post(reverse("declarations:list"))
    assert response["Location"] == SET_UP
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert "Your role needs a second step when you sign in" in page.text


def test_an_administrator_without_one_cannot_use_the_administration_screens(world, client):
    sign_in_with_password(client, world.administrator)
    response = client.get(f"/admin/directory/person/{world.teacher_a.pk}/change/")
    assert response["Location"] == SET_UP


def test_htmx_requests_are_sent_to_set_up_too(world, client):
    sign_in_with_password(client, world.head_a)
    response = client.get(reverse("declarations:list"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == SET_UP


def test_signing_out_and_the_health_check_stay_open(world, client):
    sign_in_with_password(client, world.head_a)
    assert client.get(reverse("health")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_teacher_is_not_asked(world, client):
    sign_in_with_password(client, world.teacher_a)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("declarations:list")).status_code == 200


def test_a_head_who_sets_up_an_authenticator_app_reaches_the_dashboard(
    world, client, time_machine, django_capture_on_commit_callbacks
):
    sign_in_with_password(client, world.head_a)
    page = client.get(reverse("mfa_activate_totp"))
    assert 'id="authenticator-secret"' in page.text
    assert re.search(r'<label class="form-label" for="id_code">Code from the app', page.text)
    secret = secret_on_page(page.text)
    at_the_start_of_a_step(time_machine)

    response = activate(client, totp(secret), django_capture_on_commit_callbacks)

    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    assert "Your recovery codes" in codes.text
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("approvals:dashboard")).status_code == 200
    assert Authenticator.objects.filter(user=world.head_a, type="totp").exists()
    assert actions_of(world.head_a) == [
        identity_actions.MFA_SET_UP,
        identity_actions.MFA_RECOVERY_CODES_GENERATED,
    ]
    event = AuditEvent.objects.get(action=identity_actions.MFA_SET_UP)
    assert event.actor == world.head_a
    assert event.data == {"authenticator": "authenticator app"}
    assert secret not in str(event.data)


def test_a_wrong_code_while_setting_up_sets_nothing_up(world, client):
    sign_in_with_password(client, world.head_a)
    secret = secret_on_page(client.get(reverse("mfa_activate_totp")).text)
    wrong = f"{(int(totp(secret)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("mfa_activate_totp"), {"code": wrong})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert not Authenticator.objects.filter(user=world.head_a).exists()
    assert client.get(reverse("home"))["Location"] == SET_UP


# Every sign-in asks for it ----------------------------------------------------------


def test_once_set_up_every_sign_in_asks_for_the_code(world, client, time_machine, with_totp):
    secret = with_totp(world.head_a)

    response = sign_in_with_password(client, world.head_a)

    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get(reverse("home"))["Location"].startswith(LOGIN)
    at_the_start_of_a_step(time_machine)
    response = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_at_sign_in_is_refused_audited_and_signs_nobody_in(
    world, client, time_machine, with_totp
):
    secret = with_totp(world.head_a)
    sign_in_with_password(client, world.head_a)
    at_the_start_of_a_step(time_machine)
    wrong = f"{(int(totp(secret)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert "That code is not right, or it has been used already" in response.text
    assert "_auth_user_id" not in client.session
    assert actions_of(world.head_a)[-1] == identity_actions.MFA_CODE_REFUSED
    refused = AuditEvent.objects.filter(action=identity_actions.MFA_CODE_REFUSED).get()
    assert wrong not in str(refused.data)


def test_a_code_used_once_is_refused_the_second_time(world, client, time_machine, with_totp):
    secret = with_totp(world.head_a)
    at_the_start_of_a_step(time_machine)
    code = totp(secret)
    sign_in_with_password(client, world.head_a)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("account_logout"))

    sign_in_with_password(client, world.head_a)
    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert "That code is not right, or it has been used already" in response.text
    assert "_auth_user_id" not in client.session
    assert actions_of(world.head_a)[-1] == identity_actions.MFA_CODE_REFUSED


def test_a_recovery_code_signs_in_once_and_is_then_used_up(world, client, time_machine, with_totp):
    with_totp(world.head_a)
    recovery = Authenticator.objects.get(user=world.head_a, type="recovery_codes").wrap()
    code = recovery.get_unused_codes()[0]

    sign_in_with_password(client, world.head_a)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("home")).status_code == 200
    used = AuditEvent.objects.filter(action=identity_actions.MFA_RECOVERY_CODE_USED).get()
    assert used.data["unused_left"] == 9
    client.post(reverse("account_logout"))

    sign_in_with_password(client, world.head_a)
    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert "That code is not right, or it has been used already" in response.text
    assert "_auth_user_id" not in client.session
    assert actions_of(world.head_a)[-1] == identity_actions.MFA_CODE_REFUSED
    recovery.instance.refresh_from_db()
    assert len(recovery.get_unused_codes()) == 9  # the refusal used nothing up


def test_a_session_that_skipped_the_second_factor_is_asked_for_it(
    world, client, time_machine, with_totp
):
    secret = with_totp(world.teacher_a)
    client.force_login(world.teacher_a)  # signed in without the second factor

    response = client.get(reverse("declarations:list"))

    target = reverse("mfa_reauthenticate")
    assert response["Location"] == f"{target}?next=%2Fdeclarations%2F"
    assert client.get(reverse("account_change_password"))["Location"].startswith(target)
    # The password alone does not do: only the second factor.
    assert client.get(reverse("account_reauthenticate"))["Location"].startswith(target)
    at_the_start_of_a_step(time_machine)
    response = client.post(
        f"{target}?next=/declarations/", {"code": totp(secret), "next": "/declarations/"}
    )
    assert response["Location"] == "/declarations/"
    assert client.get(reverse("declarations:list")).status_code == 200


# Single sign-on ---------------------------------------------------------------------


def test_a_single_sign_on_whose_provider_used_mfa_counts(world, client):
    client.force_login(world.head_a)
    session = client.session
    session[SSO_MFA_SESSION_KEY] = True
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_a_single_sign_on_without_mfa_does_not(world, client):
    client.force_login(world.head_a)
    session = client.session
    session[SSO_MFA_SESSION_KEY] = False
    session.save()
    assert client.get(reverse("home"))["Location"] == SET_UP


# Keeping it -------------------------------------------------------------------------


def test_a_head_cannot_remove_her_only_second_factor(world, client, time_machine, with_totp):
    secret = with_totp(world.head_a)
    with_totp_count = Authenticator.objects.filter(user=world.head_a).count()
    sign_in_with_password(client, world.head_a)
    at_the_start_of_a_step(time_machine)
    client.post(reverse("mfa_authenticate"), {"code": totp(secret)})

    response = client.post(reverse("mfa_deactivate_totp"))

    assert "You cannot remove your only second factor" in response.text
    assert Authenticator.objects.filter(user=world.head_a).count() == with_totp_count


def test_a_teacher_may_remove_hers_and_it_is_audited(world, client, time_machine, with_totp):
    secret = with_totp(world.teacher_a)
    sign_in_with_password(client, world.teacher_a)
    at_the_start_of_a_step(time_machine)
    client.post(reverse("mfa_authenticate"), {"code": totp(secret)})

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=world.teacher_a).exists()
    assert identity_actions.MFA_REMOVED in actions_of(world.teacher_a)


# The administrator sets who must ----------------------------------------------------


def test_an_administrator_sets_the_roles_in_the_administration_screens(world, client):
    from tests.conftest import sign_in_with_mfa

    sign_in_with_mfa(client, world.administrator)
    url = f"/admin/directory/organisation/{world.school_a.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Roles that must use a second factor" in page.text

    from tests.forms import change_form

    data = change_form(client, url)
    data["mfa_roles"] = [Role.HEAD, Role.DSL, Role.LINE_MANAGER]
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    world.school_a.refresh_from_db()
    assert set(world.school_a.mfa_roles) == {"head", "dsl", "line_manager"}
    event = AuditEvent.objects.filter(action=audit_actions.ORGANISATION_CHANGED).get()
    assert event.data["fields"] == ["mfa_roles"]
    assert set(event.data["after"]["mfa_roles"]) == {"head", "dsl", "line_manager"}
    assert mfa_required(world.line_manager_a)


def test_an_administrator_of_another_school_cannot_change_them(world, client):
    from tests.conftest import sign_in_with_mfa

    sign_in_with_mfa(client, world.administrator_other)
    url = f"/admin/directory/organisation/{world.school_a.pk}/change/"
    assert client.get(url).status_code in {302, 404}
    client.post(url, {"name": "x", "kind": "school", "mfa_roles": []})
    world.school_a.refresh_from_db()
    assert "head" in world.school_a.mfa_roles
