"""SAML 2.0 per organisation (RM Unify, LGfL USO and the like) through allauth's SAML
provider (python3-saml).

Each enabled ``SamlIdentityProvider`` in the directory is one of allauth's SAML apps,
built here rather than kept twice in allauth's own table: its slug is the app's
``client_id`` (the ``/accounts/saml/<slug>/`` addresses), the identity provider's entity
ID, single sign-on URL and certificate come from the row, and the settings are strict:
the assertion must be signed, for this service provider's entity ID, addressed to its
ACS URL and in date, and a response the sign-in did not ask for (IdP-initiated) is
refused. What the response said about multi-factor authentication
(AuthnContextClassRef) is kept on the sign-in for the adapter.
"""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.http import HttpRequest

from directory.models import SamlIdentityProvider

APP_PREFIX = "saml-"


def social_app(idp: SamlIdentityProvider, *, name: str | None = None) -> SocialApp:
    """The allauth SAML app for one organisation's identity provider (not saved)."""
    attribute_mapping = {"uid": [], "email": [idp.email_attribute] if idp.email_attribute else []}
    return SocialApp(
        provider=SAMLProvider.id,
        provider_id=f"{APP_PREFIX}{idp.slug}",
        name=name or idp.name,
        client_id=idp.slug,
        settings={
            "attribute_mapping": attribute_mapping,
            "use_nameid_for_email": not idp.email_attribute,
            "idp": {
                "entity_id": idp.entity_id,
                "sso_url": idp.sso_url,
                "x509cert": idp.x509_certificate,
            },
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "reject_idp_initiated_sso": True,
                "reject_deprecated_algorithm": True,
                "want_attribute_statement": False,
            },
        },
    )


def saml_apps(*, client_id: str | None = None) -> list[SocialApp]:
    """The SAML apps of every enabled identity provider; two of the same name (two
    schools on RM Unify) are told apart by their organisation."""
    idps = list(SamlIdentityProvider.objects.filter(enabled=True).select_related("organisation"))
    counts: dict[str, int] = {}
    for idp in idps:
        counts[idp.name] = counts.get(idp.name, 0) + 1
    return [
        social_app(idp, name=f"{idp.name} ({idp.organisation})" if counts[idp.name] > 1 else None)
        for idp in idps
        if client_id is None or idp.slug == client_id
    ]


def identity_provider_of(app: SocialApp) -> SamlIdentityProvider | None:
    return (
        SamlIdentityProvider.objects.filter(slug=app.client_id, enabled=True)
        .select_related("organisation")
        .first()
    )


class SchoolSAMLProvider(SAMLProvider):
    """allauth's SAML provider, keeping what the response said about how the person
    authenticated (``authn_contexts``) on the sign-in for the adapter's checks."""

    def sociallogin_from_response(self, request: HttpRequest, response):
        sociallogin = super().sociallogin_from_response(request, response)
        sociallogin.saml_authn_contexts = list(response.get_last_authn_contexts() or [])
        return sociallogin
