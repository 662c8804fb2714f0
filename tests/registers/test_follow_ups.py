"""Follow-ups a decision leaves waiting: monitoring reviews (R9, R18), required actions
(R23) and arrangements that end on a date (R13, R28); issue #6 items 4 and 5."""

import datetime
import io
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.forms import DecisionForm
from approvals.models import ApprovalRequest, Decision, Outcome
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.services import declaration_amend, declaration_submit
from directory.models import Role
from registers import services
from registers.forms import ConfirmForm, ReviewForm
from registers.models import FollowUp, RegisterEntry
from registers.selectors import follow_ups_for
from registers.services import follow_up_work
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory, person_with_roles
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    details_json,
)

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE
REVIEW, ACTION, EXPIRY = FollowUp.Kind.REVIEW, FollowUp.Kind.ACTION, FollowUp.Kind.EXPIRY
CONDITIONS = "Meet only at the library, never at home."


def days(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def entries(kind: str) -> list[RegisterEntry]:
    return list(RegisterEntry.objects.filter(entry_kind=kind))


# Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def pupil(world):
    return PupilFactory(setting=world.school_a, given_name="Ava", family_name="Smith")


@pytest.fixture
def submit(world, pupil, django_capture_on_commit_callbacks):
    """A declaration by teacher_a about the pupil, submitted as the app does."""

    def submit(kind="planned_social_contact", *, details=None, previous=None) -> ApprovalRequest:
        if previous is not None:
            declaration = declaration_amend(actor=world.teacher_a, declaration=previous)
        else:
            declaration = DeclarationFactory(
                declarant=world.teacher_a,
                setting=world.school_a,
                kind=kind,
                **({"details": details} if details is not None else {}),
            )
            DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=world.teacher_a, declaration=declaration)
        return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status="open")

    return submit


@pytest.fixture
def decide(submit, django_capture_on_commit_callbacks):
    """Decide a (new) request through the service; the emails it sent are cleared."""

    def decide(outcome=Outcome.APPROVED_WITH_CONDITIONS, *, request=None, kind=None, **details):
        request = request or submit(kind or "planned_social_contact")
        with django_capture_on_commit_callbacks(execute=True):
            decision = decision_record(
                actor=request.decider, request=request, outcome=outcome, details=details
            )
        mail.outbox.clear()
        return decision

    return decide


@pytest.fixture
def review(decide):
    def review(review_on=None) -> FollowUp:
        decision = decide(conditions=CONDITIONS, review_on=review_on or days(30))
        return FollowUp.objects.get(decision=decision, kind=REVIEW)

    return review


@pytest.fixture
def action(decide):
    def action(due_on=None) -> FollowUp:
        decision = decide(
            Outcome.REFUSED,
            reasons="Too close to the family.",
            required_action="Remove the social media connection.",
            action_due_on=due_on or days(7),
        )
        return FollowUp.objects.get(decision=decision, kind=ACTION)

    return action


@pytest.fixture
def expiry(decide):
    def expiry() -> FollowUp:
        decision = decide(Outcome.APPROVED, kind="trip_phone_sharing")
        return FollowUp.objects.get(decision=decision, kind=EXPIRY)

    return expiry


@pytest.fixture
def work(django_capture_on_commit_callbacks):
    """The follow-up part of the scheduled jobs, on a given day, with what it sends."""

    def work(today: datetime.date) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return follow_up_work(today=today)

    return work


def signed_in(client, person):
    sign_in_with_mfa(client, person)
    return client


def recipients() -> list[str]:
    return [address for message in mail.outbox for address in message.to]


# Creation --------------------------------------------------------------------------------


def test_an_approval_with_a_review_date_sets_one_review_for_the_decider(world, decide):
    decision = decide(conditions=CONDITIONS, review_on=days(30))

    follow_up = FollowUp.objects.get(decision=decision)
    assert follow_up.kind == REVIEW
    assert follow_up.status == FollowUp.Status.OPEN
    assert follow_up.responsible == decision.decided_by == world.line_manager_a
    assert follow_up.person == world.teacher_a
    assert follow_up.due_on == days(30)
    assert follow_up.what == CONDITIONS
    assert events("register.follow_up_set") == 1


def test_an_approval_without_a_review_date_sets_nothing_to_follow_up(decide):
    decide(conditions=CONDITIONS)

    assert not FollowUp.objects.exists()
    assert events("register.follow_up_set") == 0


