"""Writes to the school calendar: the term dates of a school year (R39)."""

from __future__ import annotations

import datetime

from django.db import transaction

from contactpolicy.services import audit_event_record
from directory.access import POLICY_ROLES, Access
from directory.models import Organisation, Person
from schoolcalendar.audit_actions import TERM_DATES_SET
from schoolcalendar.exceptions import CalendarError
from schoolcalendar.models import TermDates


@transaction.atomic
def term_dates_set(
    *,
    actor: Person,
    organisation: Organisation,
    year: int,
    dates: dict[str, tuple[datetime.date, datetime.date]],
    half_terms: dict[str, tuple[datetime.date | None, datetime.date | None]] | None = None,
    request=None,
) -> list[TermDates]:
    """Set the dates of the terms of one school year at an organisation, with their
    half-term breaks (R39). The form checks the terms of the year against each other;
    this checks them against the organisation's other years."""
    if not Access.for_user(actor).acts_as(*POLICY_ROLES, organisation=organisation):
        raise CalendarError(
            "Only the head, the Executive Headteacher or an administrator sets term dates."
        )
    half_terms = half_terms or {}
    saved = []
    for term, (starts_on, ends_on) in dates.items():
        half_starts, half_ends = half_terms.get(term, (None, None))
        term_dates = TermDates.objects.filter(
            organisation=organisation, year=year, term=term
        ).first() or TermDates(organisation=organisation, year=year, term=term)
        term_dates.starts_on, term_dates.ends_on = starts_on, ends_on
        term_dates.half_term_starts_on, term_dates.half_term_ends_on = half_starts, half_ends
        clash = term_dates.overlapping().exclude(year=year).first()
        if clash is not None:
            raise CalendarError(
                f"The {term_dates.get_term_display().lower()} overlaps the "
                f"{clash.get_term_display().lower()} {clash.year} to {clash.year + 1}: "
                "two terms cannot share a day."
            )
        term_dates.save()
        saved.append(term_dates)
    audit_event_record(
        actor=actor,
        action=TERM_DATES_SET,
        target=organisation,
        data={
            "year": year,
            **{term: list(pair) for term, pair in dates.items()},
            "half_terms": {term: list(pair) for term, pair in half_terms.items()},
        },
        request=request,
    )
    return saved
