"""Single sign-on with Microsoft Entra ID and Google Workspace (R36, #18), end to end
against the local OpenID Connect provider started on 127.0.0.1: nobody is signed up, a
sign-in is accepted only for an existing person through one of their organisations'
tenants or domains, and every bad token is refused, audited and changes nothing."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse

from contactpolicy.models import AuditEvent
from demo.identity_provider import OUTSIDE_TENANT, LocalIdentityProvider
from directory.models import Organisation, Person, Role, SignInMethod
from tests.factories import PASSWORD, FederationFactory, SchoolFactory, person_with_roles
from tests.sso import CLIENTS, oidc_settings, sso_sign_in

pytestmark = pytest.mark.django_db

TENANT_A = "11111111-1111-4111-8111-111111111111"
TENANT_B = "22222222-2222-4222-8222-222222222222"
TENANT_TRUST = "33333333-3333-4333-8333-333333333333"


@pytest.fixture(scope="module")
def provider():
    provider = LocalIdentityProvider(
        clients=CLIENTS,
        tenants={"a.example": TENANT_A, "b.example": TENANT_B, "c.example": TENANT_TRUST},
    ).start()
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _providers_point_at_the_local_one(settings, provider):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_settings(provider)


@pytest.fixture
def schools(db):
    school_a = SchoolFactory(
        name="Brookfield Primary School",
        entra_tenant_id=TENANT_A,
        google_workspace_domain="a.example",
    )
    school_b = SchoolFactory(
        name="Millbrook Primary School",
        entra_tenant_id=TENANT_B,
        google_workspace_domain="b.example",
    )
    trust = FederationFactory(name="Oak Trust", entra_tenant_id=TENANT_TRUST)
    school_c = SchoolFactory(name="Oak Primary School", parent=trust)
    return school_a, school_b, school_c


@pytest.fixture
def head_a(schools):
    return person_with_roles(schools[0], Role.HEAD, email="head@a.example")


def signed_in(client) -> Person | None:
    pk = client.session.get("_auth_user_id")
    return Person.objects.get(pk=pk) if pk else None


def refusals(reason: str | None = None):
    events = AuditEvent.objects.filter(action="auth.sso_refused")
    return [e for e in events if reason is None or e.data["reason"] == reason]


# Microsoft Entra ID ---------------------------------------------------------------


def test_head_signs_in_with_microsoft_through_her_schools_tenant(client, provider, head_a):
    response, _ = sso_sign_in(client, provider, "microsoft", "Head@A.example")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in(client) == head_a
    event = AuditEvent.objects.get(action="auth.sso_signed_in")
    assert event.actor == head_a
    assert event.data["provider"] == "Microsoft"
    assert event.data["organisation"] == "Brookfield Primary School"
    assert event.organisation_pk == head_a.memberships.get().organisation_id
    account = SocialAccount.objects.get(user=head_a)
    assert account.provider == "microsoft"
    assert "sso_mfa" not in client.session


def test_a_second_sign_in_uses_the_same_link_and_creates_nothing(client, provider, head_a):
    sso_sign_in(client, provider, "microsoft", head_a.email)
    client.post(reverse("account_logout"))

    sso_sign_in(client, provider, "microsoft", head_a.email)

    assert signed_in(client) == head_a
    assert SocialAccount.objects.count() == 1
    assert Person.objects.count() == 1


def test_a_tenant_recorded_on_the_trust_counts_for_its_schools(client, provider, schools):
    teacher = person_with_roles(schools[2], Role.STAFF, email="teacher@c.example")

    sso_sign_in(client, provider, "microsoft", teacher.email)

    assert signed_in(client) == teacher
    assert AuditEvent.objects.get(action="auth.sso_signed_in").data["organisation"] == "Oak Trust"


def test_an_address_nobody_holds_is_refused_and_nobody_is_created(client, provider, schools):
    response, _ = sso_sign_in(client, provider, "microsoft", "stranger@a.example")

    assert response.status_code == 403
    assert "There is no account in the staff contact register for stranger@a.example" in (
        response.text
    )
    assert "does not create one" in response.text
    assert signed_in(client) is None
    assert not Person.objects.filter(email="stranger@a.example").exists()
    assert SocialAccount.objects.count() == 0
    (event,) = refusals("unknown_address")
    assert event.data["provider"] == "Microsoft"
    assert "stranger" not in str(event.data)  # only the domain is kept


def test_an_inactive_person_is_refused(client, provider, head_a):
    head_a.is_active = False
    head_a.save()

    response, _ = sso_sign_in(client, provider, "microsoft", head_a.email)

    assert response.status_code == 403
    assert "is not active" in response.text
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    assert refusals("inactive")[0].target_id == str(head_a.pk)


def test_a_person_of_school_a_cannot_sign_in_through_school_bs_tenant(client, provider, head_a):
    response, _ = sso_sign_in(client, provider, "microsoft", head_a.email, claims={"tid": TENANT_B})

    assert response.status_code == 403
    assert "does not sign in through" in response.text
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    (event,) = refusals("wrong_microsoft")
    assert event.data["tenant_id"] == TENANT_B


def test_microsofts_unverified_email_claim_never_names_the_person(client, provider, head_a):
    """nOAuth: an account in the right tenant whose mail attribute was set to the head's
    address signs in as whoever its sign-in name is, never as the head."""
    response, _ = sso_sign_in(
        client,
        provider,
        "microsoft",
        head_a.email,
        claims={"preferred_username": "someone.else@ash.example"},
    )

    assert response.status_code == 403
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    (event,) = refusals("unknown_address")
    assert not event.target_id  # about nobody the product knows, not the head


def test_microsofts_email_claim_counts_only_when_entra_verified_it(client, provider, head_a):
    unverified, _ = sso_sign_in(
        client, provider, "microsoft", head_a.email, claims={"preferred_username": None}
    )
    assert unverified.status_code == 403
    assert signed_in(client) is None

    verified, _ = sso_sign_in(
        Client(),
        provider,
        "microsoft",
        head_a.email,
        claims={"preferred_username": None, "xms_edov": True},
    )
    assert verified.status_code == 302


def test_a_token_from_a_tenant_no_school_recorded_is_refused(client, provider, head_a):
    response, _ = sso_sign_in(
        client, provider, "microsoft", head_a.email, claims={"tid": OUTSIDE_TENANT}
    )

    assert response.status_code == 403
    assert signed_in(client) is None
    assert refusals("wrong_microsoft")


@pytest.mark.parametrize(
    ("case", "answer"),
    [
        ("another audience", {"claims": {"aud": "someone-elses-client"}}),
        ("expired", {"claims": {"exp": 1_000_000_000, "iat": 999_999_000}}),
        ("unsigned, alg none", {"misbehave": "alg_none"}),
        ("signed with another key", {"misbehave": "other_key"}),
        (
            "issued by another tenant than its tid",
            {"claims": {"iss": f"http://127.0.0.1/microsoft/{TENANT_B}/v2.0"}},
        ),
    ],
)
def test_a_bad_token_is_refused_audited_and_changes_nothing(client, provider, head_a, case, answer):
    response, _ = sso_sign_in(client, provider, "microsoft", head_a.email, **answer)

    assert response.status_code == 403, case
    assert "answer could not be checked" in response.text
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    assert not AuditEvent.objects.filter(action="auth.sso_signed_in").exists()
    (event,) = refusals("provider_answer_refused")
    assert event.data["provider"] == "Microsoft"


def test_a_token_carrying_another_sign_ins_nonce_is_refused(client, provider, head_a):
    response, _ = sso_sign_in(
        client, provider, "microsoft", head_a.email, claims={"nonce": "from-an-earlier-sign-in"}
    )

    assert response.status_code == 403
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    assert refusals("nonce_mismatch")


def test_an_earlier_token_passed_back_again_is_refused(client, provider, head_a):
    sso_sign_in(client, provider, "microsoft", head_a.email)
    client.post(reverse("account_logout"))

    response, _ = sso_sign_in(
        client, provider, "microsoft", head_a.email, misbehave="reuse_last_token"
    )

    assert response.status_code == 403
    assert signed_in(client) is None
    assert refusals()


def test_a_replayed_state_is_refused(client, provider, head_a):
    _, callback = sso_sign_in(client, provider, "microsoft", head_a.email)
    client.post(reverse("account_logout"))
    before = AuditEvent.objects.filter(action="auth.sso_signed_in").count()

    response = client.get(callback)

    assert response.status_code == 403
    assert signed_in(client) is None
    assert AuditEvent.objects.filter(action="auth.sso_signed_in").count() == before
    assert refusals("provider_answer_refused")


def test_a_signed_in_person_cannot_link_another_account_to_theirs(client, provider, head_a):
    other = person_with_roles(head_a.memberships.get().organisation, Role.STAFF)
    client.force_login(other)
    provider.answer_next(head_a.email)

    start = client.post("/accounts/oidc/microsoft/login/", {"process": "connect"})
    import requests

    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    response = client.get(at_provider.headers["Location"].split("testserver", 1)[1])

    assert response.status_code == 403
    assert SocialAccount.objects.count() == 0
    assert refusals("not_a_sign_in")


# The identity provider's multi-factor authentication --------------------------------


@pytest.mark.parametrize(
    ("trusted", "amr", "expected"),
    [
        (True, ["pwd", "mfa"], True),
        (True, ["hwk"], True),
        (True, ["pwd"], False),
        (False, ["pwd", "mfa"], False),
    ],
)
def test_the_providers_mfa_counts_only_when_the_organisation_trusts_it(
    client, provider, head_a, trusted, amr, expected
):
    Organisation.objects.filter(pk=head_a.memberships.get().organisation_id).update(
        trust_idp_mfa=trusted
    )

    sso_sign_in(client, provider, "microsoft", head_a.email, claims={"amr": amr})

    assert signed_in(client) == head_a
    assert client.session.get("sso_mfa", False) is expected
    event = AuditEvent.objects.get(action="auth.sso_signed_in")
    assert event.data["mfa_trusted"] is expected


# Google Workspace ------------------------------------------------------------------


def test_teacher_signs_in_with_google_through_her_schools_domain(client, provider, schools):
    teacher = person_with_roles(schools[1], Role.STAFF, email="teacher@b.example")

    response, _ = sso_sign_in(client, provider, "google", teacher.email)

    assert response.status_code == 302
    assert signed_in(client) == teacher
    event = AuditEvent.objects.get(action="auth.sso_signed_in")
    assert (event.data["provider"], event.data["organisation"]) == (
        "Google",
        "Millbrook Primary School",
    )


@pytest.mark.parametrize(
    ("case", "claims", "reason"),
    [
        ("a personal Google account (no hd)", {"hd": None}, "wrong_google"),
        ("another school's domain", {"hd": "a.example"}, "wrong_google"),
        ("an unconfirmed address", {"email_verified": False}, "email_unverified"),
    ],
)
def test_google_is_refused_unless_the_token_names_the_persons_domain(
    client, provider, schools, case, claims, reason
):
    teacher = person_with_roles(schools[1], Role.STAFF, email="teacher@b.example")

    response, _ = sso_sign_in(client, provider, "google", teacher.email, claims=claims)

    assert response.status_code == 403, case
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    assert refusals(reason)


def test_the_hd_request_parameter_is_not_what_is_checked(client, provider, schools):
    """Someone adding ?hd=... to the request changes nothing: the token's claim counts."""
    teacher = person_with_roles(schools[1], Role.STAFF, email="teacher@b.example")
    provider.answer_next(teacher.email, claims={"hd": None})
    start = client.post(
        "/accounts/oidc/google/login/", {"process": "login", "auth_params": "hd=b.example"}
    )
    import requests

    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    response = client.get(at_provider.headers["Location"].split("testserver", 1)[1])

    assert response.status_code == 403
    assert signed_in(client) is None


