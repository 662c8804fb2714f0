"""Form widgets every app shares."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO format it expects."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
