"""The decider opens the copy attached to the declaration they decide (R11), through
their own request; nobody else does, and each opening is recorded (R34)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.models import ApprovalRequest
from contactpolicy.models import AuditEvent
from declarations.services import attachment_add, declaration_submit
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


@pytest.fixture
def routed(world, django_capture_on_commit_callbacks, settings, tmp_path):
    """A declaration by teacher_a with a photo attached, routed to their line manager."""
    settings.MEDIA_ROOT = tmp_path

    def routed(declarant, setting):
        declaration = DeclarationFactory(
            declarant=declarant, setting=setting, kind="planned_social_contact"
        )
        DeclarationSubjectFactory(declaration=declaration, pupil=PupilFactory(setting=setting))
        attachment = attachment_add(
            actor=declarant,
            declaration=declaration,
            upload=SimpleUploadedFile("card.jpg", JPEG, content_type="image/jpeg"),
        )
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        request = ApprovalRequest.objects.get(declaration=declaration, status="open")
        return request, attachment

    return routed


def url(request, attachment) -> str:
    return reverse("approvals:request_attachment", args=[request.pk, attachment.pk])


def test_the_decider_downloads_the_attached_copy_and_it_is_recorded(world, client, routed):
    request, attachment = routed(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, world.line_manager_a)

    page = client.get(reverse("approvals:request", args=[request.pk]))
    response = client.get(url(request, attachment))

    assert url(request, attachment) in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == JPEG
    assert AuditEvent.objects.filter(
        actor=world.line_manager_a, action="declaration.attachment_viewed"
    ).exists()


def test_nobody_else_opens_it_through_the_request(world, client, routed):
    request, attachment = routed(world.teacher_a, world.school_a)
    for person in (world.teacher_b, world.head_other, world.governor, world.teacher_a):
        sign_in_with_mfa(client, person)
        assert client.get(url(request, attachment)).status_code == 404, person


def test_a_file_of_another_declaration_is_not_opened_through_ones_own_request(
    world, client, routed
):
    mine, _attachment = routed(world.teacher_a, world.school_a)
    _other_request, other_attachment = routed(world.teacher_b, world.school_b)
    sign_in_with_mfa(client, world.line_manager_a)

    assert client.get(url(mine, other_attachment)).status_code == 404
