"""Writes to the directory's own records: the school calendar (R39)."""

from __future__ import annotations

import datetime

from django.db import transaction

from contactpolicy.services import audit_event_record
from directory.access import POLICY_ROLES, Access
from directory.audit_actions import TERM_DATES_SET
from directory.exceptions import CalendarError
from directory.models import Organisation, Person, TermDates


@transaction.atomic
def term_dates_set(
    *,
    actor: Person,
    organisation: Organisation,
    year: int,
    dates: dict[str, tuple[datetime.date, datetime.date]],
    request=None,
) -> list[TermDates]:
    """Set the dates of the terms of one school year at an organisation."""
    if not Access.for_user(actor).acts_as(*POLICY_ROLES, organisation=organisation):
        raise CalendarError(
            "Only the head, the Executive Headteacher or an administrator sets term dates."
        )
    saved = []
    for term, (starts_on, ends_on) in dates.items():
        term_dates, _created = TermDates.objects.update_or_create(
            organisation=organisation,
            year=year,
            term=term,
            defaults={"starts_on": starts_on, "ends_on": ends_on},
        )
        saved.append(term_dates)
    audit_event_record(
        actor=actor,
        action=TERM_DATES_SET,
        target=organisation,
        data={"year": year, **{term: list(pair) for term, pair in dates.items()}},
        request=request,
    )
    return saved
