"""Files as people attach them, built in the tests: real PDFs (pypdf's writer), real Word
documents (zip archives as Word writes them), photos, and the hostile ones the uploads
refuse (a PDF whose script runs when it is opened, a Word file with macros, a zip bomb).
Each is small on disk; the zip bomb is built once for the session."""

from __future__ import annotations

import errno
import functools
import io
import struct
import zipfile
import zlib
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# PDFs -----------------------------------------------------------------------------------


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _one_page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # A4
    return writer


@functools.cache
def pdf_bytes(size: int | None = None) -> bytes:
    """A real one-page PDF, as a scanner or Print to PDF makes; exactly ``size`` bytes
    when asked (padded in its metadata, so that it stays a well-formed PDF)."""
    if size is None:
        return _written(_one_page())
    padding = 0
    for _ in range(3):  # the padding's length is linear in the file's, once it is there
        writer = _one_page()
        writer.add_metadata({"/Subject": "x" * max(padding, 1)})
        written = _written(writer)
        if len(written) == size:
            return written
        padding += size - len(written)
    raise ValueError(f"A PDF of exactly {size} bytes cannot be made")


def _with_open_action(action: DictionaryObject) -> PdfWriter:
    writer = _one_page()
    writer.root_object[NameObject("/OpenAction")] = action
    return writer


def pdf_with_open_script() -> bytes:
    """A PDF whose catalog runs JavaScript as it opens (/OpenAction)."""
    return _written(
        _with_open_action(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Action"),
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject("app.alert('Hello');"),
                }
            )
        )
    )


def pdf_with_obfuscated_script() -> bytes:
    """The same, with the names written in hex escapes (/#4A#53 is /JS) so that a search
    of the bytes for "/JS" or "/JavaScript" finds nothing."""
    written = _written(
        _with_open_action(
            DictionaryObject(
                {
                    NameObject("/S"): NameObject("/Qqqqqqqqqqqqqq"),
                    NameObject("/Zzzzzz"): TextStringObject("app.alert('Hello');"),
                }
            )
        )
    )
    # Names of the same length, so that every offset in the file stays right.
    hidden = written.replace(b"/Qqqqqqqqqqqqqq", b"/J#61v#61Script").replace(b"/Zzzzzz", b"/#4A#53")
    assert b"/JS" not in hidden
    assert b"/JavaScript" not in hidden
    return hidden


def pdf_with_launch_action() -> bytes:
    """A PDF that starts a program as it opens."""
    return _written(
        _with_open_action(
            DictionaryObject(
                {
                    NameObject("/S"): NameObject("/Launch"),
                    NameObject("/F"): TextStringObject("cmd.exe"),
                }
            )
        )
    )


def pdf_with_embedded_file() -> bytes:
    """A PDF carrying another file (here a Windows program) in its attachments."""
    writer = _one_page()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00" + bytes(200))
    return _written(writer)


def pdf_with_rich_media() -> bytes:
    """A PDF with a Flash annotation on its page."""
    writer = _one_page()
    writer.pages[0][NameObject("/Annots")] = ArrayObject(
        [
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/RichMedia"),
                    NameObject("/Rect"): ArrayObject([]),
                }
            )
        ]
    )
    return _written(writer)


def pdf_with_xfa(xml: bytes) -> bytes:
    """A PDF with an XFA form (Adobe's XML forms) holding ``xml``."""
    writer = _one_page()
    stream = DecodedStreamObject()
    stream.set_data(xml)
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject([]),
            NameObject("/XFA"): ArrayObject(
                [TextStringObject("template"), writer._add_object(stream)]
            ),
        }
    )
    return _written(writer)


def pdf_with_many_parts(count: int) -> bytes:
    """A PDF holding ``count`` empty arrays: a file far more intricate than any letter."""
    writer = _one_page()
    writer.root_object[NameObject("/Filler")] = ArrayObject(ArrayObject() for _ in range(count))
    return _written(writer)


def pdf_locked(*, user_password: str) -> bytes:
    """A PDF encrypted with ``user_password`` to open it (empty: anyone may open it,
    only changing it needs the owner's password)."""
    writer = _one_page()
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    return _written(writer)


