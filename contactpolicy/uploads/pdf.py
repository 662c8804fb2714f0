"""What a PDF may not carry: anything that runs, opens or unpacks when the PDF is opened.

The PDF is read with pypdf, not searched as bytes: pypdf undoes what hides a name from a
byte search (``/#4A#53`` is ``/JS``), reads objects packed into compressed object
streams and repairs a damaged cross-reference table the way a viewer would. Every object
the file holds is looked at, whether or not the document links to it. A PDF that cannot
be read, or is locked with a password, cannot be checked, so it is refused too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.files.uploadedfile import UploadedFile
from pypdf import PasswordType, PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

from contactpolicy.exceptions import UploadRejected

SAVE_AGAIN = "Save it again as a plain PDF (Print to PDF) and attach that."
SCRIPT = f"This PDF contains a script that runs when it is opened. {SAVE_AGAIN}"
LAUNCH = (
    f"This PDF tries to open a program or another file on the computer that opens it. {SAVE_AGAIN}"
)
EMBEDDED = (
    "This PDF has other files hidden inside it. "
    f"{SAVE_AGAIN} If the other files matter, attach each one on its own."
)
MEDIA = f"This PDF contains Flash or other media that plays when it is opened. {SAVE_AGAIN}"
UNREADABLE = (
    "This PDF could not be read: it may be damaged, or not really a PDF. "
    "Open it, save it again as a PDF (Print to PDF) and attach that."
)
LOCKED = (
    "This PDF is locked with a password, so it could not be checked. "
    "Open it, save it again without the password (Print to PDF) and attach that."
)
TOO_COMPLEX = (
    "This PDF could not be checked: it is made of far more parts than a letter or a scan "
    f"would be. {SAVE_AGAIN}"
)

# A ten-page scan is made of under a hundred objects (dictionaries and arrays) and a
# long report of a few thousand; looking at this many takes about a second, and a
# file with more is not a card, a letter or a scan.
MAX_OBJECTS = 20_000

# Keys whose presence alone is the danger, wherever they are.
KEYS = {
    "/JS": SCRIPT,  # the script of a JavaScript action (also inside /OpenAction, /AA)
    "/JavaScript": SCRIPT,  # the document's named scripts, run as it opens
    "/OnInstantiate": SCRIPT,  # a 3D model's script
    "/EmbeddedFiles": EMBEDDED,  # the document's attached files
    "/EF": EMBEDDED,  # a file specification that carries the file itself
    "/RichMediaContent": MEDIA,
    "/RichMediaSettings": MEDIA,
    "/RichMediaExecute": MEDIA,
}
# Actions (/S) and kinds of object (/Type, /Subtype) that are the danger.
ACTIONS = {
    "/JavaScript": SCRIPT,
    "/Launch": LAUNCH,  # start a program or open a file
    "/ImportData": LAUNCH,  # read a file from the computer into the form
    "/GoToE": EMBEDDED,  # open a PDF embedded in this one
}
TYPES = {
    "/EmbeddedFile": EMBEDDED,
    "/FileAttachment": EMBEDDED,  # an annotation holding a file
    "/RichMedia": MEDIA,
}
# An XFA form (Adobe's XML forms) runs the scripts its XML holds.
XFA_SCRIPT = re.compile(rb"<\s*(?:[\w.-]+:)?script\b", re.IGNORECASE)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def pdf_check(upload: UploadedFile) -> None:
    """Nothing, or UploadRejected saying in plain words what the PDF carries."""
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _Refused(LOCKED)
        _look_at_every_object(reader)
    except _Refused as refused:
        raise UploadRejected(refused.message) from None
    except Exception as error:  # whatever pypdf cannot make sense of cannot be checked
        raise UploadRejected(UNREADABLE) from error
    finally:
        upload.seek(0)


def _every_object(reader: PdfReader) -> Iterator[PdfObject]:
    """The trailer and each object the cross-reference tables list, in or out of object
    streams: also those the document no longer links to, which a viewer may still find."""
    yield reader.trailer
    for generation, numbers in reader.xref.items():
        for number in numbers:
            yield IndirectObject(number, generation, reader)
    for number in reader.xref_objStm:
        yield IndirectObject(number, 0, reader)


CONTAINERS = (IndirectObject, DictionaryObject, ArrayObject)


def _look_at_every_object(reader: PdfReader) -> None:
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = list(_every_object(reader))
    looked_at = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            _check_dictionary(item)
            children = item.values()
        elif isinstance(item, ArrayObject):
            children = item
        else:
            continue  # a number, a name, a string: nothing inside to look at
        looked_at += 1
        if looked_at > MAX_OBJECTS:
            raise _Refused(TOO_COMPLEX)
        stack.extend(child for child in children if isinstance(child, CONTAINERS))


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _check_dictionary(dictionary: DictionaryObject) -> None:
    for key in dictionary:
        if key in KEYS:
            raise _Refused(KEYS[key])
    for key, dangers in (("/S", ACTIONS), ("/Type", TYPES), ("/Subtype", TYPES)):
        value = _resolved(dictionary.get(key))
        if isinstance(value, NameObject) and value in dangers:
            raise _Refused(dangers[value])
    if "/XFA" in dictionary and _xfa_has_script(_resolved(dictionary["/XFA"])):
        raise _Refused(SCRIPT)


def _xfa_has_script(xfa: PdfObject | None) -> bool:
    """An XFA form is one stream, or an array of names each followed by its stream."""
    parts = [_resolved(part) for part in xfa] if isinstance(xfa, ArrayObject) else [xfa]
    return any(
        isinstance(part, StreamObject) and XFA_SCRIPT.search(part.get_data()) for part in parts
    )
