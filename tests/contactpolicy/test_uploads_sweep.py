"""The nightly sweep of uploaded files no record points at (contactpolicy/uploads/sweep.py):
a file a failed upload left behind goes once it is a day old; every file a record points
at, in any app, stays, and so does a file still being saved and anything not an upload."""

import datetime
import os
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contactpolicy.models import AuditEvent
from contactpolicy.scheduled import jobs
from contactpolicy.uploads import generated_path
from contactpolicy.uploads.sweep import uploads_sweep
from declarations.models import Declaration
from declarations.services import attachment_add, declaration_amend
from policies.services import training_record_add
from tests.factories.declarations import DeclarationFactory
from tests.files import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def written(media, name: str, *, age: datetime.timedelta) -> str:
    """A file as an upload writes it, last changed ``age`` ago."""
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes())
    aged(media, name, age=age)
    return name


def aged(media, name: str, *, age: datetime.timedelta) -> None:
    when = (timezone.now() - age).timestamp()
    os.utime(media / name, (when, when))


def orphan(media, *, age: datetime.timedelta, folder: str = "attachments") -> str:
    """What a failed upload leaves: an upload's name, and no row pointing at it."""
    return written(media, generated_path(folder, "card.pdf"), age=age)


DAYS_OLD = datetime.timedelta(days=2)
TODAY = datetime.date(2026, 11, 18)


@pytest.fixture
def attached(world, media):
    """A photo attached to a draft through the service, written two days ago."""
    draft = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    attachment = attachment_add(
        actor=world.teacher_a,
        declaration=draft,
        upload=SimpleUploadedFile("card.png", png_bytes()),
    )
    aged(media, attachment.file.name, age=DAYS_OLD)
    return attachment


def test_a_left_over_file_a_day_old_is_removed_and_the_count_audited(media):
    left_over = orphan(media, age=DAYS_OLD)

    line = uploads_sweep(TODAY)

    assert not (media / left_over).exists()
    assert line == "Uploaded files: 1 left-over files removed."
    event = AuditEvent.objects.get(action="uploads.orphans_removed")
    assert event.actor is None
    assert event.data == {"removed": 1, "files": [left_over]}


def test_a_file_a_record_points_at_is_never_removed(attached, media):
    left_over = orphan(media, age=DAYS_OLD)

    uploads_sweep(TODAY)

    assert (media / attached.file.name).exists()
    assert not (media / left_over).exists()


def test_a_file_shared_by_an_amended_declaration_stays(world, attached, media):
    Declaration.objects.filter(pk=attached.declaration_id).update(status=Declaration.Status.DECIDED)
    amendment = declaration_amend(actor=world.teacher_a, declaration=attached.declaration)

    uploads_sweep(TODAY)

    assert amendment.attachments.get().file.name == attached.file.name
    assert (media / attached.file.name).exists()


def test_files_of_other_apps_records_stay(world, media):
    record = training_record_add(
        actor=world.teacher_a,
        person=world.teacher_a,
        completed_on=TODAY - datetime.timedelta(days=30),
        course="Annual safeguarding update",
        provider="The DSL",
        evidence=SimpleUploadedFile("certificate.pdf", pdf_bytes()),
    )
    aged(media, record.evidence.name, age=DAYS_OLD)
    left_over = orphan(media, age=DAYS_OLD, folder="training")

    uploads_sweep(TODAY)

    assert (media / record.evidence.name).exists()
    assert not (media / left_over).exists()


def test_a_file_written_less_than_a_day_ago_stays_it_may_still_be_being_saved(media):
    fresh = orphan(media, age=datetime.timedelta(hours=23))

    line = uploads_sweep(TODAY)

    assert (media / fresh).exists()
    assert line == "Uploaded files: 0 left-over files removed."
    assert not AuditEvent.objects.filter(action="uploads.orphans_removed").exists()


def test_a_file_not_named_as_an_upload_is_left_alone(media):
    others = [
        written(media, "exports/2026/10/summary.pdf", age=DAYS_OLD),
        written(media, f"bench/{uuid.uuid4().hex}.png", age=DAYS_OLD),
        written(media, "README.txt", age=DAYS_OLD),
    ]

    uploads_sweep(TODAY)

    assert all((media / name).exists() for name in others)


def test_running_the_sweep_twice_removes_nothing_twice(media):
    orphan(media, age=DAYS_OLD)
    uploads_sweep(TODAY)

    line = uploads_sweep(TODAY)

    assert line == "Uploaded files: 0 left-over files removed."
    assert AuditEvent.objects.filter(action="uploads.orphans_removed").count() == 1


def test_an_empty_or_missing_uploads_folder_is_nothing_to_sweep(media):
    assert not media.exists()

    assert uploads_sweep(TODAY) == "Uploaded files: 0 left-over files removed."


def test_the_sweep_is_one_of_the_scheduled_jobs():
    assert uploads_sweep in jobs()