# Passwords where single sign-on is required ----------------------------------------


def password_sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_sign_in_page_offers_the_buttons(client):
    response = client.get(reverse("account_login"))

    assert "Sign in with Microsoft" in response.text
    assert "Sign in with Google" in response.text


def test_a_password_is_refused_where_the_school_requires_sso(client, head_a):
    Organisation.objects.filter(name="Brookfield Primary School").update(sso_required=True)

    response = password_sign_in(client, head_a.email)

    assert response.status_code == 200
    assert signed_in(client) is None
    assert (
        "Brookfield Primary School signs in with Microsoft or Google: use the "
        "&#x27;Sign in with Microsoft&#x27; or &#x27;Sign in with Google&#x27; button"
    ) in response.text
    event = AuditEvent.objects.get(action="auth.password_refused_sso_required")
    assert event.target_id == str(head_a.pk)


def test_the_message_names_only_the_providers_the_school_has(client, schools):
    school = schools[0]
    school.google_workspace_domain = ""
    school.sso_required = True
    school.save()
    head = person_with_roles(school, Role.HEAD)

    response = password_sign_in(client, head.email)

    assert (
        "Brookfield Primary School signs in with Microsoft: use the "
        "&#x27;Sign in with Microsoft&#x27; button"
    ) in response.text


