"""Microsoft Entra ID and Google Workspace through allauth's OpenID Connect provider.

allauth's provider is used as it is, with two changes that an ID token from a school's
identity provider needs (``SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]``):

- a ``nonce`` is sent with each sign-in, kept in allauth's one-use state, and compared
  with the token's (``identity.adapters.SocialAccountAdapter``), so a token from an
  earlier sign-in is refused even if it is passed back again;
- the token's signature is always checked against the provider's keys. allauth skips it
  when the token came straight from the token endpoint (OpenID Connect allows that over
  TLS), but then a token signed with another key, or not at all (``alg: none``), would
  pass. Microsoft's multi-tenant issuer is a template (``.../{tenantid}/v2.0``): the
  token's issuer must be it with the token's own ``tid``.

The audience, expiry and issuer are checked by allauth (``jwtkit.verify_and_decode``).
"""

from __future__ import annotations

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.crypto import get_random_string

TENANT_PLACEHOLDER = "{tenantid}"
NONCE_LENGTH = 32
# Public-key signatures only: never "none", never a shared secret.
SIGNING_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256"})


def configured_oidc_providers() -> dict[str, str]:
    """The OpenID Connect apps in the settings, by provider id: {"microsoft": "Microsoft"}."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return {app["provider_id"]: app.get("name", app["provider_id"]) for app in apps}


class SchoolOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    def _decode_id_token(self, app, id_token: str) -> dict:
        try:
            algorithm = jwt.get_unverified_header(id_token).get("alg")
        except jwt.PyJWTError as error:
            raise OAuth2Error("Invalid id_token") from error
        if algorithm not in SIGNING_ALGORITHMS:
            raise OAuth2Error(f"The token is not signed with a key ({algorithm}).")
        issuer = self.openid_config["issuer"]
        if TENANT_PLACEHOLDER in issuer:
            # The issuer a token of tenant T must carry; the signature and the issuer
            # are then checked together below, so a tid the token does not carry
            # signed cannot pass.
            try:
                unverified = jwt.decode(id_token, options={"verify_signature": False})
            except jwt.PyJWTError as error:
                raise OAuth2Error("Invalid id_token") from error
            issuer = issuer.replace(TENANT_PLACEHOLDER, str(unverified.get("tid", "")))
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=issuer,
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class SchoolOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = SchoolOpenIDConnectAdapter
    package = "allauth.socialaccount.providers.openid_connect"  # its URLs and templates

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        nonce = get_random_string(NONCE_LENGTH)
        auth_params["nonce"] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


# allauth's own login and callback views build allauth's adapter by name; these are the
# same views with the adapter above.


@login_not_required
def oidc_login(request: HttpRequest, provider_id: str):
    try:
        adapter = SchoolOpenIDConnectAdapter(request, provider_id)
        return OAuth2LoginView.adapter_view(adapter)(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


@login_not_required
def oidc_callback(request: HttpRequest, provider_id: str):
    try:
        adapter = SchoolOpenIDConnectAdapter(request, provider_id)
        return OAuth2CallbackView.adapter_view(adapter)(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
