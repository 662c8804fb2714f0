"""The demo (``manage.py seed_demo``), loaded once per test process and put back from a
snapshot for every other module that needs it.

Loading the demo through its services takes many seconds (some twenty on PostgreSQL);
putting its rows back takes a fraction of one. ``load_demo()`` seeds the demo the first
time a process asks for it, inside the caller's transaction as before (a module's,
rolled back at its end: tests/conftest.py ``once_per_module``), and keeps a ``Snapshot``
of every table as the seed left it. A later call, inside another module's transaction
(or, for the browser journeys, none), empties every table and puts those rows back.

The snapshot serves only the moment it was made for: the same database, the same day
on the same kind of clock (the tests' clock, or the real one for a module marked
``real_clock``) and the same MEDIA_ROOT (the demo's attachments are files; the session's
folder keeps them for the whole session, so restored rows still find their files).
Anything else seeds afresh. The clock of a module that is given the demo back is moved
on to the moment the seed ended if it is earlier, so that what its tests do still comes
after the demo's own history, as when they seeded it themselves.

The processes of one run (pytest-xdist's workers) share it too: the first to need the
demo seeds it and leaves the snapshot in a folder they all share (``shared_folder``, set
by tests/conftest.py), under a lock that another worker needing it meanwhile waits on;
the others put it back from there, into their own test databases, as long as those
have the same tables and columns (the same migrations), on the same day on the same
kind of clock. Its files are put back under each one's own MEDIA_ROOT.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import fcntl
import io
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from tests import clock


class Snapshot:
    """Every table of the test database as it is now (the rows the current transaction
    sees, its own included), to be put back as it was.

    PostgreSQL: each table COPied out, and back in after emptying them all (TRUNCATE
    fires no row trigger, so the append-only tables empty too); the foreign keys are
    checked once the rows are back; the sequences are moved past the rows and never
    back, so that no row left after a rollback is given its id again. SQLite: the rows
    read out and inserted again (its backup API cannot write into a connection inside
    a transaction, nor be rolled back with it)."""

    def __init__(self) -> None:
        self.columns = tables_and_columns()
        with connection.cursor() as cursor:
            tables = list(self.columns)
            if connection.vendor == "postgresql":
                self.sequences = [
                    (sequence["name"], table, sequence["column"])
                    for table in tables
                    for sequence in connection.introspection.get_sequences(cursor, table)
                ]
        self.rows: dict[str, Any] = {}
        raw = connection.connection.cursor()
        try:
            for table, columns in self.columns.items():
                if connection.vendor == "postgresql":
                    sql = f"COPY {_quoted(table)} ({_listed(columns)}) TO STDOUT (FORMAT binary)"
                    with raw.copy(sql) as copy:
                        self.rows[table] = b"".join(bytes(block) for block in copy)
                else:
                    # likely(x) is x: read through it, the values are the stored ones, not
                    # the dates and booleans Django's converters would make of them.
                    selected = ", ".join(f"likely({_quoted(column)})" for column in columns)
                    raw.execute(f"SELECT {selected} FROM {_quoted(table)}")  # noqa: S608
                    self.rows[table] = raw.fetchall()
        finally:
            raw.close()

    def restore(self) -> None:
        connection.ensure_connection()
        with transaction.atomic():
            raw = connection.connection.cursor()
            try:
                if connection.vendor == "postgresql":
                    self._restore_postgresql(raw)
                else:
                    self._restore_sqlite(raw)
            finally:
                raw.close()
        forget_cached_rows()

    def _restore_postgresql(self, cursor) -> None:
        # TRUNCATE refuses a table with foreign keys still to check: check them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("TRUNCATE " + ", ".join(map(_quoted, self.columns)))
        for table, columns in self.columns.items():
            sql = f"COPY {_quoted(table)} ({_listed(columns)}) FROM STDIN (FORMAT binary)"
            with cursor.copy(sql) as copy:
                copy.write(self.rows[table])
        if self.sequences:
            moved = ", ".join(_moved_past_the_rows(*names) for names in self.sequences)
            cursor.execute("SELECT " + moved)
        # Every foreign key of the rows put back checked once, here, rather than again
        # at the end of each test of the module.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _restore_sqlite(self, cursor) -> None:
        # The foreign keys are deferred (Django declares them so): checked at the commit,
        # or by the test case at the end of each test.
        for table in self.columns:
            cursor.execute(f"DELETE FROM {_quoted(table)}")  # noqa: S608
        for table, columns in self.columns.items():
            if self.rows[table]:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f"INSERT INTO {_quoted(table)} ({_listed(columns)}) VALUES ({marks})",  # noqa: S608
                    self.rows[table],
                )


def tables_and_columns() -> dict[str, list[str]]:
    """Every table of the test database but the migrations', with its columns by name
    (not the tables' order: a migration test that goes back and forth may rebuild a
    table)."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        return {
            table: [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            for table in connection.introspection.table_names(cursor)
            if table != "django_migrations"
        }


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _moved_past_the_rows(sequence: str, table: str, column: str) -> str:
    """setval() of ``sequence`` past the rows of ``table``, and never back."""
    sequence, table, column = map(_quoted, (sequence, table, column))
    last = f"(SELECT last_value FROM {sequence})"  # noqa: S608 (the database's own names)
    highest = f"(SELECT max({column}) FROM {table})"  # noqa: S608
    return f"setval('{sequence}', GREATEST({highest}, {last}))"


