"""The school calendar in the administration screens, scoped and audited as the
directory's records are (directory/admin.py)."""

from django import forms
from django.contrib import admin

from directory.admin import AuditedAdmin
from schoolcalendar import audit_actions
from schoolcalendar.models import ClosureDay, TermDates

# The school calendar (R39): the terms with their half-terms, and the INSET and other
# closure days, that due dates count school days by (schoolcalendar/calendar.py).


@admin.register(TermDates)
class TermDatesAdmin(AuditedAdmin):
    """The model's clean() refuses a term that runs backwards, falls outside its school
    year, overlaps another term of the organisation, or has its half-term outside it."""

    audit_created = audit_actions.TERM_DATES_CREATED
    audit_changed = audit_actions.TERM_DATES_CHANGED
    scope_lookup = "organisation_id"
    list_display = [
        "organisation",
        "year",
        "term",
        "starts_on",
        "ends_on",
        "half_term_starts_on",
        "half_term_ends_on",
    ]
    list_filter = ["year", "term", ("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]
    fieldsets = [
        (None, {"fields": ["organisation", "year", "term"]}),
        (
            "The term",
            {
                "fields": ["starts_on", "ends_on"],
                "description": "The first and last day pupils are in school this term. A "
                "trust's or federation's dates apply to its schools unless a school sets "
                "its own for the term.",
            },
        ),
        (
            "Half-term",
            {
                "fields": ["half_term_starts_on", "half_term_ends_on"],
                "description": "The break inside the term, from its first to its last "
                "weekday (for example Monday 26 to Friday 30 October 2026).",
            },
        ),
    ]


class ClosureDayForm(forms.ModelForm):
    class Meta:
        model = ClosureDay
        fields = ["organisation", "starts_on", "ends_on", "reason", "note"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].required = False


@admin.register(ClosureDay)
class ClosureDayAdmin(AuditedAdmin):
    """INSET days and other days a setting is closed in term time: not school days."""

    form = ClosureDayForm
    audit_created = audit_actions.CLOSURE_DAY_CREATED
    audit_changed = audit_actions.CLOSURE_DAY_CHANGED
    scope_lookup = "organisation_id"
    list_display = ["organisation", "starts_on", "ends_on", "reason", "note"]
    list_filter = ["reason", ("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "note"]
    date_hierarchy = "starts_on"
