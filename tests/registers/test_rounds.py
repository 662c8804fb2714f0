"""The annual declaration round: opened by the head, answered by everyone, followed,
reminded and closed (issue #7 item 5)."""

import contextlib
import datetime
import threading
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, Outcome
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from contactpolicy.workflow import IllegalTransition
from declarations.services import declaration_amend, declaration_submit
from directory.models import Role
from registers import services
from registers.exceptions import RoundError
from registers.models import (
    DeclarationRound,
    FollowUp,
    RegisterEntry,
    RoundArrangement,
    RoundResponse,
)
from registers.selectors import open_arrangements_for, round_progress, round_tasks_for
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory, SchoolFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

Answer = RoundResponse.Answer
ROUNDS = reverse("registers:rounds")
NEW = reverse("registers:round_new")
HOME = reverse("home")
TITLE = "annual declaration round 2025 to 2026"
# Pupils' names that no email about the round may carry.
CHILD_NAMES = ("Zebedee", "Quartermaine", "Ottoline", "Fairweather")


def days(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def signed_in(client, person):
    sign_in_with_mfa(client, person)
    return client


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def response_of(declaration_round: DeclarationRound, person) -> RoundResponse:
    return RoundResponse.objects.get(round=declaration_round, person=person)


def asked(declaration_round: DeclarationRound) -> set[int]:
    return set(declaration_round.responses.values_list("person_id", flat=True))


def school_a_people(world) -> set[int]:
    return {
        person.pk
        for person in (
            world.head_a,
            world.dsl_a,
            world.line_manager_a,
            world.teacher_a,
            world.volunteer_a,
        )
    }


def federation_people(world) -> set[int]:
    return school_a_people(world) | {
        person.pk
        for person in (
            world.executive_head,
            world.chair,
            world.governor,
            world.administrator,
            world.teacher_b,
        )
    }


def open_data(organisation, deadline=None, title=TITLE) -> dict[str, str]:
    return {
        "organisation": str(organisation.pk),
        "title": title,
        "deadline": (deadline or days(30)).isoformat(),
    }


# Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def open_round(world, django_capture_on_commit_callbacks):
    """A round opened through the service (by head_a for school_a unless told); the
    emails it sent are cleared."""

    def open_round(actor=None, organisation=None, deadline=None, title=TITLE):
        with django_capture_on_commit_callbacks(execute=True):
            declaration_round = services.round_open(
                actor=actor or world.head_a,
                organisation=organisation or world.school_a,
                title=title,
                deadline=deadline or days(30),
            )
        mail.outbox.clear()
        return declaration_round

    return open_round


@pytest.fixture
def answer(django_capture_on_commit_callbacks):
    def answer(declaration_round, person, value=Answer.NOTHING, arrangements=None, note=""):
        with django_capture_on_commit_callbacks(execute=True):
            return services.round_answer(
                actor=person,
                response=response_of(declaration_round, person),
                answer=value,
                arrangements=arrangements or {},
                note=note,
            )

    return answer


@pytest.fixture
def tuition(world, django_capture_on_commit_callbacks):
    """Tuition by teacher_a of two named pupils, approved with conditions and a
    monitoring review, as the app records it: an ongoing arrangement."""

    def tuition():
        declaration = DeclarationFactory(
            declarant=world.teacher_a, setting=world.school_a, kind="work_outside_setting"
        )
        pupils = [
            PupilFactory(setting=world.school_a, given_name="Zebedee", family_name="Quartermaine"),
            PupilFactory(setting=world.school_a, given_name="Ottoline", family_name="Fairweather"),
        ]
        for pupil in pupils:
            DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=world.teacher_a, declaration=declaration)
        request = ApprovalRequest.objects.get(
            declaration=declaration, purpose=ApprovalRequest.Purpose.DECIDE, status="open"
        )
        with django_capture_on_commit_callbacks(execute=True):
            decision_record(
                actor=request.decider,
                request=request,
                outcome=Outcome.APPROVED_WITH_CONDITIONS,
                details={"conditions": "Only at the library.", "review_on": days(40)},
            )
        mail.outbox.clear()
        declaration.refresh_from_db()
        review = FollowUp.objects.get(declaration=declaration, kind=FollowUp.Kind.REVIEW)
        assert review.is_open
        return declaration, pupils

    return tuition


@pytest.fixture
def work(django_capture_on_commit_callbacks):
    """The round part of the scheduled jobs on a given day, with what it sends."""

    def work(today: datetime.date) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return services.round_work(today=today)

    return work


# Opening -------------------------------------------------------------------------------


