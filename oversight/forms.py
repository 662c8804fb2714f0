from __future__ import annotations

import datetime
from typing import Any

from django import forms

from contactpolicy.forms import DateInput, check_date_range
from declarations.kinds import any_kind_choices
from registers.forms import RangeForm
from schoolcalendar.periods import (
    PeriodError,
    custom_period,
    period_choices,
    period_from_token,
    whole_weeks_problems,
)


class PatternForm(forms.Form):
    date_from = forms.DateField(label="From", widget=DateInput)
    date_to = forms.DateField(label="To", widget=DateInput)
    staff_threshold = forms.IntegerField(
        label="Several staff means at least", min_value=2, max_value=50, initial=3
    )
    gift_threshold = forms.IntegerField(
        label="Repeated gifts means at least", min_value=2, max_value=50, initial=2
    )
    declaration_threshold = forms.IntegerField(
        label="Many declarations by one person about one pupil means at least",
        min_value=2,
        max_value=100,
        initial=3,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        check_date_range(self)
        return cleaned


class AuditFilterForm(RangeForm):
    person = forms.CharField(label="Staff member", required=False, max_length=100)
    pupil = forms.CharField(label="Pupil (name or MIS reference)", required=False, max_length=100)
    family = forms.CharField(label="Family member", required=False, max_length=100)
    kind = forms.ChoiceField(label="Kind of declaration", required=False, choices=any_kind_choices)
    action = forms.ChoiceField(label="Action", required=False)
    refused = forms.BooleanField(
        label="Only refusals",
        required=False,
        help_text="Records someone tried to open and may not, failed and refused sign-ins, "
        "lock-outs and other attempts refused.",
    )

    field_order = ["person", "pupil", "family", "kind", "action", "refused", "date_from", "date_to"]

    def __init__(self, *args: Any, actions: list[tuple[str, Any]], **kwargs: Any) -> None:
        """``actions``: the registered actions' choices, grouped by app
        (``contactpolicy.audit.action_choices()``)."""
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *actions]


class SummaryForm(forms.Form):
    """Which period a governors' summary covers: a term, a school year, or own dates."""

    period = forms.ChoiceField(label="Period")
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)

    def __init__(self, *args: Any, organisation, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation, self.today = organisation, today
        self.fields["period"].choices = [
            *period_choices(organisation, today),
            ("custom", "Your own dates"),
        ]
        self.fields["period"].error_messages["invalid_choice"] = (
            "Choose one of the terms or school years listed, or your own dates."
        )
        self.fields["period"].error_messages["required"] = (
            "Choose a term, a school year or your own dates."
        )
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs["aria-describedby"] = "summary-dates-hint"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        choice = cleaned.get("period")
        if choice == "custom":
            check_date_range(self, today=self.today)
            for name in ("date_from", "date_to"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "Enter the date, or choose a term or school year.")
            if not self.errors:
                # Whole weeks, from a Monday to a Sunday (schoolcalendar.periods says why).
                problems = whole_weeks_problems(
                    cleaned["date_from"], cleaned["date_to"], self.today
                )
                for name, message in problems.items():
                    self.add_error(name, message)
            if not self.errors:
                cleaned["chosen"] = custom_period(cleaned["date_from"], cleaned["date_to"])
        elif choice:
            try:
                cleaned["chosen"] = period_from_token(self.organisation, choice, self.today)
            except PeriodError as error:
                self.add_error("period", str(error))
        return cleaned


class SummarySaveForm(SummaryForm):
    publish = forms.BooleanField(
        label="Publish it to the governors",
        required=False,
        help_text="The governors and the Chair get an email with a link (never a figure).",
    )
