"""Where a request came from, behind the reverse proxies the deployment trusts."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as allauth's rate limits see it (the one setting,
    ``TRUSTED_PROXY_COUNT``): that many places from the right of X-Forwarded-For behind
    that many proxies, else the connection's own. ``None`` when X-Forwarded-For is
    shorter than the proxies it should have passed, or names no address: the audit trail
    then records no address rather than one the client chose."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        return None