def test_head_opens_a_round_for_their_school_and_everyone_with_a_role_there_is_asked(client, world):
    leaver = person_with_roles(world.school_a, Role.STAFF)
    leaver.memberships.update(starts_on=days(-400), ends_on=days(-1))
    inactive = person_with_roles(world.school_a, Role.STAFF, is_active=False)

    response = signed_in(client, world.head_a).post(NEW, open_data(world.school_a))

    declaration_round = DeclarationRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == declaration_round.get_absolute_url()
    assert declaration_round.organisation == world.school_a
    assert declaration_round.is_open
    assert declaration_round.opened_by == world.head_a
    assert declaration_round.deadline == days(30)
    assert asked(declaration_round) == school_a_people(world)
    assert not asked(declaration_round) & {
        leaver.pk,
        inactive.pk,
        world.teacher_b.pk,
        world.teacher_other.pk,
        world.executive_head.pk,
    }
    assert all(r.answer == Answer.OUTSTANDING for r in declaration_round.responses.all())


def test_opening_a_round_is_audited(client, world):
    signed_in(client, world.head_a).post(NEW, open_data(world.school_a))

    declaration_round = DeclarationRound.objects.get()
    [event] = audit("round.opened")
    assert event.actor == world.head_a
    assert event.target_id == str(world.school_a.pk)
    assert event.organisation_pk == world.school_a.pk
    assert event.data == {
        "round": declaration_round.pk,
        "deadline": days(30).isoformat(),
        "people": 5,
    }


@pytest.mark.parametrize("actor", ["executive_head", "administrator"])
def test_a_federation_round_asks_the_federation_and_both_of_its_schools(client, world, actor):
    response = signed_in(client, getattr(world, actor)).post(NEW, open_data(world.federation))

    assert response.status_code == 302
    declaration_round = DeclarationRound.objects.get()
    assert declaration_round.organisation == world.federation
    assert asked(declaration_round) == federation_people(world)
    assert world.head_other.pk not in asked(declaration_round)
    assert world.teacher_other.pk not in asked(declaration_round)


def test_everyone_asked_is_emailed_after_commit_and_no_email_names_a_child(
    client, world, tuition, django_capture_on_commit_callbacks
):
    tuition()  # two pupils of school_a are named on a declaration

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signed_in(client, world.head_a).post(NEW, open_data(world.school_a))
    assert mail.outbox == []  # nothing is sent before the round is saved
    for callback in callbacks:
        callback()

    declaration_round = DeclarationRound.objects.get()
    people = {response.person.email: response for response in declaration_round.responses.all()}
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(people)
    for message in mail.outbox:
        [address] = message.to
        assert people[address].get_absolute_url() in message.body
        assert f"{days(30):%-d %B %Y}" in message.body
        for name in CHILD_NAMES:
            assert name not in message.subject
            assert name not in message.body


@pytest.mark.parametrize("actor", ["teacher_a", "dsl_a", "governor", "volunteer_a"])
def test_people_who_are_not_head_or_administrator_cannot_reach_the_opening_page(
    client, world, actor
):
    signed_in(client, getattr(world, actor))

    assert client.get(NEW).status_code == 404
    assert client.post(NEW, open_data(world.school_a)).status_code == 404
    assert not DeclarationRound.objects.exists()
    assert not RoundResponse.objects.exists()


def test_another_schools_head_cannot_choose_school_a(client, world):
    response = signed_in(client, world.head_other).post(NEW, open_data(world.school_a))

    assert response.status_code == 200
    assert response.context["form"].errors["organisation"]
    assert not DeclarationRound.objects.exists()


@pytest.mark.parametrize(
    ("actor", "organisation"),
    [
        ("teacher_a", "school_a"),
        ("dsl_a", "school_a"),
        ("governor", "federation"),
        ("head_other", "school_a"),
        ("head_a", "federation"),
        ("head_a", "school_b"),
    ],
)
def test_the_service_refuses_anyone_without_a_policy_role_there(world, actor, organisation):
    with pytest.raises(RoundError, match="Only the head or an administrator"):
        services.round_open(
            actor=getattr(world, actor),
            organisation=getattr(world, organisation),
            title=TITLE,
            deadline=days(30),
        )

    assert not DeclarationRound.objects.exists()
    assert not audit("round.opened")


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (0, "The deadline must be after today."),
        (-1, "The deadline must be after today."),
        (366, "The deadline must be within a year."),
    ],
)
def test_a_deadline_today_in_the_past_or_over_a_year_away_is_refused(
    client, world, offset, message
):
    response = signed_in(client, world.head_a).post(
        NEW, open_data(world.school_a, deadline=days(offset))
    )

    assert response.status_code == 200
    assert response.context["form"].errors["deadline"] == [message]
    assert message in response.text
    with pytest.raises(RoundError, match=message):
        services.round_open(
            actor=world.head_a, organisation=world.school_a, title=TITLE, deadline=days(offset)
        )
    assert not DeclarationRound.objects.exists()
    assert not RoundResponse.objects.exists()
    assert not audit("round.opened")


