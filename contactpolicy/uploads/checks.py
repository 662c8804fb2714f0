"""Checking an uploaded file before it is kept: recognised by its content, not its name;
small enough; and nothing in it that runs, opens or unpacks when it is opened (a PDF's
scripts, a Word file's macros, a zip bomb). Each refusal says why in plain words."""

from __future__ import annotations

import zipfile
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename

from contactpolicy.exceptions import UploadRejected
from contactpolicy.uploads.office import word_document_check
from contactpolicy.uploads.pdf import pdf_check

# What may be attached, recognised by content; the name's extension must agree.
UPLOAD_TYPES = {
    "pdf": ("application/pdf", {".pdf"}),
    "jpg": ("image/jpeg", {".jpg", ".jpeg"}),
    "png": ("image/png", {".png"}),
    "gif": ("image/gif", {".gif"}),
    "webp": ("image/webp", {".webp"}),
    "heic": ("image/heic", {".heic", ".heif"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
}
# What is looked inside each type for, beyond its type and size.
CONTENT_CHECKS = {"pdf": pdf_check, "docx": word_document_check}
# The old binary Word format (.doc, Word 97 to 2003) is no longer taken: its macros and
# embedded objects hide in a format that only a heavy analyser (oletools) could check,
# and it is the format most used to attack computers through Word. Word has saved .docx
# since 2007; a .doc opened in Word saves as one in a moment. Files attached before stay
# as they are and can still be downloaded.
OLD_WORD = (
    "Old-style Word files (.doc) cannot be attached, because they can hide programs that "
    "cannot be checked. Open it in Word, save it as a Word document (.docx) or a PDF, and "
    "attach that."
)


def _is_word_document(upload: UploadedFile) -> bool:
    """A .docx is a zip holding word/document.xml, wherever it sits in the archive."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


def upload_name(upload: UploadedFile) -> str:
    """A safe download name for the upload: its own name, cleaned, with its extension."""
    path = PurePath(upload.name or "")
    try:
        stem = get_valid_filename(path.stem)[:80]
    except SuspiciousFileOperation:  # a name made only of characters that cannot be kept
        stem = "attachment"
    return f"{stem}{path.suffix.lower()[:8]}"


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
    if guessed is not None and guessed.extension == "doc":
        raise UploadRejected(OLD_WORD)
    if guessed is None or guessed.extension not in UPLOAD_TYPES:
        raise UploadRejected(
            "Only PDF files, photos (JPEG, PNG, GIF, WebP, HEIC) and Word documents (.docx) "
            "can be attached. This file is none of those."
        )
    content_type, extensions = UPLOAD_TYPES[guessed.extension]
    if extension not in extensions:
        raise UploadRejected(
            f"The file's name ends in '{extension or 'nothing'}' but its content is "
            f"{guessed.extension.upper()}. Rename it or attach the original file."
        )
    check = CONTENT_CHECKS.get(guessed.extension)
    if check is not None:
        check(upload)
    return content_type, upload_name(upload)
