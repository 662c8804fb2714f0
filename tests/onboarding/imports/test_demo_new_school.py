"""The done-when of #20 for the import, on the demo's new school: its administrator
imports the spreadsheets its MIS exported (Windows-1252, UK dates, accented names),
reads the preview, corrects the two rows it questions and confirms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from demo.new_school import ADMIN_EMAIL, NEW_SCHOOL, demo_new_school_load
from directory.models import FamilyLink, Membership, Person, Pupil
from onboarding.models import ImportRow, ImportRun
from tests.conftest import sign_in_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_school(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    demo_new_school_load(None)
    folder = tmp_path / "demo"
    return {
        table: (folder / f"meadow-view-{table}.csv") for table in ("staff", "pupils", "families")
    }


def test_the_new_schools_administrator_imports_its_mis_files(client, new_school):
    admin = Person.objects.get(email=ADMIN_EMAIL)
    sign_in_with_mfa(client, admin)
    with (
        new_school["staff"].open("rb") as staff,
        new_school["pupils"].open("rb") as pupils,
        new_school["families"].open("rb") as families,
    ):
        response = client.post(
            reverse("onboarding:imports"),
            {
                "organisation": admin.memberships.first().organisation_id,
                "staff": staff,
                "pupils": pupils,
                "families": families,
            },
        )
    run = ImportRun.objects.get()
    page = client.get(response.url).content.decode()
    assert "5 rows with problems will not be imported" in page
    problems = list(
        run.rows.filter(action=ImportRow.Action.PROBLEM, table="pupils").order_by("number")
    )
    assert [row.number for row in problems] == [57, 143]
    # The children's contacts wait for them, and say so.
    waiting = run.rows.filter(action=ImportRow.Action.PROBLEM, table="families")
    assert waiting.count() == 3
    assert "once that row is corrected, this one follows" in waiting[0].problems[0]["message"]
    assert "is not a real date" in problems[0].problems[0]["message"]
    assert "formula" in problems[1].problems[0]["message"]
    assert run.rows.get(table="pupils", number=2).label == "Siân O'Connor-Ní Bhriain"

    date_row, name_row = problems
    client.post(
        reverse("onboarding:import_row", args=[run.pk, date_row.pk]),
        date_row.values | {"date_of_birth": "30" + date_row.values["date_of_birth"][2:]},
    )
    client.post(
        reverse("onboarding:import_row", args=[run.pk, name_row.pk]),
        name_row.values | {"given_name": name_row.values["given_name"].lstrip("=")},
    )
    run.refresh_from_db()
    assert run.problem_count == 0
    client.post(reverse("onboarding:import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    school = Pupil.objects.first().setting
    assert school.name == NEW_SCHOOL
    assert Pupil.objects.filter(setting=school).count() == 200
    assert Membership.objects.filter(organisation=school).count() == 12 + 2
    assert FamilyLink.objects.filter(pupil__setting=school).count() > 300
    sian = Pupil.objects.get(setting=school, reference="3000")
    assert (sian.given_name, sian.family_name) == ("Siân", "O'Connor-Ní Bhriain")
