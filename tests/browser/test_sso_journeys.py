"""Single sign-on in a real browser (#18, R36): the head of Brookfield signs in with
Microsoft and a teacher with Google, through the local test provider on 127.0.0.1, and a
teacher through her school's SAML service (pysaml2's identity provider behind a page on
127.0.0.1). Every page on the way, the providers' included, is checked with axe-core."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.demo import BROOKFIELD_DOMAIN, BROOKFIELD_SSO
from directory.identity.local_provider import LocalIdentityProvider
from tests.saml_idp import (
    ENTITY_ID,
    XMLSEC1,
    SamlIdentityProviderServer,
    key_and_certificate,
)
from tests.sso import CLIENTS, oidc_settings

pytestmark = pytest.mark.django_db(transaction=True)


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


@pytest.mark.skipif(
    not os.path.exists(XMLSEC1) and not os.environ.get("CI"), reason="apt-get install xmlsec1"
)
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
