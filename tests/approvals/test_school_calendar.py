"""Due dates on the school calendar (R24, R39, issue #19): they count school days on the
setting's calendar and never fall in a weekend, a bank holiday or a holiday; planned
contact is due by the last school day before it, and urgent at once when none is left,
the decider and the next person up told that day; concerns, and anything the declarant
marks urgent, are due the same school day, say "Urgent" in the subject (never naming
the child) and stand first on the decider's dashboard and on the DSL's home page."""

import datetime
import io
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from approvals.models import ApprovalRequest, DeciderRole
from approvals.services import decision_record, escalation_day
from contactpolicy.models import AuditEvent
from declarations.kinds import get_kind
from declarations.services import Subject, declaration_save_draft, declaration_submit
from schoolcalendar.calendar import calendar_for
from schoolcalendar.models import ClosureDay, Term, TermDates
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import cleaned_details

pytestmark = pytest.mark.django_db

day = datetime.date
LONDON = ZoneInfo("Europe/London")
DECIDE = ApprovalRequest.Purpose.DECIDE
OPEN = ApprovalRequest.Status.OPEN

# The demo's 2026 to 2027 (issue #19): spring half-term is Monday 15 to Friday 19 February.
TERMS_2026 = {
    Term.AUTUMN: (day(2026, 9, 2), day(2026, 12, 18), day(2026, 10, 26), day(2026, 10, 30)),
    Term.SPRING: (day(2027, 1, 4), day(2027, 3, 25), day(2027, 2, 15), day(2027, 2, 19)),
    Term.SUMMER: (day(2027, 4, 12), day(2027, 7, 21), day(2027, 5, 31), day(2027, 6, 4)),
}
THURSDAY_BEFORE_HALF_TERM = day(2027, 2, 11)
FRIDAY_BEFORE_HALF_TERM = day(2027, 2, 12)
SATURDAY_OF_HALF_TERM = day(2027, 2, 13)
WEDNESDAY_OF_HALF_TERM = day(2027, 2, 17)
MONDAY_AFTER_HALF_TERM = day(2027, 2, 22)
A_WEDNESDAY_IN_TERM = day(2026, 11, 18)  # the tests' clock
A_SATURDAY_IN_TERM = day(2026, 11, 21)

# Names no fake-data generator will produce, so finding them in an email means a leak.
GIVEN, FAMILY = "Ottoline", "Quenby-Marchbanks"


@pytest.fixture
def calendar(world):
    """The federation's terms, half-terms and two INSET days: its schools follow them."""
    for term, (starts_on, ends_on, half_starts, half_ends) in TERMS_2026.items():
        TermDates.objects.create(
            organisation=world.federation,
            year=2026,
            term=term,
            starts_on=starts_on,
            ends_on=ends_on,
            half_term_starts_on=half_starts,
            half_term_ends_on=half_ends,
        )
    for inset in (day(2026, 9, 2), day(2027, 1, 4)):
        ClosureDay.objects.create(organisation=world.federation, starts_on=inset, ends_on=inset)


@pytest.fixture
def pupil(world):
    return PupilFactory(setting=world.school_a, given_name=GIVEN, family_name=FAMILY)


