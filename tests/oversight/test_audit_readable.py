"""An audit trail an auditor can read (issue #21 item 4, R34): the details in words, with
names and links to the records, never ids and dictionaries; every action filterable;
the export's times in ISO 8601 with their offset; a page costs the same queries however
many events, of however many sorts, it shows."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, Decision
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record
from registers.models import FollowUp, RegisterEntry
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.two_schools import declare, submit

pytestmark = pytest.mark.django_db

# What the details column read before #21.
INTERNALS = re.compile(r"\b(request|decider|decision|follow up|entries): \d+|\{'|'status'")


def results(response) -> str:
    assert response.status_code == 200
    assert response.context["page"] is not None, response.context["form"].errors
    return response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def search(client, user, **filters):
    sign_in_with_mfa(client, user)
    return client.get(reverse("oversight:audit"), filters)


def export(client, user, **filters) -> list[list[str]]:
    sign_in_with_mfa(client, user)
    response = client.get(reverse("oversight:audit_export"), filters)
    content = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(content[1:])))


@pytest.fixture
def refused(world):
    """A planned contact about Xanthe, submitted by teacher A and refused by their line
    manager with an action to confirm: routed, decided, put on the files, followed up."""
    pupil = PupilFactory(setting=world.school_a, given_name="Xanthe", family_name="Ashgrove")
    declaration = submit(declare(world.teacher_a, world.school_a, pupils=[pupil]))
    request = ApprovalRequest.objects.get(declaration=declaration)
    decision_record(
        actor=world.line_manager_a,
        request=request,
        outcome="refused",
        details={
            "reasons": "Xanthe is in your class this year.",
            "required_action": "Decline the invitation.",
            "action_due_on": timezone.localdate() + datetime.timedelta(days=7),
        },
    )
    return declaration, request, pupil


def test_the_details_name_people_and_records_in_words_not_ids(client, world, refused):
    declaration, _request, pupil = refused
    follow_up = FollowUp.objects.get(declaration=declaration)

    rows = results(search(client, world.dsl_a))

    assert not INTERNALS.search(rows), INTERNALS.search(rows)
    manager = escape(world.line_manager_a.get_full_name())
    assert f"To decide: {manager}" in rows  # the request, and whom it asked
    assert f"Refused by {manager}" in rows  # the decision
    assert "Declaration&#x27;s status:</span> Submitted" in rows
    assert f"{escape(world.teacher_a.get_full_name())}&#x27;s staff file" in rows
    assert "Xanthe Ashgrove&#x27;s pupil file" in rows
    assert "Required action, due" in rows  # the follow-up
    # The DSL opens the pupil's file and the staff files from the details.
    assert f'href="{reverse("registers:pupil_file", args=[pupil.pk])}"' in rows
    assert f'href="{reverse("registers:staff_file", args=[world.teacher_a.pk])}"' in rows
    assert f"{follow_up.get_kind_display()}" in rows


def test_the_record_links_to_the_declaration_where_the_reader_may_open_it(client, world, refused):
    declaration, request, _ = refused
    sign_in_with_mfa(client, world.line_manager_a)
    client.get(request.get_absolute_url())  # the line manager opens it: an event to read

    # The federation's Executive Headteacher reads the audit; nothing about it reached
    # her, so its reference is not a link for her.
    as_head = results(search(client, world.executive_head, action="declaration.viewed"))
    assert escape(str(declaration)) in as_head
    assert f'href="{request.get_absolute_url()}"' not in as_head
    assert f'href="{declaration.get_absolute_url()}"' not in as_head


def test_a_pupil_of_another_school_is_not_named_to_a_reader_there(client, world):
    pupil = PupilFactory(setting=world.school_a, given_name="Xanthe", family_name="Ashgrove")
    audit_event_record(
        actor=world.head_other,
        action="register.outcome_recorded",
        organisation_pk=world.other_school.pk,
        data={"pupils": [pupil.pk]},
    )

    rows = results(search(client, world.administrator_other))

    assert "Ashgrove" not in rows
    assert "A pupil of another school" in rows


def test_the_export_reads_the_same_words_and_its_times_are_iso_8601_with_their_offset(
    client, world, refused
):
    winter = datetime.datetime(2026, 11, 4, 19, 5, tzinfo=datetime.UTC)
    summer = datetime.datetime(2026, 7, 1, 12, 5, tzinfo=datetime.UTC)
    for moment in (winter, summer):
        AuditEvent.objects.create(
            occurred_at=moment,
            actor=world.head_a,
            action="register.pupil_file_viewed",
            organisation_pk=world.school_a.pk,
        )

    rows = export(client, world.dsl_a)

    times = [row[0] for row in rows[1:]]
    assert "2026-11-04T19:05:00+00:00" in times
    assert "2026-07-01T13:05:00+01:00" in times  # British Summer Time
    assert all(datetime.datetime.fromisoformat(time).utcoffset() is not None for time in times)
    details = "\n".join(row[5] for row in rows[1:])
    assert f"To decide: {world.line_manager_a.get_full_name()}" in details
    assert "Declaration's status: Submitted \u2192 Decided" in details
    assert not INTERNALS.search(details)


def test_the_details_of_a_change_read_as_before_and_after(client, world):
    declaration = declare(world.teacher_a, world.school_a)
    audit_event_record(
        actor=world.teacher_a,
        action="declaration.withdrawn",
        target=declaration,
        data={
            "before": {"status": "submitted"},
            "after": {"status": "withdrawn"},
            "reason": "Plans changed",
        },
    )

    rows = results(search(client, world.dsl_a, action="declaration.withdrawn"))

    assert re.search(r"Status:</span>\s*Submitted <span aria-hidden=\"true\">&rarr;", rows)
    assert "changed to</span> Withdrawn" in rows
    assert "Plans changed" in rows


def test_a_declarations_answers_read_by_its_own_kinds_labels_and_a_concern_is_urgent(client, world):
    """Two kinds both ask "description": a concern's reads "What happened", never the
    relationship's "Describe the relationship"; a concern is urgent whatever was ticked."""
    declare(world.teacher_a, world.school_a, kind="concern")

    rows = results(search(client, world.dsl_a, action="declaration.created"))

    assert "What happened:" in rows
    assert "Describe the relationship" not in rows
    assert re.search(r"Urgent:</span>\s*yes", rows)
    assert re.search(r"Kind:</span>\s*Concern", rows)


