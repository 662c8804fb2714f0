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
    # Down to the directory first, then (#17) into the school calendar's own app.
    "registers_termdates": "schoolcalendar_termdates",
    "registers_historicaltermdates": "schoolcalendar_historicaltermdates",
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
    term_dates = apps.get_model("schoolcalendar", "TermDates").objects.get()
    assert (term_dates.organisation_id, term_dates.term, term_dates.ends_on) == (
        school.pk,
        "autumn",
        datetime.date(2026, 12, 18),
    )
    assert apps.get_model("schoolcalendar", "HistoricalTermDates").objects.get().id == term_dates.pk
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


# Where each table the directory held went when #17 split it into rooms.
SPLIT = {
    "directory_importrun": "onboarding_importrun",
    "directory_importrow": "onboarding_importrow",
    "directory_invitation": "identity_invitation",
    "directory_misconnection": "mis_misconnection",
    "directory_missync": "mis_missync",
    "directory_schoolyearrollover": "schoolcalendar_schoolyearrollover",
    "directory_termdates": "schoolcalendar_termdates",
    "directory_historicaltermdates": "schoolcalendar_historicaltermdates",
    "directory_closureday": "schoolcalendar_closureday",
    "directory_historicalclosureday": "schoolcalendar_historicalclosureday",
}


def test_splitting_the_directory_into_rooms_keeps_every_row():
    apps = _migrate([("directory", "0013_mis_connections")])

    def old(model):
        return apps.get_model("directory", model).objects

    organisation = old("Organisation").create(name="Ash Primary School", kind="school")
    admin = old("Person").create(
        email="admin@ash.example", given_name="Ada", family_name="Ash", password="!"
    )
    run = old("ImportRun").create(
        organisation=organisation, source="spreadsheet", status="done", started_by=admin, added=1
    )
    old("ImportRow").create(
        run=run, table="staff", number=2, values={"email": "new@ash.example"}, action="add"
    )
    mis_connection = old("MisConnection").create(
        organisation=organisation, school_id="A1930499544", token_encrypted="sealed"
    )
    old("MisSync").create(
        connection=mis_connection, status="done", import_run=run, requested_by=admin
    )
    old("Invitation").create(
        person=admin,
        organisation=organisation,
        kind="password",
        expires=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
    )
    old("SchoolYearRollover").create(
        setting=organisation,
        year=2027,
        starts_on=datetime.date(2027, 9, 2),
        left_on=datetime.date(2027, 7, 21),
        leaving_year_group="6",
        made_by=admin,
    )
    autumn = old("TermDates").create(
        organisation=organisation,
        year=2026,
        term="autumn",
        starts_on=datetime.date(2026, 9, 2),
        ends_on=datetime.date(2026, 12, 18),
    )
    old("HistoricalTermDates").create(
        id=autumn.pk,
        organisation_id=organisation.pk,
        year=2026,
        term="autumn",
        starts_on=autumn.starts_on,
        ends_on=autumn.ends_on,
        history_date=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
        history_type="+",
    )
    inset = old("ClosureDay").create(
        organisation=organisation,
        starts_on=datetime.date(2026, 11, 2),
        ends_on=datetime.date(2026, 11, 2),
        reason="inset",
    )
    old("HistoricalClosureDay").create(
        id=inset.pk,
        organisation_id=organisation.pk,
        starts_on=inset.starts_on,
        ends_on=inset.ends_on,
        reason="inset",
        history_date=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
        history_type="+",
    )
    content_types = apps.get_model("contenttypes", "ContentType").objects
    audit = apps.get_model("contactpolicy", "AuditEvent").objects
    for model, target in (("importrun", run), ("closureday", inset)):
        audit.create(
            action="directory.import.applied",
            target_type=content_types.get_or_create(app_label="directory", model=model)[0],
            target_id=str(target.pk),
            target_label=model,
            organisation_pk=organisation.pk,
        )
    before = _row_counts()

    apps = _migrate(_latest())

    after = _row_counts()
    for table, count in before.items():
        assert after[SPLIT.get(table, table)] == count, table
    for table in SPLIT:
        assert table not in after
    moved_run = apps.get_model("onboarding", "ImportRun").objects.get()
    assert (moved_run.pk, moved_run.organisation_id, moved_run.added) == (
        run.pk,
        organisation.pk,
        1,
    )
    assert apps.get_model("onboarding", "ImportRow").objects.get().run_id == run.pk
    sync = apps.get_model("mis", "MisSync").objects.get()
    assert (sync.import_run_id, sync.connection.school_id) == (run.pk, "A1930499544")
    assert apps.get_model("identity", "Invitation").objects.get().person_id == admin.pk
    assert apps.get_model("schoolcalendar", "SchoolYearRollover").objects.get().year == 2027
    term_dates = apps.get_model("schoolcalendar", "TermDates").objects.get()
    assert (term_dates.pk, term_dates.ends_on) == (autumn.pk, datetime.date(2026, 12, 18))
    assert apps.get_model("schoolcalendar", "HistoricalTermDates").objects.get().id == autumn.pk
    assert apps.get_model("schoolcalendar", "ClosureDay").objects.get().reason == "inset"
    assert apps.get_model("schoolcalendar", "HistoricalClosureDay").objects.get().id == inset.pk
    # The audit events still point at their records: the content types moved with them.
    targets = {
        (event.target_type.app_label, event.target_type.model)
        for event in apps.get_model("contactpolicy", "AuditEvent").objects.all()
    }
    assert targets == {("onboarding", "importrun"), ("schoolcalendar", "closureday")}
    # A second start of the same school year is still refused by the database itself.
    with (
        pytest.raises(
            IntegrityError,
            match=r"school_year_rollover_once_per_setting_and_year"
            r"|schoolcalendar_schoolyearrollover\.setting_id",
        ),
        transaction.atomic(),
    ):
        apps.get_model("schoolcalendar", "SchoolYearRollover").objects.create(
            setting_id=organisation.pk,
            year=2027,
            starts_on=datetime.date(2027, 9, 2),
            left_on=datetime.date(2027, 7, 21),
            leaving_year_group="6",
            made_by_id=admin.pk,
        )


def test_the_names_already_held_are_made_searchable_however_typed():
    """directory 0015 (#22) fills the search column of every person, pupil and family
    member already held, legal and preferred names alike."""
    apps = _migrate([("directory", "0014_split_into_rooms")])

    def old(model):
        return apps.get_model("directory", model).objects

    school = old("Organisation").create(name="Ash Primary School", kind="school")
    old("Person").create(
        email="sian@ash.example", given_name="Siân", family_name="O'Connor", password="!"
    )
    old("Pupil").create(
        setting=school,
        reference="1001",
        given_name="Robert",
        family_name="Barrett",
        preferred_given_name="Bobby",
        date_of_birth=datetime.date(2018, 3, 4),
    )
    old("FamilyMember").create(organisation=school, given_name="Zoë", family_name="Brontë")

    apps = _migrate([("directory", "0015_search_names")])

    def new(model):
        return apps.get_model("directory", model).objects

    assert new("Person").get().search_name == "sianoconnor"
    assert new("Pupil").get().search_name == "robertbarrett bobbybarrett"
    assert new("FamilyMember").get().search_name == "zoebronte"
    _migrate(_latest())
