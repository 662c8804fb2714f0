"""Deciding in a minute (#22, R23, R40): only the chosen decision's boxes count, the
page says whose parent is whose and what the policy says, "Decided by me", and what
waits on a head's line managers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.forms import DecisionForm
from approvals.models import ApprovalRequest, Decision, Outcome
from approvals.services import decision_record
from declarations.kinds import get_kind
from declarations.services import declaration_submit
from registers.models import FollowUp
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, FamilyMemberFactory, PupilFactory, SchoolFactory
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    FormerPupilFactory,
)
from tests.factories.policies import AcknowledgementFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE
OPEN = ApprovalRequest.Status.OPEN


def today() -> datetime.date:
    return timezone.localdate()


def in_page(response, text: str) -> bool:
    return escape(text) in response.text


@pytest.fixture
def route(world, django_capture_on_commit_callbacks):
    """Submit a declaration as the app does; the request it was routed to."""

    def route(declarant=None, *, kind="planned_social_contact", pupil=None, member=None):
        declarant = declarant or world.teacher_a
        declaration = DeclarationFactory(declarant=declarant, setting=world.school_a, kind=kind)
        if member is not None:
            DeclarationSubjectFactory(declaration=declaration, pupil=None, family_member=member)
        else:
            DeclarationSubjectFactory(
                declaration=declaration, pupil=pupil or PupilFactory(setting=world.school_a)
            )
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status=OPEN)

    return route


def post_decision(client, person, request, **fields):
    sign_in_with_mfa(client, person)
    return client.post(request.get_absolute_url(), fields, follow=True)


# Only the chosen decision's boxes -----------------------------------------------------


def test_a_refusal_posted_with_other_decisions_boxes_filled_keeps_only_its_own(
    client, world, route
):
    """Without JavaScript every box shows: what was typed in the boxes of approve with
    conditions and of asking for more is ignored, not saved, and starts no review."""
    request = route()
    response = post_decision(
        client,
        world.line_manager_a,
        request,
        outcome=Outcome.REFUSED,
        reasons="It would be a private arrangement with a family.",
        conditions="Only in the school holidays.",
        questions="Who else will be there?",
        review_on=(today() + datetime.timedelta(days=60)).isoformat(),
        required_action="Tell the family politely.",
        action_due_on=(today() + datetime.timedelta(days=7)).isoformat(),
    )
    assert in_page(response, "Your decision is recorded.")
    decision = Decision.objects.get(request=request)
    assert decision.outcome == Outcome.REFUSED
    assert decision.reasons == "It would be a private arrangement with a family."
    assert (decision.conditions, decision.questions, decision.review_on) == ("", "", None)
    assert decision.required_action == "Tell the family politely."
    follow_ups = FollowUp.objects.filter(decision=decision)
    assert [follow_up.kind for follow_up in follow_ups] == [FollowUp.Kind.ACTION]


def test_a_box_of_another_decision_typed_wrong_does_not_stop_the_decision(client, world, route):
    request = route()
    response = post_decision(
        client,
        world.line_manager_a,
        request,
        outcome=Outcome.MORE_INFORMATION,
        questions="Who else will be there?",
        review_on="31/02/2026",  # a box of approving, typed wrong
        action_due_on=(today() - datetime.timedelta(days=3)).isoformat(),  # and in the past
    )
    assert in_page(response, "Your decision is recorded.")
    decision = Decision.objects.get(request=request)
    assert (decision.questions, decision.review_on, decision.action_due_on) == (
        "Who else will be there?",
        None,
        None,
    )


def test_the_boxes_of_the_chosen_decision_are_still_checked(client, world, route):
    """A refusal without reasons is refused, with what was typed kept."""
    request = route()
    response = post_decision(
        client,
        world.line_manager_a,
        request,
        outcome=Outcome.REFUSED,
        reasons="  ",
        required_action="Tell the family politely.",
        conditions="Typed before changing my mind.",
    )
    assert in_page(response, "Give the reasons for refusing.")
    assert "Tell the family politely." in response.text
    assert not Decision.objects.filter(request=request).exists()


def test_the_service_ignores_boxes_of_another_outcome(world, route):
    """Not only the form: a caller of the service cannot save a condition on a refusal."""
    request = route()
    decision = decision_record(
        actor=world.line_manager_a,
        request=request,
        outcome=Outcome.APPROVED,
        details={
            "reasons": "Known family.",
            "conditions": "Not asked for",
            "questions": "Not asked for",
            "review_on": today() + datetime.timedelta(days=30),
        },
    )
    decision.refresh_from_db()
    assert (decision.reasons, decision.conditions, decision.questions) == ("Known family.", "", "")
    assert decision.review_on == today() + datetime.timedelta(days=30)


def test_each_box_says_which_decisions_it_is_for(client, world, route):
    """The page marks each box with the decisions that use it: the script shows only
    those of the decision chosen; without it the reader is told which are for what."""
    request = route()
    sign_in_with_mfa(client, world.line_manager_a)
    response = client.get(request.get_absolute_url())
    form = response.context["form"]
    boxes = {field.name: outcomes.split() for field, outcomes in form.boxes()}
    assert boxes["conditions"] == [Outcome.APPROVED_WITH_CONDITIONS]
    assert boxes["questions"] == [Outcome.MORE_INFORMATION]
    assert Outcome.REFUSED in boxes["reasons"]
    assert Outcome.APPROVED in boxes["reasons"]
    assert Outcome.REFUSED not in boxes["review_on"]
    # No plan for a kind that needs none.
    assert "plan" not in boxes
    assert 'data-outcomes="approved_with_conditions"' in response.text
    assert in_page(response, "For: Approve with conditions")
    # Labels without "(needed if …)": the box is shown for the decisions that need it.
    assert form.fields["reasons"].label == "Reasons"


def test_a_former_pupil_offers_the_plan_for_approving_only(world, route):
    request = route(kind="former_pupil_contact", pupil=FormerPupilFactory(setting=world.school_a))
    form = DecisionForm(request=request)
    boxes = {field.name: outcomes.split() for field, outcomes in form.boxes()}
    assert boxes["plan"] == [Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS]


# Whose parent is whose, and the policy -------------------------------------------------


def test_the_decision_page_says_how_a_family_member_is_related(client, world, route):
    clive = PupilFactory(setting=world.school_a, given_name="Clive", family_name="Smith")
    grace = FamilyMemberFactory(given_name="Grace", family_name="Smith")
    FamilyLinkFactory(family_member=grace, pupil=clive)
    # Her child at a school of another trust is not this declaration's.
    far = PupilFactory(setting=SchoolFactory(), given_name="Faraway", family_name="Smith")
    FamilyLinkFactory(family_member=grace, pupil=far, relationship="grandparent")
    request = route(member=grace, kind="pre_existing_relationship")
    sign_in_with_mfa(client, request.decider)
    response = client.get(request.get_absolute_url())
    assert in_page(response, "Grace Smith is the mother of Clive Smith")
    assert "Faraway" not in response.text


def test_the_decision_page_shows_what_the_policy_says_of_the_kind(client, world, route):
    version = PolicyVersionFactory(organisation=world.federation, title="Code of conduct")
    AcknowledgementFactory(person=world.line_manager_a, version=version)
    request = route()
    sign_in_with_mfa(client, world.line_manager_a)
    response = client.get(request.get_absolute_url())
    assert in_page(response, "What the policy says")
    assert in_page(response, get_kind("planned_social_contact").guidance)
    assert reverse("policies:version", args=[version.pk]) in response.text


# Decided by me ---------------------------------------------------------------------------


def test_decided_by_me_lists_only_my_decisions_with_filters(client, world, route):
    mine = route()
    decision_record(
        actor=world.line_manager_a,
        request=mine,
        outcome=Outcome.REFUSED,
        details={"reasons": "Not appropriate."},
    )
    approved = route()
    decision_record(
        actor=world.line_manager_a, request=approved, outcome=Outcome.APPROVED, details={}
    )
    someone_elses = route(world.executive_head)  # decided by the Chair
    decision_record(
        actor=someone_elses.decider, request=someone_elses, outcome=Outcome.APPROVED, details={}
    )
    sign_in_with_mfa(client, world.line_manager_a)
    page = reverse("approvals:decided")
    everything = client.get(page)
    assert [d.pk for d in everything.context["decisions"]] == [
        approved.decision.pk,
        mine.decision.pk,
    ]
    refused = client.get(page, {"outcome": Outcome.REFUSED})
    assert [d.pk for d in refused.context["decisions"]] == [mine.decision.pk]
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    assert not client.get(page, {"decided_to": yesterday}).context["decisions"]


def test_decided_by_me_answers_bad_filters_with_a_clear_message(client, world):
    sign_in_with_mfa(client, world.line_manager_a)
    response = client.get(
        reverse("approvals:decided"), {"outcome": "forged", "decided_from": "yesterday"}
    )
    assert response.status_code == 200
    assert in_page(response, "Choose one of the decisions listed.")
    assert in_page(response, "Enter the date as day, month and year.")


def queries_of(client, url) -> int:
    client.get(url)  # the session and the caches warmed
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_decided_by_me_refuses_dates_back_to_front_or_in_the_future(client, world, route):
    decision_record(
        actor=world.line_manager_a, request=route(), outcome=Outcome.APPROVED, details={}
    )
    sign_in_with_mfa(client, world.line_manager_a)
    page = reverse("approvals:decided")
    back_to_front = client.get(
        page,
        {"decided_from": today().isoformat(), "decided_to": "2026-01-05"},
    )
    assert in_page(back_to_front, "The end date is before the start date.")
    future = client.get(page, {"decided_to": (today() + datetime.timedelta(days=3)).isoformat()})
    assert in_page(future, "The date cannot be in the future.")
    # A date refused is left out of the filtering: the decision is still listed.
    assert len(future.context["decisions"]) == 1


def test_decided_by_me_costs_the_same_queries_for_one_decision_as_for_five(client, world, route):
    def decided() -> None:
        decision_record(
            actor=world.line_manager_a, request=route(), outcome=Outcome.APPROVED, details={}
        )

    decided()
    sign_in_with_mfa(client, world.line_manager_a)
    one = queries_of(client, reverse("approvals:decided"))
    for _ in range(4):
        decided()
    assert queries_of(client, reverse("approvals:decided")) == one
    assert one <= 14


# What waits on a head's line managers --------------------------------------------------


def test_a_head_sees_what_waits_on_her_line_managers_overdue_first(client, world, route):
    later = route()
    overdue = route()
    ApprovalRequest.objects.filter(pk=overdue.pk).update(
        due_on=today() - datetime.timedelta(days=2)
    )
    own = route(world.head_a)  # her own: waits above her, not hers to watch
    sign_in_with_mfa(client, world.head_a)
    response = client.get(reverse("approvals:waiting_on_others"))
    assert [item.pk for item in response.context["requests"]] == [overdue.pk, later.pk]
    assert own.pk not in [item.pk for item in response.context["requests"]]
    assert in_page(response, "Overdue: due")
    assert f"Waiting on <strong>{escape(world.line_manager_a.get_full_name())}</strong>" in (
        response.text
    )
    # Filtered to one decider, as the home page links.
    only = client.get(reverse("approvals:waiting_on_others"), {"decider": world.line_manager_a.pk})
    assert len(only.context["requests"]) == 2


def test_what_waits_on_others_is_only_for_heads_of_that_setting(client, world, route):
    request = route()
    page = reverse("approvals:waiting_on_others")
    sign_in_with_mfa(client, world.line_manager_a)
    assert client.get(page).status_code == 404
    sign_in_with_mfa(client, world.head_other)
    assert request.pk not in [item.pk for item in client.get(page).context["requests"]]
    sign_in_with_mfa(client, world.executive_head)  # over the whole federation
    assert request.pk in [item.pk for item in client.get(page).context["requests"]]


def test_a_forged_decider_in_the_filter_is_a_clear_message(client, world, route):
    route()
    sign_in_with_mfa(client, world.head_a)
    response = client.get(reverse("approvals:waiting_on_others"), {"decider": world.head_other.pk})
    assert in_page(response, "Choose someone from the list.")


def test_the_heads_home_lists_what_waits_on_each_line_manager(client, world, route):
    route()
    overdue = route()
    ApprovalRequest.objects.filter(pk=overdue.pk).update(
        due_on=today() - datetime.timedelta(days=1)
    )
    sign_in_with_mfa(client, world.head_a)
    response = client.get(reverse("home"))
    name = world.line_manager_a.get_full_name()
    assert f"2</span>declarations waiting on {escape(name)}</a>" in response.text
    link = f"{reverse('approvals:waiting_on_others')}?decider={world.line_manager_a.pk}"
    assert escape(link) in response.text
    assert "1 overdue" in response.text
    # The line manager's own home has no such line.
    sign_in_with_mfa(client, world.line_manager_a)
    assert "waiting on" not in client.get(reverse("home")).text


def test_the_waiting_page_and_home_cost_the_same_queries_for_one_as_for_five(client, world, route):
    route()
    sign_in_with_mfa(client, world.head_a)
    page, home = reverse("approvals:waiting_on_others"), reverse("home")
    one, home_one = queries_of(client, page), queries_of(client, home)
    for _ in range(4):
        route()
    assert (queries_of(client, page), queries_of(client, home)) == (one, home_one)
    assert one <= 14


def test_a_declaration_about_the_heads_own_family_is_not_shown_to_her(client, world, route):
    """Routing keeps it from her (routing.conflicted_people); so does this page."""
    child = PupilFactory(setting=world.school_a)
    FamilyLinkFactory(family_member=FamilyMemberFactory(person=world.head_a), pupil=child)
    about_her_child = route(pupil=child)
    other_parent = FamilyMemberFactory()
    FamilyLinkFactory(family_member=other_parent, pupil=child, relationship="father")
    about_the_other_parent = route(member=other_parent, kind="pre_existing_relationship")
    unrelated = route()
    sign_in_with_mfa(client, world.head_a)
    shown = [
        item.pk for item in client.get(reverse("approvals:waiting_on_others")).context["requests"]
    ]
    assert about_her_child.pk not in shown
    assert about_the_other_parent.pk not in shown
    assert unrelated.pk in shown
