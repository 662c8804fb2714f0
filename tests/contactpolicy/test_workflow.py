"""One way to move a status (#17, CONVENTIONS "Services and selectors"): every model with
allowed moves moves through ``contactpolicy.workflow.transition``; an illegal move raises
one exception and is audited once its service has rolled back; what a decision requires
is enforced by the service itself; the administrator's assignment of a decider is a
locked service; one rule each says who is senior enough to decide and who may correct
an entry."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.exceptions import ApprovalError, DecisionIncomplete
from approvals.models import ApprovalRequest, Decision, Outcome
from approvals.services import decision_record, request_assign
from contactpolicy.models import AuditEvent
from contactpolicy.workflow import REFUSED, IllegalTransition, allows, transition
from declarations.models import Declaration
from declarations.services import declaration_submit
from directory.access import Access
from directory.models import Membership, Role
from registers.exceptions import RegisterError
from registers.models import DeclarationRound, FollowUp, RegisterEntry, RoundResponse
from registers.selectors import may_correct
from registers.services import register_entry_correct
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    FormerPupilFactory,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_MODELS = [Declaration, ApprovalRequest, FollowUp, DeclarationRound, RoundResponse]


def submitted(world, capture, *, declarant=None, kind="planned_social_contact", pupil=None):
    declarant = declarant or world.teacher_a
    declaration = DeclarationFactory(declarant=declarant, setting=world.school_a, kind=kind)
    DeclarationSubjectFactory(
        declaration=declaration, pupil=pupil or PupilFactory(setting=world.school_a)
    )
    with capture(execute=True):
        declaration_submit(actor=declarant, declaration=declaration)
    return declaration


def open_request(declaration) -> ApprovalRequest:
    return ApprovalRequest.objects.get(
        declaration=declaration, purpose=ApprovalRequest.Purpose.DECIDE, status="open"
    )


@pytest.mark.parametrize("model", WORKFLOW_MODELS, ids=lambda model: model.__name__)
def test_every_workflow_model_declares_a_move_for_each_of_its_states(model):
    field = getattr(model, "TRANSITION_FIELD", "status")
    states = {value for value, _ in model._meta.get_field(field).choices}
    assert set(model.TRANSITIONS) == states
    assert set().union(*model.TRANSITIONS.values()) <= states


def test_no_service_sets_a_workflow_status_by_hand():
    """Only the helper assigns ``.status`` (or a round answer) on a workflow model."""
    found = []
    for app in ["declarations", "approvals", "registers", "oversight", "policies", "directory"]:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                targets = node.targets if isinstance(node, ast.Assign) else []
                for target in targets:
                    for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                        if isinstance(item, ast.Attribute) and item.attr in {"status", "answer"}:
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_an_illegal_move_raises_the_one_exception_for_every_model(world):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    with pytest.raises(IllegalTransition, match="draft, so it cannot be decided"):
        transition(declaration, Declaration.Status.DECIDED, actor=world.teacher_a)
    assert declaration.status == Declaration.Status.DRAFT
    assert allows(declaration, Declaration.Status.SUBMITTED)
    response = RoundResponse(answer=RoundResponse.Answer.NOTHING)
    with pytest.raises(IllegalTransition):
        transition(response, RoundResponse.Answer.DECLARED, actor=None)


def test_a_refused_move_is_audited_after_its_service_rolls_back(
    world, django_capture_on_commit_callbacks
):
    declaration = submitted(world, django_capture_on_commit_callbacks)
    request = open_request(declaration)
    decision_record(
        actor=world.line_manager_a, request=request, outcome=Outcome.APPROVED, details={}
    )
    events_before = AuditEvent.objects.exclude(action=REFUSED).count()

    with pytest.raises(IllegalTransition, match="already decided by"):
        decision_record(
            actor=world.line_manager_a,
            request=request,
            outcome=Outcome.REFUSED,
            details={"reasons": "Changed my mind"},
        )

    assert Decision.objects.filter(request=request).count() == 1
    assert AuditEvent.objects.exclude(action=REFUSED).count() == events_before
    refused = AuditEvent.objects.get(action=REFUSED)
    assert refused.actor == world.line_manager_a
    assert (refused.data["from"], refused.data["to"]) == ("decided", "decided")
    assert refused.data["record"] == "approval request"


@pytest.mark.parametrize(
    ("outcome", "details", "field"),
    [
        (Outcome.REFUSED, {}, "reasons"),
        (Outcome.APPROVED_WITH_CONDITIONS, {"conditions": "  "}, "conditions"),
        (Outcome.MORE_INFORMATION, {}, "questions"),
        (Outcome.REFERRED_TO_DSL, {}, "reasons"),
        (Outcome.APPROVED, {"required_action": "Tell the family"}, "action_due_on"),
        (Outcome.APPROVED, {"action_due_on": datetime.date(2099, 1, 1)}, "required_action"),
        (Outcome.APPROVED, {"review_on": datetime.date(2000, 1, 1)}, "review_on"),
        (Outcome.NOTED, {}, "outcome"),
    ],
)
def test_the_service_itself_refuses_an_incomplete_decision(
    world, django_capture_on_commit_callbacks, outcome, details, field
):
    declaration = submitted(world, django_capture_on_commit_callbacks)
    request = open_request(declaration)

    with pytest.raises(DecisionIncomplete) as refused:
        decision_record(
            actor=world.line_manager_a, request=request, outcome=outcome, details=details
        )

    assert field in refused.value.problems
    assert not Decision.objects.exists()
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.SUBMITTED


def test_continued_contact_with_a_former_pupil_needs_a_plan_even_without_the_form(
    world, django_capture_on_commit_callbacks
):
    declaration = submitted(
        world,
        django_capture_on_commit_callbacks,
        kind="former_pupil_contact",
        pupil=FormerPupilFactory(setting=world.school_a),
    )
    request = open_request(declaration)

    with pytest.raises(DecisionIncomplete) as refused:
        decision_record(
            actor=request.decider, request=request, outcome=Outcome.APPROVED, details={}
        )

    assert {"plan", "expected_outcomes", "timescales"} <= set(refused.value.problems)
    decision_record(
        actor=request.decider,
        request=request,
        outcome=Outcome.APPROVED,
        details={"plan": "Termly", "expected_outcomes": "A reference", "timescales": "A term"},
    )
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DECIDED


# The administrator's assignment -------------------------------------------------------------


@pytest.fixture
def unassigned(world, django_capture_on_commit_callbacks):
    """The head's own declaration, with no Executive Headteacher or Chair to take it."""
    Membership.objects.filter(role__in=[Role.EXECUTIVE_HEAD, Role.CHAIR]).delete()
    declaration = submitted(
        world, django_capture_on_commit_callbacks, declarant=world.head_a, kind="gift"
    )
    request = ApprovalRequest.objects.get(declaration=declaration)
    assert request.decider is None
    return request


