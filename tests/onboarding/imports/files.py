"""Spreadsheets as schools export them from the MIS, for the import tests."""

from __future__ import annotations

import csv
import io

import openpyxl


def csv_bytes(rows: list[list[object]], *, encoding: str = "cp1252") -> bytes:
    """A CSV file as Excel on Windows saves it (Windows-1252, CRLF) unless told."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PUPIL_HEADERS = [
    "Adno",
    "UPN",
    "Legal Forename",
    "Legal Surname",
    "Preferred Forename",
    "DOB",
    "Year",
    "Reg Group",
]