def at(on: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(on, datetime.time(hour), tzinfo=LONDON)


@pytest.fixture
def declare(world, pupil, django_capture_on_commit_callbacks):
    """Declare on a given day as the app does (saved, submitted, routed, emails sent):
    the request it waits on. The mail outbox holds only what this declaration sent."""

    def declare(
        on: datetime.date,
        kind: str = "planned_social_contact",
        *,
        planned_on: datetime.date | None = None,
        urgent: bool = False,
        declarant=None,
    ) -> ApprovalRequest:
        declarant = declarant or world.teacher_a
        entry = get_kind(kind)
        changes = {entry.key_date: planned_on.isoformat()} if planned_on else {}
        mail.outbox.clear()
        with time_machine.travel(at(on), tick=False):
            declaration = declaration_save_draft(
                actor=declarant,
                kind=entry,
                setting=world.school_a,
                details=cleaned_details(kind, on=on, **changes),
                notes="",
                subjects=Subject(pupils=[pupil]),
                form_token=uuid.uuid4(),
                urgent=urgent,
            )
            with django_capture_on_commit_callbacks(execute=True):
                declaration_submit(actor=declarant, declaration=declaration)
        return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status=OPEN)

    return declare


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The scheduled jobs as cron runs them on a given morning; the emails they sent."""

    def run(on: datetime.date) -> list[tuple[str, str]]:
        mail.outbox.clear()
        with (
            time_machine.travel(at(on, 6), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("run_scheduled_jobs", stdout=io.StringIO())
        return sent()

    return run


def sent() -> list[tuple[str, str]]:
    return [(to, message.subject) for message in mail.outbox for to in message.to]


def no_child_named() -> None:
    assert mail.outbox
    for message in mail.outbox:
        for name in (GIVEN, FAMILY):
            assert name not in message.subject
            assert name not in message.body


def routed_event(request: ApprovalRequest) -> AuditEvent:
    return AuditEvent.objects.get(
        action="approval.routed", data__request=request.pk, target_id=str(request.declaration_id)
    )


# Planned contact: due by the last school day before it ------------------------------------


def test_contact_planned_for_the_monday_after_half_term_declared_the_thursday_before_is_due_on_the_friday_before(  # noqa: E501 (the issue's own words)
    world, calendar, declare
):
    request = declare(THURSDAY_BEFORE_HALF_TERM, planned_on=MONDAY_AFTER_HALF_TERM)

    assert request.decider == world.line_manager_a
    assert request.due_on == FRIDAY_BEFORE_HALF_TERM
    assert not request.urgent
    assert sent() == [(world.line_manager_a.email, "A declaration is waiting for your decision")]
    assert "needs your decision by 12 February 2027" in mail.outbox[0].body
    assert routed_event(request).data["due_on"] == "2027-02-12"


def test_without_term_dates_the_same_contact_would_be_due_in_half_term(world, declare):
    """Without the calendar, half-term counts as school days: what the calendar fixes."""
    request = declare(THURSDAY_BEFORE_HALF_TERM, planned_on=MONDAY_AFTER_HALF_TERM)

    assert request.due_on == day(2027, 2, 18)  # five weekdays on: the Thursday of half-term


def test_a_planned_date_in_a_holiday_is_accepted_and_due_the_last_school_day_before(
    world, calendar, declare
):
    """A party in half-term is ordinary: the date is not refused, the decision is due
    before the break."""
    request = declare(THURSDAY_BEFORE_HALF_TERM, planned_on=WEDNESDAY_OF_HALF_TERM)

    assert request.due_on == FRIDAY_BEFORE_HALF_TERM
    assert not request.urgent


def test_contact_planned_for_the_next_school_day_is_urgent_and_the_next_person_up_is_told(
    world, calendar, declare
):
    request = declare(THURSDAY_BEFORE_HALF_TERM, planned_on=FRIDAY_BEFORE_HALF_TERM)

    assert request.due_on == THURSDAY_BEFORE_HALF_TERM  # today: the only school day left
    assert request.urgent
    assert sorted(sent()) == sorted(
        [
            (world.line_manager_a.email, "Urgent: a declaration needs your decision today"),
            (world.head_a.email, "Urgent: a declaration must be decided today"),
        ]
    )
    to_head = next(message for message in mail.outbox if message.to == [world.head_a.email])
    assert world.line_manager_a.get_full_name() in to_head.body
    assert "no school day is left before it" in to_head.body
    no_child_named()
    data = routed_event(request).data
    assert data["next_up_told"] == world.head_a.pk
    assert data["urgent"].startswith("the contact is planned for Friday 12 February 2027")


def test_contact_planned_after_half_term_declared_in_half_term_is_due_today(
    world, calendar, declare
):
    request = declare(SATURDAY_OF_HALF_TERM, planned_on=MONDAY_AFTER_HALF_TERM)

    assert request.due_on == SATURDAY_OF_HALF_TERM  # no school day is left before Monday
    assert request.urgent
    assert {to for to, _subject in sent()} == {world.line_manager_a.email, world.head_a.email}


def test_contact_with_school_days_to_spare_does_not_tell_the_next_person_up(
    world, calendar, declare
):
    request = declare(A_WEDNESDAY_IN_TERM, planned_on=day(2026, 11, 23))

    assert request.due_on == day(2026, 11, 20)  # the Friday before the Monday
    assert not request.urgent
    assert [to for to, _subject in sent()] == [world.line_manager_a.email]
    assert "next_up_told" not in routed_event(request).data


# Everything else: school days ---------------------------------------------------------------


def test_a_gift_declared_before_half_term_is_due_five_school_days_later_after_it(
    world, calendar, declare
):
    request = declare(THURSDAY_BEFORE_HALF_TERM, "gift")

    assert request.due_on == day(2027, 2, 25)  # Fri 12, then Mon 22 to Thu 25


def test_a_declaration_made_in_a_holiday_counts_from_the_first_school_day(world, calendar, declare):
    request = declare(SATURDAY_OF_HALF_TERM, "gift")

    assert request.due_on == day(2027, 2, 26)  # Mon 22 to Fri 26


def test_a_due_date_steps_over_the_christmas_holiday_and_an_inset_day(world, calendar, declare):
    request = declare(day(2026, 12, 16), "gift")

    # Thu 17, Fri 18 December; 4 January is an INSET day; Tue 5, Wed 6, Thu 7 January.
    assert request.due_on == day(2027, 1, 7)


@pytest.mark.parametrize(
    "declared_on",
    [day(2026, 12, 14) + datetime.timedelta(days=offset) for offset in range(0, 60, 3)],
)
def test_a_due_date_is_always_a_school_day(world, calendar, declare, declared_on):
    request = declare(declared_on, "gift")

    assert calendar_for(world.school_a, request.due_on).is_school_day(request.due_on)


# Urgent: concerns, and what the declarant marks urgent --------------------------------------


def test_a_concern_is_due_today_and_says_urgent(world, calendar, declare):
    request = declare(A_WEDNESDAY_IN_TERM, "concern")

    assert request.decider == world.head_a
    assert request.due_on == A_WEDNESDAY_IN_TERM
    assert request.urgent
    assert sorted(sent()) == sorted(
        [
            (world.head_a.email, "Urgent: a declaration needs your decision today"),
            (
                world.dsl_a.email,
                "Urgent: a safeguarding-relevant declaration has been copied to you",
            ),
        ]
    )
    to_head = next(message for message in mail.outbox if message.to == [world.head_a.email])
    assert "It is urgent: it is a concern." in to_head.body
    no_child_named()
    copy = ApprovalRequest.objects.get(declaration=request.declaration, purpose="copy")
    assert copy.urgent


def test_a_concern_raised_on_a_saturday_is_due_on_monday(world, calendar, declare):
    request = declare(A_SATURDAY_IN_TERM, "concern")

    assert request.due_on == day(2026, 11, 23)
    assert request.urgent
    assert (world.head_a.email, "Urgent: a declaration needs your decision") in sent()


def test_a_concern_raised_in_half_term_is_due_the_first_day_back(world, calendar, declare):
    request = declare(WEDNESDAY_OF_HALF_TERM, "concern")

    assert request.due_on == MONDAY_AFTER_HALF_TERM


def test_anything_the_declarant_marks_urgent_is_due_today(world, calendar, declare):
    request = declare(A_WEDNESDAY_IN_TERM, "gift", urgent=True)

    assert request.due_on == A_WEDNESDAY_IN_TERM
    assert request.urgent
    assert sent() == [(world.head_a.email, "Urgent: a declaration needs your decision today")]
    assert "the person who made it marked it urgent" in mail.outbox[0].body
    no_child_named()


def test_a_gift_not_marked_urgent_is_not(world, calendar, declare):
    request = declare(A_WEDNESDAY_IN_TERM, "gift")

    assert not request.urgent
    assert sent() == [(world.head_a.email, "A declaration is waiting for your decision")]


# Reminders and escalation ---------------------------------------------------------------------


def test_an_undecided_contact_before_half_term_goes_up_on_the_saturday_urgent(
    world, calendar, declare, run
):
    """Due on the Friday before half-term and not decided: the contact on the Monday
    after cannot wait for a school day, so the head has it on Saturday, urgent, and the
    Executive Headteacher is told; never due in half-term, never due on the contact day."""
    request = declare(THURSDAY_BEFORE_HALF_TERM, planned_on=MONDAY_AFTER_HALF_TERM)

    emails = run(SATURDAY_OF_HALF_TERM)

    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.ESCALATED
    head = ApprovalRequest.objects.get(declaration=request.declaration, status=OPEN)
    assert (head.decider, head.decider_role) == (world.head_a, DeciderRole.HEAD)
    assert head.due_on == SATURDAY_OF_HALF_TERM
    assert head.urgent
    assert (world.head_a.email, "Urgent: a declaration needs your decision today") in emails
    assert (
        world.executive_head.email,
        "Urgent: a declaration must be decided today",
    ) in emails
    no_child_named()


def test_an_ordinary_overdue_request_waits_for_the_next_school_day_to_go_up(
    world, calendar, declare, run
):
    request = declare(day(2027, 2, 5), "gift")  # a Friday: due Friday 12 February
    assert request.due_on == FRIDAY_BEFORE_HALF_TERM

    assert run(SATURDAY_OF_HALF_TERM) == []
    assert run(WEDNESDAY_OF_HALF_TERM) == []
    request.refresh_from_db()
    assert request.status == OPEN

    emails = run(MONDAY_AFTER_HALF_TERM)

    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.ESCALATED
    new = ApprovalRequest.objects.get(declaration=request.declaration, status=OPEN)
    assert new.decider == world.executive_head  # a gift goes to the head, then up
    assert new.due_on == day(2027, 3, 1)  # five school days from Monday 22 February
    assert (world.executive_head.email, "A declaration is waiting for your decision") in emails
    assert escalation_day(
        due_on=FRIDAY_BEFORE_HALF_TERM,
        key_date=None,
        calendar=calendar_for(world.school_a, FRIDAY_BEFORE_HALF_TERM),
    ) == (MONDAY_AFTER_HALF_TERM)


def test_on_the_last_school_day_before_a_holiday_what_is_due_the_first_day_back_is_reminded(
    world, calendar, declare, run
):
    request = declare(day(2027, 2, 10), "gift")  # due Wednesday 24 February
    ApprovalRequest.objects.filter(pk=request.pk).update(due_on=MONDAY_AFTER_HALF_TERM)

    emails = run(FRIDAY_BEFORE_HALF_TERM)

    assert emails == [(world.head_a.email, "Reminder: a declaration is waiting for your decision")]
    assert run(WEDNESDAY_OF_HALF_TERM) == []  # nobody is reminded in the holiday


def test_an_urgent_request_is_reminded_in_a_holiday_too(world, calendar, declare, run):
    request = declare(WEDNESDAY_OF_HALF_TERM, "concern")
    assert request.due_on == MONDAY_AFTER_HALF_TERM

    emails = run(day(2027, 2, 18))

    assert emails == [
        (world.head_a.email, "Urgent reminder: a declaration is waiting for your decision")
    ]


# First on the dashboard and on the DSL's home ------------------------------------------------


def test_urgent_requests_stand_first_on_the_heads_dashboard_marked_urgent(
    world, calendar, declare, client
):
    overdue_gift = declare(day(2026, 11, 9), "gift")
    ApprovalRequest.objects.filter(pk=overdue_gift.pk).update(due_on=day(2026, 11, 16))
    concern = declare(A_WEDNESDAY_IN_TERM, "concern")
    later_gift = declare(A_WEDNESDAY_IN_TERM, "gift")
    sign_in_with_mfa(client, world.head_a)

    response = client.get(reverse("approvals:dashboard"))

    shown = list(response.context["requests"])
    assert shown == [concern, overdue_gift, later_gift]
    html = response.content.decode()
    assert html.count('<span class="badge text-bg-danger">Urgent</span>') == 1
    assert html.index("Urgent</span>") < html.index(overdue_gift.get_absolute_url())
    assert "<strong>1</strong> urgent" in html


def test_an_urgent_concern_stands_first_on_the_dsls_home_page_and_the_heads(
    world, calendar, declare, client
):
    concern = declare(A_WEDNESDAY_IN_TERM, "concern")
    copy = ApprovalRequest.objects.get(declaration=concern.declaration, purpose="copy")

    for person, request, words in [
        (world.dsl_a, copy, "copied to you as designated safeguarding lead, not yet read"),
        (world.head_a, concern, "decide by 18 Nov 2026"),
    ]:
        sign_in_with_mfa(client, person)
        response = client.get(reverse("home"))
        html = response.content.decode()
        panels = response.context["panels"]
        assert panels[0].title == "Decisions"
        assert panels[0].context["urgent"] == [request]
        assert "Needs you today" in html
        assert html.index("Urgent:") < html.index("Your roles")
        assert request.get_absolute_url() in html
        assert words in html


def test_a_read_copy_and_a_decided_request_leave_the_home_pages_urgent_list(
    world, calendar, declare, client
):
    concern = declare(A_WEDNESDAY_IN_TERM, "concern")
    sign_in_with_mfa(client, world.dsl_a)
    copy = ApprovalRequest.objects.get(declaration=concern.declaration, purpose="copy")
    client.get(copy.get_absolute_url())  # read
    decision_record(actor=world.head_a, request=concern, outcome="noted", details={})

    for person in (world.dsl_a, world.head_a):
        sign_in_with_mfa(client, person)
        response = client.get(reverse("home"))
        assert response.context["panels"][0].context["urgent"] == []
        assert "Needs you today" not in response.content.decode()


def test_nobody_else_sees_an_urgent_concern_on_their_home_page(world, calendar, declare, client):
    declare(A_WEDNESDAY_IN_TERM, "concern")

    for person in (world.line_manager_a, world.head_other, world.executive_head):
        sign_in_with_mfa(client, person)
        response = client.get(reverse("home"))
        assert "Needs you today" not in response.content.decode()
        assert GIVEN not in response.content.decode()
