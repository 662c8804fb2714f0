"""Spreadsheet downloads: cells that cannot start a formula (CSV injection), and a
writer for streamed responses."""

from __future__ import annotations

from typing import Any


def csv_safe(row: list[Any]) -> list[Any]:
    """No cell starts a spreadsheet formula (CSV injection)."""
    return [
        f"'{value}"
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")
        else value
        for value in row
    ]


class Echo:
    """A file-like object whose write returns the line, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value
