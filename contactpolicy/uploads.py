"""Uploaded files (a declaration's attachment, a policy document, a training
certificate): checking one before it is kept, naming it, and handing it back. Files
are recognised by their content, not their name, and must be small enough (R11, R29,
R31)."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename

from contactpolicy.exceptions import UploadRejected

# What may be attached, recognised by content; the name's extension must agree.
UPLOAD_TYPES = {
    "pdf": ("application/pdf", {".pdf"}),
    "jpg": ("image/jpeg", {".jpg", ".jpeg"}),
    "png": ("image/png", {".png"}),
    "gif": ("image/gif", {".gif"}),
    "webp": ("image/webp", {".webp"}),
    "heic": ("image/heic", {".heic", ".heif"}),
    "doc": ("application/msword", {".doc"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
}


def _is_word_document(upload: UploadedFile) -> bool:
    """A .docx is a zip holding word/document.xml, wherever it sits in the archive."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


def upload_check(upload: UploadedFile) -> tuple[str, str]:
    """The content type and a safe download name, or UploadRejected saying why."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise UploadRejected(
            f"The file is {filesizeformat(upload.size)}; files can be up to "
            f"{filesizeformat(limit)}. Try a smaller photo or scan."
        )
    if upload.size == 0:
        raise UploadRejected("The file is empty.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    extension = PurePath(upload.name or "").suffix.lower()
    if extension == ".docx" and (guessed is None or guessed.extension in {"zip", "docx"}):
        guessed = filetype.get_type(ext="docx") if _is_word_document(upload) else None
    if guessed is None or guessed.extension not in UPLOAD_TYPES:
        raise UploadRejected(
            "Only PDF files, photos (JPEG, PNG, GIF, WebP, HEIC) and Word documents can be "
            "attached. This file is none of those."
        )
    content_type, extensions = UPLOAD_TYPES[guessed.extension]
    if extension not in extensions:
        raise UploadRejected(
            f"The file's name ends in '{extension or 'nothing'}' but its content is "
            f"{guessed.extension.upper()}. Rename it or attach the original file."
        )
    try:
        stem = get_valid_filename(PurePath(upload.name).stem)[:80]
    except SuspiciousFileOperation:  # a name made only of characters that cannot be kept
        stem = "attachment"
    return content_type, f"{stem}{extension}"


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
