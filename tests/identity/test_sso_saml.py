"""SAML 2.0 per organisation (RM Unify, LGfL USO; R36, #18), end to end against pysaml2's
identity provider: the organisation's own settings from the directory, a person of that
organisation signed in, and every bad response refused, audited, changing nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.models import Person, Role, SamlIdentityProvider
from tests.clock import NOW
from tests.factories import PASSWORD, SchoolFactory, person_with_roles
from tests.saml_idp import (
    ENTITY_ID,
    MFA_CONTEXT,
    OTHER_SP,
    SSO_URL,
    key_and_certificate,
    needs_xmlsec1,
)
from tests.saml_idp import (
    SamlTestIdentityProvider as TestIdP,
)

pytestmark = [
    pytest.mark.django_db,
    needs_xmlsec1,
]


@pytest.fixture
def client():
    """python3-saml refuses a single-label host (``testserver``) in its addresses."""
    from django.test import Client

    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture(scope="module")
def idp_keys(tmp_path_factory):
    return key_and_certificate(tmp_path_factory.mktemp("saml-idp"))


@pytest.fixture
def school(db, idp_keys):
    school = SchoolFactory(name="Brookfield Primary School")
    SamlIdentityProvider.objects.create(
        organisation=school,
        name="RM Unify",
        slug="brookfield",
        entity_id=ENTITY_ID,
        sso_url=SSO_URL,
        x509_certificate=idp_keys[2],
        email_attribute="urn:oid:0.9.2342.19200300.100.1.3",
    )
    return school


@pytest.fixture
def idp(client, school, idp_keys, tmp_path):
    metadata = client.get(reverse("saml_metadata", args=["brookfield"]))
    assert metadata.status_code == 200
    return TestIdP(tmp_path, metadata.text, key_file=idp_keys[0], cert_file=idp_keys[1])


@pytest.fixture
def teacher(school):
    return person_with_roles(school, Role.STAFF, email="teacher@brookfield.example")


def start(client) -> str:
    response = client.post(reverse("saml_login", args=["brookfield"]), {"process": "login"})
    assert response.status_code == 302
    assert response["Location"].startswith(SSO_URL)
    return response["Location"]


def post_back(client, acs: str, data: dict):
    """The identity provider's page posts to the ACS; allauth then finishes there."""
    response = client.post(acs.replace("http://127.0.0.1", ""), data)
    assert response.status_code == 302
    return client.get(response["Location"])


def signed_in(client):
    pk = client.session.get("_auth_user_id")
    return Person.objects.get(pk=pk) if pk else None


def refused(reason=None):
    events = AuditEvent.objects.filter(action="auth.sso_refused")
    return [e for e in events if reason is None or e.data["reason"] == reason]


def test_sign_in_page_offers_the_schools_saml_service(client, school):
    assert "Sign in with RM Unify" in client.get(reverse("account_login")).text


def test_teacher_signs_in_through_her_schools_saml_service(client, idp, teacher):
    acs, data = idp.answer(start(client), teacher.email)

    response = post_back(client, acs, data)

    assert response.status_code == 302
    assert signed_in(client) == teacher
    event = AuditEvent.objects.get(action="auth.sso_signed_in")
    assert (event.data["provider"], event.data["organisation"]) == (
        "RM Unify",
        "Brookfield Primary School",
    )
    assert SocialAccount.objects.get(user=teacher).provider == "saml-brookfield"
    assert "sso_mfa" not in client.session


def test_the_email_can_come_in_the_nameid(client, idp, teacher, school):
    SamlIdentityProvider.objects.filter(organisation=school).update(email_attribute="")
    acs, data = idp.answer(start(client), teacher.email, email_in="nameid")

    post_back(client, acs, data)

    assert signed_in(client) == teacher


@pytest.mark.parametrize(("trusted", "expected"), [(True, True), (False, False)])
def test_mfa_in_the_authn_context_counts_when_trusted(
    client, idp, teacher, school, trusted, expected
):
    school.trust_idp_mfa = trusted
    school.save()
    acs, data = idp.answer(start(client), teacher.email, context=MFA_CONTEXT)

    post_back(client, acs, data)

    assert signed_in(client) == teacher
    assert client.session.get("sso_mfa", False) is expected


def test_an_address_nobody_holds_is_refused_and_nothing_is_created(client, idp, school):
    acs, data = idp.answer(start(client), "stranger@brookfield.example")

    response = post_back(client, acs, data)

    assert response.status_code == 403
    assert "There is no account" in response.text
    assert signed_in(client) is None
    assert not Person.objects.filter(email="stranger@brookfield.example").exists()
    assert SocialAccount.objects.count() == 0
    assert refused("unknown_address")


def test_a_person_of_another_school_cannot_sign_in_through_this_schools_service(
    client, idp, school
):
    other = person_with_roles(SchoolFactory(name="Millbrook Primary School"), Role.HEAD)
    acs, data = idp.answer(start(client), other.email)

    response = post_back(client, acs, data)

    assert response.status_code == 403
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    assert refused("wrong_saml")


@pytest.mark.parametrize(
    ("case", "answer", "why"),
    [
        ("unsigned", {"signed": False}, "not signed"),
        ("for another audience", {"audience": OTHER_SP}, "not a valid audience"),
        (
            "for another recipient",
            {"destination": "http://127.0.0.1/accounts/saml/elsewhere/acs/"},
            "instead of",
        ),
    ],
)
def test_a_bad_response_is_refused_audited_and_changes_nothing(
    client, idp, teacher, case, answer, why
):
    acs, data = idp.answer(start(client), teacher.email, **answer)

    response = post_back(client, acs, data)

    assert response.status_code == 403, case
    assert "answer could not be checked" in response.text
    assert signed_in(client) is None
    assert SocialAccount.objects.count() == 0
    (event,) = refused("provider_answer_refused")
    assert why in event.data["detail"]


def test_an_expired_response_is_refused(client, idp, teacher):
    redirect = start(client)
    with time_machine.travel(NOW - datetime.timedelta(hours=2), tick=False):
        acs, data = idp.answer(redirect, teacher.email)

    response = post_back(client, acs, data)

    assert response.status_code == 403
    assert signed_in(client) is None
    (event,) = refused("provider_answer_refused")
    assert "expired" in event.data["detail"]


def test_a_replayed_response_is_refused(client, idp, teacher):
    acs, data = idp.answer(start(client), teacher.email)
    post_back(client, acs, data)
    client.post(reverse("account_logout"))

    response = post_back(client, acs, data)

    assert response.status_code == 403
    assert signed_in(client) is None
    assert refused("saml_response_not_expected")
    assert AuditEvent.objects.filter(action="auth.sso_signed_in").count() == 1


def test_a_password_is_refused_where_the_school_signs_in_with_rm_unify(client, school, teacher):
    school.sso_required = True
    school.save()

    response = client.post(reverse("account_login"), {"login": teacher.email, "password": PASSWORD})

    assert signed_in(client) is None
    assert (
        "Brookfield Primary School signs in with RM Unify: use the "
        "&#x27;Sign in with RM Unify&#x27; button"
    ) in response.text