@pytest.mark.parametrize("offset", [1, 365])
def test_a_deadline_from_tomorrow_to_a_year_away_is_accepted(open_round, offset):
    assert open_round(deadline=days(offset)).deadline == days(offset)


def test_a_second_round_over_an_open_one_is_refused_naming_the_open_round(
    client, world, open_round
):
    first = open_round()

    response = signed_in(client, world.head_a).post(
        NEW, open_data(world.school_a, deadline=days(60), title="Another round")
    )

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert "A round is already open for Ash Primary School" in error
    assert f"{first.deadline:%-d %B %Y}" in error
    assert DeclarationRound.objects.get() == first
    assert RoundResponse.objects.count() == 5
    assert len(audit("round.opened")) == 1


def test_a_school_round_is_refused_while_the_federation_round_is_open(world, open_round):
    open_round(actor=world.executive_head, organisation=world.federation)

    with pytest.raises(RoundError, match="already open for Oak Federation"):
        services.round_open(
            actor=world.head_a, organisation=world.school_a, title=TITLE, deadline=days(20)
        )

    assert DeclarationRound.objects.count() == 1


def test_a_federation_round_is_refused_while_a_school_round_is_open(world, open_round):
    open_round()

    with pytest.raises(RoundError, match="already open for Ash Primary School"):
        services.round_open(
            actor=world.executive_head,
            organisation=world.federation,
            title=TITLE,
            deadline=days(20),
        )

    assert DeclarationRound.objects.count() == 1


def test_a_round_for_one_school_does_not_hold_up_the_other_school(world, open_round):
    open_round()

    other = open_round(actor=world.executive_head, organisation=world.school_b)

    assert asked(other) == {world.teacher_b.pk}


def test_after_closing_a_round_a_new_one_can_be_opened(world, open_round):
    first = open_round()
    services.round_close(actor=world.head_a, declaration_round=first)

    second = open_round(deadline=days(60))

    assert second.pk != first.pk
    assert second.is_open
    assert asked(second) == school_a_people(world)


# Answering -----------------------------------------------------------------------------


def test_teacher_answers_nothing_to_declare_on_their_own_page(client, world, open_round):
    declaration_round = open_round()
    mine = response_of(declaration_round, world.teacher_a)
    signed_in(client, world.teacher_a)

    page = client.get(mine.get_absolute_url())
    response = client.post(mine.get_absolute_url(), {"answer": "nothing", "note": "New this year."})

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == HOME
    mine.refresh_from_db()
    assert mine.answer == Answer.NOTHING
    assert mine.note == "New this year."
    assert mine.answered_at is not None


def test_teacher_confirms_their_declarations_are_up_to_date_and_it_is_audited(
    client, world, open_round
):
    declaration_round = open_round()
    mine = response_of(declaration_round, world.teacher_a)

    signed_in(client, world.teacher_a).post(mine.get_absolute_url(), {"answer": "declared"})

    mine.refresh_from_db()
    assert mine.answer == Answer.DECLARED
    assert mine.answered_at is not None
    [event] = audit("round.answered")
    assert event.actor == world.teacher_a
    assert event.target_id == str(world.school_a.pk)
    assert event.data == {"round": declaration_round.pk, "answer": "declared", "arrangements": {}}


def test_progress_counts_and_percentages_follow_the_answers(world, open_round, answer):
    declaration_round = open_round()

    start = round_progress(declaration_round)
    assert (start.total, start.answered, start.outstanding) == (5, 0, 5)
    assert (start.answered_percent, start.outstanding_percent) == (0, 100)

    answer(declaration_round, world.teacher_a, Answer.NOTHING)
    answer(declaration_round, world.dsl_a, Answer.DECLARED)

    later = round_progress(declaration_round)
    assert later.as_dict() == {"total": 5, "declared": 1, "nothing": 1, "outstanding": 3}
    assert later.answered_percent == 40
    assert later.declared_percent == 20
    assert later.nothing_percent == 20
    assert later.outstanding_percent == 60