def test_a_refusal_with_a_required_action_sets_an_action_for_the_declarant(world, action):
    follow_up = action(days(7))

    assert follow_up.person == world.teacher_a
    assert follow_up.responsible == world.line_manager_a
    assert follow_up.due_on == days(7)
    assert follow_up.what == "Remove the social media connection."
    assert FollowUp.objects.count() == 1
    assert events("register.follow_up_set") == 1


def test_approved_trip_phone_sharing_ends_on_the_delete_by_date(decide):
    details = details_json("trip_phone_sharing")
    decision = decide(Outcome.APPROVED, kind="trip_phone_sharing")

    follow_up = FollowUp.objects.get(decision=decision)
    assert follow_up.kind == EXPIRY
    assert follow_up.due_on == datetime.date.fromisoformat(details["delete_by"])
    assert "Year 6 residential to Wales" in follow_up.what
    assert events("register.follow_up_set") == 1


@pytest.mark.parametrize(("until", "expected"), [(60, 1), (None, 0)])
def test_shared_contact_details_end_only_when_an_end_date_was_given(
    submit, decide, until, expected
):
    details = details_json("contact_details_shared")
    details["until"] = days(until).isoformat() if until else None
    request = submit("contact_details_shared", details=details)

    decide(Outcome.APPROVED, request=request)

    assert FollowUp.objects.filter(kind=EXPIRY).count() == expected
    if until:
        assert FollowUp.objects.get().due_on == days(until)
    assert events("register.follow_up_set") == expected


def test_refused_trip_phone_sharing_leaves_nothing_to_confirm(decide):
    decide(Outcome.REFUSED, kind="trip_phone_sharing", reasons="Use the school phone.")

    assert not FollowUp.objects.exists()


def test_a_review_date_in_the_past_is_refused_when_deciding(world, submit, client):
    request = submit()

    form = DecisionForm(
        data={"outcome": Outcome.APPROVED, "review_on": days(-1).isoformat()}, request=request
    )
    assert not form.is_valid()
    assert form.errors["review_on"] == ["The date cannot be in the past."]
    response = signed_in(client, request.decider).post(
        reverse("approvals:request", args=[request.pk]),
        {"outcome": Outcome.APPROVED, "review_on": days(-1).isoformat()},
    )
    assert response.status_code == 200
    assert "The date cannot be in the past." in response.text
    assert not Decision.objects.exists()
    assert not FollowUp.objects.exists()


# Recording a review ---------------------------------------------------------------------


def post_as(client, person, follow_up, **data):
    return signed_in(client, person).post(follow_up.get_absolute_url(), data)


@pytest.mark.parametrize(
    ("result", "conditions"),
    [(FollowUp.Result.CONTINUE, ""), (FollowUp.Result.CHANGE, "Meet only with another adult.")],
)
def test_a_continuing_review_goes_on_every_file_and_sets_the_next_review(
    world, pupil, review, client, result, conditions
):
    follow_up = review()

    response = post_as(
        client,
        world.line_manager_a,
        follow_up,
        result=result,
        note="Going well.",
        conditions=conditions,
        next_review_on=days(90).isoformat(),
    )

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE
    assert follow_up.result == result
    assert follow_up.completed_by == world.line_manager_a
    assert follow_up.completed_at is not None
    written = entries(RegisterEntry.EntryKind.REVIEW)
    assert {(entry.file, entry.person_id, entry.pupil_id) for entry in written} == {
        ("staff", world.teacher_a.pk, None),
        ("pupil", None, pupil.pk),
    }
    assert all("Going well." in entry.text for entry in written)
    following = FollowUp.objects.get(follows=follow_up)
    assert following.kind == REVIEW
    assert following.status == FollowUp.Status.OPEN
    assert following.due_on == days(90)
    assert following.responsible == world.line_manager_a
    assert following.what == (conditions or CONDITIONS)
    assert events("register.review_recorded") == 1


