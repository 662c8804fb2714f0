"""Sign-in, sign-out, failed sign-in attempts and password changes and resets go into
the audit trail."""

import hashlib

from allauth.account.signals import password_changed, password_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from contactpolicy.audit_actions import (
    PASSWORD_CHANGED,
    PASSWORD_RESET,
    SIGN_IN_FAILED,
    SIGNED_IN,
    SIGNED_OUT,
)
from contactpolicy.services import audit_event_record


def email_digest(address: str) -> str:
    """What the audit trail keeps of an address typed at sign-in: enough to see repeated
    attempts against one account, never the address (or whatever was mistyped)."""
    address = address.strip().lower()
    return hashlib.sha256(address.encode()).hexdigest()[:16] if address else ""


@receiver(user_logged_in, dispatch_uid="audit_logged_in")
def record_sign_in(sender, request, user, **kwargs) -> None:
    audit_event_record(actor=user, action=SIGNED_IN, target=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logged_out")
def record_sign_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_event_record(actor=user, action=SIGNED_OUT, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    # The address typed is kept only as a digest: enough to see repeated attempts
    # against one account, without storing whatever a person mistyped.
    identifier = (credentials.get("email") or credentials.get("username") or "").strip().lower()
    digest = email_digest(identifier)
    # Failures at a real person's account are about that person, so that the DSL of
    # their school finds someone guessing a head's password in the audit history.
    person = (
        get_user_model().objects.filter(email__iexact=identifier).first() if identifier else None
    )
    audit_event_record(
        actor=None,
        action=SIGN_IN_FAILED,
        target=person,
        data={"email_digest": digest},
        request=request,
    )


@receiver(password_changed, dispatch_uid="audit_password_changed")
def record_password_change(sender, request, user, **kwargs) -> None:
    audit_event_record(actor=user, action=PASSWORD_CHANGED, target=user, request=request)


@receiver(password_reset, dispatch_uid="audit_password_reset")
def record_password_reset(sender, request, user, **kwargs) -> None:
    # The person is not signed in: they followed the link sent to their address.
    audit_event_record(actor=None, action=PASSWORD_RESET, target=user, request=request)