def test_each_open_arrangement_must_be_answered_on_the_page(client, world, tuition, open_round):
    declaration, _ = tuition()
    declaration_round = open_round()
    mine = response_of(declaration_round, world.teacher_a)
    signed_in(client, world.teacher_a)

    page = client.get(mine.get_absolute_url())
    response = client.post(mine.get_absolute_url(), {"answer": "declared"})

    assert f"arrangement_{declaration.pk}" in page.context["form"].fields
    assert declaration.reference in page.text
    assert response.status_code == 200
    assert response.context["form"].errors[f"arrangement_{declaration.pk}"] == [
        "Say whether this continues or has ended."
    ]
    mine.refresh_from_db()
    assert mine.answer == Answer.OUTSTANDING
    assert not RoundArrangement.objects.exists()
    assert not audit("round.answered")


def test_the_service_refuses_an_answer_that_leaves_out_an_arrangement(world, tuition, open_round):
    declaration, _ = tuition()
    declaration_round = open_round()

    with pytest.raises(RoundError, match=declaration.reference):
        services.round_answer(
            actor=world.teacher_a,
            response=response_of(declaration_round, world.teacher_a),
            answer=Answer.DECLARED,
            arrangements={},
        )

    assert response_of(declaration_round, world.teacher_a).answer == Answer.OUTSTANDING


def test_an_ended_arrangement_goes_on_the_staff_file_and_each_pupils_file_and_its_reviews_stop(
    client, world, tuition, open_round
):
    declaration, pupils = tuition()
    declaration_round = open_round()
    mine = response_of(declaration_round, world.teacher_a)

    response = signed_in(client, world.teacher_a).post(
        mine.get_absolute_url(),
        {"answer": "nothing", f"arrangement_{declaration.pk}": "ended"},
    )

    assert response.status_code == 302
    confirmations = RegisterEntry.objects.filter(
        declaration=declaration, entry_kind=RegisterEntry.EntryKind.CONFIRMATION
    )
    staff = confirmations.get(file=RegisterEntry.File.STAFF)
    assert staff.person == world.teacher_a
    assert staff.recorded_by == world.teacher_a
    assert "has ended" in staff.text
    assert declaration.reference in staff.text
    assert {entry.pupil_id for entry in confirmations.filter(file=RegisterEntry.File.PUPIL)} == {
        pupil.pk for pupil in pupils
    }
    given = RoundArrangement.objects.get()
    assert (given.declaration, given.answer, given.entry) == (declaration, "ended", staff)
    review = FollowUp.objects.get(declaration=declaration, kind=FollowUp.Kind.REVIEW)
    assert review.status == FollowUp.Status.CANCELLED
    assert declaration not in open_arrangements_for(world.teacher_a, world.school_a)
    mine.refresh_from_db()
    assert mine.answer == Answer.NOTHING
    [event] = audit("round.answered")
    assert event.data["arrangements"] == {str(declaration.pk): "ended"}


def test_an_arrangement_that_continues_is_noted_on_the_staff_file_only(
    world, tuition, open_round, answer
):
    declaration, _ = tuition()
    declaration_round = open_round()

    answer(declaration_round, world.teacher_a, Answer.DECLARED, {declaration.pk: "continues"})

    [entry] = RegisterEntry.objects.filter(entry_kind=RegisterEntry.EntryKind.CONFIRMATION)
    assert entry.file == RegisterEntry.File.STAFF
    assert entry.person == world.teacher_a
    assert "continues" in entry.text
    assert RoundArrangement.objects.get().answer == "continues"
    assert FollowUp.objects.get(declaration=declaration).is_open
    assert declaration in open_arrangements_for(world.teacher_a, world.school_a)


def test_nothing_to_declare_with_an_arrangement_that_continues_is_refused(
    client, world, tuition, open_round
):
    declaration, _ = tuition()
    declaration_round = open_round()
    mine = response_of(declaration_round, world.teacher_a)

    response = signed_in(client, world.teacher_a).post(
        mine.get_absolute_url(),
        {"answer": "nothing", f"arrangement_{declaration.pk}": "continues"},
    )

    assert response.status_code == 200
    assert "You have arrangements that continue" in response.context["form"].non_field_errors()[0]
    with pytest.raises(RoundError, match="arrangements that continue"):
        services.round_answer(
            actor=world.teacher_a,
            response=mine,
            answer=Answer.NOTHING,
            arrangements={declaration.pk: "continues"},
        )
    mine.refresh_from_db()
    assert mine.answer == Answer.OUTSTANDING
    assert not RoundArrangement.objects.exists()
    assert not RegisterEntry.objects.filter(entry_kind=RegisterEntry.EntryKind.CONFIRMATION)
    assert not audit("round.answered")


