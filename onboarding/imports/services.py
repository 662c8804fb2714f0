"""The import pipeline (R38): check, preview, confirm, write; correct a row; sync.

Every source ends here with canonical tables (``{table: [(row number, {column: text})]}``,
see :mod:`onboarding.imports.columns`). :func:`import_check` stores the rows on an
:class:`~directory.models.ImportRun` and plans each one; nothing else is written until
:func:`import_apply`, which plans again against what is there by then (the preview may
be hours old) and writes in batches of ``IMPORT_BATCH_ROWS``, each a transaction, so a
row is always written whole. Small imports are written while the administrator waits;
large ones by the worker, with the progress on the run. A sync (:func:`import_sync`)
checks and writes at once: its unmatched rows wait on the run for the administrator.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Q
from django.tasks import task
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from contactpolicy.services import audit_event_record
from contactpolicy.tasks import enqueue
from contactpolicy.workflow import IllegalTransition, transition
from directory.access import POWERFUL_ROLES, Access
from directory.audit_actions import POWERFUL_ROLE_GRANTED
from directory.models import FamilyLink, FamilyMember, Membership, Organisation, Person, Pupil, Role
from directory.search import search_names_refresh
from onboarding.audit_actions import (
    IMPORT_APPLIED,
    IMPORT_CANCELLED,
    IMPORT_CHECKED,
    IMPORT_FAILED,
    IMPORT_ROW_CORRECTED,
    IMPORT_ROW_LEFT_OUT,
)
from onboarding.imports.columns import TABLES
from onboarding.imports.plan import PUPIL_FIELDS, TABLE_ORDER, Context, RowPlan, plan_rows
from onboarding.imports.reading import FileRefused, table_from_file
from onboarding.models import ImportRow, ImportRun

Tables = dict[str, list[tuple[int, dict[str, str]]]]
WRITTEN = (ImportRow.Action.ADD, ImportRow.Action.CHANGE)


class ImportNotAllowed(Exception):
    """The person may not import into this organisation, or the run cannot do this now."""


def import_allowed(*, user: Any, organisation: Organisation) -> bool:
    """Administrators of the organisation (or of its trust or federation)."""
    return Access.for_user(user).acts_as(Role.ADMINISTRATOR, organisation=organisation)


def _require(user: Any, organisation: Organisation) -> None:
    if user is not None and not import_allowed(user=user, organisation=organisation):
        raise ImportNotAllowed(f"You do not administer {organisation}.")


# Reading and checking ----------------------------------------------------------------


def tables_from_files(files: dict[str, tuple[str, bytes]]) -> tuple[Tables, list[dict]]:
    """The canonical tables of the uploaded files (``{table: (name, content)}``) and a
    note of each file (name, size, SHA-256, headers not used); FileRefused naming the
    file when one cannot be read."""
    tables: Tables = {}
    notes = []
    for table, (name, content) in files.items():
        try:
            read = table_from_file(content, table, name)
        except FileRefused as refused:
            raise FileRefused(f"{name or table}: {refused}") from refused
        tables[table] = read.rows
        notes.append(
            {
                "table": table,
                "name": name,
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "rows": len(read.rows),
                "ignored": read.ignored_columns,
                "headers": read.headers,
            }
        )
    return tables, notes


@transaction.atomic
def import_check(
    *,
    organisation: Organisation,
    tables: Tables,
    source: str,
    started_by: Person | None,
    files: list[dict] | None = None,
    request=None,
) -> ImportRun:
    """Keep the rows on a new run and plan each: the preview. Nothing else is written."""
    _require(started_by, organisation)
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ImportNotAllowed(f"There is no table called {', '.join(sorted(unknown))}.")
    run = ImportRun.objects.create(
        organisation=organisation, source=source, started_by=started_by, files=files or []
    )
    context = Context.for_organisation(organisation, started_by)
    outcomes = _outcomes(plan_rows(context, tables))
    ImportRow.objects.bulk_create(
        (
            ImportRow(run=run, table=table, number=number, values=values, **outcomes[table, number])
            for table in TABLE_ORDER
            for number, values in tables.get(table, [])
        ),
        batch_size=settings.IMPORT_BATCH_ROWS,
    )
    _count(run)
    transition(run, ImportRun.Status.PREVIEW, actor=started_by)
    run.save(update_fields=["status"])
    audit_event_record(
        actor=started_by,
        action=IMPORT_CHECKED,
        target=run,
        data=_counts(run) | {"source": source, "files": run.files},
        request=request,
    )
    return run


def _stored_tables(run: ImportRun, *, only: Iterable[int] | None = None) -> Tables:
    rows = run.rows.exclude(action=ImportRow.Action.LEFT_OUT)
    if only is not None:
        rows = rows.filter(pk__in=list(only))
    tables: Tables = defaultdict(list)
    for table, number, values in rows.order_by("table", "number").values_list(
        "table", "number", "values"
    ):
        tables[table].append((number, values))
    return tables


def _outcomes(planned: dict[str, list[RowPlan]]) -> dict[tuple[str, int], dict[str, Any]]:
    """What each row of the file comes to: its action, label, changes and problems. A
    contact's rows taken together with an earlier row are up to date in themselves."""
    outcomes = {}
    for table, plans in planned.items():
        for plan in plans:
            label = plan.label[:255]
            outcomes[table, plan.number] = {
                "action": plan.action,
                "label": label,
                "changes": plan.changes,
                "problems": plan.problems,
            }
            for number in _also(plan):
                together = [{"column": "", "message": f"Taken together with row {plan.number}."}]
                outcomes[table, number] = {
                    "action": ImportRow.Action.PROBLEM
                    if plan.problems
                    else ImportRow.Action.UNCHANGED,
                    "label": label,
                    "changes": {},
                    "problems": together if plan.problems else [],
                }
    return outcomes


