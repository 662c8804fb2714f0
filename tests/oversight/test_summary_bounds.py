"""The governors' summary (R33): what else must be hidden with a hidden count, and the
annual round's share for each setting, straight from ``summary_build``."""

import datetime

import pytest
from django.utils import timezone

from approvals.models import DeciderRole, Outcome
from directory.models import Role
from oversight.summaries import summary_build
from registers.models import DeclarationRound, RoundResponse
from schoolcalendar.periods import custom_period
from tests.factories import person_with_roles
from tests.oversight.test_summary_views import FEWER, days, declared

pytestmark = pytest.mark.django_db


def build(organisation):
    return summary_build(organisation=organisation, period=custom_period(days(-60), days(0)))


def row(report, key, label):
    return next(r for r in report["tables"][key]["rows"] if r["label"] == label)["cells"]


def late_decisions(world, count, *, setting, decider):
    """``count`` final decisions made 20 days after they were sent (due in 5 or so)."""
    for n in range(count):
        declared(
            setting=setting,
            declarant=world.teacher_a if setting == world.school_a else world.teacher_b,
            on=days(-50 + n),
            decider=decider,
            outcome=Outcome.APPROVED,
            wait=datetime.timedelta(days=20),
        )


def test_late_decisions_are_hidden_wherever_the_final_decisions_they_are_among_are(world):
    # School A: 6 final decisions, all late; school B: 2, on time. A's 6 is hidden to
    # protect B's 2 (the total is 8); showing "6 late" would give it away.
    late_decisions(world, 6, setting=world.school_a, decider=world.line_manager_a)
    for n in range(2):
        declared(
            setting=world.school_b,
            declarant=world.teacher_b,
            on=days(-40 + n),
            decider=world.executive_head,
            outcome=Outcome.APPROVED,
        )

    report = build(world.federation)

    final = row(report, "outcomes", "Final decisions")
    late = row(report, "timeliness", "Final decisions made after the due date")
    assert [cell["text"] for cell in final[:3]] == ["hidden", FEWER, "8"]
    assert late[0]["value"] is None


def test_the_median_is_not_shown_where_the_number_of_final_decisions_is_hidden(world):
    late_decisions(world, 3, setting=world.school_a, decider=world.line_manager_a)
    late_decisions(world, 7, setting=world.school_b, decider=world.executive_head)

    report = build(world.federation)

    median = row(report, "wait_times", "Median")
    p90 = row(report, "wait_times", "90th percentile")
    # Each school's number of final decisions is hidden: so are its waits.
    assert [cell["text"] for cell in median] == [
        "not shown",
        "not shown",
        "20 days",
        "none decided",
    ]
    assert [cell["text"] for cell in p90] == ["not shown", "not shown", "20 days", "none decided"]


def test_the_90th_percentile_needs_ten_decisions(world):
    head = person_with_roles(world.other_school, Role.LINE_MANAGER)
    for n in range(7):
        declared(
            setting=world.other_school,
            declarant=world.teacher_other,
            on=days(-50 + n),
            decider=head,
            outcome=Outcome.APPROVED,
            wait=datetime.timedelta(days=3),
        )

    report = build(world.other_school)

    assert row(report, "outcomes", "Final decisions")[0]["text"] == "7"
    assert row(report, "wait_times", "Median")[0]["text"] == "3 days"
    # With 7, the 90th percentile would be the slowest single decision.
    assert row(report, "wait_times", "90th percentile")[0]["text"] == "fewer than 10 decisions"


