"""Reading a spreadsheet as schools export it from the MIS into one canonical table.

The file is recognised by its content, not its name: an Excel workbook (.xlsx, its first
sheet) or text separated by commas (.csv) in UTF-8, with or without a byte-order mark,
or in Windows-1252 (what Excel on Windows saves as "CSV"). django-import-export's
formats and tablib do the reading. Headers are matched loosely ("Forename", "Legal
Surname", "Adno", "DOB") onto the canonical columns of :mod:`onboarding.imports.columns`.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from import_export.formats.base_formats import CSV, XLSX

from onboarding.imports.columns import TABLES
from onboarding.imports.values import text

# Each canonical column, with the other headers MIS exports give it (compared without
# case, spaces or punctuation).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email address", "work email", "school email", "e-mail", "staff email"),
    "given_name": (
        "forename",
        "first name",
        "legal forename",
        "legal first name",
        "given name",
        "firstname",
    ),
    "family_name": (
        "surname",
        "last name",
        "legal surname",
        "legal last name",
        "family name",
        "lastname",
    ),
    "preferred_given_name": ("preferred forename", "preferred first name", "known as"),
    "preferred_family_name": ("preferred surname", "preferred last name"),
    "setting": ("school", "school name", "urn", "setting name", "site"),
    "role": ("staff role", "role in the product"),
    "job_title": ("post", "job", "job role", "position"),
    "line_manager_email": ("line manager", "line manager email address", "manager email"),
    "starts_on": ("start date", "employment start date", "started"),
    "ends_on": ("end date", "employment end date", "left"),
    "reference": (
        "adno",
        "admission number",
        "mis id",
        "mis reference",
        "pupil reference",
        "contact reference",
        "contact id",
        "contact mis id",
        "contact",
        "employee id",
        "staff id",
        "staff reference",
        "id",
    ),
    "upn": ("unique pupil number",),
    "date_of_birth": ("dob", "date of birth", "birth date"),
    "year_group": ("year", "nc year", "year group", "national curriculum year"),
    "class_name": ("class", "reg group", "registration group", "form", "tutor group", "room"),
    "status": ("on roll", "enrolment status"),
    "left_on": ("leaving date", "date of leaving", "left on"),
    "destination": ("destination", "next school", "leaving destination"),
    "relationship": ("relationship to pupil", "relation", "relationship"),
    "parental_responsibility": ("parental responsibility", "pr", "has parental responsibility"),
    "pupil_references": (
        "pupil reference",
        "pupil references",
        "pupil adno",
        "pupil admission number",
        "pupils",
        "children",
        "student mis id",
    ),
    "phone": ("telephone", "mobile", "phone number", "telephone number", "mobile phone"),
}


def _squash(header: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header or "").lower())


class FileRefused(ValueError):
    """The file cannot be read at all; the message says why and what to do."""


@dataclass
class Table:
    """One canonical table read from a file: its rows as dicts of text, each with the
    row number a spreadsheet program shows (the header is row 1)."""

    name: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # canonical column -> the file's own header for it ("date_of_birth" -> "DOB")
    headers: dict[str, str] = field(default_factory=dict)


def header_map(headers: list[object], table: str) -> tuple[dict[int, str], list[str]]:
    """Which canonical column each header index is, and the headers not used."""
    wanted = TABLES[table]
    lookup: dict[str, str] = {}
    for column in wanted:
        lookup.setdefault(_squash(column), column)
    for column in wanted:
        for alias in HEADER_ALIASES.get(column, ()):
            lookup.setdefault(_squash(alias), column)
    # In a families file, "Adno" and the like mean the children's references.
    if table == "families":
        for alias in ("adno", "admission number", "pupil reference", "student mis id"):
            lookup[_squash(alias)] = "pupil_references"
    found: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        column = lookup.get(_squash(header))
        if column is None or column in found.values():
            if str(header or "").strip():
                ignored.append(str(header).strip())
            continue
        found[index] = column
    return found, ignored


REQUIRED = {
    "staff": ("email", "given_name", "family_name"),
    "pupils": ("reference", "given_name", "family_name", "date_of_birth"),
    "families": ("given_name", "family_name", "relationship", "pupil_references"),
    "line_management": ("email", "line_manager_email"),
}


def table_from_dataset(dataset: tablib.Dataset, table: str) -> Table:
    """The canonical table from a dataset with the source's own headers; FileRefused
    when a required column is missing, naming it and the headers found."""
    headers = list(dataset.headers or [])
    mapping, ignored = header_map(headers, table)
    missing = [column for column in REQUIRED[table] if column not in mapping.values()]
    if missing:
        names = ", ".join(_label(column) for column in missing)
        found = ", ".join(str(header) for header in headers if str(header or "").strip())
        raise FileRefused(
            f"The {table.replace('_', ' ')} file has no column for: {names}. "
            f"Its first row has: {found or 'nothing'}. Rename the column or add it, "
            "then upload the file again."
        )
    result = Table(
        name=table,
        ignored_columns=ignored,
        headers={column: str(headers[index]).strip() for index, column in mapping.items()},
    )
    for number, row in enumerate(dataset, start=2):
        values = {column: text(row[index]) for index, column in mapping.items()}
        if any(values.values()):
            result.rows.append((number, values))
    return result


def _label(column: str) -> str:
    return column.replace("_", " ")


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return False
    if "xl/workbook.xml" not in names:
        return False
    if unpacked > settings.IMPORT_MAX_BYTES * 20:
        raise FileRefused(
            "This workbook unpacks to far more than a spreadsheet of a school's people "
            "would. Save it again from the MIS or Excel, or save it as CSV."
        )
    return True


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # every byte is a character in it


BINARY = re.compile(rb"[\x00-\x08\x0e-\x1f]")


def dataset_from_file(data: bytes, file_name: str = "") -> tablib.Dataset:
    """The rows of an uploaded file, with its own headers, or FileRefused saying why."""
    limit = settings.IMPORT_MAX_BYTES
    if not data:
        raise FileRefused("The file is empty (0 bytes). Export it from the MIS again.")
    if len(data) > limit:
        raise FileRefused(
            f"The file is {filesizeformat(len(data))}; a file can be up to "
            f"{filesizeformat(limit)}. Split it, for example one file per school."
        )
    if _is_xlsx(data):
        try:
            return XLSX().create_dataset(data)
        except Exception as error:  # openpyxl raises many kinds for a damaged workbook
            raise FileRefused(
                "This Excel workbook could not be read. Open it in Excel and save it "
                f"again as .xlsx or as CSV. ({type(error).__name__})"
            ) from error
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")) or BINARY.search(data[:8192]):
        raise FileRefused(
            "This is not a spreadsheet we can read. Save it from the MIS or Excel as "
            "CSV (comma separated) or as an Excel workbook (.xlsx), and upload that."
        )
    try:
        dataset = CSV().create_dataset(_decode(data))
    except Exception as error:  # tablib raises csv.Error and others for broken text
        raise FileRefused(
            f"This file could not be read as CSV ({type(error).__name__}). Save it from "
            "the MIS or Excel as CSV (comma separated), and upload that."
        ) from error
    if not dataset.headers or len(dataset.headers) < 2:
        raise FileRefused(
            "This file has fewer than two columns, so it is not a table of people. Save "
            "it from the MIS or Excel as CSV (comma separated) or .xlsx."
        )
    return dataset


def table_from_file(data: bytes, table: str, file_name: str = "") -> Table:
    return table_from_dataset(dataset_from_file(data, file_name), table)
