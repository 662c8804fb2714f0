"""What every source of a school's people, pupils and families implements (R38, #20).

A source is asked for an organisation's data, all of it or what changed since a moment,
and answers with one ``tablib.Dataset`` per canonical table of
:mod:`onboarding.imports.columns`, values as text. The import pipeline reads nothing else,
so a second source (Groupcall Xporter, Arbor's API) is one more class like
:class:`mis.wonde.WondeSource`, and the pipeline, the pages and the sync
do not change.

A source that cannot answer raises :class:`SourceError` (or a subclass) whose message
is plain English for the administrator: what went wrong and what to do about it, never
a secret such as an access token. It raises before anything is handed to the pipeline,
so a source that fails part way leaves nothing half-imported.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import tablib

from onboarding.imports.columns import TABLES

if TYPE_CHECKING:
    from directory.models import Organisation

# Told, as the source goes, what it is doing ("Reading pupils: page 2"), for the page
# that shows the sync's progress.
Progress = Callable[[str], None]


class SourceError(Exception):
    """A source could not give its data; the message says why, for the administrator."""


@runtime_checkable
class Source(Protocol):
    """A school's MIS, through whichever aggregator or export reads it."""

    # Its short name ("wonde"), kept on each import as where the data came from, and
    # its name for people ("Wonde").
    name: str
    label: str

    def datasets(
        self,
        *,
        organisation: Organisation,
        since: datetime.datetime | None = None,
        progress: Progress | None = None,
    ) -> dict[str, tablib.Dataset]:
        """One dataset per table of ``columns.TABLES`` (a table the source has nothing
        for is empty but has its headers). With ``since``, only the records changed
        after it: what is not in the answer is unchanged, never gone."""
        ...

    def check(self) -> str:
        """Ask the source whether it answers; a sentence for the administrator ("Wonde
        answered for Brookfield Primary School"). Raises :class:`SourceError`."""
        ...


def dataset_for(table: str, rows: Iterable[Mapping[str, object]] = ()) -> tablib.Dataset:
    """A dataset of ``table`` with its canonical headers, from ``rows`` (dicts by
    header; a header a row lacks is empty, a key that is not a header is an error)."""
    headers = TABLES[table]
    dataset = tablib.Dataset(headers=list(headers), title=table)
    for row in rows:
        unknown = set(row) - set(headers)
        if unknown:
            raise ValueError(f"{table} has no column {sorted(unknown)}")
        dataset.append([_text(row.get(header)) for header in headers])
    return dataset


def empty_datasets() -> dict[str, tablib.Dataset]:
    return {table: dataset_for(table) for table in TABLES}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()