def _listed(columns: list[str]) -> str:
    return ", ".join(map(_quoted, columns))


def forget_cached_rows() -> None:
    """Django's caches of rows in memory, which emptying the tables or rolling back a
    transaction that refilled them leaves pointing at rows that are gone."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    if apps.is_installed("django.contrib.sites"):
        from django.contrib.sites.models import Site

        Site.objects.clear_cache()


@dataclasses.dataclass
class _Loaded:
    key: tuple
    snapshot: Snapshot
    printed: str  # what the seed printed
    ended_at: datetime.datetime  # the clock when the seed ended
    # The files the seed wrote (its photo of a card): another module's test may remove
    # them while the demo's rows are rolled back (the scheduled sweep of files no row
    # points at, run by run_scheduled_jobs), so they are put back with the rows.
    # By their path under MEDIA_ROOT.
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def put_files_back(self) -> None:
        root = Path(settings.MEDIA_ROOT)
        for name, content in self.files.items():
            path = root / name
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)


def _media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


_loaded: _Loaded | None = None
_restored_in_a_transaction = False
# A folder every process of this run shares (tests/conftest.py sets it; None: this
# process alone).
shared_folder: Path | None = None


def _key() -> tuple:
    return (
        connection.vendor,
        connection.settings_dict["NAME"],
        timezone.localdate(),
        clock.module_clock is not None,  # the tests' clock, or the real one
        str(settings.MEDIA_ROOT),
    )


def _shared_key() -> tuple:
    """What the snapshot another process left serves: the same kind of database, the
    same day on the same kind of clock (its tables are compared when it is read)."""
    return (connection.vendor, timezone.localdate(), clock.module_clock is not None)


@contextlib.contextmanager
def _shared() -> Iterator[Path | None]:
    """The file another process of the run left the demo in, or is to be left in, held
    under a lock: a process that needs the demo while another seeds it waits for it."""
    if shared_folder is None:
        yield None
        return
    shared_folder.mkdir(parents=True, exist_ok=True)
    with (shared_folder / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield shared_folder / "demo.pickle"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path | None) -> _Loaded | None:
    """The demo another process of the run seeded, if it serves this one."""
    if path is None or not path.exists():
        return None
    with path.open("rb") as file:
        shared_key, loaded = pickle.load(file)  # noqa: S301 (this run's own file)
    if shared_key != _shared_key() or loaded.snapshot.columns != tables_and_columns():
        return None
    loaded.key = _key()
    return loaded


def _write(path: Path | None, loaded: _Loaded) -> None:
    if path is None:
        return
    written = path.with_suffix(f".{os.getpid()}")
    with written.open("wb") as file:
        pickle.dump((_shared_key(), loaded), file, protocol=pickle.HIGHEST_PROTOCOL)
    written.replace(path)


def load_demo() -> str:
    """The demo, loaded into the test database (seeded the first time in this run, put
    back from its snapshot after); returns what ``manage.py seed_demo`` printed when
    it loaded it. For a database holding nothing of its own yet: every table is emptied
    before the demo is put back."""
    global _loaded, _restored_in_a_transaction
    from directory.models import Organisation, Person

    unused = (
        "load_demo() is for a database with no people or organisations yet (a module's "
        "start): putting the demo back empties every table."
    )
    assert not Person.objects.exists(), unused
    assert not Organisation.objects.exists(), unused
    if _loaded is None or _loaded.key != _key():
        with _shared() as path:
            _loaded = _read(path)
            if _loaded is None:
                _loaded = _seed()
                _write(path, _loaded)
                return _loaded.printed
    if _clock_caught_up(_loaded.ended_at):
        _loaded.snapshot.restore()
        _loaded.put_files_back()
        if connection.in_atomic_block:
            _restored_in_a_transaction = True
        return _loaded.printed
    _loaded = _seed()
    return _loaded.printed


def _seed() -> _Loaded:
    """The demo seeded here, now, and its snapshot."""
    out = io.StringIO()
    before = _media_files()
    call_command("seed_demo", stdout=out)
    root = Path(settings.MEDIA_ROOT)
    written = {str(path.relative_to(root)): path.read_bytes() for path in _media_files() - before}
    loaded = _Loaded(_key(), Snapshot(), out.getvalue(), timezone.now(), written)
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:  # the seed's foreign keys checked once, here
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return loaded


def _clock_caught_up(moment: datetime.datetime) -> bool:
    """Whether the clock is at ``moment`` or after, once the module's clock has been
    moved on to it if it was earlier."""
    if timezone.now() < moment and clock.module_clock is not None:
        clock.module_clock.move_to(moment)
    return timezone.now() >= moment


def rolled_back() -> None:
    """Called when a module's transaction has been rolled back: if the demo was put back
    inside it, the tables hold other rows again (the content types among them). A
    transaction inside it (a savepoint) rolled back first changes nothing."""
    global _restored_in_a_transaction
    if _restored_in_a_transaction and not connection.in_atomic_block:
        _restored_in_a_transaction = False
        forget_cached_rows()
