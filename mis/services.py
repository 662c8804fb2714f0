"""Connecting a school to its MIS and syncing from it (R38, #20): the services and
selectors behind the connection page, "Sync now" and the nightly sync.

Only the school's administrators (directly, or through its trust or federation) see or
change its connection. The token is encrypted before it is saved
(mis/tokens.py) and is in no audit row: the audit says who set the
connection, the school id, and whether the token was changed.

A sync runs in the background worker: it reads the source (Wonde) whole, then hands the
datasets to the import pipeline in one call (:func:`import_datasets`), which adds,
updates, marks leavers as former pupils and never deletes. A source that fails, however
far it got, hands over nothing, so nothing is half-imported; the sync says why it
stopped. Each sync after the first asks only for what changed since the last one that
finished began (``updated_after``).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import tablib
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.tasks import task
from django.utils import timezone

from contactpolicy.scheduled import run_each, summary
from contactpolicy.services import audit_event_record
from contactpolicy.tasks import enqueue
from directory.access import Access
from directory.models import Organisation, Person, Role
from mis.audit_actions import (
    MIS_CONNECTION_CHANGED,
    MIS_CONNECTION_SET,
    MIS_SYNC_FAILED,
    MIS_SYNC_REQUESTED,
)
from mis.exceptions import MisConnectionError
from mis.models import MisConnection, MisSync
from mis.tokens import TokenUnreadable, token_decrypt, token_encrypt
from mis.wonde import WondeClient, WondeSource
from onboarding.imports.services import ImportNotAllowed, import_sync
from onboarding.imports.sources import Source, SourceError
from onboarding.models import ImportRun

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "The sync stopped on a fault in the register itself, so nothing was changed. It is "
    "in the service's log for its operators; try again later."
)


# Selectors -------------------------------------------------------------------------------


def mis_organisations_for(*, user: Any) -> QuerySet[Organisation]:
    """The schools and pre-schools whose MIS connection this person may see and set:
    those they are an administrator of, directly or through the trust or federation."""
    return (
        Access.for_user(user)
        .settings(Role.ADMINISTRATOR)
        .select_related("mis_connection")
        .order_by("name")
    )


def mis_syncs_for(*, user: Any) -> QuerySet[MisSync]:
    return MisSync.objects.filter(
        connection__organisation__in=mis_organisations_for(user=user)
    ).select_related("connection__organisation", "requested_by")


def mis_connection_of(organisation: Organisation) -> MisConnection | None:
    try:
        return organisation.mis_connection
    except MisConnection.DoesNotExist:
        return None


# The connection --------------------------------------------------------------------------


def _administered(actor: Any, organisation: Organisation) -> None:
    if not mis_organisations_for(user=actor).filter(pk=organisation.pk).exists():
        raise MisConnectionError(
            f"Only an administrator of {organisation} can connect it to its MIS."
        )


@transaction.atomic
def mis_connection_set(
    *,
    actor: Person,
    organisation: Organisation,
    school_id: str,
    token: str = "",
    enabled: bool = True,
    request: HttpRequest | None = None,
) -> MisConnection:
    """Set the organisation's Wonde school id and access token (an empty ``token``
    keeps the one saved), audited without the token."""
    _administered(actor, organisation)
    connection = MisConnection.objects.select_for_update().filter(organisation=organisation).first()
    school_id = school_id.strip().upper()
    token = token.strip()
    if connection is None:
        if not token:
            raise MisConnectionError(
                "Enter the access token: Wonde gives it when the school approves the "
                "register, on the school's page in the Wonde dashboard."
            )
        connection = MisConnection(organisation=organisation)
        changed = ["school_id", "token", "enabled"]
    else:
        changed = [
            name
            for name, differs in (
                ("school_id", connection.school_id != school_id),
                ("token", bool(token)),
                ("enabled", connection.enabled != enabled),
            )
            if differs
        ]
        if not changed:
            return connection
    created = connection.pk is None
    connection.school_id = school_id
    connection.enabled = enabled
    if token:
        connection.token_encrypted = token_encrypt(token)
    if "school_id" in changed and connection.pk:
        # Another school: the next sync reads it whole.
        connection.last_synced_at = None
    connection.changed_at = timezone.now()
    connection.changed_by = actor
    connection.full_clean(exclude=["token_encrypted", "organisation"])
    connection.save()
    audit_event_record(
        actor=actor,
        action=MIS_CONNECTION_SET if created else MIS_CONNECTION_CHANGED,
        target=connection,
        data={
            "provider": connection.provider,
            "school_id": connection.school_id,
            "enabled": connection.enabled,
            "token_changed": "token" in changed,
            "changed": changed,
        },
        request=request,
    )
    return connection


def source_for(connection: MisConnection) -> Source:
    """The source the connection reads (its token decrypted only here, for the client)."""
    return WondeSource(
        WondeClient(school_id=connection.school_id, token=token_decrypt(connection.token_encrypted))
    )


def mis_connection_check(*, connection: MisConnection) -> str:
    """Whether the source answers for the connection: its sentence, or the
    :class:`MisConnectionError` saying why not."""
    try:
        return source_for(connection).check()
    except (SourceError, TokenUnreadable) as error:
        raise MisConnectionError(str(error)) from None


# Syncing ---------------------------------------------------------------------------------


def _stale_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(minutes=settings.TASK_RUNNING_TIMEOUT_MINUTES)


def _in_progress(connection: MisConnection, now: datetime.datetime) -> MisSync | None:
    """The connection's sync that is waiting or running (not one a killed worker left,
    nor one queued a day ago that no worker took)."""
    return connection.syncs.filter(
        Q(status=MisSync.Status.QUEUED, requested_at__gte=now - datetime.timedelta(days=1))
        | Q(status=MisSync.Status.RUNNING, started_at__gte=_stale_before(now))
    ).first()


@transaction.atomic
def mis_sync_request(
    *, actor: Person, connection: MisConnection, request: HttpRequest | None = None
) -> MisSync:
    """ "Sync now": queue a sync for the worker (or give the one already waiting or
    running, rather than start a second)."""
    _administered(actor, connection.organisation)
    MisConnection.objects.select_for_update().filter(pk=connection.pk).first()
    waiting = _in_progress(connection, timezone.now())
    if waiting is not None:
        return waiting
    sync = MisSync.objects.create(
        connection=connection, trigger=MisSync.Trigger.BUTTON, requested_by=actor
    )
    audit_event_record(
        actor=actor,
        action=MIS_SYNC_REQUESTED,
        target=connection,
        data={"sync": sync.pk, "provider": connection.provider, "school_id": connection.school_id},
        request=request,
    )
    enqueue(mis_sync_task, sync_id=sync.pk)
    return sync


@task
def mis_sync_task(*, sync_id: int) -> str:
    """The worker's part of a sync (queued by "Sync now" or the nightly job)."""
    return mis_sync_perform(sync_id=sync_id).status


