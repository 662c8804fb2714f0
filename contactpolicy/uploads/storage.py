"""Keeping an uploaded file and handing it back: a generated name, and a download the
browser never runs."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils import timezone


def generated_path(folder: str, filename: str) -> str:
    """A generated storage name: nothing of the uploaded name reaches the file system."""
    extension = PurePath(filename).suffix.lower()[:8]
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


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
