"""Identity's forms: the sign-in form."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from django import forms

from identity.rules import password_refusal
from identity.services import password_sign_in_refused


class SignInForm(LoginForm):
    """allauth's sign-in form in the words used on the page around it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].widget.attrs.update({"autocomplete": "email", "placeholder": ""})
        # The page has its own "Forgotten your password?" link under the button.
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.update(
            {"autocomplete": "current-password", "placeholder": ""}
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.user is not None and not self.errors:
            # Only someone who knew the password learns how the school signs in.
            refusal = password_refusal(self.user)
            if refusal:
                password_sign_in_refused(person=self.user, request=self.request)
                self.user = None
                raise forms.ValidationError(refusal, code="sso_required")
        return cleaned
