"""Form widgets and checks every app shares."""

import datetime

from django import forms
from django.utils import timezone


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO format it expects."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


CHOSEN_FIELDS = (forms.ChoiceField, forms.FileField)


def say_what_to_do(form: forms.BaseForm) -> None:
    """Give each required field whose message is still Django's ("This field is
    required.") one in GOV.UK's way, saying what to do: "Enter what the gift is",
    "Choose who gave it". A message a field sets itself is kept."""
    default = forms.Field.default_error_messages["required"]
    for field in form.fields.values():
        label = str(field.label or "").strip().rstrip("?:").strip()
        if not label or field.error_messages.get("required") != default:
            continue
        if isinstance(field, forms.BooleanField):
            field.error_messages["required"] = f"Tick the box to say: {label}"
            continue
        # "What the gift is" reads "what the gift is"; "DSL's name" keeps its capitals.
        if len(label) == 1 or not label[1].isupper():
            label = label[0].lower() + label[1:]
        verb = "Choose" if isinstance(field, CHOSEN_FIELDS) else "Enter"
        field.error_messages["required"] = f"{verb} {label}"


# The earliest date a range may start: nothing is recorded before it.
EARLIEST = datetime.date(2000, 1, 1)


def check_date_range(
    form: forms.Form,
    start: str = "date_from",
    end: str = "date_to",
    today: datetime.date | None = None,
) -> None:
    """A range that cannot hold anything, or that nobody could mean, is refused."""
    cleaned = form.cleaned_data
    today = today or timezone.localdate()
    for name in (start, end):
        value = cleaned.get(name)
        if value and value > today:
            form.add_error(name, "The date cannot be in the future.")
        elif value and value < EARLIEST:
            form.add_error(name, f"Choose a date from {EARLIEST:%-d %B %Y} onwards.")
    if cleaned.get(start) and cleaned.get(end) and cleaned[end] < cleaned[start]:
        form.add_error(end, "The end date is before the start date.")
