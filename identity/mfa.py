"""Who must sign in with a second factor, whether this session has one, and the
re-confirmation asked before the most sensitive steps (R37, #18).

The second factor itself is django-allauth's MFA (``allauth.mfa``): an authenticator
app (TOTP), a passkey or security key (WebAuthn), and recovery codes. This module holds
the product's rules around it:

* **Who must.** Each organisation lists the roles that must use a second factor
  (``Organisation.mfa_roles``; by default the head, Executive Headteacher, DSL and
  deputy, administrator and Chair). A trust's or federation's list applies to its
  schools as well as their own, and a role held in a trust or federation counts in each
  of its schools, so a school can add roles to its trust's list but never take one
  away. The service's operators (superusers) always must.
* **Whether this session has one.** allauth records each step of a sign-in in the
  session; a step of method ``"mfa"`` is a second factor. An SSO sign-in counts too
  when the SSO code has set ``request.session["sso_mfa"] = True`` (the identity
  provider said it used MFA and the organisation trusts it). Setting up an
  authenticator proves the person holds it, so it counts for the session it was set up
  in.
* **Until then** (``identity.second_factor``), someone who must use a second factor and
  has none reaches only the pages that set one up; someone who has one but whose
  session has not used it reaches only the page that asks for it.
* **Sensitive steps** (``sensitive_step``) use allauth's re-authentication: the person
  confirms with their password or second factor unless they have, or signed in, in the
  last ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds (15 minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from django.http import HttpRequest, HttpResponse

from contactpolicy.services import audit_event_record
from directory.access import Access
from identity import audit_actions

# The agreed contract with the single sign-on code: it sets this key to True when the
# identity provider says it used MFA and the organisation trusts it. Read here only.
SSO_MFA_SESSION_KEY = "sso_mfa"
# Set once this session has been seen without an authenticator: adding one later in
# this session records it as used (``second_factor_set_up``), so the answer holds.
NO_FACTOR_SESSION_KEY = "mfa_no_authenticator"
# The kinds of authenticator that are a second factor on their own (recovery codes are
# the way back in when one is lost, and exist only beside one).
FACTOR_TYPES = ("totp", "webauthn")


# Who must ----------------------------------------------------------------------------


def mfa_required(user: Any) -> bool:
    """Whether ``user`` must sign in with a second factor: any role they hold, in any
    organisation (a trust's or federation's roles reach its schools), is one that
    organisation or its trust or federation lists."""
    access = Access.for_user(user)
    if not access.is_authenticated:
        return False
    if access.is_superuser:
        return True
    return any(
        roles & access.mfa_roles_by_organisation.get(organisation_id, frozenset())
        for organisation_id, roles in access.roles_by_organisation.items()
    )


def has_second_factor(user: Any) -> bool:
    """Whether ``user`` has set up an authenticator app or a passkey/security key."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type__in=FACTOR_TYPES).exists()


# This session ------------------------------------------------------------------------


def session_has_second_factor(request: HttpRequest) -> bool:
    """Whether this session's sign-in used a second factor (allauth's record of it), or
    came through single sign-on whose identity provider used MFA."""
    if request.session.get(SSO_MFA_SESSION_KEY) is True:
        return True
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def session_lacks_factor_known(request: HttpRequest) -> bool:
    """Whether this session has been seen, once, without any authenticator to use."""
    return request.session.get(NO_FACTOR_SESSION_KEY) == request.user.pk


def note_session_without_factor(request: HttpRequest) -> None:
    request.session[NO_FACTOR_SESSION_KEY] = request.user.pk


def second_factor_set_up(request: HttpRequest, authenticator: Any) -> None:
    """The person has just proved they hold a new authenticator (its code, or the key's
    answer, was checked to set it up): record it as this session's second factor, the
    way allauth records one used to sign in."""
    request.session.pop(NO_FACTOR_SESSION_KEY, None)
    record_authentication(
        request, authenticator.user, "mfa", id=authenticator.pk, type=authenticator.type
    )


