from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from directory import identity


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by an administrator; nobody signs themself up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Signing in counts as confirming it is you for the 15 minutes after it, as a
        re-authentication does (R37): the head who has just signed in is not asked
        again at once, before the first export or to set up her authenticator."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request or context.request
        return not (request is not None and identity.signed_in_recently(request))


class MFAAdapter(DefaultMFAAdapter):
    """allauth's second factor in the product's words, and never removed from someone
    whose role needs it unless they keep another."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "You cannot remove your only second factor: your role needs one. Add another "
            "(an authenticator app or a security key) first."
        ),
        "cannot_generate_recovery_codes": (
            "Set up an authenticator app or a security key before making recovery codes."
        ),
        "incorrect_code": (
            "That code is not right, or it has been used already. Enter the code your "
            "authenticator app shows now, or one of your recovery codes you have not used."
        ),
        "unverified_email": (
            "A second factor cannot be set up until your email address is confirmed."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        from allauth.mfa.models import Authenticator

        user = authenticator.user
        if not identity.mfa_required(user):
            return True
        others = Authenticator.objects.filter(
            user_id=user.pk, type__in=identity.FACTOR_TYPES
        ).exclude(pk=authenticator.pk)
        return others.exists()

    def generate_authenticator_name(self, user, type) -> str:
        from allauth.mfa.models import Authenticator

        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return "Security key" if count == 0 else f"Security key {count + 1}"