def test_overdue_reviews_are_hidden_wherever_the_open_arrangements_are(world):
    from registers.models import FollowUp

    def reviews(count, *, setting, declarant, manager, due_on):
        for n in range(count):
            declaration = declared(
                setting=setting,
                declarant=declarant,
                on=days(-40 + n),
                decider=manager,
                outcome=Outcome.APPROVED_WITH_CONDITIONS,
            )
            FollowUp.objects.create(
                kind=FollowUp.Kind.REVIEW,
                declaration=declaration,
                decision=declaration.approval_requests.get().decision,
                person=declarant,
                responsible=manager,
                what="Review",
                due_on=due_on,
            )

    # School A: 6 open, all overdue; school B: 2 open, not yet due. A's 6 is hidden to
    # protect B's 2; "6 overdue" beside it would give it away.
    reviews(
        6,
        setting=world.school_a,
        declarant=world.teacher_a,
        manager=world.line_manager_a,
        due_on=days(-1),
    )
    reviews(
        2,
        setting=world.school_b,
        declarant=world.teacher_b,
        manager=world.executive_head,
        due_on=days(10),
    )

    report = build(world.federation)

    opened = row(report, "open_now", "Monitoring arrangements open")
    overdue = row(report, "open_now", "Monitoring reviews overdue")
    assert [cell["text"] for cell in opened] == ["hidden", FEWER, "8"]
    assert overdue[0]["value"] is None


def test_a_schools_round_share_is_of_its_own_people_in_the_newest_round_covering_it(world):
    today = timezone.localdate()
    old = DeclarationRound.objects.create(
        organisation=world.school_a,
        title="Last year's round",
        deadline=today - datetime.timedelta(days=300),
        opened_by=world.head_a,
        opened_at=timezone.now() - datetime.timedelta(days=330),
        status=DeclarationRound.Status.CLOSED,
    )
    new = DeclarationRound.objects.create(
        organisation=world.federation,
        title="This year's round",
        deadline=today + datetime.timedelta(days=10),
        opened_by=world.executive_head,
    )
    school_a_people = [person_with_roles(world.school_a, Role.STAFF) for _ in range(6)]
    for person in school_a_people:
        RoundResponse.objects.create(round=old, person=person)  # never answered
        RoundResponse.objects.create(
            round=new,
            person=person,
            answer=RoundResponse.Answer.NOTHING,
            answered_at=timezone.now(),
        )
    # Someone the federation's round asked who has since left: not counted.
    leaver = person_with_roles(world.school_b, Role.STAFF)
    leaver.memberships.update(ends_on=today - datetime.timedelta(days=1))
    RoundResponse.objects.create(round=new, person=leaver)

    report = build(world.federation)

    answered = row(report, "compliance", "Answered the latest annual round")
    assert answered[0]["text"] == "100%"  # school A: the newer federation round
    assert answered[2]["text"] == "100%"  # all of the federation: the leaver is not counted


def test_an_escalated_decision_is_late_against_the_date_it_was_first_due(world):
    from approvals.models import ApprovalRequest, Decision

    declarations = [
        declared(
            setting=world.school_b,
            declarant=world.teacher_b,
            on=days(-30 + n),
            decider=world.executive_head,
            role=DeciderRole.EXECUTIVE_HEAD,
        )
        for n in range(6)
    ]
    # One of them was passed up after its first due date and decided on time by the
    # next person: it still counts as late.
    first = declarations[0].approval_requests.get()
    decision = first.decision
    ApprovalRequest.objects.filter(pk=first.pk).update(status=ApprovalRequest.Status.ESCALATED)
    second = ApprovalRequest.objects.create(
        declaration=declarations[0],
        decider=world.chair,
        decider_role=DeciderRole.CHAIR,
        routing_reason="Escalated.",
        due_on=days(-10),
        escalated_from=first,
        status=ApprovalRequest.Status.DECIDED,
    )
    ApprovalRequest.objects.filter(pk=first.pk).update(due_on=days(-28))
    Decision.objects.filter(pk=decision.pk).update(
        request=second, decided_at=timezone.now() - datetime.timedelta(days=12)
    )

    report = build(world.school_b)

    late = row(report, "timeliness", "Final decisions made after the due date")
    assert late[0]["text"] == FEWER  # 1, hidden
    assert row(report, "outcomes", "Final decisions")[0]["text"] == "6"