def pdf_with_script_in_an_object_stream() -> bytes:
    """A PDF 1.5 whose JavaScript action sits compressed in an object stream, listed by a
    compressed cross-reference stream: nothing of it shows in the bytes."""
    action = b"<</S/JavaScript/JS(app.alert('Hello');)>>"
    header = b"4 0 "
    packed = zlib.compress(header + action)
    parts = [b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"]
    offsets: dict[int, int] = {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = sum(map(len, parts))
        parts.append(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    add(1, b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>")
    add(2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>")
    add(3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>")
    add(
        5,
        b"<</Type/ObjStm/N 1/First %d/Filter/FlateDecode/Length %d>>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream",
    )
    xref_at = sum(map(len, parts))
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[number], 0) for number in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 5, 0)]  # object 4: the first in object stream 5
    rows += [struct.pack(">BIH", 1, offsets[5], 0), struct.pack(">BIH", 1, xref_at, 0)]
    table = zlib.compress(b"".join(rows))
    parts.append(
        b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Filter/FlateDecode/Length %d>>"
        b"\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    written = b"".join(parts)
    assert b"JavaScript" not in written
    assert b"/JS" not in written
    return written


# Word documents ---------------------------------------------------------------------------


def content_types(*overrides: tuple[str, str], main: str = WORD_MAIN) -> str:
    rows = "".join(
        f'<Override PartName="{part}" ContentType="{kind}"/>'
        for part, kind in (("/word/document.xml", main), *overrides)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        f"{rows}</Types>"
    )


def docx_bytes(parts: dict[str, bytes | str] | None = None, *, types: str | None = None) -> bytes:
    """A Word document as Word writes one: its content types, relationships, the
    document's text and a photo; ``parts`` adds to them or replaces them."""
    buffer = io.BytesIO()
    every = {
        "[Content_Types].xml": types or content_types(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            'officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            "Dear Mrs Smith, thank you for the lovely card.</w:t></w:r></w:p></w:body>"
            "</w:document>"
        ),
        "word/media/image1.png": png_bytes(),
        **(parts or {}),
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in every.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_with_macros() -> bytes:
    """A macro-enabled document (.docm) renamed .docx: its macros in vbaProject.bin."""
    return docx_bytes(
        {"word/vbaProject.bin": OLE_MAGIC + bytes(1000)},
        types=content_types(
            ("/word/vbaProject.bin", "application/vnd.ms-office.vbaProject"), main=MACRO_MAIN
        ),
    )


@functools.cache
def docx_bomb(megabytes: int = 100) -> bytes:
    """A well-formed Word document of about a hundred kilobytes whose text unpacks to
    ``megabytes`` MB of zeros: written part by part, never held in memory whole."""
    buffer = io.BytesIO(docx_bytes())
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/header1.xml", "w", force_zip64=True) as part,
    ):
        block = bytes(1024 * 1024)
        for _ in range(megabytes):
            part.write(block)
    return buffer.getvalue()


def doc_bytes() -> bytes:
    """The start of an old binary Word file (.doc): an OLE compound file whose first
    sector holds Word's own signature."""
    return OLE_MAGIC + bytes(504) + b"\xec\xa5\xc1\x00" + bytes(3000)


# Photos and others ------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A real one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# A disk that fills up ---------------------------------------------------------------------


class _FillsTheDisk(File):
    """An upload whose second chunk finds the disk full, as the write to it would."""

    def chunks(self, chunk_size=None):
        self.file.seek(0)
        yield self.file.read(100)
        raise OSError(errno.ENOSPC, "No space left on device")


class DiskFillsUp(FileSystemStorage):
    """Our own file storage on a disk that fills up half-way through a write: Django's
    real write starts, the first part of the file lands on disk, then ENOSPC. What was
    left on disk at that moment is in ``left_behind``, so a test can tell that the
    write really left a partial file for the service to clean up."""

    left_behind: dict[str, int] = {}

    def _save(self, name, content):
        try:
            return super()._save(name, _FillsTheDisk(content))
        except OSError:
            path = Path(self.path(name))
            DiskFillsUp.left_behind[name] = path.stat().st_size if path.exists() else -1
            raise


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
