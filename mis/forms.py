"""The form of a school's connection to its MIS through Wonde (R38, #20)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from mis.models import MisConnection

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9._~+/=-]{20,200}$")


class MisConnectionForm(forms.Form):
    """The school id and the access token; the token is written, never shown back."""

    school_id = forms.CharField(
        label="Wonde school ID",
        max_length=20,
        help_text="On the school's page in the Wonde dashboard, for example A1930499544.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    token = forms.CharField(
        label="Access token",
        required=False,
        strip=True,
        max_length=200,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
    )
    enabled = forms.BooleanField(
        label="Sync every night",
        required=False,
        initial=True,
        help_text="Untick to stop the nightly sync; 'Sync now' still works.",
    )

    def __init__(self, *args: Any, connection: MisConnection | None = None, **kwargs: Any):
        if connection is not None:
            kwargs.setdefault(
                "initial", {"school_id": connection.school_id, "enabled": connection.enabled}
            )
        super().__init__(*args, **kwargs)
        self.connection = connection
        if connection is None:
            self.fields["token"].required = True
            self.fields["token"].help_text = (
                "Wonde shows it once the school has approved the register. It is kept "
                "encrypted and never shown here again."
            )
        else:
            self.fields["token"].help_text = (
                "A token is saved; it is never shown. Leave this blank to keep it, or "
                "enter a new one to replace it."
            )

    def clean_school_id(self) -> str:
        school_id = self.cleaned_data["school_id"].strip().upper()
        if not re.fullmatch(r"[A-Z][0-9]{3,15}", school_id):
            raise forms.ValidationError(
                "A Wonde school ID is a capital letter and digits, such as A1930499544: it "
                "is on the school's page in the Wonde dashboard."
            )
        return school_id

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if token and not TOKEN_SHAPE.fullmatch(token):
            raise forms.ValidationError(
                "That does not look like a Wonde access token (40 letters and digits, with "
                "no spaces): copy it again from the Wonde dashboard."
            )
        return token