def test_an_arrangement_that_is_not_the_persons_own_is_refused(world, tuition, open_round):
    declaration, _ = tuition()  # teacher_a's
    declaration_round = open_round()

    with pytest.raises(RoundError, match="not one of yours"):
        services.round_answer(
            actor=world.dsl_a,
            response=response_of(declaration_round, world.dsl_a),
            answer=Answer.DECLARED,
            arrangements={declaration.pk: "ended"},
        )

    assert not RoundArrangement.objects.exists()
    assert FollowUp.objects.get(declaration=declaration).is_open


@pytest.mark.parametrize("intruder", ["head_a", "dsl_a", "teacher_b", "teacher_other"])
def test_nobody_can_open_or_answer_another_persons_response(client, world, open_round, intruder):
    declaration_round = open_round()
    theirs = response_of(declaration_round, world.teacher_a)
    signed_in(client, getattr(world, intruder))

    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(theirs.get_absolute_url(), {"answer": "nothing"}).status_code == 404

    theirs.refresh_from_db()
    assert theirs.answer == Answer.OUTSTANDING
    assert theirs.answered_at is None
    assert not audit("round.answered")


def test_the_service_refuses_an_answer_for_someone_else(world, open_round):
    declaration_round = open_round()
    theirs = response_of(declaration_round, world.teacher_a)

    with pytest.raises(RoundError, match="only answer for yourself"):
        services.round_answer(
            actor=world.head_a, response=theirs, answer=Answer.NOTHING, arrangements={}
        )

    theirs.refresh_from_db()
    assert theirs.answer == Answer.OUTSTANDING


def test_answering_twice_is_refused_and_the_first_answer_stands(client, world, open_round, answer):
    declaration_round = open_round()
    answer(declaration_round, world.teacher_a, Answer.NOTHING, note="First.")
    mine = response_of(declaration_round, world.teacher_a)

    response = signed_in(client, world.teacher_a).post(
        mine.get_absolute_url(), {"answer": "declared", "note": "Second."}
    )

    assert response.status_code == 302
    assert "You have already answered." in flashed(response)
    with pytest.raises(IllegalTransition, match="You answered on"):
        services.round_answer(
            actor=world.teacher_a, response=mine, answer=Answer.DECLARED, arrangements={}
        )
    mine.refresh_from_db()
    assert (mine.answer, mine.note) == (Answer.NOTHING, "First.")
    assert len(audit("round.answered")) == 1


def test_answering_after_the_round_closed_is_refused_and_nothing_is_saved(
    client, world, tuition, open_round
):
    declaration, _ = tuition()
    declaration_round = open_round()
    services.round_close(actor=world.head_a, declaration_round=declaration_round)
    mine = response_of(declaration_round, world.teacher_a)

    response = signed_in(client, world.teacher_a).post(
        mine.get_absolute_url(),
        {"answer": "declared", f"arrangement_{declaration.pk}": "ended"},
    )

    assert response.status_code == 302
    assert "This round has closed: your answer was not saved." in flashed(response)
    with pytest.raises(RoundError, match="This round has closed"):
        services.round_answer(
            actor=world.teacher_a,
            response=mine,
            answer=Answer.DECLARED,
            arrangements={declaration.pk: "ended"},
        )
    mine.refresh_from_db()
    assert mine.answer == Answer.OUTSTANDING
    assert not RoundArrangement.objects.exists()
    assert not RegisterEntry.objects.filter(entry_kind=RegisterEntry.EntryKind.CONFIRMATION)
    assert FollowUp.objects.get(declaration=declaration).is_open
    assert not audit("round.answered")


def test_an_arrangement_ended_in_one_round_is_not_asked_about_in_the_next(
    client, world, tuition, open_round, answer
):
    declaration, _ = tuition()
    first = open_round()
    answer(first, world.teacher_a, Answer.NOTHING, {declaration.pk: "ended"})
    services.round_close(actor=world.head_a, declaration_round=first)
    second = open_round(deadline=days(60))

    page = signed_in(client, world.teacher_a).get(
        response_of(second, world.teacher_a).get_absolute_url()
    )

    assert f"arrangement_{declaration.pk}" not in page.context["form"].fields
    assert list(page.context["arrangements"]) == []


def test_an_arrangement_with_an_amendment_still_in_draft_is_still_asked_about(
    world, tuition, open_round
):
    declaration, _ = tuition()
    declaration_amend(actor=world.teacher_a, declaration=declaration)  # a draft, not sent
    declaration_round = open_round()

    assert declaration in open_arrangements_for(world.teacher_a, world.school_a)
    with pytest.raises(RoundError, match="Say whether each arrangement"):
        services.round_answer(
            actor=world.teacher_a,
            response=response_of(declaration_round, world.teacher_a),
            answer=Answer.NOTHING,
            arrangements={},
        )


