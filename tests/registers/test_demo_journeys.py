"""Issue #6's 'done when', tried on the demo federation as a new user would."""

import copy
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, Outcome
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.audit_actions import DECLARATION_ATTACHMENT_VIEWED
from declarations.kinds import get_kind
from declarations.models import Attachment
from declarations.services import Subject, declaration_save_draft, declaration_submit
from demo.history import photo_of_a_card
from demo.people import demo_plan
from directory.models import Organisation, Person, Pupil
from registers.models import FollowUp, RegisterEntry
from registers.services import follow_up_work
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.demo import load_demo
from tests.factories.declarations import cleaned_details

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE


@once_per_module
def demo_for_the_module():
    """The demo, loaded once for the module (tests/conftest.py ``once_per_module``; put
    back from its snapshot if another module loaded it first: tests/demo.py)."""
    load_demo()
    plan = demo_plan(timezone.localdate())
    people = {key: Person.objects.get(email=person.email) for key, person in plan.people.items()}
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    return people, brookfield


@pytest.fixture
def demo(demo_for_the_module, db):
    """A copy of the module's demo objects for each test (what a test changes on them
    stays in the test; what it changes in the database is rolled back after it)."""
    return copy.deepcopy(demo_for_the_module)


def declare(person, setting, kind, pupil, capture, **subjects):
    declaration = declaration_save_draft(
        actor=person,
        kind=get_kind(kind),
        setting=setting,
        details=cleaned_details(kind),
        notes="",
        subjects=Subject(pupils=[pupil], **subjects),
        form_token=f"00000000-0000-0000-0000-{person.pk:012d}",
    )
    with capture(execute=True):
        declaration_submit(actor=person, declaration=declaration)
    return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status="open")


def sign_in(client, person):
    sign_in_with_mfa(client, person)
    return client


def test_head_approves_tuition_with_conditions_and_it_is_on_both_files_and_reviewed(
    demo, client, django_capture_on_commit_callbacks
):
    people, brookfield = demo
    # In the federation's policy (001 §2) tuition is agreed by the Executive Headteacher.
    teacher, head, dsl = people["bro_teacher1"], people["exec"], people["bro_dsl"]
    pupil = Pupil.objects.filter(setting=brookfield, status=Pupil.Status.CURRENT).first()
    request = declare(
        teacher, brookfield, "work_outside_setting", pupil, django_capture_on_commit_callbacks
    )
    assert request.decider == head
    review_on = timezone.localdate() + datetime.timedelta(days=30)

    # The head approves from the request page, with conditions and a review date.
    sign_in(client, head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("approvals:request", args=[request.pk]),
            {
                "outcome": Outcome.APPROVED_WITH_CONDITIONS,
                "conditions": "Tuition only at the library, never at home.",
                "reasons": "The family asked for help with reading.",
                "review_on": review_on.isoformat(),
            },
        )
    assert response.status_code == 302

    # On the teacher's file, with the reasons, as the teacher sees it...
    sign_in(client, teacher)
    own = client.get(reverse("registers:staff_file", args=[teacher.pk]))
    assert "Tuition only at the library, never at home." in own.text
    assert "The family asked for help with reading." in own.text
    # ...and on the pupil's file, as the head sees it.
    sign_in(client, head)
    pupil_file = client.get(reverse("registers:pupil_file", args=[pupil.pk]))
    assert pupil_file.status_code == 200
    assert "Tuition only at the library, never at home." in pupil_file.text
    assert escape(teacher.get_full_name()) in pupil_file.text

    # The review shows up for the head when it is due, not before.
    follow_up = FollowUp.objects.get(declaration=request.declaration, kind=FollowUp.Kind.REVIEW)
    assert follow_up.responsible == head
    assert follow_up.due_on == review_on
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled_jobs", stdout=io.StringIO())
    follow_up.refresh_from_db()
    assert follow_up.reminded_on is None
    with django_capture_on_commit_callbacks(execute=True):
        counts = follow_up_work(today=review_on)
    assert counts["due"] >= 1  # the demo's history has reviews of its own
    follow_up.refresh_from_db()
    assert follow_up.reminded_on == review_on
    listing = client.get(reverse("registers:follow_ups"))
    assert follow_up.get_absolute_url() in listing.text

    # The head records the review: it continues, and becomes an entry on both files.
    response = client.post(
        follow_up.get_absolute_url(),
        {
            "result": FollowUp.Result.CONTINUE,
            "note": "Going well; met at the library.",
            "next_review_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        },
    )
    assert response.status_code == 302
    reviews = RegisterEntry.objects.filter(
        declaration=request.declaration, entry_kind=RegisterEntry.EntryKind.REVIEW
    )
    assert {entry.file for entry in reviews} == {"staff", "pupil"}

    # The DSL finds it by the pupil's name in the audit history, with who viewed it.
    sign_in(client, dsl)
    audit = client.get(
        reverse("oversight:audit"), {"pupil": pupil.given_name + " " + pupil.family_name}
    )
    assert audit.status_code == 200
    assert "Pupil file opened" in audit.text or "Declaration opened" in audit.text
    assert "Decided" in audit.text
    assert escape(head.get_full_name()) in audit.text

    # A teacher cannot reach the pupil file.
    sign_in(client, teacher)
    assert client.get(reverse("registers:pupil_file", args=[pupil.pk])).status_code == 404


def test_key_person_with_a_declared_relationship_is_refused(
    demo, client, django_capture_on_commit_callbacks
):
    people, _ = demo
    preschool = Organisation.objects.get(name="Little Acorns Pre-school")
    key_adult, manager = people["pre_key1"], people["pre_manager"]
    child = Pupil.objects.filter(setting=preschool).exclude(key_person=key_adult).first()
    request = declare(
        key_adult, preschool, "pre_existing_relationship", child, django_capture_on_commit_callbacks
    )
    sign_in(client, request.decider)
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(actor=request.decider, request=request, outcome=Outcome.NOTED, details={})
    sign_in(client, manager)
    before = child.key_person_id
    response = client.post(
        reverse("registers:key_person", args=[child.pk]), {"person": key_adult.pk}
    )
    assert response.status_code == 200
    assert "pre-existing relationship" in response.text
    child.refresh_from_db()
    assert child.key_person_id == before


def test_the_photo_of_a_card_in_the_demo_downloads_for_its_declarant_and_is_recorded(demo, client):
    # The demo's files are on disk for the whole session: a demo put back from another
    # module's snapshot (tests/demo.py) still finds them.
    attachment = Attachment.objects.select_related("declaration__declarant").first()
    assert attachment is not None, "the demo declares a gift card with its photo"
    declarant = attachment.declaration.declarant

    sign_in(client, declarant)
    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo_of_a_card()
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(
        action=DECLARATION_ATTACHMENT_VIEWED, actor=declarant, data__attachment=attachment.pk
    ).exists()
