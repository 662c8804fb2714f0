"""Sessions end after a while without use (R37), on top of the working day's limit
(``SESSION_COOKIE_AGE``): ``SESSION_IDLE_MINUTES_SENIOR`` for the roles that see
children's records or run the register, ``SESSION_IDLE_MINUTES`` for everybody else.

Each page a person opens counts as use. A page warns two minutes before the end and
offers to stay signed in (static/js/idle.js asks ``session_status`` how long is left,
so a second tab in use keeps the first one open too).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from contactpolicy.services import audit_event_record
from directory.access import SENIOR_ROLES, Access
from identity.audit_actions import SIGNED_OUT_IDLE

LAST_USED = "idle.last_used"
SIGNED_IN_AT = "idle.signed_in_at"
# The last use is written to the session at most once in this many seconds.
WRITE_EVERY = 30


def idle_seconds(user) -> int:
    access = Access.for_user(user)
    if access.is_superuser or access.has_role(*SENIOR_ROLES):
        return settings.SESSION_IDLE_MINUTES_SENIOR * 60
    return settings.SESSION_IDLE_MINUTES * 60


def seconds_left(request: HttpRequest) -> int:
    if not request.user.is_authenticated:
        return 0
    last_used = request.session.get(LAST_USED, time.time())
    return max(0, round(last_used + idle_seconds(request.user) - time.time()))


def mark_used(request: HttpRequest) -> None:
    request.session[LAST_USED] = time.time()


@receiver(user_logged_in, dispatch_uid="idle_clock_starts_at_sign_in")
def _start_the_idle_clock(sender, request, user, **kwargs) -> None:
    # Signing in is a use: the session starts with it, not with a write on the next page.
    # The working day is counted from it too: the session's own expiry moves on with each
    # write (and allauth makes it end with the browser), so it cannot be the limit.
    if request is not None and hasattr(request, "session"):
        mark_used(request)
        request.session[SIGNED_IN_AT] = request.session[LAST_USED]


class IdleTimeoutMiddleware:
    """Signs out a person whose session has not been used for their idle time.

    Asking how long is left (``session_status``) is not a use."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last_used = request.session.get(LAST_USED)
            limit = idle_seconds(user)
            signed_in_at = request.session.get(SIGNED_IN_AT)
            idle = last_used is not None and now - last_used > limit
            day_over = signed_in_at is not None and now - signed_in_at > (
                settings.SESSION_COOKIE_AGE
            )
            if idle or day_over:
                audit_event_record(
                    actor=user,
                    action=SIGNED_OUT_IDLE,
                    target=user,
                    data={"idle_minutes": limit // 60} if idle else {"working_day_over": True},
                    request=request,
                )
                logout(request)
                messages.info(
                    request,
                    f"You were signed out because the register had not been used for "
                    f"{limit // 60} minutes. Sign in again to carry on."
                    if idle
                    else "You were signed out at the end of the working day's session "
                    f"({settings.SESSION_COOKIE_AGE // 3600} hours). Sign in again to carry on.",
                )
                signed_out = redirect_to_login(request.get_full_path())
                if getattr(request, "htmx", False):
                    # Not the sign-in page inside a part of the page: the whole of it.
                    return HttpResponseClientRedirect(signed_out.url)
                return signed_out
            request.idle_seconds = limit
            asks_only = request.path_info == reverse("session_status")
            if last_used is None or (now - last_used > WRITE_EVERY and not asks_only):
                request.session[LAST_USED] = now
        return self.get_response(request)
