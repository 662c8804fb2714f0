"""What a Word document (.docx) may not carry: macros, controls or other files packed
inside it, and it may not be a zip bomb (a small file that unpacks to gigabytes).

A .docx is a zip archive. It is checked from the sizes the archive declares for each of
its parts, and from the first bytes of each part, without unpacking it: Python's zipfile
never gives back more of a part than its declared size, so the declared sizes are the
most it can unpack to. The old binary Word format (.doc) is not accepted at all
(contactpolicy/uploads/checks.py says why).
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from defusedxml import ElementTree
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from contactpolicy.exceptions import UploadRejected

SAVE_AGAIN = "Open it in Word, save it again as a Word document (.docx) or a PDF, and attach that."
MACROS = (
    f"This Word file contains macros or controls: small programs that run inside Word. {SAVE_AGAIN}"
)
EMBEDDED = (
    "This Word file has other files packed inside it (a spreadsheet, another document or a "
    "program). Save it as a PDF and attach that. If the other files matter, attach each "
    "one on its own."
)
UNREADABLE = f"This Word file could not be read: it may be damaged. {SAVE_AGAIN}"
LOCKED = (
    "This Word file is locked with a password, so it could not be checked. "
    "Save it again without the password, or as a PDF, and attach that."
)

# A letter has a dozen or two parts; one with hundreds of photos a few hundred.
MAX_PARTS = 1000
# A document's text compresses about ten times, its photos not at all. A hundred times
# is far beyond either; no real letter unpacks past this many bytes.
MAX_RATIO = 100
MAX_UNPACKED = 200 * 1024 * 1024
# Small parts compress well by chance (a few repeated XML tags): only a part, or a whole
# file, that unpacks to more than this is judged by its ratio.
RATIO_FLOOR = 1024 * 1024

# Parts that hold macros (VBA) or ActiveX controls, by name or content type.
MACRO_NAMES = {"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"}
MACRO_TYPES = ("macroenabled", "vbaproject", "vbadata", "activex")
# Parts that hold another file: OLE objects (an embedded spreadsheet, a packaged
# program) and archives, by content type or by their first bytes. Only signatures of
# four bytes or more: the obfuscated fonts Word embeds start with random bytes.
EMBEDDED_TYPES = ("oleobject",)
EMBEDDED_MAGIC = (
    b"PK\x03\x04",  # a zip: an embedded .xlsx, .docx or .zip
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # an OLE compound file: an embedded object, a .doc
    b"Rar!",
    b"7z\xbc\xaf\x27\x1c",
    b"MSCF",  # a Windows cabinet
)
CONTENT_TYPES = "[Content_Types].xml"
MAX_CONTENT_TYPES = 1024 * 1024


def _bomb(unpacked: int, size: int) -> UploadRejected:
    return UploadRejected(
        f"This Word file would grow to {filesizeformat(unpacked)} when opened, from "
        f"{filesizeformat(size)}: files packed like this are made to stop a computer "
        "working. Do not open it; ask whoever sent it for a PDF and attach that."
    )


def word_document_check(upload: UploadedFile) -> None:
    """Nothing, or UploadRejected saying in plain words what is wrong with the .docx."""
    size = upload.size
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
            _check_sizes(parts, size=size)
            _check_parts(archive, parts)
            _check_content_types(archive)
    except UploadRejected:
        raise
    except Exception as error:  # a damaged archive, a part that cannot be read
        raise UploadRejected(UNREADABLE) from error
    finally:
        upload.seek(0)


def _check_sizes(parts: list[zipfile.ZipInfo], *, size: int) -> None:
    if len(parts) > MAX_PARTS:
        raise UploadRejected(
            f"This Word file is made of {len(parts):,} parts, far more than a letter would "
            f"have, so it could not be checked. Save it as a PDF and attach that."
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED or (unpacked > RATIO_FLOOR and unpacked > MAX_RATIO * size):
        raise _bomb(unpacked, size)
    for part in parts:
        if part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * part.compress_size:
            raise _bomb(unpacked, size)


def _check_parts(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> None:
    for part in parts:
        if part.flag_bits & 0x1:
            raise UploadRejected(LOCKED)
        path = PurePosixPath(part.filename.lower())
        if path.name in MACRO_NAMES or any(folder == "activex" for folder in path.parts[:-1]):
            raise UploadRejected(MACROS)
        if "embeddings" in path.parts[:-1]:
            raise UploadRejected(EMBEDDED)
        if part.is_dir() or part.file_size == 0:
            continue
        with archive.open(part) as stream:
            start = stream.read(8)
        if start.startswith(EMBEDDED_MAGIC):
            raise UploadRejected(EMBEDDED)


def _check_content_types(archive: zipfile.ZipFile) -> None:
    """The package's list of its parts' types: a .docm renamed .docx says it has macros."""
    try:
        info = archive.getinfo(CONTENT_TYPES)
    except KeyError:
        return  # Word cannot open it either; nothing in it runs
    if info.file_size > MAX_CONTENT_TYPES:
        raise UploadRejected(UNREADABLE)
    with archive.open(info) as stream:
        root = ElementTree.fromstring(stream.read(MAX_CONTENT_TYPES))
    for entry in root.iter():
        content_type = (entry.get("ContentType") or "").lower()
        if any(word in content_type for word in MACRO_TYPES):
            raise UploadRejected(MACROS)
        if any(word in content_type for word in EMBEDDED_TYPES):
            raise UploadRejected(EMBEDDED)
