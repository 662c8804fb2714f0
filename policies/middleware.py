"""The policy comes first (R30): the first page a person asks for after signing in is
the acknowledgement page while a policy version waits for them. After that they can
go anywhere, with a banner on every page, so that nobody is ever stopped from
declaring or reporting a concern."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from policies.selectors import versions_to_acknowledge

SESSION_KEY = "policy_prompted"


def outstanding_count(request: HttpRequest) -> int:
    """How many policy versions the signed-in person has still to acknowledge, worked
    out once per request."""
    if not hasattr(request, "_policy_outstanding"):
        request._policy_outstanding = versions_to_acknowledge(user=request.user).count()
    return request._policy_outstanding


class AcknowledgeFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._should_prompt(request) and outstanding_count(request):
            request.session[SESSION_KEY] = True
            target = reverse("policies:acknowledge")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _should_prompt(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        return (
            request.method == "GET"
            and user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_KEY)
            and not getattr(request, "htmx", False)
            and not request.path_info.startswith(("/policy/", "/accounts/", "/static/", "/health/"))
        )
