from __future__ import annotations

import uuid
from typing import Any

import django_filters
from django import forms

from contactpolicy.forms import say_what_to_do
from declarations.kinds import Kind, Subjects, kind_choices, kind_questions
from declarations.models import Declaration
from declarations.selectors import (
    Found,
    declaring_settings_for,
    family_members_for_declaring,
    people_described,
    pupils_for_declaring,
)
from declarations.services import Subject
from directory.models import FamilyMember, Organisation

NOT_YOURS = (
    "%(value)s is not someone you can choose at this setting. Search again and pick from the list."
)
NOT_AN_ID = (
    "That is not someone you can choose at this setting. Search again and pick from the list."
)
LARGEST_ID = 2**63 - 1


def plain_ids(values: list[Any]) -> list[int]:
    """The values that can be database ids; anything else is dropped."""
    return [
        int(value)
        for value in values
        if str(value).isdecimal() and str(value).isascii() and 0 < int(value) <= LARGEST_ID
    ]


class PeopleField(forms.ModelMultipleChoiceField):
    """Ticked pupils or family members; a forged or absurd id is an error, never a crash."""

    def _check_values(self, value):
        values = list(value)
        if len(plain_ids(values)) != len(values):
            raise forms.ValidationError(
                self.error_messages["invalid_pk_value"], code="invalid_pk_value"
            )
        return super()._check_values(values)


class ChooseKindForm(forms.Form):
    kind = forms.ChoiceField(
        label="What has happened, or what is planned?",
        choices=kind_questions,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what has happened or is planned."},
    )


