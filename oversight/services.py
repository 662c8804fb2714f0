"""Writes of the oversight app: saved governors' summaries, and the record of who read
the audit history or the patterns (R33, R34)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from contactpolicy.services import audit_event_record
from directory.access import SUMMARY_PUBLISH_ROLES, SUMMARY_SAVE_ROLES, Access
from directory.models import Organisation, Person
from oversight import notifications
from oversight.audit_actions import (
    AUDIT_EXPORTED,
    AUDIT_SEARCHED,
    SUMMARY_DOWNLOADED,
    SUMMARY_PUBLISHED,
    SUMMARY_READ,
    SUMMARY_SAVED,
)
from oversight.exceptions import OversightError
from oversight.models import SummarySnapshot
from oversight.summaries import summary_build
from schoolcalendar.periods import Period


def audit_history_read(*, actor: Person, filters: dict[str, Any], exported: bool, request=None):
    """Reading the audit history is audited too."""
    audit_event_record(
        actor=actor,
        action=AUDIT_EXPORTED if exported else AUDIT_SEARCHED,
        data={"filters": {key: value for key, value in filters.items() if value}},
        request=request,
    )


def summary_read(
    *,
    actor: Person,
    report: dict[str, Any],
    snapshot: SummarySnapshot | None = None,
    fmt: str = "",
    request=None,
) -> None:
    """Every read of a governors' summary is audited (R34, #22): on the page, saved, or
    downloaded as a PDF or CSV (``fmt``). Filed under its organisation; a saved one
    names its snapshot. Its figures are never written, only which period it covers."""
    if snapshot is not None:
        where = snapshot.organisation_id
        period = {
            "token": snapshot.period,
            "starts_on": snapshot.starts_on.isoformat(),
            "ends_on": snapshot.ends_on.isoformat(),
        }
    else:
        where, period = report["organisation_id"], report["period"]
    audit_event_record(
        actor=actor,
        action=SUMMARY_DOWNLOADED if fmt else SUMMARY_READ,
        target=snapshot,
        organisation_pk=where,
        data={
            "period": period["token"],
            "starts_on": period["starts_on"],
            "ends_on": period["ends_on"],
            **({"format": fmt.upper()} if fmt else {}),
        },
        request=request,
    )


@transaction.atomic
def summary_snapshot_save(
    *,
    actor: Person,
    organisation: Organisation,
    period: Period,
    publish: bool = False,
    today: datetime.date | None = None,
    request=None,
) -> SummarySnapshot:
    """Keep the summary as it stands today, for the board papers; with ``publish``, the
    head or Executive Headteacher tells the governors it is ready (an email with a link,
    never a figure)."""
    access = Access.for_user(actor)
    if not access.acts_as(*SUMMARY_SAVE_ROLES, organisation=organisation):
        raise OversightError(
            "Only the head, the Executive Headteacher or an administrator saves a summary "
            "for the board papers."
        )
    if publish and not access.acts_as(*SUMMARY_PUBLISH_ROLES, organisation=organisation):
        raise OversightError("Only the head or the Executive Headteacher publishes a summary.")
    snapshot = SummarySnapshot.objects.create(
        organisation=organisation,
        period=period.token,
        title=period.full_title,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        data=summary_build(organisation=organisation, period=period, today=today),
        saved_by=actor,
        published=publish,
    )
    audit_event_record(
        actor=actor,
        action=SUMMARY_PUBLISHED if publish else SUMMARY_SAVED,
        target=snapshot,
        organisation_pk=organisation.pk,
        data={"period": period.token, "starts_on": period.starts_on, "ends_on": period.ends_on},
        request=request,
    )
    if publish:
        notifications.summary_published(snapshot.pk)
    return snapshot