def test_a_review_that_ends_the_arrangement_sets_no_next_review(world, review, client):
    follow_up = review()

    response = post_as(
        client, world.line_manager_a, follow_up, result="end", note="No longer tutoring."
    )

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.result == FollowUp.Result.END
    assert not FollowUp.objects.filter(status=FollowUp.Status.OPEN).exists()
    assert len(entries(RegisterEntry.EntryKind.REVIEW)) == 2
    assert events("register.review_recorded") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"result": "continue", "note": ""}, "Say what the review found."),
        ({"result": "continue"}, "Give the date of the next review."),
        ({"result": "continue", "next_review_on": days(0)}, "The next review must be after today."),
        ({"result": "change", "next_review_on": days(30)}, "Write the changed conditions."),
        ({"result": "change", "conditions": "Fewer visits."}, "Give the date of the next review."),
        ({"result": "end", "next_review_on": days(30)}, "An arrangement that ends has no next"),
        ({"note": "Fine."}, "Choose whether the arrangement continues, changes or ends."),
    ],
)
def test_a_review_with_bad_input_is_shown_again_and_changes_nothing(
    world, review, client, data, message
):
    follow_up = review()
    data = {"note": "Going well.", **data}
    if "next_review_on" in data:
        data["next_review_on"] = data["next_review_on"].isoformat()

    response = post_as(client, world.line_manager_a, follow_up, **data)

    assert response.status_code == 200
    assert message in response.text
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN
    assert FollowUp.objects.count() == 1
    assert not entries(RegisterEntry.EntryKind.REVIEW)
    assert events("register.review_recorded") == 0


def test_a_review_already_recorded_cannot_be_recorded_again(world, review, client):
    follow_up = review()
    post_as(client, world.line_manager_a, follow_up, result="end", note="Ended.")

    response = post_as(
        client,
        world.line_manager_a,
        follow_up,
        result="continue",
        note="Second go.",
        next_review_on=days(30).isoformat(),
    )

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.result == FollowUp.Result.END
    assert follow_up.note == "Ended."
    assert FollowUp.objects.count() == 1
    assert len(entries(RegisterEntry.EntryKind.REVIEW)) == 2
    assert events("register.review_recorded") == 1


def test_staff_member_cannot_record_the_review_of_their_own_arrangement(world, review, client):
    follow_up = review()

    page = signed_in(client, world.teacher_a).get(follow_up.get_absolute_url())
    assert page.status_code == 200
    assert page.context["form"] is None
    response = client.post(
        follow_up.get_absolute_url(),
        {"result": "end", "note": "All fine, honestly."},
        follow=True,
    )

    assert "There is nothing for you to record here" in response.text
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN
    assert not entries(RegisterEntry.EntryKind.REVIEW)


@pytest.mark.parametrize("who", ["head_a", "executive_head"])
def test_head_of_the_setting_may_record_the_review(world, review, client, who):
    follow_up = review()
    head = getattr(world, who)

    page = signed_in(client, head).get(follow_up.get_absolute_url())
    assert isinstance(page.context["form"], ReviewForm)
    response = post_as(client, head, follow_up, result="end", note="Ended.")

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.completed_by == head


@pytest.mark.parametrize("who", ["colleague", "head_other", "teacher_other"])
def test_others_cannot_see_or_record_a_review(world, review, client, who):
    follow_up = review()
    person = (
        person_with_roles(world.school_a, Role.STAFF) if who == "colleague" else getattr(world, who)
    )

    signed_in(client, person)
    assert client.get(follow_up.get_absolute_url()).status_code == 404
    response = client.post(follow_up.get_absolute_url(), {"result": "end", "note": "Ended."})

    assert response.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN


# Confirming -----------------------------------------------------------------------------


def test_only_the_staff_member_is_offered_the_confirmation(world, action, client):
    follow_up = action()

    own = signed_in(client, world.teacher_a).get(follow_up.get_absolute_url())
    manager = signed_in(client, world.line_manager_a).get(follow_up.get_absolute_url())

    assert isinstance(own.context["form"], ConfirmForm)
    assert manager.status_code == 200
    assert manager.context["form"] is None


def test_a_confirmation_without_the_box_ticked_is_refused(world, action, client):
    follow_up = action()

    response = post_as(client, world.teacher_a, follow_up, note="Done it.")

    assert response.status_code == 200
    assert "Tick the box to confirm it has been done." in response.text
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN
    assert not entries(RegisterEntry.EntryKind.CONFIRMATION)


