"""Decisions (R23, issue 5): every outcome, exactly one decision per request, bad input."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.exceptions import ApprovalError, NotYourDecision
from approvals.forms import DecisionForm
from approvals.models import ApprovalRequest, DeciderRole, Decision, Outcome
from approvals.services import decision_record, request_escalate
from contactpolicy.models import AuditEvent
from contactpolicy.workflow import IllegalTransition
from declarations.kinds import get_kind
from declarations.models import Declaration
from declarations.services import (
    declaration_save_draft,
    declaration_submit,
    declaration_withdraw,
    subjects_of,
)
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    FormerPupilFactory,
    cleaned_details,
)

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE
OPEN = ApprovalRequest.Status.OPEN


# Helpers ----------------------------------------------------------------------------


@pytest.fixture
def pupil(world):
    return PupilFactory(setting=world.school_a, given_name="Ava", family_name="Smith")


@pytest.fixture
def route(world, pupil, django_capture_on_commit_callbacks):
    """Submit a declaration as the app does and return the request it was routed to."""

    def route(
        declarant=None, *, kind="planned_social_contact", setting=None, subject_pupil=None
    ) -> ApprovalRequest:
        declarant = declarant or world.teacher_a
        declaration = DeclarationFactory(
            declarant=declarant, setting=setting or world.school_a, kind=kind
        )
        DeclarationSubjectFactory(declaration=declaration, pupil=subject_pupil or pupil)
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status=OPEN)

    return route


@pytest.fixture
def decide(client, django_capture_on_commit_callbacks):
    """Post the decision form as ``person``, running what is sent after commit."""

    def decide(person, request: ApprovalRequest, follow=False, **fields):
        sign_in_with_mfa(client, person)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(request.get_absolute_url(), fields, follow=follow)

    return decide


def decided_events(declaration) -> int:
    return AuditEvent.objects.filter(
        action="approval.decided", target_id=str(declaration.pk)
    ).count()


def assert_nothing_decided(request: ApprovalRequest) -> None:
    request.refresh_from_db()
    assert request.status == OPEN
    assert not Decision.objects.filter(request=request).exists()
    assert Declaration.objects.get(pk=request.declaration_id).status == "submitted"
    assert decided_events(request.declaration) == 0


def in_page(response, text: str) -> bool:
    return escape(text) in response.text


def today() -> datetime.date:
    return timezone.localdate()


# Each outcome -----------------------------------------------------------------------


def test_planned_contact_arrives_with_the_line_manager(world, route):
    request = route()

    assert request.decider == world.line_manager_a
    assert request.decider_role == DeciderRole.LINE_MANAGER


def test_approving_decides_the_declaration_and_records_who_when_and_why(world, route, decide):
    request = route()
    before = timezone.now()

    response = decide(world.line_manager_a, request, outcome="approved", reasons="A family party.")

    assert response.status_code == 302
    assert response.url == reverse("approvals:dashboard")
    decision = Decision.objects.get(request=request)
    assert decision.decided_by == world.line_manager_a
    assert before <= decision.decided_at <= timezone.now()
    assert decision.outcome == Outcome.APPROVED
    assert decision.reasons == "A family party."
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.DECIDED
    assert Declaration.objects.get(pk=request.declaration_id).status == "decided"


def test_approving_with_conditions_stores_the_conditions_and_review_date(world, route, decide):
    request = route()
    review = today() + datetime.timedelta(days=60)

    decide(
        world.line_manager_a,
        request,
        outcome="approved_with_conditions",
        reasons="Known family friends.",
        conditions="Another adult is present; no photographs of pupils.",
        review_on=review.isoformat(),
    )

    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.APPROVED_WITH_CONDITIONS
    assert decision.conditions == "Another adult is present; no photographs of pupils."
    assert decision.review_on == review
    assert decision.decided_by == world.line_manager_a
    assert decision.reasons == "Known family friends."
    assert Declaration.objects.get(pk=request.declaration_id).status == "decided"


def test_approving_with_conditions_needs_no_review_date(world, route, decide):
    request = route()

    decide(
        world.line_manager_a,
        request,
        outcome="approved_with_conditions",
        conditions="Keep to the party itself.",
    )

    decision = Decision.objects.get(request=request)
    assert decision.conditions == "Keep to the party itself."
    assert decision.review_on is None


def test_refusing_stores_reasons_and_the_action_required_by_a_date(world, route, decide):
    request = route()
    due = today() + datetime.timedelta(days=7)

    decide(
        world.line_manager_a,
        request,
        outcome="refused",
        reasons="The pupil is in your class this year.",
        required_action="Decline the invitation.",
        action_due_on=due.isoformat(),
    )

    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.REFUSED
    assert decision.decided_by == world.line_manager_a
    assert decision.reasons == "The pupil is in your class this year."
    assert decision.required_action == "Decline the invitation."
    assert decision.action_due_on == due
    assert Declaration.objects.get(pk=request.declaration_id).status == "decided"


def test_asking_for_more_information_sends_it_back_to_the_declarant_by_email(world, route, decide):
    request = route()
    mail.outbox.clear()

    decide(
        world.line_manager_a,
        request,
        outcome="more_information",
        reasons="I need to know who else is going.",
        questions="Which other staff are invited?",
    )

    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.MORE_INFORMATION
    assert decision.questions == "Which other staff are invited?"
    assert Declaration.objects.get(pk=request.declaration_id).status == "more_info_requested"
    assert not ApprovalRequest.objects.filter(declaration=request.declaration, status=OPEN).exists()
    assert [message.to for message in mail.outbox] == [[world.teacher_a.email]]
    assert mail.outbox[0].subject == "More information is needed about your declaration"


def test_reply_to_more_information_comes_back_to_the_same_decider_as_a_new_request(
    world, route, decide, django_capture_on_commit_callbacks
):
    request = route()
    decide(
        world.line_manager_a,
        request,
        outcome="more_information",
        questions="Which other staff are invited?",
    )
    declaration = Declaration.objects.get(pk=request.declaration_id)

    declaration_save_draft(
        actor=world.teacher_a,
        kind=get_kind(declaration.kind),
        setting=declaration.setting,
        details=cleaned_details(
            "planned_social_contact", who="My family and Mr Jones from Year 4 as well."
        ),
        notes="Mr Jones is also going.",
        subjects=subjects_of(declaration),
        form_token=declaration.form_token,
        declaration=declaration,
    )
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)

    again = ApprovalRequest.objects.get(declaration=declaration, status=OPEN)
    assert again.pk != request.pk
    assert again.decider == world.line_manager_a
    assert "back to the same decider" in again.routing_reason
    assert Declaration.objects.get(pk=declaration.pk).status == "submitted"


def test_reply_goes_back_to_whoever_asked_even_after_escalation(
    world, route, decide, django_capture_on_commit_callbacks
):
    request = route()
    ApprovalRequest.objects.filter(pk=request.pk).update(due_on=today() - datetime.timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        escalated = request_escalate(request=request, today=today())
    assert escalated.decider == world.head_a
    decide(world.head_a, escalated, outcome="more_information", questions="Who else goes?")
    declaration = Declaration.objects.get(pk=request.declaration_id)

    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)

    assert ApprovalRequest.objects.get(declaration=declaration, status=OPEN).decider == world.head_a


def test_noting_a_notification_decides_it(world, route, decide):
    request = route(kind="unplanned_contact")
    assert request.decider == world.line_manager_a

    response = decide(world.line_manager_a, request, outcome="noted", reasons="Nothing to do.")

    assert response.status_code == 302
    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.NOTED
    assert decision.decided_by == world.line_manager_a
    assert Declaration.objects.get(pk=request.declaration_id).status == "decided"


def test_noting_is_offered_only_for_notification_kinds(world, route):
    notification = route(kind="unplanned_contact")
    approval = route()

    notification_choices = dict(DecisionForm(request=notification).fields["outcome"].choices)
    approval_choices = dict(DecisionForm(request=approval).fields["outcome"].choices)

    assert "noted" in notification_choices
    assert "approved" not in notification_choices
    assert "refused" not in notification_choices
    assert "noted" not in approval_choices
    assert {"approved", "approved_with_conditions", "refused"} <= set(approval_choices)


def test_service_refuses_to_note_a_kind_that_needs_approval(world, route):
    request = route()

    with pytest.raises(ApprovalError, match="needs a decision"):
        decision_record(actor=world.line_manager_a, request=request, outcome="noted", details={})

    assert_nothing_decided(request)


def test_referring_to_the_dsl_opens_a_new_request_for_the_dsl(world, route, decide):
    request = route()
    mail.outbox.clear()

    decide(
        world.line_manager_a,
        request,
        outcome="referred_to_dsl",
        reasons="The pupil has a child protection plan.",
    )

    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.REFERRED_TO_DSL
    assert decision.reasons == "The pupil has a child protection plan."
    referral = ApprovalRequest.objects.get(declaration=request.declaration, status=OPEN)
    assert referral.decider == world.dsl_a
    assert referral.purpose == DECIDE
    assert referral.decider_role == DeciderRole.DSL
    assert "Referred to the DSL" in referral.routing_reason
    assert Declaration.objects.get(pk=request.declaration_id).status == "submitted"
    recipients = sorted(address for message in mail.outbox for address in message.to)
    # The staff member is not told of a referral by the app (KCSIE Part 4).
    assert recipients == [world.dsl_a.email]


def test_referral_to_the_dsl_is_not_offered_to_the_dsl(world, route, decide):
    request = route()
    decide(world.line_manager_a, request, outcome="referred_to_dsl", reasons="Safeguarding.")
    referral = ApprovalRequest.objects.get(declaration=request.declaration, status=OPEN)

    choices = dict(DecisionForm(request=referral).fields["outcome"].choices)

    assert "referred_to_dsl" not in choices
    assert "approved" in choices


def test_seeking_lado_advice_opens_a_new_request_for_the_same_decider(world, route, decide):
    request = route()

    decide(
        world.line_manager_a,
        request,
        outcome="lado_advice_sought",
        reasons="The LADO was phoned today.",
    )

    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.LADO_ADVICE_SOUGHT
    assert decision.decided_by == world.line_manager_a
    assert decision.reasons == "The LADO was phoned today."
    again = ApprovalRequest.objects.get(declaration=request.declaration, status=OPEN)
    assert again.pk != request.pk
    assert again.decider == world.line_manager_a
    assert "LADO" in again.routing_reason
    assert Declaration.objects.get(pk=request.declaration_id).status == "submitted"


def test_former_pupil_approval_needs_plan_expected_outcomes_and_timescales(world, route, decide):
    request = route(
        kind="former_pupil_contact", subject_pupil=FormerPupilFactory(setting=world.school_a)
    )
    assert request.decider == world.executive_head

    response = decide(world.executive_head, request, outcome="approved", reasons="A reference.")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"plan", "expected_outcomes", "timescales"}
    assert in_page(response, "Agree a plan of involvement before approving continued contact.")
    assert_nothing_decided(request)

    decide(
        world.executive_head,
        request,
        outcome="approved",
        reasons="A reference.",
        plan="One meeting at school with the head present.",
        expected_outcomes="A reference for university.",
        timescales="By the end of term.",
    )

    decision = Decision.objects.get(request=request)
    assert decision.plan == "One meeting at school with the head present."
    assert decision.expected_outcomes == "A reference for university."
    assert decision.timescales == "By the end of term."
    assert decision.decided_by == world.executive_head


def test_plan_fields_are_only_asked_for_former_pupils(world, route):
    form = DecisionForm(request=route())

    assert not {"plan", "expected_outcomes", "timescales"} & set(form.fields)


def test_safeguarding_flag_is_accepted_by_the_decision_form(world, route, decide):
    request = route()

    response = decide(
        world.line_manager_a,
        request,
        outcome="approved",
        reasons="Fine, but the DSL should know.",
        safeguarding_flag="on",
    )

    assert response.status_code == 302
    assert Decision.objects.get(request=request).safeguarding_flag is True


def test_safeguarding_flag_copies_a_planned_contact_to_the_dsl(
    world, route, django_capture_on_commit_callbacks
):
    """R22: any declaration the decider flags is copied to the DSL, whatever its kind."""
    request = route()
    assert not ApprovalRequest.objects.filter(purpose=ApprovalRequest.Purpose.COPY).exists()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            actor=world.line_manager_a,
            request=request,
            outcome="approved",
            details={"reasons": "Fine, but the DSL should know.", "safeguarding_flag": True},
        )

    copies = ApprovalRequest.objects.filter(
        declaration=request.declaration, purpose=ApprovalRequest.Purpose.COPY
    )
    assert [copy.decider for copy in copies] == [world.dsl_a]
    assert AuditEvent.objects.filter(action="approval.copied_to_dsl").count() == 1
    assert world.dsl_a.email in [address for message in mail.outbox for address in message.to]


def test_a_safeguarding_kind_is_copied_to_the_dsl_only_once_when_flagged_again(
    world, route, django_capture_on_commit_callbacks
):
    request = route(kind="concern")
    assert request.decider == world.head_a

    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            actor=world.head_a,
            request=request,
            outcome="noted",
            details={"safeguarding_flag": True},
        )

    copies = ApprovalRequest.objects.filter(
        declaration=request.declaration, purpose=ApprovalRequest.Purpose.COPY
    )
    assert [copy.decider for copy in copies] == [world.dsl_a]


# Exactly one decision, one audit event, one email -----------------------------------------


def test_a_decision_leaves_one_decision_and_one_audit_event_even_when_posted_twice(
    world, route, decide
):
    request = route()

    decide(world.line_manager_a, request, outcome="approved", reasons="Fine.")
    decide(world.line_manager_a, request, outcome="refused", reasons="Changed my mind.")

    assert Decision.objects.filter(request__declaration=request.declaration).count() == 1
    assert Decision.objects.get(request=request).outcome == Outcome.APPROVED
    assert decided_events(request.declaration) == 1
    event = AuditEvent.objects.get(action="approval.decided")
    assert event.actor == world.line_manager_a
    assert event.data["outcome"] == "approved"
    assert event.data["before"] == {"status": "submitted"}
    assert event.data["after"] == {"status": "decided"}
    assert event.data["request"] == request.pk


def test_the_declarant_is_emailed_the_decision_without_naming_the_pupil(
    world, route, decide, pupil
):
    request = route()
    mail.outbox.clear()

    decide(world.line_manager_a, request, outcome="approved", reasons="Fine.")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.teacher_a.email]
    assert message.subject == "Your declaration has been decided"
    assert pupil.given_name not in message.subject
    assert pupil.family_name not in message.subject
    assert request.declaration.get_absolute_url() in message.body


# Bad input: no change is saved --------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher_a", "teacher_b", "head_a", "dsl_a", "executive_head"])
def test_someone_who_is_not_the_decider_cannot_see_or_decide_the_request(
    world, route, decide, client, who
):
    request = route()
    person = getattr(world, who)

    response = decide(person, request, outcome="approved", reasons="Fine.")

    assert response.status_code == 404
    assert client.get(request.get_absolute_url()).status_code == 404
    assert_nothing_decided(request)
    with pytest.raises(NotYourDecision):
        decision_record(actor=person, request=request, outcome="approved", details={})
    assert_nothing_decided(request)


def test_head_cannot_open_or_decide_their_own_declaration(world, route, decide, client):
    request = route(world.head_a, kind="work_outside_setting")
    assert request.decider == world.executive_head

    response = decide(world.head_a, request, outcome="approved", reasons="My own tuition.")

    assert response.status_code == 404
    assert client.get(request.get_absolute_url()).status_code == 404
    with pytest.raises(NotYourDecision):
        decision_record(actor=world.head_a, request=request, outcome="approved", details={})
    assert_nothing_decided(request)


def test_a_withdrawn_declaration_cannot_be_decided(
    world, route, decide, django_capture_on_commit_callbacks
):
    request = route()
    with django_capture_on_commit_callbacks(execute=True):
        declaration_withdraw(actor=world.teacher_a, declaration=request.declaration)

    response = decide(world.line_manager_a, request, follow=True, outcome="approved")

    assert in_page(response, "This is not waiting for your decision any more.")
    with pytest.raises(IllegalTransition, match="cancelled"):
        decision_record(actor=world.line_manager_a, request=request, outcome="approved", details={})
    assert not Decision.objects.exists()
    assert decided_events(request.declaration) == 0
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.CANCELLED
    assert Declaration.objects.get(pk=request.declaration_id).status == "withdrawn"


def test_a_withdrawn_declaration_cannot_be_decided_even_if_its_request_is_still_open(world, route):
    request = route()
    declaration_withdraw(actor=world.teacher_a, declaration=request.declaration)
    # As a withdrawal left it while its requests were cancelled in a later transaction.
    ApprovalRequest.objects.filter(pk=request.pk).update(status=OPEN)

    with pytest.raises(IllegalTransition, match="withdrawn"):
        decision_record(actor=world.line_manager_a, request=request, outcome="approved", details={})

    assert not Decision.objects.exists()
    assert Declaration.objects.get(pk=request.declaration_id).status == "withdrawn"


def test_a_second_decision_is_refused_and_shows_who_decided(world, route, decide):
    request = route()
    decide(world.line_manager_a, request, outcome="approved", reasons="Fine.")

    response = decide(world.line_manager_a, request, follow=True, outcome="refused", reasons="No.")

    assert response.redirect_chain == [(request.get_absolute_url(), 302)]
    assert in_page(response, "This is not waiting for your decision any more.")
    assert in_page(response, f"Approved by {world.line_manager_a.get_full_name()}")
    assert response.context["form"] is None
    with pytest.raises(IllegalTransition) as raised:
        decision_record(actor=world.line_manager_a, request=request, outcome="refused", details={})
    assert world.line_manager_a.get_full_name() in str(raised.value)
    assert "approved" in str(raised.value)
    assert Decision.objects.get(request=request).outcome == Outcome.APPROVED
    assert decided_events(request.declaration) == 1


def yesterday() -> str:
    return (today() - datetime.timedelta(days=1)).isoformat()


def next_week() -> str:
    return (today() + datetime.timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"outcome": "approved_with_conditions", "conditions": "   "},
            "conditions",
            "Write the conditions that come with the approval.",
            id="conditions-without-text",
        ),
        pytest.param(
            {"outcome": "refused", "reasons": ""},
            "reasons",
            "Give the reasons for refusing.",
            id="refusal-without-reasons",
        ),
        pytest.param(
            {"outcome": "approved_with_conditions", "conditions": "Yes.", "review_on": "PAST"},
            "review_on",
            "The date cannot be in the past.",
            id="review-date-in-the-past",
        ),
        pytest.param(
            {
                "outcome": "refused",
                "reasons": "No.",
                "required_action": "Decline it.",
                "action_due_on": "PAST",
            },
            "action_due_on",
            "The date cannot be in the past.",
            id="action-date-in-the-past",
        ),
        pytest.param(
            {"outcome": "refused", "reasons": "No.", "required_action": "Decline it."},
            "action_due_on",
            "Say by when the action must be done.",
            id="action-without-a-date",
        ),
        pytest.param(
            {"outcome": "refused", "reasons": "No.", "action_due_on": "NEXT_WEEK"},
            "required_action",
            "Say what must be done by that date.",
            id="date-without-an-action",
        ),
        pytest.param(
            {"outcome": "more_information", "questions": ""},
            "questions",
            "Say what information you need.",
            id="more-information-without-questions",
        ),
        pytest.param(
            {"outcome": "referred_to_dsl", "reasons": ""},
            "reasons",
            "Say why, for the record.",
            id="referral-without-reasons",
        ),
        pytest.param(
            {"outcome": "noted", "reasons": "Seen."},
            "outcome",
            "Select a valid choice.",
            id="outcome-not-offered",
        ),
        pytest.param(
            {"outcome": "made_up", "reasons": "Seen."},
            "outcome",
            "Select a valid choice.",
            id="unknown-outcome",
        ),
        pytest.param({"reasons": "Fine."}, "outcome", "Choose a decision.", id="no-outcome"),
        pytest.param(
            {"outcome": "approved", "review_on": "not a date"},
            "review_on",
            "Enter a valid date.",
            id="review-date-not-a-date",
        ),
    ],
)
def test_bad_decision_is_refused_with_a_clear_message_and_nothing_saved(
    world, route, decide, fields, field, message
):
    request = route()
    dates = {"PAST": yesterday(), "NEXT_WEEK": next_week()}
    fields = {name: dates.get(value, value) for name, value in fields.items()}

    response = decide(world.line_manager_a, request, **fields)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert any(error.startswith(message) for error in errors[field])
    assert "There is a problem" in response.text
    assert_nothing_decided(request)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_request_id_is_not_found(world, route, client, method):
    request = route()
    sign_in_with_mfa(client, world.line_manager_a)

    response = getattr(client, method)(reverse("approvals:request", args=[request.pk + 1000]))

    assert response.status_code == 404
    assert getattr(client, method)("/decisions/abc/").status_code == 404
    assert_nothing_decided(request)


def test_an_escalated_request_can_no_longer_be_decided_by_the_first_decider(world, route):
    request = route()
    ApprovalRequest.objects.filter(pk=request.pk).update(due_on=today() - datetime.timedelta(1))
    request_escalate(request=request, today=today())

    with pytest.raises(IllegalTransition, match="escalated"):
        decision_record(actor=world.line_manager_a, request=request, outcome="approved", details={})

    assert not Decision.objects.exists()


# Two deciders at once (PostgreSQL) ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_leave_exactly_one_decision_and_one_audit_event(world):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL.")
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration)
    declaration_submit(actor=world.teacher_a, declaration=declaration)  # commits, then routes
    request = ApprovalRequest.objects.get(declaration=declaration, status=OPEN)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def decide(outcome: str) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(
                decision_record(
                    actor=world.line_manager_a,
                    request=request,
                    outcome=outcome,
                    details={"reasons": f"{outcome} at the same time."},
                )
            )
        except Exception as error:  # handed back to the test thread
            results.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(outcome,)) for outcome in ("approved", "refused")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads)
    decisions = [result for result in results if isinstance(result, Decision)]
    refused = [result for result in results if isinstance(result, IllegalTransition)]
    assert len(decisions) == 1, results
    assert len(refused) == 1, results
    assert "already decided by" in str(refused[0])
    assert Decision.objects.filter(request=request).count() == 1
    assert AuditEvent.objects.filter(action="approval.decided").count() == 1
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.DECIDED
    assert Declaration.objects.get(pk=declaration.pk).status == "decided"


def test_the_declarant_sees_the_decision_and_its_conditions_on_their_declaration(
    client, world, route, decide
):
    request = route()
    decide(
        world.line_manager_a,
        request,
        outcome="approved_with_conditions",
        conditions="Meet only in a public place.",
    )
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(request.declaration.get_absolute_url())

    assert "Approved with conditions" in response.text
    assert "Meet only in a public place." in response.text
    assert escape(world.line_manager_a.get_full_name()) in response.text


def test_the_declarant_sees_who_their_declaration_is_waiting_for(client, world, route):
    request = route()
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(request.declaration.get_absolute_url())

    assert f"Waiting for {world.line_manager_a.get_full_name()}" in response.text