def counts_as_second_factor(view_func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For allauth's pages that add an authenticator: one added by the request is this
    session's second factor from then on (``second_factor_set_up``)."""
    from allauth.mfa.models import Authenticator

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST" or not request.user.is_authenticated:
            return view_func(request, *args, **kwargs)
        user = request.user
        mine = Authenticator.objects.filter(user_id=user.pk, type__in=FACTOR_TYPES)
        before = set(mine.values_list("pk", flat=True))
        response = view_func(request, *args, **kwargs)
        for authenticator in mine.exclude(pk__in=before):
            second_factor_set_up(request, authenticator)
        return response

    return wrapper


def signed_in_recently(request: HttpRequest) -> bool:
    """Whether the person signed in, or confirmed it was them, within the
    re-authentication timeout (15 minutes)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    if not records:
        return False
    latest = max(record.get("at", 0) for record in records)
    return time.time() - latest < account_settings.REAUTHENTICATION_TIMEOUT


# The audit trail ---------------------------------------------------------------------

AUTHENTICATOR_NAMES = {
    "totp": "authenticator app",
    "webauthn": "passkey or security key",
    "recovery_codes": "recovery codes",
}


def _record(request: HttpRequest | None, user: Any, action, **data: Any) -> None:
    # Filed under the person: the audit history shows it to the DSLs and administrators
    # of the settings where they work (oversight.selectors.audit_events_for).
    audit_event_record(actor=user, action=action, target=user, data=data, request=request)


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == "recovery_codes":
        _record(request, user, audit_actions.MFA_RECOVERY_CODES_GENERATED, first=True)
        return
    _record(
        request,
        user,
        audit_actions.MFA_SET_UP,
        authenticator=AUTHENTICATOR_NAMES.get(authenticator.type, authenticator.type),
    )


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    _record(
        request,
        user,
        audit_actions.MFA_REMOVED,
        authenticator=AUTHENTICATOR_NAMES.get(authenticator.type, authenticator.type),
    )


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    _record(request, user, audit_actions.MFA_RECOVERY_CODES_GENERATED, first=False)


def on_authenticator_used(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == "recovery_codes":
        authenticator.refresh_from_db()  # the code just used is marked on another copy
        unused = len(authenticator.wrap().get_unused_codes())
        _record(
            request,
            user,
            audit_actions.MFA_RECOVERY_CODE_USED,
            reauthenticated=bool(kwargs.get("reauthenticated")),
            unused_left=unused,
        )


def on_authentication_failed(sender, request, user, authenticator, **kwargs) -> None:
    _record(
        request,
        user,
        audit_actions.MFA_CODE_REFUSED,
        authenticator=AUTHENTICATOR_NAMES.get(authenticator.type, authenticator.type),
        reauthentication=bool(kwargs.get("reauthentication")),
    )


def on_authentication_step(sender, request, method, user, **kwargs) -> None:
    if not kwargs.get("reauthenticated"):
        return
    data = {"method": "password"}
    if method == "mfa":
        data = {
            "method": "second factor",
            "authenticator": AUTHENTICATOR_NAMES.get(kwargs.get("type")),
        }
    _record(request, user, audit_actions.MFA_REAUTHENTICATED, **data)


def connect_audit_receivers() -> None:
    """allauth's signals are how it tells of each step; each is written to the audit
    trail here (connected once, in ``DirectoryConfig.ready``)."""
    from allauth.account.signals import authentication_step_completed
    from allauth.mfa import signals

    uid = "identity"
    signals.authenticator_added.connect(on_authenticator_added, dispatch_uid=f"{uid}.added")
    signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid=f"{uid}.removed")
    signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid=f"{uid}.reset")
    signals.authenticator_used.connect(on_authenticator_used, dispatch_uid=f"{uid}.used")
    signals.authentication_failed.connect(on_authentication_failed, dispatch_uid=f"{uid}.failed")
    authentication_step_completed.connect(on_authentication_step, dispatch_uid=f"{uid}.step")