def _plan_and_store(run: ImportRun, *, only: Iterable[int] | None = None) -> dict:
    """Plan the run's rows (all, or ``only`` those) again and keep each one's outcome
    where it has changed since (the preview may be hours old)."""
    context = Context.for_organisation(run.organisation, run.started_by)
    planned = plan_rows(context, _stored_tables(run, only=only))
    outcomes = _outcomes(planned)
    rows = run.rows.exclude(action=ImportRow.Action.LEFT_OUT).only(
        "id", "table", "number", "action", "label", "changes", "problems"
    )
    if only is not None:
        rows = rows.filter(pk__in=list(only))
    changed = []
    for row in rows:
        outcome = outcomes.get((row.table, row.number))
        if outcome is None or all(getattr(row, key) == value for key, value in outcome.items()):
            continue
        for key, value in outcome.items():
            setattr(row, key, value)
        changed.append(row)
    ImportRow.objects.bulk_update(
        changed,
        ["action", "label", "changes", "problems"],
        batch_size=settings.IMPORT_BATCH_ROWS,
    )
    _count(run)
    return planned


def _count(run: ImportRun) -> None:
    counts = defaultdict(int)
    for action, applied, number in (
        run.rows.order_by()
        .values("action", "applied")
        .annotate(n=Count("id"))
        .values_list("action", "applied", "n")
    ):
        counts[action] += number
        if applied:
            counts["applied"] += number
    run.added = counts[ImportRow.Action.ADD]
    run.changed = counts[ImportRow.Action.CHANGE]
    run.unchanged = counts[ImportRow.Action.UNCHANGED]
    run.problem_count = counts[ImportRow.Action.PROBLEM]
    run.left_out = counts[ImportRow.Action.LEFT_OUT]
    run.total = run.added + run.changed
    run.save(update_fields=["added", "changed", "unchanged", "problem_count", "left_out", "total"])


def _counts(run: ImportRun) -> dict[str, int]:
    return {
        "added": run.added,
        "changed": run.changed,
        "unchanged": run.unchanged,
        "problems": run.problem_count,
        "left_out": run.left_out,
    }


# Confirming and writing ---------------------------------------------------------------


def import_apply(*, run: ImportRun, by: Person | None, request=None) -> ImportRun:
    """Confirm the preview: write it now, or queue it for the worker when it is large.
    The rows with problems are not written; they wait on the run to be corrected."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        _require(by, run.organisation)
        at_once = run.added + run.changed <= settings.IMPORT_AT_ONCE_ROWS
        if at_once:
            transition(run, ImportRun.Status.APPLYING, actor=by)
        else:
            transition(run, ImportRun.Status.QUEUED, actor=by)
        run.applied_by, run.applied_at, run.done = by, timezone.now(), 0
        run.save(update_fields=["status", "applied_by", "applied_at", "done"])
        if not at_once:
            enqueue(import_write, run_pk=run.pk)
            return run
    _write_and_finish(run, request=request)
    run.refresh_from_db()
    return run


@task
def import_write(*, run_pk: int) -> str:
    """The worker's part of a large import."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run_pk)
        if run.status != ImportRun.Status.QUEUED:
            return f"import {run_pk} is {run.status}: nothing to do"
        transition(run, ImportRun.Status.APPLYING, actor=run.applied_by)
        run.save(update_fields=["status"])
    _write_and_finish(run)
    return f"import {run_pk} written"