def test_staff_member_confirms_the_action_on_every_file(
    world, pupil, action, client, django_capture_on_commit_callbacks
):
    follow_up = action()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_as(client, world.teacher_a, follow_up, done="on", note="Removed.")

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE
    assert follow_up.result == FollowUp.Result.CONFIRMED
    assert follow_up.completed_by == world.teacher_a
    written = entries(RegisterEntry.EntryKind.CONFIRMATION)
    assert {(entry.file, entry.person_id, entry.pupil_id) for entry in written} == {
        ("staff", world.teacher_a.pk, None),
        ("pupil", None, pupil.pk),
    }
    assert events("register.follow_up_confirmed") == 1
    assert recipients() == [world.line_manager_a.email]


def test_manager_cannot_confirm_on_the_staff_members_behalf(world, action, client):
    follow_up = action()

    response = post_as(client, world.line_manager_a, follow_up, done="on")

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN
    assert not entries(RegisterEntry.EntryKind.CONFIRMATION)
    assert events("register.follow_up_confirmed") == 0


# Scheduled work ------------------------------------------------------------------------


def test_a_due_review_is_sent_to_the_manager_once_and_never_escalated(world, review, work):
    follow_up = review(days(10))

    assert work(days(9))["due"] == 0
    assert work(days(10))["due"] == 1
    assert recipients() == [world.line_manager_a.email]
    follow_up.refresh_from_db()
    assert follow_up.reminded_on == days(10)
    for day in (10, 11, 40):
        assert work(days(day)) == {"due": 0, "escalated": 0, "failed": 0}
    assert len(mail.outbox) == 1
    follow_up.refresh_from_db()
    assert follow_up.escalated_at is None


def test_an_unconfirmed_action_is_sent_to_the_staff_member_then_to_the_head_once(
    world, action, work
):
    follow_up = action(days(7))

    assert work(days(7)) == {"due": 1, "escalated": 0, "failed": 0}
    assert recipients() == [world.teacher_a.email]
    assert work(days(7))["due"] == 0
    mail.outbox.clear()
    assert work(days(8)) == {"due": 0, "escalated": 1, "failed": 0}
    follow_up.refresh_from_db()
    assert follow_up.escalated_to == world.head_a
    assert follow_up.escalated_at is not None
    assert recipients() == [world.head_a.email]
    assert events("register.follow_up_escalated") == 1
    assert work(days(9)) == {"due": 0, "escalated": 0, "failed": 0}
    assert len(mail.outbox) == 1


def test_an_unconfirmed_ending_arrangement_is_passed_to_the_manager_who_agreed_it(
    world, expiry, work
):
    follow_up = expiry()

    work(follow_up.due_on)
    assert recipients() == [world.teacher_a.email]
    mail.outbox.clear()
    assert work(follow_up.due_on + datetime.timedelta(days=1))["escalated"] == 1

    follow_up.refresh_from_db()
    assert follow_up.escalated_to == world.line_manager_a
    assert recipients() == [world.line_manager_a.email]


def test_no_follow_up_email_names_the_pupil_in_its_subject(pupil, review, action, expiry, work):
    made = [review(days(5)), action(days(5)), expiry()]

    for day in sorted({follow_up.due_on for follow_up in made}):
        work(day)
        work(day + datetime.timedelta(days=1))

    assert len(mail.outbox) >= 5
    for message in mail.outbox:
        assert pupil.given_name not in message.subject
        assert pupil.family_name not in message.subject


def test_the_escalated_action_is_listed_as_unconfirmed_for_the_head(world, action, work, client):
    follow_up = action(days(3))
    work(days(3))  # the staff member is asked on the day...
    work(days(4))  # ...and the head is told the day after

    response = signed_in(client, world.head_a).get(reverse("registers:follow_ups"))

    assert list(response.context["unconfirmed"]) == [follow_up]
    assert "Not confirmed in time" in response.text
    assert follow_up.get_absolute_url() in response.text


def test_a_missed_due_date_asks_the_staff_member_before_anyone_is_told(world, action, work):
    follow_up = action(days(3))
    work(days(6))  # the job did not run on the due date

    follow_up.refresh_from_db()
    assert follow_up.reminded_on == days(6)
    assert follow_up.escalated_at is None
    work(days(7))
    follow_up.refresh_from_db()
    assert follow_up.escalated_to == world.head_a


def test_one_failing_follow_up_does_not_stop_the_others(world, review, work):
    failing, other = review(days(2)), review(days(2))
    real = services.follow_up_remind

    def remind(*, follow_up, today):
        if follow_up.pk == failing.pk:
            raise RuntimeError("mail server down")
        return real(follow_up=follow_up, today=today)

    with mock.patch("registers.services.follow_up_remind", side_effect=remind):
        counts = work(days(2))

    assert counts == {"due": 1, "escalated": 0, "failed": 1}
    other.refresh_from_db()
    failing.refresh_from_db()
    assert other.reminded_on == days(2)
    assert failing.reminded_on is None


