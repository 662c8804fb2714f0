"""Identity providers the single sign-on tests start on 127.0.0.1 (#18): the product's
own local OpenID Connect provider (demo/identity_provider.py), standing in for
Microsoft and Google and able to misbehave on purpose, and the settings that point the
product at it."""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

import requests
from django.conf import settings

from demo.identity_provider import LocalIdentityProvider

CLIENTS = {"test-microsoft-client": "microsoft-secret", "test-google-client": "google-secret"}


def oidc_settings(provider: LocalIdentityProvider) -> dict:
    """SOCIALACCOUNT_PROVIDERS with Microsoft and Google pointed at ``provider``."""
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    apps = []
    for key, name in (("microsoft", "Microsoft"), ("google", "Google")):
        apps.append(
            {
                "provider_id": key,
                "name": name,
                "client_id": f"test-{key}-client",
                "secret": CLIENTS[f"test-{key}-client"],
                "settings": {
                    "server_url": f"{provider.url}/{key}",
                    "fetch_userinfo": False,
                    "oauth_pkce_enabled": True,
                    "token_auth_method": "client_secret_post",
                },
            }
        )
    providers["openid_connect"]["APPS"] = apps
    return providers


def sso_sign_in(client, provider: LocalIdentityProvider, realm: str, email: str, **answer):
    """Press "Sign in with ..." on the sign-in page, let the provider answer (as queued:
    ``claims``, ``misbehave``) and follow it back to the product's callback. Returns the
    callback's response and its address (to replay it)."""
    provider.answer_next(email, **answer)
    start = client.post(f"/accounts/oidc/{realm}/login/", {"process": "login"})
    assert start.status_code == 302, start
    assert start["Location"].startswith(f"{provider.url}/{realm}/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    callback = f"{back.path}?{back.query}"
    return client.get(callback), callback
