from __future__ import annotations

import datetime
from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from contactpolicy.forms import DateInput
from directory.identity.rules import password_refusal
from directory.identity.services import password_sign_in_refused
from directory.models import Term, YearGroup
from directory.periods import TERM_ORDER


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
    where the leavers go (directory/school_year.py)."""

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


class ImportUploadForm(forms.Form):
    """The MIS's spreadsheets for one organisation: any of the four tables, each a file."""

    organisation = forms.ModelChoiceField(
        queryset=None,
        label="Import into",
        empty_label=None,
        help_text="A trust or federation's files may name any of its schools in a School "
        "column; a school's files need none.",
    )
    staff = forms.FileField(
        label="Staff",
        required=False,
        help_text="Email, forename, surname; optional school, role, job title, line manager "
        "email, start and end dates.",
    )
    pupils = forms.FileField(
        label="Pupils",
        required=False,
        help_text="Admission number (Adno), legal forename and surname, date of birth; "
        "optional UPN, preferred names, year, class, school, status and leaving date.",
    )
    families = forms.FileField(
        label="Family members and contacts",
        required=False,
        help_text="Forename, surname, relationship, the children's admission numbers "
        "(separated by ;); optional contact id, parental responsibility (yes or no), "
        "email and telephone.",
    )
    line_management = forms.FileField(
        label="Line management",
        required=False,
        help_text="Email of the member of staff and of their line manager.",
    )

    TABLES = ("staff", "pupils", "families", "line_management")

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        for name in self.TABLES:
            self.fields[name].widget.attrs["accept"] = (
                ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        given = [name for name in self.TABLES if cleaned.get(name)]
        if not given and not self.errors:
            raise forms.ValidationError("Choose at least one file to import.")
        limit = settings.IMPORT_MAX_BYTES
        for name in given:
            upload = cleaned[name]
            if upload.size > limit:
                self.add_error(
                    name,
                    f"The file is {filesizeformat(upload.size)}; a file can be up to "
                    f"{filesizeformat(limit)}. Split it, for example one file per school.",
                )
        return cleaned

    def files_read(self) -> dict[str, tuple[str, bytes]]:
        return {
            name: (upload.name, upload.read())
            for name in self.TABLES
            if (upload := self.cleaned_data.get(name))
        }


class ImportRowForm(forms.Form):
    """One row of an import, its cells to correct."""

    def __init__(
        self,
        *args,
        columns: tuple[str, ...],
        values: dict[str, str],
        labels: dict[str, str],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        for column in columns:
            self.fields[column] = forms.CharField(
                label=labels[column],
                required=False,
                initial=values.get(column, ""),
                max_length=300,
            )