def test_the_scheduled_command_reports_routing_and_follow_ups(
    world, action, django_capture_on_commit_callbacks
):
    follow_up = action(days(0))
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled_jobs", stdout=out)

    assert "Routed" in out.getvalue()
    assert "Follow-ups: 1 due, 0 not confirmed in time." in out.getvalue()
    assert recipients() == [world.teacher_a.email]
    follow_up.refresh_from_db()
    assert follow_up.reminded_on == days(0)


# Lists ---------------------------------------------------------------------------------


def test_each_person_sees_what_is_waiting_for_them(world, review, action):
    waiting_review, waiting_action = review(), action()

    mine = follow_ups_for(user=world.teacher_a)
    manager = follow_ups_for(user=world.line_manager_a)

    assert list(mine["to_confirm"]) == [waiting_action]
    assert not mine["reviews"].exists()
    assert list(manager["reviews"]) == [waiting_review]
    assert not manager["to_confirm"].exists()
    assert not manager["unconfirmed"].exists()


def test_the_follow_up_list_does_not_query_once_per_row(world, review, action, client):
    review()
    action()
    FollowUp.objects.filter(kind=ACTION).update(
        escalated_to=world.line_manager_a, escalated_at=timezone.now()
    )

    def queries(rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("registers:follow_ups"))
        assert len(response.context["reviews"]) + len(response.context["unconfirmed"]) == rows
        return len(captured)

    signed_in(client, world.line_manager_a)
    few = queries(2)
    for follow_up in FollowUp.objects.all():
        for offset in range(9):
            follow_up.pk = None
            follow_up.due_on = days(40 + offset)
            follow_up.save()
    assert FollowUp.objects.count() == 20
    many = queries(20)

    assert many == few


# Amending ------------------------------------------------------------------------------


def test_deciding_a_new_version_cancels_the_old_versions_open_follow_ups(
    world, decide, submit, review, work
):
    old = review()

    request = submit(previous=old.declaration)
    decide(conditions="Meet only at the library.", request=request, review_on=days(60))

    old.refresh_from_db()
    assert old.status == FollowUp.Status.CANCELLED
    assert events("register.follow_up_cancelled") == 1
    new = FollowUp.objects.get(declaration=request.declaration)
    assert new.status == FollowUp.Status.OPEN
    assert new.due_on == days(60)
    assert work(old.due_on)["due"] == 0
    assert mail.outbox == []


# The home page's to-do list (#22) ---------------------------------------------------------


def test_the_home_page_lists_only_the_reviews_due_now_each_count_a_link(world, review, client):
    review(days(5))
    review(days(10))
    review(days(120))  # next term's: on the follow-ups page, not on today's list
    FollowUp.objects.filter(due_on=days(10)).update(due_on=days(-3))
    signed_in(client, world.line_manager_a)

    home = client.get(reverse("home")).text

    follow_ups = reverse("registers:follow_ups")
    assert (
        f'<a href="{follow_ups}#reviews"><span class="badge text-bg-primary rounded-pill me-2">'
        "2</span>monitoring reviews due for you to record</a>" in home
    )
    # Overdue is said in words and is itself a link, not only a colour.
    assert (
        f'href="{follow_ups}#reviews"><span aria-hidden="true">&#9888;</span> 1 overdue</a>' in home
    )
    assert "1 later monitoring review, not yet due, is on your follow-ups page." in home


def test_an_action_past_its_date_is_marked_overdue_on_the_staff_members_home(world, action, client):
    action(days(7))
    FollowUp.objects.filter(kind=ACTION).update(due_on=days(-1))
    signed_in(client, world.teacher_a)

    home = client.get(reverse("home")).text

    assert (
        "1</span>thing for you to confirm, such as deleting numbers shared for a trip</a>" in home
    )
    assert "1 overdue</a>" in home


def test_nothing_due_says_so_and_counts_nobody_elses(world, action, client):
    action(days(7))  # the teacher's, not the other school's head's
    signed_in(client, world.head_other)

    home = client.get(reverse("home")).text

    assert "Nothing is waiting for you to confirm or review now." in home
    assert "thing for you to confirm" not in home
