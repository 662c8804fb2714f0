"""The sign-in pages' Content Security Policy lets their forms lead on to the identity
providers (R36, #18).

A "Sign in with ..." button posts to the product, which answers with a redirect to
Microsoft, Google or the organisation's SAML service; browsers apply ``form-action`` to
that redirect too, so the sign-in pages (only they) add those providers' origins."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SIGN_IN_PAGES = frozenset({"account_login", "openid_connect_login", "saml_login"})


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def identity_provider_origins() -> list[str]:
    from directory.models import SamlIdentityProvider

    urls = [
        app.get("settings", {}).get("server_url", "")
        for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    ]
    urls += SamlIdentityProvider.objects.filter(enabled=True).values_list("sso_url", flat=True)
    return sorted({origin for url in urls if (origin := _origin(url))})


class SignInFormActionMiddleware:
    """Placed after Django's CSP middleware, so that it answers first."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in SIGN_IN_PAGES and settings.SECURE_CSP:
            config = dict(getattr(response, "_csp_config", settings.SECURE_CSP))
            config["form-action"] = [*config.get("form-action", []), *identity_provider_origins()]
            response._csp_config = config
        return response
