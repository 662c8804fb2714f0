"""Moving models between apps loses no row (#17): a database holding data at the
migrations before the move is migrated forward, and every row is found where the
models now live, with its history, its audit events and its append-only trigger."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [
    ("registers", "0006_summarysnapshot_append_only_trigger"),
    ("directory", "0002_familymember_person"),
]
# Old table -> new table, for the tables the move renamed.
RENAMED = {
    "registers_termdates": "directory_termdates",
    "registers_historicaltermdates": "directory_historicaltermdates",
    "registers_summarysnapshot": "oversight_summarysnapshot",
}

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The models as the migrations applied now define them, every app included.
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            if table == "django_migrations":  # the three migrations of the move
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def test_moving_term_dates_and_saved_summaries_keeps_every_row():
    apps = _migrate(BEFORE_THE_MOVE)
    organisation_model = apps.get_model("directory", "Organisation")
    person_model = apps.get_model("directory", "Person")
    term_dates_model = apps.get_model("registers", "TermDates")
    history_model = apps.get_model("registers", "HistoricalTermDates")
    snapshot_model = apps.get_model("registers", "SummarySnapshot")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    audit_model = apps.get_model("contactpolicy", "AuditEvent")

    school = organisation_model.objects.create(name="Ash Primary School", kind="school")
    head = person_model.objects.create(
        email="head@ash.example", given_name="Ann", family_name="Ash", password="!"
    )
    autumn = term_dates_model.objects.create(
        organisation=school,
        year=2026,
        term="autumn",
        starts_on=datetime.date(2026, 9, 2),
        ends_on=datetime.date(2026, 12, 18),
    )
    history_model.objects.create(
        id=autumn.pk,
        organisation_id=school.pk,
        year=2026,
        term="autumn",
        starts_on=autumn.starts_on,
        ends_on=autumn.ends_on,
        history_date=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
        history_type="+",
    )
    snapshot = snapshot_model.objects.create(
        organisation=school,
        period="autumn-2026",
        title="Autumn term 2026",
        starts_on=autumn.starts_on,
        ends_on=autumn.ends_on,
        data={"schema": 2, "tables": {}},
        saved_by=head,
    )
    snapshot_type, _ = content_type_model.objects.get_or_create(
        app_label="registers", model="summarysnapshot"
    )
    audit_model.objects.create(
        action="summary.saved",
        target_type=snapshot_type,
        target_id=str(snapshot.pk),
        target_label="Autumn term 2026",
        organisation_pk=school.pk,
    )
    before = _row_counts()

    apps = _migrate(_latest())

    after = _row_counts()
    for table, count in before.items():
        assert after[RENAMED.get(table, table)] == count, table
    for old in RENAMED:
        assert old not in after
    term_dates = apps.get_model("directory", "TermDates").objects.get()
    assert (term_dates.organisation_id, term_dates.term, term_dates.ends_on) == (
        school.pk,
        "autumn",
        datetime.date(2026, 12, 18),
    )
    assert apps.get_model("directory", "HistoricalTermDates").objects.get().id == term_dates.pk
    moved = apps.get_model("oversight", "SummarySnapshot").objects.get()
    assert (moved.pk, moved.title, moved.saved_by_id, moved.data) == (
        snapshot.pk,
        "Autumn term 2026",
        head.pk,
        {"schema": 2, "tables": {}},
    )
    # The audit event still points at the saved summary: its content type moved with it.
    event = apps.get_model("contactpolicy", "AuditEvent").objects.get(action="summary.saved")
    assert (event.target_type.app_label, event.target_type.model) == (
        "oversight",
        "summarysnapshot",
    )
    # A saved summary is still append-only in the database itself.
    with (
        pytest.raises(
            DatabaseError, match="summarysnapshot is append-only: rows cannot be changed"
        ),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE oversight_summarysnapshot SET title = 'Changed'")


# The onboarding app's tables, as the directory named them before #17 moved them.
ONBOARDING_MOVED = ["importrun", "importrow", "invitation", "misconnection", "missync"]
ONBOARDING_MOVED += ["schoolyearrollover"]


def test_moving_imports_and_invitations_to_onboarding_keeps_every_row():
    apps = _migrate([("directory", "0013_mis_connections")])
    organisation = apps.get_model("directory", "Organisation").objects.create(
        name="Ash Primary School", kind="school"
    )
    admin = apps.get_model("directory", "Person").objects.create(
        email="admin@ash.example", given_name="Ada", family_name="Ash", password="!"
    )
    run = apps.get_model("directory", "ImportRun").objects.create(
        organisation=organisation, source="spreadsheet", status="done", started_by=admin, added=1
    )
    apps.get_model("directory", "ImportRow").objects.create(
        run=run, table="staff", number=2, values={"email": "new@ash.example"}, action="add"
    )
    connection_row = apps.get_model("directory", "MisConnection").objects.create(
        organisation=organisation, school_id="A1930499544", token_encrypted="sealed"
    )
    apps.get_model("directory", "MisSync").objects.create(
        connection=connection_row, status="done", import_run=run, requested_by=admin
    )
    apps.get_model("directory", "Invitation").objects.create(
        person=admin,
        organisation=organisation,
        kind="password",
        expires=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
    )
    apps.get_model("directory", "SchoolYearRollover").objects.create(
        setting=organisation,
        year=2027,
        starts_on=datetime.date(2027, 9, 2),
        left_on=datetime.date(2027, 7, 21),
        leaving_year_group="6",
        made_by=admin,
    )
    run_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="directory", model="importrun"
    )
    apps.get_model("contactpolicy", "AuditEvent").objects.create(
        action="directory.import.applied",
        target_type=run_type,
        target_id=str(run.pk),
        target_label="Import",
        organisation_pk=organisation.pk,
    )
    before = _row_counts()

    apps = _migrate(_latest())

    after = _row_counts()
    renamed = {f"directory_{model}": f"onboarding_{model}" for model in ONBOARDING_MOVED}
    for table, count in before.items():
        assert after[renamed.get(table, table)] == count, table
    for old in renamed:
        assert old not in after
    moved_run = apps.get_model("onboarding", "ImportRun").objects.get()
    assert (moved_run.pk, moved_run.organisation_id, moved_run.added) == (
        run.pk,
        organisation.pk,
        1,
    )
    assert apps.get_model("onboarding", "ImportRow").objects.get().run_id == run.pk
    sync = apps.get_model("onboarding", "MisSync").objects.get()
    assert (sync.import_run_id, sync.connection.school_id) == (run.pk, "A1930499544")
    assert apps.get_model("onboarding", "Invitation").objects.get().person_id == admin.pk
    assert apps.get_model("onboarding", "SchoolYearRollover").objects.get().year == 2027
    event = apps.get_model("contactpolicy", "AuditEvent").objects.get()
    assert (event.target_type.app_label, event.target_type.model) == ("onboarding", "importrun")
    # A second start of the same school year is still refused by the database itself.
    with (
        pytest.raises(
            IntegrityError,
            match=r"school_year_rollover_once_per_setting_and_year|onboarding_schoolyearrollover\.setting_id",
        ),
        transaction.atomic(),
    ):
        apps.get_model("onboarding", "SchoolYearRollover").objects.create(
            setting_id=organisation.pk,
            year=2027,
            starts_on=datetime.date(2027, 9, 2),
            left_on=datetime.date(2027, 7, 21),
            leaving_year_group="6",
            made_by_id=admin.pk,
        )
