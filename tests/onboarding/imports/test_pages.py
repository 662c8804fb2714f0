"""The administrator's import pages (R38, #20): upload, preview, correct, confirm, and
who may see them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.models import Pupil, Role
from onboarding.models import ImportRow, ImportRun
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.factories import SchoolFactory, person_with_roles
from tests.onboarding.imports.files import PUPIL_HEADERS, csv_bytes

pytestmark = pytest.mark.django_db


@once_per_module
def world_for_the_module():
    school = SchoolFactory(name="Brook Lane Primary", urn="100001")
    elsewhere = SchoolFactory(name="Faraway School")
    return {
        "school": school,
        "admin": person_with_roles(school, Role.ADMINISTRATOR),
        "head": person_with_roles(school, Role.HEAD),
        "other_admin": person_with_roles(elsewhere, Role.ADMINISTRATOR),
    }


ROWS = [
    PUPIL_HEADERS,
    ["1001", "", "Siân", "O'Connor", "", "03/04/2017", "Year 3", "3S"],
    ["1002", "", "Zoë", "Brontë", "", "31/02/2016", "4", "4B"],
]


def upload(client, world, content, name="pupils.csv"):
    return client.post(
        reverse("onboarding:imports"),
        {
            "organisation": world["school"].pk,
            "pupils": SimpleUploadedFile(name, content, content_type="text/csv"),
        },
    )


@pytest.fixture
def admin(client, world_for_the_module):
    return sign_in_with_mfa(client, world_for_the_module["admin"])


def test_upload_preview_correct_and_confirm(admin, world_for_the_module):
    world = world_for_the_module
    response = upload(admin, world, csv_bytes(ROWS))
    run = ImportRun.objects.get()
    assert response.url == reverse("onboarding:import_detail", args=[run.pk])
    page = admin.get(response.url).content.decode()
    assert "Nothing has been saved yet" in page
    assert "“31/02/2016” is not a real date" in page
    assert not Pupil.objects.exists()
    problem = run.rows.get(action=ImportRow.Action.PROBLEM)
    row_url = reverse("onboarding:import_row", args=[run.pk, problem.pk])
    form = admin.get(row_url).content.decode()
    assert 'aria-invalid="true"' in form
    assert 'value="31/02/2016"' in form
    values = problem.values | {"date_of_birth": "28/02/2016"}
    response = admin.post(row_url, values)
    assert response.status_code == 302
    page = admin.get(reverse("onboarding:import_detail", args=[run.pk])).content.decode()
    assert "Import 2 rows" in page
    admin.post(reverse("onboarding:import_confirm", args=[run.pk]))
    assert sorted(Pupil.objects.values_list("given_name", flat=True)) == ["Siân", "Zoë"]
    again = upload(admin, world, csv_bytes(ROWS[:2]))
    second = ImportRun.objects.order_by("-pk").first()
    admin.post(reverse("onboarding:import_confirm", args=[second.pk]))
    page = admin.get(again.url).content.decode()
    assert "Nothing to change." in page


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_form(admin, world_for_the_module):
    response = upload(admin, world_for_the_module, b"%PDF-1.7 pretend", name="pupils.csv")
    assert response.status_code == 200
    assert "not a spreadsheet we can read" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_no_file_at_all_is_asked_for(admin, world_for_the_module):
    response = admin.post(
        reverse("onboarding:imports"), {"organisation": world_for_the_module["school"].pk}
    )
    assert "Choose at least one file to import." in response.content.decode()


def test_an_oversized_upload_is_refused_before_it_is_read(admin, world_for_the_module, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(admin, world_for_the_module, csv_bytes(ROWS * 10))
    assert "a file can be up to 100" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_school_the_administrator_does_not_run_cannot_be_chosen(client, world_for_the_module):
    world = world_for_the_module
    sign_in_with_mfa(client, world["other_admin"])
    response = upload(client, world, csv_bytes(ROWS))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("who", ["head", "other_admin"])
def test_another_persons_import_is_not_found(client, world_for_the_module, who):
    world = world_for_the_module
    sign_in_with_mfa(client, world["admin"])
    upload(client, world, csv_bytes(ROWS))
    run = ImportRun.objects.get()
    row = run.rows.first()
    client.logout()
    sign_in_with_mfa(client, world[who])
    for name, args in [
        ("onboarding:import_detail", [run.pk]),
        ("onboarding:import_row", [run.pk, row.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("onboarding:import_confirm", args=[run.pk])).status_code == 404
    assert (
        client.post(reverse("onboarding:import_row", args=[run.pk, row.pk]), {}).status_code == 404
    )
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEW
    assert not Pupil.objects.exists()


def test_a_row_of_another_import_is_not_found_under_this_one(admin, world_for_the_module):
    world = world_for_the_module
    upload(admin, world, csv_bytes(ROWS))
    upload(admin, world, csv_bytes(ROWS))
    first, second = ImportRun.objects.order_by("pk")
    row = second.rows.first()
    response = admin.get(reverse("onboarding:import_row", args=[first.pk, row.pk]))
    assert response.status_code == 404


def test_a_confirmed_import_cannot_be_confirmed_twice(admin, world_for_the_module):
    world = world_for_the_module
    upload(admin, world, csv_bytes(ROWS[:2]))
    run = ImportRun.objects.get()
    admin.post(reverse("onboarding:import_confirm", args=[run.pk]))
    response = admin.post(reverse("onboarding:import_confirm", args=[run.pk]), follow=True)
    assert "cannot be" in response.content.decode()
    assert Pupil.objects.count() == 1
    assert AuditEvent.objects.filter(action="directory.import.applied").count() == 1


def test_a_large_import_is_written_by_the_worker_with_its_progress_on_the_page(
    admin, world_for_the_module, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_AT_ONCE_ROWS = 1
    settings.IMPORT_BATCH_ROWS = 1
    world = world_for_the_module
    rows = [ROWS[0], ROWS[1], ["1003", "", "Ann", "Lee", "", "01/01/2016", "R", ""]]
    upload(admin, world, csv_bytes(rows))
    run = ImportRun.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        admin.post(reverse("onboarding:import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED
    progress = admin.get(
        reverse("onboarding:import_detail", args=[run.pk]),
        {"part": "progress"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "0 of 2 rows written" in progress
    assert 'hx-trigger="every 2s"' in progress
    assert not Pupil.objects.exists()
    for callback in queued:
        callback()
    run.refresh_from_db()
    assert (run.status, run.done) == (ImportRun.Status.DONE, 2)
    assert Pupil.objects.count() == 2
    progress = admin.get(
        reverse("onboarding:import_detail", args=[run.pk]),
        {"part": "progress"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "hx-trigger" not in progress  # stops asking once it is done
    assert "The import has finished" in progress


def test_problems_name_the_column_as_the_file_does_and_nothing_to_import_offers_no_button(
    admin, world_for_the_module
):
    """A school office reads "Date of birth", and the header of its own file, never the
    pipeline's names; with nothing to add or change there is no "Import 0 rows"."""
    world = world_for_the_module
    rows = [
        ["Adno", "Legal Forename", "Legal Surname", "DOB"],
        ["2001", "Darren", "Taylor", "31/09/2015"],
    ]
    response = upload(admin, world, csv_bytes(rows))
    run = ImportRun.objects.get()
    page = admin.get(response.url).content.decode()
    row = run.rows.get()
    form = admin.get(reverse("onboarding:import_row", args=[run.pk, row.pk])).content.decode()

    assert "Date of birth (“DOB” in the file):</strong> “31/09/2015” is not a real date" in page
    assert "Dateofbirth" not in page
    assert "Nothing to import until the rows with problems are corrected." in page
    assert "Import 0 rows" not in page
    assert "Row 2 of the pupils file: Darren Taylor" in form
    assert "MIS reference (“Adno” in the file)" in form
    assert ">Upn<" not in form
    assert "UPN (unique pupil number)" in form


def test_once_imported_the_tabs_say_what_was_done(admin, world_for_the_module):
    world = world_for_the_module
    response = upload(admin, world, csv_bytes(ROWS[:2]))
    run = ImportRun.objects.get()
    admin.post(reverse("onboarding:import_confirm", args=[run.pk]))

    page = admin.get(response.url).content.decode()

    assert "Added (1)" in page
    assert "To add (" not in page