def test_the_administrator_assigns_a_request_nobody_could_take(
    world, unassigned, django_capture_on_commit_callbacks
):
    senior = Membership.objects.create(
        person=world.line_manager_a, organisation=world.federation, role=Role.EXECUTIVE_HEAD
    ).person
    with django_capture_on_commit_callbacks(execute=True):
        request_assign(actor=world.administrator, request=unassigned, decider=senior)

    unassigned.refresh_from_db()
    assert unassigned.decider == senior
    assert unassigned.due_on >= timezone.localdate()
    assert "by the administrator" in unassigned.routing_reason
    event = AuditEvent.objects.get(action="approval.assigned")
    assert (event.actor, event.data["decider"]) == (world.administrator, senior.pk)


def test_assigning_to_someone_junior_or_twice_is_refused(world, unassigned):
    with pytest.raises(ApprovalError, match="choose someone senior"):
        request_assign(actor=world.administrator, request=unassigned, decider=world.teacher_a)
    with pytest.raises(ApprovalError, match="their own declaration"):
        request_assign(actor=world.administrator, request=unassigned, decider=world.head_a)
    ApprovalRequest.objects.filter(pk=unassigned.pk).update(decider=world.executive_head)

    with pytest.raises(IllegalTransition, match="no longer waiting"):
        request_assign(actor=world.administrator, request=unassigned, decider=world.chair)

    assert AuditEvent.objects.get(action=REFUSED).data["to"] == "assigned"
    assert not AuditEvent.objects.filter(action="approval.assigned").exists()


# Who may correct an entry: one rule for the page, the link and the service ------------------


@pytest.mark.parametrize(
    "who",
    ["teacher_a", "line_manager_a", "head_a", "dsl_a", "administrator", "executive_head"],
)
def test_the_correction_link_is_offered_exactly_where_the_correction_is_allowed(
    world, client, django_capture_on_commit_callbacks, who
):
    pupil = PupilFactory(setting=world.school_a)
    declaration = submitted(world, django_capture_on_commit_callbacks, pupil=pupil)
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            actor=world.line_manager_a,
            request=open_request(declaration),
            outcome=Outcome.APPROVED,
            details={},
        )
    person = getattr(world, who)
    sign_in_with_mfa(client, person)
    for entry in RegisterEntry.objects.filter(declaration=declaration):
        url = reverse("registers:entry_correct", args=[entry.pk])
        page = (
            reverse("registers:staff_file", args=[entry.person_id])
            if entry.person_id
            else reverse("registers:pupil_file", args=[entry.pupil_id])
        )
        file_page = client.get(page)
        offered = file_page.status_code == 200 and url in file_page.content.decode()
        allowed = client.get(url).status_code == 200
        assert offered == allowed, (who, entry.file)
        assert allowed <= may_correct(Access.for_user(person), entry)
        if not may_correct(Access.for_user(person), entry):
            with pytest.raises(RegisterError, match="cannot correct"):
                register_entry_correct(actor=person, entry=entry, text="New", reason="Wrong")
