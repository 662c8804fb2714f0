"""Issue #5's 'done when', tried on the demo federation as a new user would."""

import copy
import datetime
import io
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from approvals.models import ApprovalRequest
from declarations.kinds import get_kind
from declarations.services import Subject, declaration_save_draft, declaration_submit
from demo.people import demo_plan
from directory.models import Organisation, Person, Pupil
from schoolcalendar.calendar import calendar_for
from schoolcalendar.models import ClosureDay, Term, TermDates
from tests.conftest import once_per_module
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


def declare(person, setting, kind, django_capture_on_commit_callbacks):
    pupil = Pupil.objects.filter(setting=setting, status=Pupil.Status.CURRENT).first()
    declaration = declaration_save_draft(
        actor=person,
        kind=get_kind(kind),
        setting=setting,
        details=cleaned_details(kind),
        notes="",
        subjects=Subject(pupils=[pupil]),
        form_token=f"00000000-0000-0000-0000-{person.pk:012d}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=person, declaration=declaration)
    return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)


def test_teachers_planned_social_contact_goes_to_their_line_manager(
    demo, django_capture_on_commit_callbacks
):
    people, brookfield = demo
    request = declare(
        people["bro_teacher1"],
        brookfield,
        "planned_social_contact",
        django_capture_on_commit_callbacks,
    )
    assert request.decider == people["bro_lm1"]


def test_head_of_schools_own_tuition_goes_to_the_executive_headteacher(
    demo, django_capture_on_commit_callbacks
):
    people, brookfield = demo
    request = declare(
        people["bro_head"], brookfield, "work_outside_setting", django_capture_on_commit_callbacks
    )
    assert request.decider == people["exec"]


def test_executive_headteachers_own_declaration_goes_to_the_chair(
    demo, django_capture_on_commit_callbacks
):
    people, brookfield = demo
    request = declare(
        people["exec"], brookfield, "planned_social_contact", django_capture_on_commit_callbacks
    )
    assert request.decider == people["chair"]


def test_a_concern_about_infatuation_also_reaches_the_dsl(demo, django_capture_on_commit_callbacks):
    people, brookfield = demo
    request = declare(people["bro_ta1"], brookfield, "concern", django_capture_on_commit_callbacks)

    copy = ApprovalRequest.objects.get(
        declaration=request.declaration, purpose=ApprovalRequest.Purpose.COPY
    )
    assert copy.decider == people["bro_dsl"]
    assert any(people["bro_dsl"].email in message.to for message in mail.outbox)


def test_an_overdue_item_reminds_its_decider_and_escalates(
    demo, django_capture_on_commit_callbacks
):
    people, brookfield = demo
    request = declare(
        people["bro_teacher1"],
        brookfield,
        "planned_social_contact",
        django_capture_on_commit_callbacks,
    )
    ApprovalRequest.objects.filter(pk=request.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled_jobs", stdout=io.StringIO())

    subjects = {(tuple(message.to), message.subject) for message in mail.outbox}
    assert (
        (people["bro_lm1"].email,),
        "Overdue: a declaration is waiting for your decision",
    ) in subjects
    escalated = ApprovalRequest.objects.get(escalated_from=request)
    assert escalated.decider == people["bro_head"]


# Issue #19's "done when" on the school calendar (R39) ---------------------------------


def declare_on(person, setting, kind, on, capture, **details) -> ApprovalRequest:
    """Declared and submitted at 10:00 on ``on``, as the form would: the request."""
    pupil = Pupil.objects.filter(setting=setting, status=Pupil.Status.CURRENT).first()
    moment = datetime.datetime.combine(
        on, datetime.time(10), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(moment, tick=False):
        declaration = declaration_save_draft(
            actor=person,
            kind=get_kind(kind),
            setting=setting,
            details=cleaned_details(kind, on=on, **details),
            notes="",
            subjects=Subject(pupils=[pupil]),
            form_token=uuid.uuid4(),
        )
        mail.outbox.clear()
        with capture(execute=True):
            declaration_submit(actor=person, declaration=declaration)
    return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)


def test_the_demo_has_this_years_terms_half_terms_and_inset_days(demo):
    federation = Organisation.objects.get(name="Brookfield and Millbrook Federation")
    preschool = Organisation.objects.get(kind=Organisation.Kind.PRESCHOOL)
    day = datetime.date

    for organisation in (federation, preschool):
        terms = {
            row.term: (row.starts_on, row.ends_on, row.half_term_starts_on, row.half_term_ends_on)
            for row in TermDates.objects.filter(organisation=organisation, year=2026)
        }
        assert terms == {
            Term.AUTUMN: (day(2026, 9, 2), day(2026, 12, 18), day(2026, 10, 26), day(2026, 10, 30)),
            Term.SPRING: (day(2027, 1, 4), day(2027, 3, 25), day(2027, 2, 15), day(2027, 2, 19)),
            Term.SUMMER: (day(2027, 4, 12), day(2027, 7, 21), day(2027, 5, 31), day(2027, 6, 4)),
        }
    inset = ClosureDay.objects.filter(organisation=federation, reason=ClosureDay.Reason.INSET)
    assert sorted(closure.starts_on for closure in inset) == [day(2026, 9, 2), day(2027, 1, 4)]
    for school in federation.children.all():
        calendar = calendar_for(school, day(2027, 1, 4))
        assert not calendar.is_school_day(day(2027, 1, 4))  # the federation's INSET day
        assert calendar.is_school_day(day(2027, 1, 5))


def test_on_the_demo_contact_planned_after_half_term_declared_the_thursday_before_is_due_the_friday_before(  # noqa: E501 (the issue's words)
    demo, django_capture_on_commit_callbacks
):
    people, brookfield = demo

    request = declare_on(
        people["bro_teacher1"],
        brookfield,
        "planned_social_contact",
        datetime.date(2027, 2, 11),
        django_capture_on_commit_callbacks,
        planned_on="2027-02-22",
    )

    assert request.decider == people["bro_lm1"]
    assert request.due_on == datetime.date(2027, 2, 12)
    assert not request.urgent


def test_on_the_demo_a_concern_is_due_today_and_says_urgent(
    demo, django_capture_on_commit_callbacks
):
    people, brookfield = demo
    today = timezone.localdate()

    request = declare_on(
        people["bro_ta1"], brookfield, "concern", today, django_capture_on_commit_callbacks
    )

    assert request.due_on == today
    assert request.urgent
    subjects = {(tuple(message.to), message.subject) for message in mail.outbox}
    assert ((request.decider.email,), "Urgent: a declaration needs your decision today") in subjects
    assert (
        (people["bro_dsl"].email,),
        "Urgent: a safeguarding-relevant declaration has been copied to you",
    ) in subjects
    pupil = request.declaration.subjects.get().pupil
    for message in mail.outbox:
        assert pupil.family_name not in message.subject + message.body