def _write_and_finish(run: ImportRun, *, request=None) -> None:
    try:
        written = _write(run)
    except Exception as error:
        with transaction.atomic():
            run.refresh_from_db()
            transition(run, ImportRun.Status.FAILED, actor=run.applied_by)
            run.failure = (
                f"Stopped after {run.done} of {run.total} rows ({type(error).__name__}). The "
                "rows written are kept whole; import the same file again to carry on."
            )[:500]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "failure", "finished_at"])
            audit_event_record(
                actor=run.applied_by,
                action=IMPORT_FAILED,
                target=run,
                data={"done": run.done, "total": run.total, "error": type(error).__name__},
            )
        raise
    with transaction.atomic():
        run.refresh_from_db()
        transition(run, ImportRun.Status.DONE, actor=run.applied_by)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        audit_event_record(
            actor=run.applied_by,
            action=IMPORT_APPLIED,
            target=run,
            data=_counts(run) | {"written": written, "files": run.files},
            request=request,
        )


def _write(run: ImportRun, *, only: Iterable[int] | None = None) -> int:
    """Plan the rows again against what is there now, then write them, batch by batch."""
    with transaction.atomic():
        planned = _plan_and_store(run, only=only)
    context = Context.for_organisation(run.organisation, run.applied_by or run.started_by)
    written = 0
    at_once = only is not None or run.total <= settings.IMPORT_AT_ONCE_ROWS
    batch = settings.IMPORT_BATCH_ROWS
    with transaction.atomic() if at_once else _no_transaction():
        for table in TABLE_ORDER:
            plans = [plan for plan in planned.get(table, []) if plan.action in WRITTEN]
            for start in range(0, len(plans), batch):
                chunk = plans[start : start + batch]
                with transaction.atomic():
                    WRITERS[table](chunk, context, run)
                    numbers = [n for plan in chunk for n in [plan.number, *_also(plan)]]
                    run.rows.filter(table=table, number__in=numbers).update(applied=True)
                    written += len(chunk)
                    run.done = written
                    run.save(update_fields=["done"])
    return written


def _also(plan: RowPlan) -> list[int]:
    return plan.data.get("also_rows", [])


class _no_transaction:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _staff_write(plans: list[RowPlan], context: Context, run: ImportRun) -> None:
    by = run.applied_by
    emails = [plan.data["email"] for plan in plans]
    people = {p.email: p for p in Person.objects.filter(email__in=emails)}
    new_people, changed_people = [], []
    unusable = make_password(None)
    for plan in plans:
        data = plan.data
        person = people.get(data["email"])
        if person is None:
            person = Person(
                email=data["email"],
                given_name=data["given_name"],
                family_name=data["family_name"],
                password=unusable,
            )
            people[person.email] = person
            new_people.append(person)
        elif (person.given_name, person.family_name) != (data["given_name"], data["family_name"]):
            person.given_name, person.family_name = data["given_name"], data["family_name"]
            changed_people.append(person)
    if new_people:
        bulk_create_with_history(new_people, Person, default_user=by)
        people.update(
            {p.email: p for p in Person.objects.filter(email__in=[p.email for p in new_people])}
        )
    if changed_people:
        bulk_update_with_history(
            search_names_refresh(changed_people),
            Person,
            ["given_name", "family_name", "search_name"],
            default_user=by,
        )
    managers = dict(
        Person.objects.filter(
            email__in={p.data["line_manager_email"] for p in plans if p.data["line_manager_email"]}
        ).values_list("email", "pk")
    )
    held = {
        (m.person_id, m.organisation_id, m.role): m
        for m in Membership.objects.filter(
            person_id__in=[p.pk for p in people.values()],
            organisation_id__in=context.organisation_ids,
        )
    }
    new_memberships, changed_memberships = [], []
    for plan in plans:
        data = plan.data
        person = people[data["email"]]
        membership = held.get((person.pk, data["organisation_id"], data["role"]))
        fields = {
            "job_title": data["job_title"] or "",
            "line_manager_id": managers.get(data["line_manager_email"]),
            "ends_on": data["ends_on"],
        }
        if data["starts_on"]:
            fields["starts_on"] = data["starts_on"]
        if membership is None:
            membership = Membership(
                person=person, organisation_id=data["organisation_id"], role=data["role"], **fields
            )
            new_memberships.append(membership)
        else:
            for key, value in fields.items():
                setattr(membership, key, value)
            changed_memberships.append(membership)
    if new_memberships:
        bulk_create_with_history(new_memberships, Membership, default_user=by)
    if changed_memberships:
        bulk_update_with_history(
            changed_memberships,
            Membership,
            ["job_title", "line_manager_id", "starts_on", "ends_on"],
            default_user=by,
        )
    for membership in new_memberships:
        if membership.role in POWERFUL_ROLES:
            audit_event_record(
                actor=by,
                action=POWERFUL_ROLE_GRANTED,
                target=membership,
                data={"import": run.pk, "role": membership.role, "email": membership.person.email},
                organisation_pk=membership.organisation_id,
            )


