"""The done-when of #20 for the sync, on the demo's new school: once its administrator
has imported the spreadsheets its MIS exported and corrected the two rows questioned,
she connects the school to the local Wonde test server (`manage.py
run_wonde_test_server`, which serves the same people) and syncs: nothing to change."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.urls import reverse

from demo.management.commands.run_wonde_test_server import Command
from demo.new_school import ADMIN_EMAIL, NEW_SCHOOL, demo_new_school_load
from demo.wonde_server import DEMO_SCHOOL_ID, DEMO_TOKEN
from directory.models import Organisation, Person, Pupil
from mis.models import MisSync
from onboarding.imports.services import (
    import_apply,
    import_check,
    import_row_correct,
    tables_from_files,
)
from onboarding.models import ImportRow, ImportRun
from tests.conftest import sign_in_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(settings, tmp_path):
    """Meadow View, its MIS's files imported and the two questioned rows corrected."""
    settings.VAR_DIR = tmp_path
    demo_new_school_load(None)
    admin = Person.objects.get(email=ADMIN_EMAIL)
    school = Organisation.objects.get(name=NEW_SCHOOL)
    folder = tmp_path / "demo"
    files = {
        table: (f"meadow-view-{table}.csv", (folder / f"meadow-view-{table}.csv").read_bytes())
        for table in ("staff", "pupils", "families")
    }
    tables, notes = tables_from_files(files)
    run = import_check(
        organisation=school, tables=tables, source="spreadsheet", started_by=admin, files=notes
    )
    date_row, name_row = run.rows.filter(action=ImportRow.Action.PROBLEM, table="pupils")
    import_row_correct(
        run=run,
        row=date_row,
        values=date_row.values | {"date_of_birth": "30" + date_row.values["date_of_birth"][2:]},
        by=admin,
    )
    import_row_correct(
        run=run,
        row=name_row,
        values=name_row.values | {"given_name": name_row.values["given_name"].lstrip("=")},
        by=admin,
    )
    run = import_apply(run=run, by=admin)
    assert run.status == ImportRun.Status.DONE
    assert Pupil.objects.filter(setting=school).count() == 200
    return admin, school


@pytest.fixture
def wonde(settings):
    """The command's server, on a free port."""
    settings.WONDE_API_URL = "http://127.0.0.1:0/v1.0"
    server = Command().server().start()
    settings.WONDE_API_URL = server.url
    yield server
    server.stop()


def test_the_new_school_syncs_from_the_local_wonde_with_nothing_to_change(
    client, imported, wonde, django_capture_on_commit_callbacks
):
    admin, school = imported
    sign_in_with_mfa(client, admin)
    page = reverse("mis:connection")
    client.post(
        page,
        {
            "organisation": school.pk,
            "school_id": DEMO_SCHOOL_ID,
            "token": DEMO_TOKEN,
            "enabled": "on",
        },
    )
    tested = client.post(reverse("mis:connection_test"), {"organisation": school.pk}, follow=True)
    assert f"it shares the data of {NEW_SCHOOL}" in tested.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("mis:sync_start"), {"organisation": school.pk})
    sync = MisSync.objects.get()
    assert started.url == reverse("mis:sync", args=[sync.pk])
    assert sync.status == MisSync.Status.DONE, sync.message
    assert sync.counts == {"staff": 12, "pupils": 200, "families": 333, "line_management": 0}
    run = sync.import_run
    changed = list(run.rows.exclude(action=ImportRow.Action.UNCHANGED).values("label", "changes"))
    assert changed == []
    detail = client.get(reverse("onboarding:import_detail", args=[run.pk]))
    assert "Nothing to change." in detail.content.decode()


def test_the_test_server_never_runs_in_production_nor_stands_in_for_the_real_wonde(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="it never runs in production"):
        Command().server()
    settings.PRODUCTION = False
    settings.WONDE_API_URL = "https://api.wonde.com/v1.0"
    with pytest.raises(CommandError, match=r"point it at http://127\.0\.0\.1:8002/v1\.0"):
        Command().server()