# The status page -----------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["head_a", "administrator", "executive_head"])
def test_the_status_page_shows_counts_percentages_and_a_progress_bar(
    client, world, open_round, answer, viewer
):
    declaration_round = open_round()
    answer(declaration_round, world.teacher_a, Answer.NOTHING)
    answer(declaration_round, world.dsl_a, Answer.DECLARED)

    response = signed_in(client, getattr(world, viewer)).get(declaration_round.get_absolute_url())

    assert response.status_code == 200
    text = response.text
    assert "<strong>2 of 5</strong> have answered (40%)" in text
    assert '<svg class="round-progress mb-3"' in text
    assert 'role="img"' in text
    assert 'aria-label="40% answered: 20% declarations confirmed, 20% nothing to declare"' in text
    assert '<td class="text-end">3</td><td class="text-end">60%</td>' in text
    assert response.context["progress"].as_dict() == {
        "total": 5,
        "declared": 1,
        "nothing": 1,
        "outstanding": 3,
    }


def test_show_outstanding_lists_only_those_yet_to_answer(client, world, open_round, answer):
    declaration_round = open_round()
    answer(declaration_round, world.teacher_a, Answer.NOTHING)
    answer(declaration_round, world.dsl_a, Answer.DECLARED)
    signed_in(client, world.head_a)

    everyone = client.get(declaration_round.get_absolute_url())
    outstanding = client.get(declaration_round.get_absolute_url(), {"show": "outstanding"})

    assert {r.person_id for r in everyone.context["responses"]} == school_a_people(world)
    assert {r.person_id for r in outstanding.context["responses"]} == school_a_people(world) - {
        world.teacher_a.pk,
        world.dsl_a.pk,
    }
    assert '<option value="outstanding" selected>' in outstanding.text


@pytest.mark.parametrize("viewer", ["teacher_a", "dsl_a", "governor", "head_other"])
def test_the_status_page_is_not_found_for_anyone_who_does_not_follow_rounds(
    client, world, open_round, viewer
):
    declaration_round = open_round()
    signed_in(client, getattr(world, viewer))

    assert client.get(declaration_round.get_absolute_url()).status_code == 404
    close = client.post(reverse("registers:round_close", args=[declaration_round.pk]))
    assert close.status_code == 404
    declaration_round.refresh_from_db()
    assert declaration_round.is_open


def test_the_status_page_costs_the_same_queries_for_3_or_20_people(
    client, world, open_round, answer
):
    def school_round(size):
        school = SchoolFactory(parent=world.federation)
        head = person_with_roles(school, Role.HEAD, Role.STAFF)
        staff = [person_with_roles(school, Role.STAFF) for _ in range(size - 1)]
        declaration_round = open_round(actor=head, organisation=school)
        answer(declaration_round, staff[0], Answer.NOTHING)
        answer(declaration_round, staff[1], Answer.DECLARED)
        return declaration_round

    small, large = school_round(3), school_round(20)
    assert (small.responses.count(), large.responses.count()) == (3, 20)
    signed_in(client, world.executive_head)
    client.get(small.get_absolute_url())  # warm the caches

    counts = []
    for declaration_round in (small, large):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(declaration_round.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]


# Closing -------------------------------------------------------------------------------


def test_head_closes_the_round_and_its_result_is_kept(client, world, open_round, answer):
    declaration_round = open_round()
    answer(declaration_round, world.teacher_a, Answer.NOTHING)
    answer(declaration_round, world.dsl_a, Answer.DECLARED)

    response = signed_in(client, world.head_a).post(
        reverse("registers:round_close", args=[declaration_round.pk])
    )

    assert response.status_code == 302
    assert response["Location"] == declaration_round.get_absolute_url()
    assert "The round is closed and its result is kept." in flashed(response)
    declaration_round.refresh_from_db()
    assert declaration_round.status == DeclarationRound.Status.CLOSED
    assert declaration_round.closed_by == world.head_a
    assert declaration_round.closed_at is not None
    result = {"total": 5, "declared": 1, "nothing": 1, "outstanding": 3}
    assert declaration_round.result == result
    [event] = audit("round.closed")
    assert event.actor == world.head_a
    assert event.data == {"round": declaration_round.pk, "result": result}
    assert not round_tasks_for(user=world.head_a).exists()


def test_closing_twice_gives_a_message_and_changes_nothing(client, world, open_round):
    declaration_round = open_round()
    url = reverse("registers:round_close", args=[declaration_round.pk])
    signed_in(client, world.head_a).post(url)
    declaration_round.refresh_from_db()
    closed_at = declaration_round.closed_at

    response = client.post(url)

    assert response.status_code == 302
    assert "This round is already closed." in flashed(response)
    declaration_round.refresh_from_db()
    assert declaration_round.closed_at == closed_at
    assert len(audit("round.closed")) == 1
    with pytest.raises(IllegalTransition, match="already closed"):
        services.round_close(actor=world.administrator, declaration_round=declaration_round)


