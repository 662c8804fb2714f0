"""Someone who must sign in with a second factor reaches no page but setting one up
until they have, and someone who has one reaches no page until this session has used
it (R37, #18; the rules are in identity/mfa.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from identity import mfa

# Open to everybody signed in, whatever their second factor: signing out and the
# health check (static files are served before this, by WhiteNoise).
ALWAYS_OPEN = frozenset({"account_logout", "health"})
# The pages that set up a second factor, and the confirmation allauth may ask for
# before adding one (when signing in was more than 15 minutes ago).
SET_UP_PAGES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_list_webauthn",
        "mfa_add_webauthn",
        "account_reauthenticate",
    }
)
# The pages that ask for the second factor of someone already signed in.
USE_PAGES = frozenset({"mfa_reauthenticate", "mfa_reauthenticate_webauthn"})


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        if name in ALWAYS_OPEN or mfa.session_has_second_factor(request):
            return None
        required = mfa.mfa_required(user)
        if required:
            has_factor = mfa.has_second_factor(user)
        elif mfa.session_lacks_factor_known(request):
            has_factor = False  # nobody else can add one to this person's account
        else:
            has_factor = mfa.has_second_factor(user)
            if not has_factor:
                mfa.note_session_without_factor(request)
        if has_factor:
            # Signed in without using the second factor they have: use it now.
            if name in USE_PAGES:
                return None
            return self._send(request, "mfa_reauthenticate", keep_next=True)
        if required:
            if name in SET_UP_PAGES:
                return None
            return self._send(request, "mfa_index", keep_next=False)
        return None

    @staticmethod
    def _send(request: HttpRequest, url_name: str, *, keep_next: bool) -> HttpResponse:
        target = reverse(url_name)
        if keep_next and request.method == "GET" and not getattr(request, "htmx", False):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
