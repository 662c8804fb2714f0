"""The school calendar's forms: the terms of a school year, and a new school year."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from contactpolicy.forms import DateInput
from directory.models import YearGroup
from schoolcalendar.models import Term
from schoolcalendar.periods import TERM_ORDER


class TermDatesForm(forms.Form):
    """The three terms of one school year; each runs from its first to its last day and
    may have a half-term break inside it (R39)."""

    def __init__(
        self,
        *args: Any,
        year: int,
        initial_dates: dict,
        initial_half_terms: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        initial_half_terms = initial_half_terms or {}
        for term in TERM_ORDER:
            starts_on, ends_on = initial_dates[(year, term)]
            half_starts, half_ends = initial_half_terms.get(term, (None, None))
            label = Term(term).label
            self.fields[f"{term}_starts_on"] = forms.DateField(
                label=f"{label}: first day", initial=starts_on, widget=DateInput
            )
            self.fields[f"{term}_ends_on"] = forms.DateField(
                label=f"{label}: last day", initial=ends_on, widget=DateInput
            )
            self.fields[f"{term}_half_term_starts_on"] = forms.DateField(
                label=f"{label}: first day of the half-term break",
                initial=half_starts,
                required=False,
                widget=DateInput,
                help_text="Leave both half-term dates empty if there is no break.",
            )
            self.fields[f"{term}_half_term_ends_on"] = forms.DateField(
                label=f"{label}: last day of the half-term break",
                initial=half_ends,
                required=False,
                widget=DateInput,
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, last = datetime.date(self.year, 9, 1), datetime.date(self.year + 1, 8, 31)
        previous_end = None
        for term in TERM_ORDER:
            starts_on = cleaned.get(f"{term}_starts_on")
            ends_on = cleaned.get(f"{term}_ends_on")
            if not starts_on or not ends_on:
                previous_end = None
                continue
            label = Term(term).label
            if ends_on < starts_on:
                self.add_error(f"{term}_ends_on", f"The {label.lower()} ends before it starts.")
            elif not (first <= starts_on and ends_on <= last):
                self.add_error(
                    f"{term}_starts_on",
                    f"The {label.lower()} must fall between {first:%-d %B %Y} and "
                    f"{last:%-d %B %Y}.",
                )
            elif previous_end and starts_on <= previous_end:
                self.add_error(
                    f"{term}_starts_on",
                    f"The {label.lower()} starts before the term before it has ended.",
                )
            else:
                self._check_half_term(term, label, starts_on, ends_on)
            previous_end = ends_on
        return cleaned

    def _check_half_term(
        self, term: str, label: str, starts_on: datetime.date, ends_on: datetime.date
    ) -> None:
        names = f"{term}_half_term_starts_on", f"{term}_half_term_ends_on"
        if any(name in self.errors for name in names):
            return
        half_starts, half_ends = (self.cleaned_data.get(name) for name in names)
        if half_starts is None and half_ends is None:
            return
        if half_starts is None or half_ends is None:
            self.add_error(
                names[0] if half_starts is None else names[1],
                f"Give both the first and the last day of the {label.lower()}'s half-term "
                "break, or neither.",
            )
        elif half_ends < half_starts:
            self.add_error(
                names[1], f"The {label.lower()}'s half-term break ends before it starts."
            )
        elif not (starts_on < half_starts and half_ends < ends_on):
            self.add_error(
                names[0],
                f"The {label.lower()}'s half-term break must fall inside the term, after "
                f"{starts_on:%-d %B %Y} and before {ends_on:%-d %B %Y}.",
            )

    def dates(self) -> dict[str, tuple[datetime.date, datetime.date]]:
        return {
            term: (self.cleaned_data[f"{term}_starts_on"], self.cleaned_data[f"{term}_ends_on"])
            for term in TERM_ORDER
        }

    def half_terms(self) -> dict[str, tuple[datetime.date | None, datetime.date | None]]:
        return {
            term: (
                self.cleaned_data.get(f"{term}_half_term_starts_on"),
                self.cleaned_data.get(f"{term}_half_term_ends_on"),
            )
            for term in TERM_ORDER
        }


class NewSchoolYearForm(forms.Form):
    """The new school year at one setting (R38): its first day, its leaving year and
    where the leavers go (schoolcalendar/school_year.py)."""

    starts_on = forms.DateField(
        label="First day of the new school year",
        widget=DateInput,
        help_text="The leavers' leaving date is the last day of the summer term before it "
        "(from the term dates), or the day before this date where no term dates are set.",
    )
    leaving_year_group = forms.ChoiceField(
        label="Leaving year",
        choices=YearGroup.choices,
        help_text="The last year group of this school or pre-school: its pupils, and any in "
        "a year group above it, become former pupils. Every other year group moves up one.",
    )
    destination = forms.CharField(
        label="Where the leavers go next (optional)",
        max_length=200,
        required=False,
        help_text="One for the whole leaving year, for example Secondary school. Leave "
        "empty to keep what each pupil's record says.",
    )
    empty_classes = forms.BooleanField(
        label="Empty the classes of the pupils who move up",
        required=False,
        help_text="Their classes or rooms change with the year; the next import or MIS "
        "sync fills them in. Leavers keep their last class.",
    )