def test_the_scheduled_job_closes_a_round_the_day_after_its_deadline(
    world, open_round, answer, work
):
    declaration_round = open_round(deadline=days(10))
    answer(declaration_round, world.teacher_a, Answer.NOTHING)

    on_the_day = work(days(10))
    declaration_round.refresh_from_db()
    assert on_the_day["closed"] == 0
    assert declaration_round.is_open

    day_after = work(days(11))
    declaration_round.refresh_from_db()
    assert day_after["closed"] == 1
    assert not declaration_round.is_open
    assert declaration_round.closed_by is None
    assert declaration_round.result == {"total": 5, "declared": 0, "nothing": 1, "outstanding": 4}
    [event] = audit("round.closed")
    assert event.actor is None
    assert work(days(12))["closed"] == 0  # running again closes nothing twice


def test_the_registers_job_closes_rounds_and_says_so_in_its_line(world, open_round):
    declaration_round = open_round(deadline=days(3))

    line = services.scheduled_job(days(4))

    assert "Declaration rounds: 0 reminded, 1 closed." in line
    declaration_round.refresh_from_db()
    assert not declaration_round.is_open


# Reminders -----------------------------------------------------------------------------


def reminded(person) -> int:
    return sum(
        person.email in message.to
        for message in mail.outbox
        if message.subject == "Reminder: please confirm your declarations"
    )


def test_outstanding_people_are_reminded_a_week_before_and_the_day_before_once_each(
    world, open_round, work
):
    deadline = days(30)
    declaration_round = open_round(deadline=deadline)

    sent_on = {}
    for before in range(10, -1, -1):
        today = deadline - datetime.timedelta(days=before)
        mail.outbox.clear()
        work(today)
        work(today)  # a second run on the same day sends nothing more
        sent_on[before] = reminded(world.teacher_a)

    assert {before: count for before, count in sent_on.items() if count} == {7: 1, 1: 1}
    mine = response_of(declaration_round, world.teacher_a)
    assert mine.reminded_on == deadline - datetime.timedelta(days=1)


def test_a_reminder_links_to_the_persons_own_answer_and_names_no_child(
    world, tuition, open_round, work
):
    tuition()
    deadline = days(30)
    declaration_round = open_round(deadline=deadline)

    counts = work(deadline - datetime.timedelta(days=7))

    assert counts["reminded"] == 5
    [message] = [m for m in mail.outbox if world.teacher_a.email in m.to]
    assert response_of(declaration_round, world.teacher_a).get_absolute_url() in message.body
    for name in CHILD_NAMES:
        assert name not in message.subject
        assert name not in message.body


def test_those_who_answered_are_never_reminded(world, open_round, answer, work):
    deadline = days(30)
    declaration_round = open_round(deadline=deadline)
    answer(declaration_round, world.teacher_a, Answer.NOTHING)

    work(deadline - datetime.timedelta(days=7))
    work(deadline - datetime.timedelta(days=1))

    assert reminded(world.teacher_a) == 0
    assert reminded(world.dsl_a) == 2
    assert response_of(declaration_round, world.teacher_a).reminded_on is None


def test_nobody_is_reminded_after_the_round_closed(world, open_round, work):
    deadline = days(30)
    declaration_round = open_round(deadline=deadline)
    services.round_close(actor=world.head_a, declaration_round=declaration_round)

    counts = work(deadline - datetime.timedelta(days=7))
    work(deadline - datetime.timedelta(days=1))

    assert counts["reminded"] == 0
    assert mail.outbox == []


# Two at once (PostgreSQL) -----------------------------------------------------------------


