"""Measure the import of a large trust's spreadsheets (R38, #20): its schools' staff,
pupils and families as the MIS exports them, read, checked and written through the
same pipeline as the administrator's upload, with the worker's batches. Prints the time
and the queries of each step; the README's Performance section gives the figures."""

from __future__ import annotations

import csv
import io
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import override_settings

from directory.models import Membership, Organisation, Person, Role
from onboarding.imports.services import import_apply, import_check, import_write, tables_from_files
from onboarding.models import ImportRun


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("cp1252")


def trust_files(name: str, schools: int, staff: int, pupils: int, families: int) -> dict:
    """The trust's three spreadsheets, with a School column naming each row's school."""
    urns = [f"{700000 + n}" for n in range(schools)]
    staff_rows = [["Email", "Forename", "Surname", "School", "Role", "Post", "Line Manager"]]
    for n in range(staff):
        school = n % schools
        head = f"head{school}@{name}.example"
        if n < schools:
            staff_rows.append(
                [head, "Héad", f"Teacher{school}", urns[school], "Headteacher", "Headteacher", ""]
            )
        else:
            staff_rows.append(
                [
                    f"staff{n}@{name}.example",
                    "Siân",
                    f"Staff{n}",
                    urns[school],
                    "Staff member",
                    "Teacher",
                    head,
                ]
            )
    pupil_rows = [["Adno", "Legal Forename", "Legal Surname", "DOB", "Year", "School"]]
    for n in range(pupils):
        born = date(2014 + n % 7, 1 + n % 12, 1 + n % 28)
        pupil_rows.append(
            [
                str(10000 + n),
                "Zoë",
                f"O'Brien{n}",
                f"{born:%d/%m/%Y}",
                f"Year {n % 7}" if n % 7 else "Reception",
                urns[n % schools],
            ]
        )
    family_rows = [["Contact ID", "Forename", "Surname", "Relationship", "PR", "Adno", "School"]]
    for n in range(families):
        pupil = n % pupils
        family_rows.append(
            [
                f"C{n}",
                "Máire",
                f"O'Brien{pupil}",
                "Mother" if n < pupils else "Father",
                "Yes",
                str(10000 + pupil),
                urns[pupil % schools],
            ]
        )
    return {
        "organisations": urns,
        "staff": _csv(staff_rows),
        "pupils": _csv(pupil_rows),
        "families": _csv(family_rows),
    }


class Command(BaseCommand):
    help = "Import a large trust's spreadsheets through the import pipeline and time each step."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=90)
        parser.add_argument("--staff", type=int, default=10_000)
        parser.add_argument("--pupils", type=int, default=60_000)
        parser.add_argument("--families", type=int, default=100_000)
        parser.add_argument("--name", default="benchimport")

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "bench_import makes a trust of its own; it never runs in production."
            )
        name = options["name"]
        trust_name = f"{name.title()} Academy Trust"
        if Organisation.objects.filter(name=trust_name).exists():
            raise CommandError(f"{trust_name} is already loaded: use another --name.")
        files = trust_files(
            name, options["schools"], options["staff"], options["pupils"], options["families"]
        )
        with transaction.atomic():
            trust = Organisation.objects.create(name=trust_name, kind=Organisation.Kind.TRUST)
            Organisation.objects.bulk_create(
                Organisation(
                    name=f"{trust_name} school {urn}", kind="school", parent=trust, urn=urn
                )
                for urn in files.pop("organisations")
            )
            admin = Person.objects.create_user(
                f"admin@{name}.example", given_name="Bench", family_name="Admin"
            )
            Membership.objects.create(person=admin, organisation=trust, role=Role.ADMINISTRATOR)
        timings = []

        def step(label, function):
            counter = QueryCounter()
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                result = function()
            seconds = time.perf_counter() - started
            timings.append((label, seconds, counter.count))
            self.stdout.write(f"{label:<10} {seconds:8.1f} s {counter.count:8d} queries")
            return result

        read = step(
            "read",
            lambda: tables_from_files(
                {t: (f"{t}.csv", files[t]) for t in ("staff", "pupils", "families")}
            ),
        )
        tables, notes = read
        run = step(
            "check",
            lambda: import_check(
                organisation=trust,
                tables=tables,
                source=ImportRun.Source.SPREADSHEET,
                started_by=admin,
                files=notes,
            ),
        )

        def write():
            # Queued for the worker, as a large import is; the worker's own task writes it
            # (at once here when tasks run at once, as in development).
            with override_settings(IMPORT_AT_ONCE_ROWS=0):
                import_apply(run=run, by=admin)
            run.refresh_from_db()
            if run.status == ImportRun.Status.QUEUED:
                import_write.call(run_pk=run.pk)

        step("write", write)
        run.refresh_from_db()
        total = sum(seconds for _, seconds, _ in timings)
        rows = run.added + run.changed
        batches = -(-rows // settings.IMPORT_BATCH_ROWS)
        self.stdout.write(
            f"{run.get_status_display()}: {run.added} added, {run.changed} changed, "
            f"{run.problem_count} problems, in {total:.0f} s ({total / 60:.1f} minutes); "
            f"writing took {timings[-1][2]} queries for {batches} batches of up to "
            f"{settings.IMPORT_BATCH_ROWS} rows."
        )