def _pupils_write(plans: list[RowPlan], context: Context, run: ImportRun) -> None:
    fields = list(PUPIL_FIELDS)
    new, changed = [], []
    existing = Pupil.objects.in_bulk([p.data["id"] for p in plans if p.data["id"]])
    for plan in plans:
        data = plan.data
        values = {name: data[name] for name in fields}
        pupil = existing.get(data["id"]) if data["id"] else None
        if pupil is None:
            new.append(Pupil(setting_id=data["setting_id"], **values))
            continue
        if not data["destination"]:
            values.pop("destination")
        for name, value in values.items():
            setattr(pupil, name, value)
        changed.append(pupil)
    if new:
        bulk_create_with_history(new, Pupil, default_user=run.applied_by)
    if changed:
        bulk_update_with_history(
            search_names_refresh(changed),
            Pupil,
            [*fields, "search_name"],
            default_user=run.applied_by,
        )


def _families_write(plans: list[RowPlan], context: Context, run: ImportRun) -> None:
    by = run.applied_by
    keys = {pupil for plan in plans for pupil in plan.data["pupils"]}
    pupil_ids = {
        (setting_id, reference): pk
        for pk, setting_id, reference in Pupil.objects.filter(
            setting_id__in={key[0] for key in keys}, reference__in={key[1] for key in keys}
        ).values_list("pk", "setting_id", "reference")
    }
    existing = FamilyMember.objects.in_bulk([p.data["id"] for p in plans if p.data["id"]])
    new, changed = [], []
    members: dict[int, FamilyMember] = {}
    for index, plan in enumerate(plans):
        data = plan.data
        member = existing.get(data["id"]) if data["id"] else None
        if member is None:
            member = FamilyMember(organisation=context.organisation)
            new.append(member)
        else:
            changed.append(member)
        member.given_name, member.family_name = data["given_name"], data["family_name"]
        if data["reference"]:
            member.reference = data["reference"]
        if data["email"]:
            member.email = data["email"]
        if data["phone"]:
            member.phone = data["phone"]
        if member.organisation_id is None:
            member.organisation = context.organisation
        members[index] = member
    if new:
        bulk_create_with_history(new, FamilyMember, default_user=by)
    if changed:
        bulk_update_with_history(
            search_names_refresh(changed),
            FamilyMember,
            [
                "given_name",
                "family_name",
                "search_name",
                "reference",
                "email",
                "phone",
                "organisation",
            ],
            default_user=by,
        )
    if new and new[0].pk is None:  # a database that does not return keys from a bulk insert
        refreshed = FamilyMember.objects.filter(organisation=context.organisation).order_by("-pk")[
            : len(new)
        ]
        for member, fresh in zip(new, reversed(list(refreshed)), strict=True):
            member.pk = fresh.pk
    wanted = {}
    for index, plan in enumerate(plans):
        for key in plan.data["pupils"]:
            pupil_id = pupil_ids.get(key)
            if pupil_id is not None:
                wanted[(members[index].pk, pupil_id)] = (
                    plan.data["relationship"],
                    bool(plan.data["parental_responsibility"]),
                )
    links = {
        (link.family_member_id, link.pupil_id): link
        for link in FamilyLink.objects.filter(
            family_member_id__in={key[0] for key in wanted},
            pupil_id__in={key[1] for key in wanted},
        )
    }
    new_links, changed_links = [], []
    for (member_id, pupil_id), (relationship, responsibility) in wanted.items():
        link = links.get((member_id, pupil_id))
        if link is None:
            new_links.append(
                FamilyLink(
                    family_member_id=member_id,
                    pupil_id=pupil_id,
                    relationship=relationship,
                    parental_responsibility=responsibility,
                )
            )
        elif (link.relationship, link.parental_responsibility) != (relationship, responsibility):
            link.relationship, link.parental_responsibility = relationship, responsibility
            changed_links.append(link)
    FamilyLink.objects.bulk_create(new_links)
    FamilyLink.objects.bulk_update(changed_links, ["relationship", "parental_responsibility"])


