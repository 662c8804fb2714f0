"""Identity's pages: changing a password, the session's time left, and allauth's SAML
"finish ACS" view, with a replayed or unexpected response answered in the product's
words and audited rather than with a bare 403."""

from __future__ import annotations

from allauth.account import views as account
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.saml import views as saml_views
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from identity import rules
from identity.sessions import mark_used, seconds_left


@login_not_required
def saml_finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    from identity.adapters import refuse

    try:
        return saml_views.finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        # python3-saml accepted the response, but this browser never asked for it:
        # allauth's one-use state for its InResponseTo is gone (a replay) or never was.
        refusal = rules.SignInRefused(
            "saml_response_not_expected",
            rules.COULD_NOT_CHECK.format(provider="The identity provider"),
            data={"organisation_slug": organization_slug},
        )
        response: ImmediateHttpResponse = refuse(request, refusal, provider_name="SAML")
        return response.response


def password_change(request: HttpRequest) -> HttpResponse:
    """allauth's change-password page, for a person who has a password. Someone who
    signs in only through their school's single sign-on has none here, and is not
    offered one: a password added by whoever holds their session would be a second way
    into the account."""
    if not request.user.has_usable_password():
        messages.info(
            request,
            "You sign in through your school's single sign-on, so there is no password "
            "to change here. Your school's IT support manages it.",
        )
        return redirect("home")
    return account.password_change(request)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> JsonResponse:
    """How many seconds of the person's session are left before the idle sign-out
    (GET, which does not count as use), or "stay signed in" (POST). 0 when signed out."""
    if request.method == "POST" and request.user.is_authenticated:
        mark_used(request)
    return JsonResponse({"seconds_left": seconds_left(request)})
