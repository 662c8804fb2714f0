"""Form widgets every app shares."""

from django import forms


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
