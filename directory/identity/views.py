"""allauth's SAML "finish ACS" view, with a replayed or unexpected response answered in
the product's words and audited rather than with a bare 403."""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.saml import views as saml_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from directory.identity import rules


@login_not_required
def saml_finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    from directory.adapters import refuse

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
