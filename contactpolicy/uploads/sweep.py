"""The nightly sweep of uploaded files that no row points at.

An upload is written inside the step that saves its row and is removed when that step
fails (``upload_kept``), but a file can still outlive its row: the transaction around
the step fails to commit, or the process is killed between the write and the commit.
Such a file is named like every upload (``generated_path``) and no row of any model
with a file field names it. Once it is a day old, so that no upload still being saved is
touched, the sweep removes it and puts the count on the audit trail. A file a row points
at, a file the sweep did not name, and anything outside the uploads' folders stay.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterable, Iterator
from itertools import batched

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils import timezone

from contactpolicy.audit_actions import UPLOADS_ORPHANS_REMOVED
from contactpolicy.scheduled import summary
from contactpolicy.services import audit_event_record

logger = logging.getLogger(__name__)

ORPHAN_AGE = datetime.timedelta(days=1)
# <folder>/<year>/<month>/<uuid4 hex><extension>, as generated_path names them.
GENERATED = re.compile(r"[a-z_]+/\d{4}/\d{2}/[0-9a-f]{32}(\.[a-z0-9]{1,7})?")
BATCH = 500


def uploads_sweep(today: datetime.date) -> str:
    """Scheduled: remove uploaded files that no row points at, a day after they were
    written. Running it twice removes nothing twice."""
    counts = {"removed": 0, "failed": 0}
    removed: list[str] = []
    cutoff = timezone.now() - ORPHAN_AGE
    for storage, fields in _storages_and_their_file_fields().items():
        old = [name for name in _uploads_in(storage) if storage.get_modified_time(name) < cutoff]
        for batch in batched(old, BATCH):
            pointed_at = _names_rows_point_at(fields, batch)
            for name in batch:
                if name in pointed_at:
                    continue
                try:
                    storage.delete(name)
                except Exception:
                    logger.exception("The sweep could not remove %s", name)
                    counts["failed"] += 1
                else:
                    removed.append(name)
    counts["removed"] = len(removed)
    if removed:
        logger.info("The sweep removed %d uploaded files no record points at", len(removed))
        with transaction.atomic():
            audit_event_record(
                actor=None,
                action=UPLOADS_ORPHANS_REMOVED,
                data={"removed": len(removed), "files": removed[:100]},
            )
    return summary("Uploaded files: {removed} left-over files removed.", counts)


def _storages_and_their_file_fields() -> dict[Storage, list[models.FileField]]:
    """Each storage any model keeps files in, with every file field kept there: the
    sweep asks them all, whatever app the model belongs to, its history included."""
    by_storage: dict[Storage, list[models.FileField]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                by_storage.setdefault(field.storage, []).append(field)
    return by_storage


def _uploads_in(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file in the storage named as an upload is named, folder by folder."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        path = f"{folder}/{name}" if folder else name
        if GENERATED.fullmatch(path):
            yield path
    for sub in folders:
        yield from _uploads_in(storage, f"{folder}/{sub}" if folder else sub)


def _names_rows_point_at(fields: Iterable[models.FileField], names: Iterable[str]) -> set[str]:
    names = list(names)
    pointed_at: set[str] = set()
    for field in fields:
        pointed_at.update(
            field.model._base_manager.filter(**{f"{field.attname}__in": names}).values_list(
                field.attname, flat=True
            )
        )
    return pointed_at
