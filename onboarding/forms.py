"""Onboarding's forms: the new school year, the files of an import and one row of it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat


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