def mis_sync_perform(*, sync_id: int, now: datetime.datetime | None = None) -> MisSync:
    """Read the source whole, then import what it gave. Safe to run twice: a sync that
    has started (and is not one a killed worker left) is not started again."""
    now = now or timezone.now()
    with transaction.atomic():
        sync = (
            MisSync.objects.select_for_update(of=("self",))
            .select_related("connection__organisation", "requested_by")
            .get(pk=sync_id)
        )
        stale = sync.status == MisSync.Status.RUNNING and sync.started_at < _stale_before(now)
        if sync.status != MisSync.Status.QUEUED and not stale:
            return sync
        connection = sync.connection
        MisSync.objects.filter(pk=sync.pk).update(
            status=MisSync.Status.RUNNING,
            started_at=now,
            since=connection.last_synced_at,
            progress=f"Asking {connection.get_provider_display()} for the school's data",
        )
        sync.refresh_from_db(fields=["status", "started_at", "since", "progress"])

    def progress(text: str) -> None:
        MisSync.objects.filter(pk=sync.pk).update(progress=text[:200])

    try:
        datasets = source_for(connection).datasets(
            organisation=connection.organisation, since=sync.since, progress=progress
        )
    except (SourceError, TokenUnreadable) as error:
        return _sync_failed(sync, str(error))
    except Exception:
        logger.exception("MIS sync %s of %s failed", sync.pk, connection.organisation)
        _sync_failed(sync, UNEXPECTED)
        raise
    counts = {table: len(dataset) for table, dataset in datasets.items()}
    progress("Comparing with the register and saving the changes")
    try:
        run = import_datasets(
            organisation=connection.organisation,
            datasets=datasets,
            source=connection.provider,
            by=sync.requested_by,
        )
    except ImportNotAllowed as error:
        return _sync_failed(sync, str(error))
    except Exception:
        logger.exception("MIS sync %s of %s failed", sync.pk, connection.organisation)
        _sync_failed(sync, UNEXPECTED)
        raise
    with transaction.atomic():
        MisSync.objects.filter(pk=sync.pk).update(
            status=MisSync.Status.DONE,
            finished_at=timezone.now(),
            progress="",
            counts=counts,
            import_run=run,
        )
        MisConnection.objects.filter(pk=connection.pk).update(last_synced_at=sync.started_at)
    sync.refresh_from_db()
    return sync


def _sync_failed(sync: MisSync, message: str) -> MisSync:
    with transaction.atomic():
        MisSync.objects.filter(pk=sync.pk).update(
            status=MisSync.Status.FAILED, finished_at=timezone.now(), progress="", message=message
        )
        audit_event_record(
            actor=sync.requested_by,
            action=MIS_SYNC_FAILED,
            target=sync.connection,
            data={"sync": sync.pk, "trigger": sync.trigger, "reason": message},
        )
    sync.refresh_from_db()
    return sync


def import_datasets(
    *,
    organisation: Organisation,
    datasets: dict[str, tablib.Dataset],
    source: str,
    by: Person | None,
) -> ImportRun:
    """The one place a sync hands its data to the import pipeline (import_sync): checked
    and applied at once, the rows it cannot match left on the run for the administrator.
    Each row is numbered as in a spreadsheet, the headers being row 1."""
    tables = {
        table: [
            (number, dict(zip(dataset.headers, row, strict=True)))
            for number, row in enumerate(dataset, start=2)
        ]
        for table, dataset in datasets.items()
    }
    return import_sync(organisation=organisation, tables=tables, source=source, by=by)


# The nightly sync ------------------------------------------------------------------------


def mis_sync_nightly(today: datetime.date) -> str:
    """Every enabled connection synced once a night (a scheduled job: run twice in a
    day, it queues nothing the second time)."""
    counts: dict[str, int] = {"queued": 0, "failed": 0}
    connections = MisConnection.objects.filter(enabled=True).select_related("organisation")
    run_each(connections, lambda connection: _nightly(connection, today), counts, "queued")
    return summary("MIS syncs: {queued} queued.", counts)


@transaction.atomic
def _nightly(connection: MisConnection, today: datetime.date) -> bool:
    MisConnection.objects.select_for_update().filter(pk=connection.pk).first()
    if connection.syncs.filter(
        trigger=MisSync.Trigger.NIGHTLY, requested_at__date=today
    ).exists() or _in_progress(connection, timezone.now()):
        return False
    sync = MisSync.objects.create(connection=connection, trigger=MisSync.Trigger.NIGHTLY)
    enqueue(mis_sync_task, sync_id=sync.pk)
    return True
