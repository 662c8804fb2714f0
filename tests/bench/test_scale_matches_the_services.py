"""The scale seeder writes by COPY for speed (#10), but what it writes is what the
services write (#17): for a small trust, each kind of story it tells (a declaration
routed, perhaps copied to the DSL, perhaps escalated, then decided, withdrawn or left
waiting) is told again through the real services, at the time it happened, and both
leave the same statuses, requests, file entries, follow-ups and audit actions."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals.models import Decision
from approvals.services import decision_record, request_escalate
from bench.scale import ScalePlan, seed_scale
from contactpolicy.models import AuditEvent
from declarations.models import Declaration
from declarations.services import (
    Subject,
    attachment_add,
    declaration_save_draft,
    declaration_submit,
    declaration_withdraw,
)
from demo.history import photo_of_a_card
from registers.models import FollowUp, RegisterEntry

pytestmark = pytest.mark.django_db

UNTIL = datetime.date(2026, 11, 20)
DECISION_FIELDS = [
    "reasons",
    "conditions",
    "review_on",
    "required_action",
    "action_due_on",
    "plan",
    "expected_outcomes",
    "timescales",
    "questions",
    "safeguarding_flag",
]


def signature(declaration: Declaration) -> tuple:
    """What happened to a declaration, without who, when or which row."""
    requests = declaration.approval_requests.order_by("pk")
    decisions = Decision.objects.filter(request__declaration=declaration)
    return (
        declaration.kind,
        declaration.status,
        declaration.attachments.count(),
        tuple(sorted((each.purpose, each.status, each.decider_role) for each in requests)),
        tuple(sorted(decision.outcome for decision in decisions)),
        tuple(
            sorted(
                Counter(
                    (entry.file, entry.entry_kind, entry.confidential)
                    for entry in RegisterEntry.objects.filter(declaration=declaration)
                ).items()
            )
        ),
        tuple(
            sorted(
                Counter(
                    (each.kind, each.status)
                    for each in FollowUp.objects.filter(declaration=declaration)
                ).items()
            )
        ),
        tuple(
            sorted(
                Counter(
                    AuditEvent.objects.filter(
                        target_type__model="declaration", target_id=str(declaration.pk)
                    ).values_list("action", flat=True)
                ).items()
            )
        ),
    )


def story(declaration: Declaration) -> tuple:
    """The kind of story a seeded declaration tells, to replay one of each."""
    requests = list(declaration.approval_requests.order_by("pk"))
    decision = Decision.objects.filter(request__declaration=declaration).first()
    return (
        declaration.kind,
        declaration.status,
        tuple((each.purpose, each.status) for each in requests),
        decision.outcome if decision else None,
        bool(decision and (decision.review_on or decision.action_due_on)),
    )


def replay(seeded: Declaration, capture) -> Declaration:
    """The seeded declaration's story told again through the services, at its times; what
    each step leaves to its commit (routing, cancelling, emails) runs as it would."""
    requests = list(seeded.approval_requests.filter(purpose="decide").order_by("pk"))
    subjects = list(seeded.subjects.all())
    with time_machine.travel(seeded.created_at, tick=False):
        declaration = declaration_save_draft(
            actor=seeded.declarant,
            kind=seeded.kind_entry,
            setting=seeded.setting,
            details=seeded.details,
            notes=seeded.notes,
            subjects=Subject(
                pupils=[each.pupil for each in subjects if each.pupil_id],
                family_members=[each.family_member for each in subjects if each.family_member_id],
            ),
            form_token=uuid.uuid4(),
        )
        for attachment in seeded.attachments.all():
            attachment_add(
                actor=seeded.declarant,
                declaration=declaration,
                upload=SimpleUploadedFile(
                    attachment.original_name, photo_of_a_card(), content_type="image/png"
                ),
            )
    with time_machine.travel(seeded.first_submitted_at, tick=False), capture(execute=True):
        declaration_submit(actor=seeded.declarant, declaration=declaration)
    request = declaration.approval_requests.get(purpose="decide", status="open")
    for seeded_request in requests[1:]:
        escalated_on = timezone.localtime(seeded_request.created_at).date()
        with time_machine.travel(seeded_request.created_at, tick=False), capture(execute=True):
            request = request_escalate(request=request, today=escalated_on)
        assert request is not None, "the services did not escalate where the seeder did"
    if seeded.status == Declaration.Status.WITHDRAWN:
        with time_machine.travel(seeded.withdrawn_at, tick=False), capture(execute=True):
            declaration_withdraw(
                actor=seeded.declarant, declaration=declaration, reason=seeded.withdrawal_reason
            )
    decision = Decision.objects.filter(request__declaration=seeded).first()
    if decision is not None:
        with time_machine.travel(decision.decided_at, tick=False), capture(execute=True):
            decision_record(
                actor=request.decider,
                request=request,
                outcome=decision.outcome,
                details={name: getattr(decision, name) for name in DECISION_FIELDS},
            )
    declaration.refresh_from_db()
    return declaration


def test_every_story_the_seeder_tells_is_what_the_services_write(
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(datetime.datetime(2026, 11, 21, 12, tzinfo=datetime.UTC)):
        seed_scale(
            ScalePlan(
                schools=3,
                years=1,
                declarations=240,
                staff_per_school=20,
                pupils_per_school=40,
                until=UNTIL,
                name="Replay Learning Trust",
            )
        )
    seeded = list(
        Declaration.objects.select_related("declarant", "setting")
        .exclude(status=Declaration.Status.DRAFT)
        .order_by("pk")
    )
    one_of_each = {}
    for declaration in seeded:
        one_of_each.setdefault(story(declaration), declaration)
    assert len(one_of_each) >= 20, "the small trust tells too few kinds of story"

    different = []
    for declaration in one_of_each.values():
        replayed = replay(declaration, django_capture_on_commit_callbacks)
        if signature(replayed) != signature(declaration):
            different.append((signature(declaration), signature(replayed)))

    assert different == []