# Queries ----------------------------------------------------------------------------------


def many_sorts_of_events(world, sets: int) -> None:
    """Events of many sorts, each naming people, pupils, requests, decisions, entries and
    follow-ups by id: what each page resolves."""
    for _ in range(sets):
        pupil = PupilFactory(setting=world.school_a)
        declaration = declare(world.teacher_a, world.school_a, pupils=[pupil])
        request = ApprovalRequest.objects.create(
            declaration=declaration, decider=world.head_a, decider_role="head"
        )
        decision = Decision.objects.create(
            request=request, decided_by=world.head_a, outcome="approved"
        )
        entry = RegisterEntry.objects.create(
            file=RegisterEntry.File.PUPIL,
            pupil=pupil,
            entry_kind=RegisterEntry.EntryKind.OUTCOME,
            declaration=declaration,
            decision=decision,
            text="Approved.",
        )
        follow_up = FollowUp.objects.create(
            kind=FollowUp.Kind.REVIEW,
            declaration=declaration,
            decision=decision,
            person=world.teacher_a,
            responsible=world.head_a,
            what="Review it.",
            due_on=timezone.localdate(),
        )
        record = audit_event_record
        record(
            actor=None,
            action="approval.routed",
            target=declaration,
            data={"request": request.pk, "decider": world.head_a.pk, "role": "head"},
        )
        record(
            actor=world.head_a,
            action="approval.decided",
            target=declaration,
            data={
                "request": request.pk,
                "decision": decision.pk,
                "outcome": "approved",
                "before": {"status": "submitted"},
                "after": {"status": "decided"},
            },
        )
        record(
            actor=world.head_a,
            action="register.outcome_recorded",
            target=declaration,
            data={"decision": decision.pk, "entries": [entry.pk], "pupils": [pupil.pk]},
        )
        record(
            actor=world.head_a,
            action="register.follow_up_set",
            target=declaration,
            data={"follow_up": follow_up.pk, "kind": "review", "due_on": "2026-12-01"},
        )
        record(actor=world.head_a, action="register.pupil_file_viewed", target=pupil)
        record(actor=world.head_a, action="auth.signed_in", target=world.head_a)
        record(
            actor=world.teacher_a,
            action="access.refused",
            target=pupil,
            data={"path": f"/registers/pupils/{pupil.pk}/"},
        )


def test_the_page_costs_the_same_queries_with_one_or_six_sets_of_events_of_every_sort(
    client, world
):
    many_sorts_of_events(world, 1)
    sign_in_with_mfa(client, world.dsl_a)
    url = reverse("oversight:audit")
    client.get(url)  # warm the content-type cache

    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    shown = len(response.context["page"].object_list)
    assert shown >= 7
    many_sorts_of_events(world, 5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(response.context["page"].object_list) >= shown + 5 * 7
    assert len(many) == len(few), [query["sql"][:120] for query in many.captured_queries]
