"""The token in an invitation's link: Django's password-reset token (an HMAC of the
site's secret key, with its timestamp, checked in constant time and against the
fallback keys too), made over one invitation instead of over a person.

It says the link was made here for this invitation and this address. That the link
works once and until its invitation expires is read from the invitation itself, so
that a link used or expired is told apart from one that was never right.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

from identity.models import Invitation


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "identity.invitations.tokens.InvitationTokenGenerator"

    def _make_hash_value(self, invitation: Invitation, timestamp: int) -> str:
        person = invitation.person
        expires = int(invitation.expires.timestamp()) if invitation.expires else ""
        return f"{invitation.pk}:{person.pk}:{person.email}:{expires}:{timestamp}"

    def check_token(self, invitation: Invitation | None, token: str | None) -> bool:
        """Whether ``token`` was made here for ``invitation``, however old it is: the
        invitation's own expiry says how long it works."""
        if invitation is None or not token:
            return False
        timestamp, _, _ = token.partition("-")
        try:
            made_at = base36_to_int(timestamp)
        except ValueError:
            return False
        return any(
            constant_time_compare(
                self._make_token_with_timestamp(invitation, made_at, secret), token
            )
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()
