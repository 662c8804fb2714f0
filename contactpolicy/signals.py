"""Sign-in, sign-out and failed sign-in attempts go into the audit trail."""

import hashlib

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from contactpolicy.audit_actions import SIGN_IN_FAILED, SIGNED_IN, SIGNED_OUT
from contactpolicy.services import audit_event_record


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
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:16] if identifier else ""
    audit_event_record(
        actor=None,
        action=SIGN_IN_FAILED,
        data={"email_digest": digest},
        request=request,
    )
