"""Drafts saved half-way, and the edge cases a review of #4 turned up."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations.exceptions import DeclarationError
from declarations.models import Declaration
from declarations.services import Subject, attachment_check, declaration_submit
from directory.models import Membership
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

CREATE = "declarations:create"


def start(client, kind):
    response = client.get(reverse(CREATE, args=[kind]))
    return str(response.context["form"].initial["form_token"])


def test_a_half_finished_declaration_can_be_saved_as_a_draft_and_finished_later(client, world):
    pupil = PupilFactory(setting=world.school_a)
    sign_in_with_mfa(client, world.teacher_a)
    token = start(client, "planned_social_contact")

    response = client.post(
        reverse(CREATE, args=["planned_social_contact"]),
        {
            "form_token": token,
            "setting": world.school_a.pk,
            "pupils": [pupil.pk],
            "details-place": "The park",
            "action": "draft",
        },
    )

    declaration = Declaration.objects.get()
    assert response.status_code == 302
    assert response.url == declaration.get_absolute_url()
    assert declaration.status == Declaration.Status.DRAFT
    assert declaration.details["place"] == "The park"
    review = client.get(reverse("declarations:review", args=[declaration.pk]))
    assert "Before you can submit" in review.text
    with pytest.raises(DeclarationError):
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    edit = client.get(reverse("declarations:edit", args=[declaration.pk]))
    assert 'value="The park"' in edit.text


def test_a_draft_still_refuses_a_pupil_of_another_school(client, world):
    stranger = PupilFactory(setting=world.other_school)
    sign_in_with_mfa(client, world.teacher_a)
    token = start(client, "planned_social_contact")

    response = client.post(
        reverse(CREATE, args=["planned_social_contact"]),
        {
            "form_token": token,
            "setting": world.school_a.pk,
            "pupils": [stranger.pk],
            "action": "draft",
        },
    )

    assert response.status_code == 200
    assert not Declaration.objects.exists()


def test_error_summary_links_a_group_of_tick_boxes_to_its_first_box(client, world):
    sign_in_with_mfa(client, world.teacher_a)
    token = start(client, "planned_social_contact")

    response = client.post(
        reverse(CREATE, args=["planned_social_contact"]),
        {"form_token": token, "setting": world.school_a.pk, "action": "save"},
    )

    assert 'href="#id_details-channels_0"' in response.text


def test_submit_checks_again_that_the_declarant_still_works_in_the_setting(world):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration)
    Membership.objects.filter(person=world.teacher_a).update(
        starts_on="2020-09-01", ends_on="2021-07-20"
    )

    with pytest.raises(DeclarationError, match="no longer hold a role"):
        declaration_submit(actor=world.teacher_a, declaration=declaration)

    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT


def test_a_former_pupil_not_in_the_directory_can_be_described(world):
    from declarations.kinds import get_kind
    from declarations.services import declaration_save_draft
    from tests.factories.declarations import cleaned_details

    declaration = declaration_save_draft(
        actor=world.teacher_a,
        kind=get_kind("former_pupil_contact"),
        setting=world.school_a,
        details=cleaned_details("former_pupil_contact"),
        notes="",
        subjects=Subject(other_name="Sam Jones", other_relationship="left Year 6 in 2015"),
        form_token="00000000-0000-0000-0000-000000000001",
    )

    assert declaration_submit(actor=world.teacher_a, declaration=declaration).status == (
        Declaration.Status.SUBMITTED
    )


def test_a_file_name_of_only_emoji_is_kept_as_attachment():
    upload = SimpleUploadedFile("😀.pdf", pdf_bytes())

    content_type, name = attachment_check(upload)

    assert (content_type, name) == ("application/pdf", "attachment.pdf")


def test_a_word_document_with_a_large_picture_first_is_still_recognised():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docProps/thumbnail.jpeg", b"\xff\xd8\xff" + bytes(20_000))
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    upload = SimpleUploadedFile("letter.docx", buffer.getvalue())

    content_type, name = attachment_check(upload)

    assert content_type.endswith("wordprocessingml.document")
    assert name == "letter.docx"


def test_a_zip_that_is_not_a_word_document_is_refused_even_when_named_docx():
    from declarations.exceptions import AttachmentRejected

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ" + bytes(100))
    with pytest.raises(AttachmentRejected):
        attachment_check(SimpleUploadedFile("letter.docx", buffer.getvalue()))