def _line_management_write(plans: list[RowPlan], context: Context, run: ImportRun) -> None:
    managers = dict(
        Person.objects.filter(
            email__in={plan.data["line_manager_email"] for plan in plans}
        ).values_list("email", "pk")
    )
    wanted = {
        (plan.data["email"], plan.data["organisation_id"]): managers.get(
            plan.data["line_manager_email"]
        )
        for plan in plans
    }
    query = Q()
    for email, organisation_id in wanted:
        query |= Q(person__email=email, organisation_id=organisation_id)
    memberships = list(Membership.objects.current().filter(query).select_related("person"))
    for membership in memberships:
        membership.line_manager_id = wanted[(membership.person.email, membership.organisation_id)]
    memberships = [m for m in memberships if m.line_manager_id != m.person_id]
    bulk_update_with_history(
        memberships, Membership, ["line_manager_id"], default_user=run.applied_by
    )


WRITERS = {
    "staff": _staff_write,
    "pupils": _pupils_write,
    "families": _families_write,
    "line_management": _line_management_write,
}


# Correcting, leaving out, cancelling ----------------------------------------------------


def import_row_correct(
    *, run: ImportRun, row: ImportRow, values: dict[str, str], by: Person, request=None
) -> ImportRow:
    """Put corrected values in a row and check it again: in a preview, with the rest of
    the file; after the import, alone, and written at once when it is now right."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        _require(by, run.organisation)
        if row.run_id != run.pk or row.applied:
            raise ImportNotAllowed("This row has already been imported.")
        if run.status not in (ImportRun.Status.PREVIEW, ImportRun.Status.DONE):
            raise ImportNotAllowed(f"This import is {run.get_status_display().lower()}.")
        before = dict(row.values)
        row.values = {
            column: " ".join(str(values.get(column, "")).split())
            for column in TABLES[row.table]
            if column in values or column in before
        }
        if row.action == ImportRow.Action.LEFT_OUT:
            row.action = ImportRow.Action.PROBLEM
        row.save(update_fields=["values", "action"])
        audit_event_record(
            actor=by,
            action=IMPORT_ROW_CORRECTED,
            target=run,
            data={
                "table": row.table,
                "row": row.number,
                "columns": sorted(k for k in row.values if row.values[k] != before.get(k, "")),
            },
            request=request,
        )
        if run.status == ImportRun.Status.PREVIEW:
            _plan_and_store(run)
            row.refresh_from_db()
            return row
    # After the import: this row alone, against what the import has written.
    run.applied_by = by
    _plan_and_store(run, only=[row.pk])
    row.refresh_from_db()
    if row.action in WRITTEN:
        _write(run, only=[row.pk])
        _count(run)
        row.refresh_from_db()
    return row


@transaction.atomic
def import_row_leave_out(*, run: ImportRun, row: ImportRow, by: Person, request=None) -> None:
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    _require(by, run.organisation)
    if row.run_id != run.pk or row.applied:
        raise ImportNotAllowed("This row has already been imported.")
    if run.status not in (ImportRun.Status.PREVIEW, ImportRun.Status.DONE):
        raise ImportNotAllowed(f"This import is {run.get_status_display().lower()}.")
    row.action = ImportRow.Action.LEFT_OUT
    row.save(update_fields=["action"])
    audit_event_record(
        actor=by,
        action=IMPORT_ROW_LEFT_OUT,
        target=run,
        data={"table": row.table, "row": row.number},
        request=request,
    )
    if run.status == ImportRun.Status.PREVIEW:
        _plan_and_store(run)
    else:
        _count(run)


@transaction.atomic
def import_cancel(*, run: ImportRun, by: Person, request=None) -> None:
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    _require(by, run.organisation)
    transition(run, ImportRun.Status.CANCELLED, actor=by)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    audit_event_record(actor=by, action=IMPORT_CANCELLED, target=run, request=request)


def import_sync(
    *, organisation: Organisation, tables: Tables, source: str, by: Person | None, request=None
) -> ImportRun:
    """A sync from the MIS: checked and written at once (the school approved what the
    MIS shares); rows that cannot be matched wait on the run for the administrator."""
    run = import_check(
        organisation=organisation, tables=tables, source=source, started_by=by, request=request
    )
    return import_apply(run=run, by=by, request=request)


__all__ = [
    "FileRefused",
    "IllegalTransition",
    "ImportNotAllowed",
    "import_allowed",
    "import_apply",
    "import_cancel",
    "import_check",
    "import_row_correct",
    "import_row_leave_out",
    "import_sync",
    "tables_from_files",
]