def test_a_wrong_password_still_gets_the_message_that_reveals_nothing(client, head_a):
    Organisation.objects.filter(name="Brookfield Primary School").update(sso_required=True)

    response = password_sign_in(client, head_a.email, "not-the-password")

    assert "The email address and/or password you specified are not correct." in response.text
    assert "Microsoft" not in response.text.split("There is a problem", 1)[1][:400]


def test_a_password_reset_does_not_get_round_it(client, head_a):
    Organisation.objects.filter(name="Brookfield Primary School").update(sso_required=True)
    head_a.set_password("a-brand-new-password-2026")
    head_a.save()  # as the reset link would

    response = password_sign_in(client, head_a.email, "a-brand-new-password-2026")

    assert signed_in(client) is None
    assert "signs in with Microsoft" in response.text


def test_a_person_allowed_a_password_keeps_it(client, head_a):
    Organisation.objects.filter(name="Brookfield Primary School").update(sso_required=True)
    Person.objects.filter(pk=head_a.pk).update(sign_in_method=SignInMethod.PASSWORD_ALLOWED)

    assert password_sign_in(client, head_a.email).status_code == 302
    assert signed_in(client) == head_a


def test_a_person_set_to_sso_only_is_refused_a_password_though_the_school_is_not(client, head_a):
    Person.objects.filter(pk=head_a.pk).update(sign_in_method=SignInMethod.SINGLE_SIGN_ON)

    response = password_sign_in(client, head_a.email)

    assert signed_in(client) is None
    assert "signs in with Microsoft" in response.text


def test_a_trusts_requirement_applies_to_its_schools(client, schools):
    trust = schools[2].parent
    trust.sso_required = True
    trust.save()
    teacher = person_with_roles(schools[2], Role.STAFF)

    response = password_sign_in(client, teacher.email)

    assert signed_in(client) is None
    assert "Oak Primary School signs in with Microsoft" in response.text


def test_other_schools_passwords_still_work(client, schools):
    Organisation.objects.filter(name="Brookfield Primary School").update(sso_required=True)
    teacher_b = person_with_roles(schools[1], Role.STAFF)

    assert password_sign_in(client, teacher_b.email).status_code == 302


def test_signing_in_over_someone_elses_open_session_audits_the_new_person(
    client, provider, head_a, schools
):
    other = person_with_roles(schools[0], Role.STAFF)
    client.force_login(other)

    sso_sign_in(client, provider, "microsoft", head_a.email)

    assert signed_in(client) == head_a
    assert AuditEvent.objects.get(action="auth.sso_signed_in").actor == head_a