class DeclarationForm(forms.Form):
    """The parts every declaration has; the kind's own details form rides along."""

    form_token = forms.UUIDField(widget=forms.HiddenInput)
    setting = forms.ModelChoiceField(
        label="Which setting is this about?",
        queryset=Organisation.objects.none(),
        empty_label="Choose a setting",
        error_messages={
            "required": "Choose which setting this is about",
            "invalid_choice": "Choose one of your own settings.",
        },
        help_text="Where you are making the declaration. In a federation or trust you can "
        "also name pupils of its other schools where you work: each school's head is told.",
    )
    pupils = PeopleField(
        label="Pupils",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": NOT_YOURS, "invalid_pk_value": NOT_AN_ID},
    )
    family_members = PeopleField(
        label="Family members",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": NOT_YOURS, "invalid_pk_value": NOT_AN_ID},
    )
    other_name = forms.CharField(
        label="Name",
        required=False,
        max_length=200,
        help_text="Someone not found by the search, for example a step-parent.",
    )
    other_relationship = forms.CharField(
        label="Their relationship to the pupil",
        required=False,
        max_length=200,
        help_text="For example: Ava Smith's grandfather.",
    )
    notes = forms.CharField(
        label="Anything else the person deciding should know",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    urgent = forms.BooleanField(
        label="This is urgent",
        required=False,
        help_text=(
            "Tick this only if it cannot wait: it is then due the same school day, goes to "
            "the top of the list of the person who decides, and they are emailed at once. "
            "For example, contact that happens later today or tomorrow, or something that "
            "worries you about a child. If a child is in danger now, do not wait for this: "
            "speak to the designated safeguarding lead (DSL) in person."
        ),
    )

    def __init__(
        self, *args: Any, user: Any, kind: Kind, allow_past: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.user = user
        settings = declaring_settings_for(user=user)
        self.fields["setting"].queryset = settings
        self.settings_count = len(settings)
        if self.settings_count == 1 and not self.is_bound:
            self.initial.setdefault("setting", settings[0].pk)
        self.initial.setdefault("form_token", uuid.uuid4())
        setting = self.chosen_setting()
        # The setting it is made at, for the picker to say which school a pupil is at.
        self.made_at = setting
        former = kind.subjects == Subjects.FORMER_PUPIL
        if setting is not None:
            self.fields["pupils"].queryset = pupils_for_declaring(
                user=user, setting=setting, former=former
            )
            self.fields["family_members"].queryset = family_members_for_declaring(
                user=user, setting=setting
            )
        if former:
            self.fields["pupils"].label = "Former pupil"
            self.fields["other_name"].help_text = "A former pupil not found by the search."
            self.fields["other_relationship"].label = "How you know them"
            self.fields["other_relationship"].help_text = "For example: left Year 6 in 2019."
            del self.fields["family_members"]
        if kind.urgent:
            del self.fields["urgent"]  # always urgent: the page says so instead
        self.details = kind.form(
            data=self.data if self.is_bound else None,
            prefix="details",
            initial=self.initial.get("details"),
            allow_past=allow_past,
        )
        say_what_to_do(self)
        say_what_to_do(self.details)

    def chosen_setting(self) -> Organisation | None:
        value = self.data.get("setting") if self.is_bound else self.initial.get("setting")
        if hasattr(value, "pk"):
            value = value.pk
        try:
            return self.fields["setting"].queryset.get(pk=int(value))
        except (TypeError, ValueError, Organisation.DoesNotExist):
            return None

    def chosen(self, *, removed: str = "") -> list[Found]:
        """The people chosen so far, for the picker's chips, but the one ``removed``
        (``"pupils:12"``); an id that is not someone the person may name is left out."""
        if self.made_at is None:
            return []
        ids = {}
        for name in ("pupils", "family_members"):
            if name not in self.fields:
                ids[name] = []
            elif self.is_bound:
                ids[name] = plain_ids(self.data.getlist(name))
            else:
                values = self.initial.get(name) or []
                ids[name] = plain_ids([getattr(item, "pk", item) for item in values])
            ids[name] = [pk for pk in ids[name] if f"{name}:{pk}" != removed]
        if not any(ids.values()):
            return []
        members = FamilyMember.objects.none()
        if ids["family_members"]:
            members = self.fields["family_members"].queryset.filter(pk__in=ids["family_members"])
        return people_described(
            user=self.user,
            setting=self.made_at,
            pupils=self.fields["pupils"].queryset.filter(pk__in=ids["pupils"]),
            members=members,
        )

    def is_valid(self) -> bool:
        main = super().is_valid()
        return self.details.is_valid() and main

    def is_valid_as_draft(self) -> bool:
        """A draft needs only who and where to be right; the details can wait."""
        self.details.is_valid()  # keeps what was answered well in cleaned_data
        return super().is_valid()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("other_relationship") and not cleaned.get("other_name"):
            self.add_error("other_name", "Give the person's name as well as the relationship.")
        if cleaned.get("other_name") and not cleaned.get("other_relationship"):
            self.add_error("other_relationship", "Say how this person is related to the pupil.")
        return cleaned

    def subject(self) -> Subject:
        return Subject(
            pupils=list(self.cleaned_data.get("pupils") or []),
            family_members=list(self.cleaned_data.get("family_members") or []),
            other_name=self.cleaned_data.get("other_name", "").strip(),
            other_relationship=self.cleaned_data.get("other_relationship", "").strip(),
        )

    @property
    def all_errors(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for the error summary, both forms together."""
        rows = [("", "", error) for error in self.non_field_errors()]
        for form in (self, self.details):
            rows += (
                [("", "", error) for error in form.non_field_errors()] if form is not self else []
            )
            for name, errors in form.errors.items():
                if name == "__all__":
                    continue
                field = form[name]
                # Radio buttons and tick boxes have no single id: link to the first one.
                target = field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")
                if name in {"pupils", "family_members"}:
                    target = "people-search"
                rows += [(target, field.label, error) for error in errors]
        return rows


def initial_from_data(data: Any, kind: Kind) -> dict[str, Any]:
    """What was typed so far, as a starting point: for a search, before anything is checked."""
    multiple = {"pupils", "family_members"}
    initial: dict[str, Any] = {
        name: data.getlist(name) if name in multiple else data.get(name)
        for name in DeclarationForm.base_fields
        if name in data
    }
    details = {}
    for name, field in kind.details_form.base_fields.items():
        key = f"details-{name}"
        if isinstance(field, forms.MultipleChoiceField):
            details[name] = data.getlist(key)
        elif key in data:
            details[name] = data.get(key)
    initial["details"] = details
    return initial


def initial_from(declaration: Declaration) -> dict[str, Any]:
    subjects = list(declaration.subjects.all())
    other = next((subject for subject in subjects if subject.other_name), None)
    return {
        "form_token": declaration.form_token,
        "setting": declaration.setting_id,
        "pupils": [subject.pupil_id for subject in subjects if subject.pupil_id],
        "family_members": [
            subject.family_member_id for subject in subjects if subject.family_member_id
        ],
        "other_name": other.other_name if other else "",
        "other_relationship": other.other_relationship if other else "",
        "notes": declaration.notes,
        "urgent": declaration.urgent,
        "details": declaration.details,
    }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing it? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Attach a file",
        help_text="A PDF, a photo (JPEG, PNG, HEIC) or a Word document (.docx), without macros.",
        error_messages={"required": "Choose a file to attach."},
    )


class DeclarationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label="Kind",
        choices=kind_choices,
        empty_label="Any kind",
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=Declaration.Status.choices, empty_label="Any status"
    )
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Made on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Made on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Declaration
        fields = ["kind", "status", "created_from", "created_to"]
