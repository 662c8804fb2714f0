from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.utils import timezone

from contactpolicy.forms import check_date_range
from declarations.kinds import DateInput, kind_choices
from registers.models import FollowUp, RegisterEntry


class RangeForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        check_date_range(self)
        return cleaned


class ExportForm(RangeForm):
    """A file exported for an inspection, a subject access request or a referral: the
    reason is printed on the cover sheet and kept on the audit trail (R34, #21)."""

    reason = forms.CharField(
        label="Why you are exporting it",
        max_length=300,
        help_text="For example: Ofsted inspection, 4 December; or a subject access request.",
        error_messages={"required": "Say why you are exporting the file."},
    )


class EntryFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        check_date_range(self)
        return cleaned


class EntryFilter(django_filters.FilterSet):
    """Filters of a staff or pupil file's chronology."""

    entry_kind = django_filters.ChoiceFilter(
        label="Entry", choices=RegisterEntry.EntryKind.choices, empty_label="Any entry"
    )
    kind = django_filters.ChoiceFilter(
        field_name="declaration__kind",
        label="Kind of declaration",
        choices=kind_choices,
        empty_label="Any kind",
    )
    date_from = django_filters.DateFilter(
        field_name="recorded_at", lookup_expr="date__gte", label="From", widget=DateInput
    )
    date_to = django_filters.DateFilter(
        field_name="recorded_at", lookup_expr="date__lte", label="To", widget=DateInput
    )

    class Meta:
        model = RegisterEntry
        fields = ["entry_kind", "kind", "date_from", "date_to"]
        form = EntryFilterForm


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label="The corrected entry",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write the corrected entry."},
        max_length=5000,
    )
    reason = forms.CharField(
        label="Reason for the correction",
        help_text="For example: the wrong review date was written.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give the reason for the correction."},
        max_length=1000,
    )


class ReviewForm(forms.Form):
    result = forms.ChoiceField(
        label="What did the review decide?",
        widget=forms.RadioSelect,
        choices=[
            (FollowUp.Result.CONTINUE.value, FollowUp.Result.CONTINUE.label),
            (FollowUp.Result.CHANGE.value, FollowUp.Result.CHANGE.label),
            (FollowUp.Result.END.value, FollowUp.Result.END.label),
        ],
        error_messages={"required": "Choose whether the arrangement continues, changes or ends."},
    )
    note = forms.CharField(
        label="What the review found",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what the review found."},
        max_length=5000,
    )
    conditions = forms.CharField(
        label="Changed conditions (needed if they change)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    next_review_on = forms.DateField(
        label="Next review date (needed unless the arrangement ends)",
        required=False,
        widget=DateInput,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        result = cleaned.get("result")
        next_review = cleaned.get("next_review_on")
        if result == FollowUp.Result.CHANGE and not cleaned.get("conditions", "").strip():
            self.add_error("conditions", "Write the changed conditions.")
        if result in {FollowUp.Result.CONTINUE, FollowUp.Result.CHANGE} and not next_review:
            self.add_error("next_review_on", "Give the date of the next review.")
        if next_review and next_review <= timezone.localdate():
            self.add_error("next_review_on", "The next review must be after today.")
        if result == FollowUp.Result.END and next_review:
            self.add_error("next_review_on", "An arrangement that ends has no next review.")
        return cleaned


class ConfirmForm(forms.Form):
    done = forms.BooleanField(
        label="I confirm this has been done",
        error_messages={"required": "Tick the box to confirm it has been done."},
    )
    note = forms.CharField(
        label="Anything to add (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class KeyPersonForm(forms.Form):
    person = forms.ModelChoiceField(
        label="Key person",
        queryset=None,
        required=False,
        empty_label="Nobody for now",
    )

    def __init__(self, *args: Any, candidates, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = candidates
        self.fields["person"].label_from_instance = lambda person: person.get_full_name()


class RoundOpenForm(forms.Form):
    """Open the annual declaration round for an organisation."""

    organisation = forms.ModelChoiceField(
        queryset=None,
        label="Organisation",
        empty_label=None,
        help_text="A round for a federation or trust asks everyone in each of its schools.",
    )
    title = forms.CharField(max_length=200, label="Name of the round")
    deadline = forms.DateField(
        label="Deadline",
        widget=DateInput,
        help_text="Reminders go a week before and the day before.",
    )

    def __init__(self, *args: Any, organisations, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        today = timezone.localdate()
        school_year = today.year if today.month >= 9 else today.year - 1
        self.fields[
            "title"
        ].initial = f"annual declaration round {school_year} to {school_year + 1}"

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError("The deadline must be after today.")
        if value > today + datetime.timedelta(days=365):
            raise forms.ValidationError("The deadline must be within a year.")
        return value


class RoundAnswerForm(forms.Form):
    """A person's answer in the round, with each open arrangement confirmed."""

    answer = forms.ChoiceField(
        label="Your declarations",
        widget=forms.RadioSelect,
        choices=[
            (
                "declared",
                "My declarations are up to date: everything I need to declare is declared",
            ),
            ("nothing", "I have nothing to declare"),
        ],
        error_messages={"required": "Choose whether your declarations are up to date."},
    )
    note = forms.CharField(
        label="Anything you want to add (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, arrangements: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrangement_names = []
        for declaration in arrangements:
            name = f"arrangement_{declaration.pk}"
            subjects = ", ".join(str(subject) for subject in declaration.subjects.all())
            self.fields[name] = forms.ChoiceField(
                label=f"{declaration.kind_entry.name} ({declaration.reference})"
                + (f": {subjects}" if subjects else ""),
                widget=forms.RadioSelect,
                choices=[("continues", "It continues"), ("ended", "It has ended")],
                error_messages={"required": "Say whether this continues or has ended."},
            )
            self.arrangement_names.append(name)
        # The arrangements come first, the overall answer after them.
        self.order_fields([*self.arrangement_names, "answer", "note"])

    def arrangement_fields(self) -> list:
        return [self[name] for name in self.arrangement_names]

    def answer_fields(self) -> list:
        return [self["answer"], self["note"]]

    def arrangements(self) -> dict[int, str]:
        return {
            int(name.removeprefix("arrangement_")): self.cleaned_data[name]
            for name in self.arrangement_names
        }
