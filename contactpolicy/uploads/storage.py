"""Keeping an uploaded file and handing it back: a generated name, a write that never
outlives a failed save of its row, and a download the browser never runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.core.files import File
from django.core.files.storage import Storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils import timezone

logger = logging.getLogger(__name__)


def generated_path(folder: str, filename: str) -> str:
    """A generated storage name: nothing of the uploaded name reaches the file system.
    The nightly sweep (contactpolicy/uploads/sweep.py) knows uploads by this shape."""
    extension = PurePath(filename).suffix.lower()[:8]
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


@contextmanager
def upload_kept(
    instance: models.Model, field_name: str, upload: File | None, name: str
) -> Iterator[None]:
    """Write ``upload`` as the file of ``instance``'s ``field_name``, then run the block
    that saves the row pointing at it and audits it. If anything fails, the write itself
    (a full disk), the row or the audit, the file is removed, however much of it was
    written, and the error goes on: no file is left without its row. With no upload the
    block just runs.

    A file whose row is lost afterwards (the transaction around the block fails to
    commit, the process is killed) is removed by the nightly sweep."""
    if upload is None:
        yield
        return
    field_file: FieldFile = getattr(instance, field_name)
    field, storage = field_file.field, field_file.storage
    # The name is chosen before the write so that a write that fails half-way can still
    # be found and removed. It holds a fresh uuid4, so it is nobody else's file.
    written = storage.get_available_name(
        field.generate_filename(instance, name), max_length=field.max_length
    )
    try:
        written = storage.save(written, upload, max_length=field.max_length)
        setattr(instance, field.attname, written)  # the row points at the file as written
        yield
    except BaseException:
        _remove(storage, written)
        setattr(instance, field.attname, "")
        raise


def _remove(storage: Storage, name: str) -> None:
    """Remove a file kept for a row that was not saved, without hiding why it was not."""
    try:
        storage.delete(name)
    except Exception:
        logger.exception("Could not remove %s after its upload failed; the sweep will", name)


def file_download(file: FieldFile, *, name: str, content_type: str) -> FileResponse:
    """A stored file, always as a download and never run by the browser; 404 if the
    file is missing."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