def at_once(*steps):
    """Run each step in its own thread and connection, together; what each returned or
    raised is handed back."""
    barrier = threading.Barrier(len(steps))
    results: list[object] = []

    def run(step):
        try:
            barrier.wait(timeout=10)
            results.append(step())
        except Exception as error:  # handed back to the test thread
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_person_answering_twice_at_once_leaves_one_answer(world, open_round):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL.")
    declaration_round = open_round()
    mine = response_of(declaration_round, world.teacher_a)

    results = at_once(
        *(
            lambda value=value: services.round_answer(
                actor=world.teacher_a, response=mine, answer=value, arrangements={}
            )
            for value in (Answer.NOTHING, Answer.DECLARED)
        )
    )

    assert sum(isinstance(result, RoundResponse) for result in results) == 1, results
    assert sum(isinstance(result, IllegalTransition) for result in results) == 1, results
    assert len(audit("round.answered")) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_school_round_and_its_federation_round_opened_at_once_leave_one_open(world):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL.")
    check = services._other_open_round

    def slow_check(organisation):
        # Both openers have looked before either writes: the moment a lock must cover.
        found = check(organisation)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return found

    barrier = threading.Barrier(2)
    with mock.patch.object(services, "_other_open_round", slow_check):
        results = at_once(
            lambda: services.round_open(
                actor=world.head_a, organisation=world.school_a, title=TITLE, deadline=days(30)
            ),
            lambda: services.round_open(
                actor=world.executive_head,
                organisation=world.federation,
                title=TITLE,
                deadline=days(30),
            ),
        )

    assert DeclarationRound.objects.filter(status="open").count() == 1, results
    assert sum(isinstance(result, RoundError) for result in results) == 1, results


# Home page and tasks -------------------------------------------------------------------


def test_the_home_page_lists_the_round_task_with_its_deadline_until_answered(
    client, world, open_round, answer
):
    declaration_round = open_round(deadline=days(30))
    url = response_of(declaration_round, world.teacher_a).get_absolute_url()
    signed_in(client, world.teacher_a)

    before = client.get(HOME)
    answer(declaration_round, world.teacher_a, Answer.NOTHING)
    after = client.get(HOME)

    assert before.status_code == 200
    assert f'<a href="{url}">Annual declaration round 2025 to 2026</a>' in before.text
    assert f"please confirm your declarations by {days(30):%-d %B %Y}" in before.text
    assert url not in after.text
    assert "please confirm your declarations by" not in after.text


def test_the_rounds_page_lists_only_the_persons_own_task_while_the_round_is_open(
    client, world, open_round
):
    declaration_round = open_round(deadline=days(30))
    mine = response_of(declaration_round, world.teacher_a)
    signed_in(client, world.teacher_a)

    response = client.get(ROUNDS)

    assert response.status_code == 200
    assert list(response.context["tasks"]) == [mine]
    assert f"answer by {days(30):%-d %B %Y}" in response.text
    assert not response.context["can_open"]
    assert not round_tasks_for(user=world.teacher_b).exists()
    services.round_close(actor=world.head_a, declaration_round=declaration_round)
    assert list(client.get(ROUNDS).context["tasks"]) == []


# Review fixes --------------------------------------------------------------------------------


def test_a_declaration_still_waiting_for_a_decision_is_not_asked_about(
    world, open_round, django_capture_on_commit_callbacks
):
    pending = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="work_outside_setting"
    )
    DeclarationSubjectFactory(declaration=pending, pupil=PupilFactory(setting=world.school_a))
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=pending)
    declaration_round = open_round()

    assert open_arrangements_for(world.teacher_a, world.school_a) == []
    with pytest.raises(RoundError, match="not one of yours"):
        services.round_answer(
            actor=world.teacher_a,
            response=response_of(declaration_round, world.teacher_a),
            answer=Answer.NOTHING,
            arrangements={pending.pk: "ended"},
        )
    assert ApprovalRequest.objects.get(declaration=pending, purpose="decide").status == "open"


def test_a_round_asks_only_about_arrangements_at_its_own_organisation(world, tuition, open_round):
    declaration, _pupils = tuition()
    world.teacher_a.memberships.create(organisation=world.school_b, role=Role.STAFF)
    declaration_round = open_round(actor=world.administrator, organisation=world.school_b)

    assert open_arrangements_for(world.teacher_a, world.school_b) == []
    assert open_arrangements_for(world.teacher_a, world.federation) == [declaration]
    services.round_answer(
        actor=world.teacher_a,
        response=response_of(declaration_round, world.teacher_a),
        answer=Answer.DECLARED,
        arrangements={},
    )
    review = FollowUp.objects.get(declaration=declaration, kind=FollowUp.Kind.REVIEW)
    assert review.is_open


def test_an_answer_after_the_deadline_is_refused_even_before_the_round_closes(
    client, world, open_round
):
    declaration_round = open_round(deadline=days(3))
    mine = response_of(declaration_round, world.teacher_a)
    DeclarationRound.objects.filter(pk=declaration_round.pk).update(deadline=days(-1))
    signed_in(client, world.teacher_a)

    response = client.post(mine.get_absolute_url(), {"answer": "nothing"})

    assert response.status_code == 302
    assert "closed" in " ".join(flashed(client.get(response["Location"])))
    mine.refresh_from_db()
    assert mine.answer == Answer.OUTSTANDING
