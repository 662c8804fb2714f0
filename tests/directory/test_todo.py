"""The administrator's home is a to-do list (#20): how many requests nobody can take,
staff without a line manager, invitations not sent or not accepted, and organisations
below the target for the policy and training, each a link to where it is resolved;
counted only in the administrator's own organisations, in a fixed number of queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, DeciderRole
from directory.models import Membership, Person, Role
from identity.models import Invitation
from onboarding.models import ImportRun
from tests.conftest import sign_in_with_mfa
from tests.factories import MembershipFactory, PersonFactory
from tests.factories.declarations import DeclarationFactory
from tests.factories.policies import (
    AcknowledgementFactory,
    PolicyVersionFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db

NOBODY = f"{reverse('admin:approvals_approvalrequest_changelist')}?unassigned=yes"
NO_MANAGER = f"{reverse('admin:directory_membership_changelist')}?no_line_manager=yes"
GOING_LIVE = reverse("invitations:going_live")


def tidy(world, *, not_acknowledged=(), not_trained=(), trained_long_ago=()):
    """The world with everyone signed in before, their training up to date and the
    federation's policy acknowledged (but for the people named), and every member of
    staff with a line manager: nothing on anybody's list."""
    Person.objects.update(last_login=timezone.now() - datetime.timedelta(days=7))
    world.version = PolicyVersionFactory(organisation=world.federation)
    elsewhere = PolicyVersionFactory(organisation=world.other_school)
    long_ago = timezone.localdate() - datetime.timedelta(days=400)
    for person in Person.objects.all():
        if person not in not_acknowledged:
            AcknowledgementFactory(person=person, version=world.version)
            AcknowledgementFactory(person=person, version=elsewhere)
        if person in trained_long_ago:
            TrainingRecordFactory(person=person, completed_on=long_ago)
        elif person not in not_trained:
            TrainingRecordFactory(person=person)
    Membership.objects.filter(role__in=[Role.STAFF, Role.VOLUNTEER]).exclude(
        person=world.line_manager_a
    ).update(line_manager=world.line_manager_a)
    Membership.objects.filter(person=world.line_manager_a, role=Role.STAFF).update(
        line_manager=world.head_a
    )
    return world


@pytest.fixture
def school(world):
    return tidy(world)


def todos(client, person) -> list[tuple[str, str]]:
    """The lines of the person's to-do list: (the words with the number, the link)."""
    sign_in_with_mfa(client, person)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    panels = [panel for panel in response.context["panels"] if panel.title == "Your to-do list"]
    if not panels:
        return []
    return [(f"{todo.count} {todo.text}", todo.url) for todo in panels[0].context["todos"]]


def an_import(organisation, problems: int, status=ImportRun.Status.PREVIEW) -> ImportRun:
    return ImportRun.objects.create(
        organisation=organisation,
        source=ImportRun.Source.SPREADSHEET,
        status=status,
        problem_count=problems,
    )


def unrouted(setting, count: int = 1) -> None:
    for _ in range(count):
        ApprovalRequest.objects.create(
            declaration=DeclarationFactory(setting=setting, status="submitted"),
            decider=None,
            decider_role=DeciderRole.HEAD,
            routing_reason="Nobody can decide it: the administrator is asked to act.",
        )


def new_person(world, organisation, **fields) -> Person:
    """Someone just added, never signed in: with a line manager, the policy acknowledged
    and training done, so that only the invitations' lines count them."""
    person = PersonFactory(**fields)
    MembershipFactory(person=person, organisation=organisation, line_manager=world.head_a)
    AcknowledgementFactory(person=person, version=world.version)
    TrainingRecordFactory(person=person)
    return person


def test_an_administrator_with_nothing_waiting_is_told_so(client, school):
    sign_in_with_mfa(client, school.administrator)

    page = client.get(reverse("home")).text

    assert "Your to-do list" in page
    assert "Nothing is waiting for you in the organisations you administer." in page


@pytest.mark.parametrize("who", ["teacher_a", "head_a", "governor", "dsl_a", "executive_head"])
def test_only_administrators_have_a_to_do_list(client, school, who):
    unrouted(school.school_a)

    assert todos(client, getattr(school, who)) == []
    assert "Your to-do list" not in client.get(reverse("home")).text


def test_requests_nobody_can_take_are_counted_and_lead_to_the_administration_screens(
    client, school
):
    unrouted(school.school_a, 2)
    unrouted(school.other_school, 3)
    decided = DeclarationFactory(setting=school.school_b, status="submitted")
    ApprovalRequest.objects.create(
        declaration=decided,
        decider=school.head_a,
        decider_role=DeciderRole.HEAD,
        routing_reason="Routed.",
    )

    lines = todos(client, school.administrator)

    assert lines == [("2 requests nobody can take", NOBODY)]
    listed = client.get(NOBODY)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2
    assert todos(client, school.administrator_other) == [("3 requests nobody can take", NOBODY)]


def test_staff_without_a_line_manager_are_counted_and_the_link_lists_them(client, school):
    Membership.objects.filter(person__in=[school.teacher_a, school.volunteer_a]).update(
        line_manager=None
    )
    new_person(school, school.other_school)  # not the federation's

    lines = todos(client, school.administrator)

    assert lines == [("2 staff and volunteers without a line manager", NO_MANAGER)]
    page = client.get(NO_MANAGER)
    assert page.status_code == 200
    shown = {membership.person for membership in page.context["cl"].result_list}
    assert shown == {school.teacher_a, school.volunteer_a}
    Membership.objects.filter(person=school.volunteer_a).update(line_manager=school.head_a)
    assert todos(client, school.administrator) == [
        ("1 member of staff or volunteer without a line manager", NO_MANAGER)
    ]


def test_a_head_is_not_counted_as_missing_a_line_manager(client, school):
    Membership.objects.filter(person=school.head_a).update(line_manager=None)

    assert todos(client, school.administrator) == []


def test_imports_with_rows_to_resolve_lead_to_the_import_or_to_the_list_of_them(client, school):
    waiting = an_import(school.school_a, problems=2)
    an_import(school.school_a, problems=0, status=ImportRun.Status.DONE)
    an_import(school.school_b, problems=3, status=ImportRun.Status.CANCELLED)
    an_import(school.other_school, problems=4)

    lines = todos(client, school.administrator)

    detail = reverse("onboarding:import_detail", kwargs={"pk": waiting.pk})
    assert lines == [("1 import or sync with rows still to correct or leave out", detail)]
    assert client.get(detail).status_code == 200
    an_import(school.federation, problems=1, status=ImportRun.Status.DONE)
    assert todos(client, school.administrator) == [
        (
            "2 imports and syncs with rows still to correct or leave out",
            reverse("onboarding:imports"),
        )
    ]
    assert todos(client, school.administrator_other) == [
        (
            "1 import or sync with rows still to correct or leave out",
            reverse(
                "onboarding:import_detail",
                kwargs={"pk": ImportRun.objects.get(problem_count=4).pk},
            ),
        )
    ]


def test_people_not_invited_and_invitations_not_accepted_lead_to_going_live(client, school):
    new_person(school, school.school_a)
    invited = new_person(school, school.school_b)
    Invitation.objects.create(
        person=invited,
        organisation=school.school_b,
        kind=Invitation.Kind.PASSWORD,
        sent_by=school.administrator,
        expires=timezone.now() + datetime.timedelta(days=14),
    )
    new_person(school, school.other_school)

    lines = todos(client, school.administrator)

    assert lines == [
        ("1 person who has not been sent an invitation to sign in", GOING_LIVE),
        ("1 invitation not accepted yet (never signed in)", GOING_LIVE),
    ]
    Person.objects.filter(pk=invited.pk).update(last_login=timezone.now())
    assert lines[1] not in todos(client, school.administrator)


def test_policy_acknowledgement_below_target_leads_to_the_lowest_organisations_report(
    client, world, settings
):
    school = tidy(world, not_acknowledged=[world.teacher_a])

    lines = todos(client, school.administrator)

    assert lines == [
        (
            "1 person has not acknowledged the policy in force, at an organisation below "
            "the target of 100%",
            f"{reverse('policies:acknowledgements')}?organisation={school.school_a.pk}",
        )
    ]
    settings.ACKNOWLEDGEMENT_TARGET_PERCENT = 80  # 4 of Ash's 5 people is 80%
    assert todos(client, school.administrator) == []


def test_training_below_target_is_counted_where_it_is_below(client, world, settings):
    school = tidy(world, not_trained=[world.teacher_b], trained_long_ago=[world.volunteer_a])

    lines = todos(client, school.administrator)

    # Birch's only person (0%) first, then Ash (4 of 5).
    assert lines == [
        (
            "2 people whose safeguarding training is not up to date, at 2 organisations "
            "below the target of 100%",
            f"{reverse('policies:training')}?organisation={school.school_b.pk}",
        )
    ]
    settings.TRAINING_TARGET_PERCENT = 50
    assert todos(client, school.administrator) == [
        (
            "1 person whose safeguarding training is not up to date, at an organisation "
            "below the target of 50%",
            f"{reverse('policies:training')}?organisation={school.school_b.pk}",
        )
    ]


def test_another_schools_administrator_counts_nothing_of_the_federation(client, world):
    school = tidy(world, not_acknowledged=[world.teacher_a], not_trained=[world.teacher_b])
    unrouted(school.school_a)
    Membership.objects.filter(person=school.teacher_a).update(line_manager=None)
    new_person(school, school.school_a)

    assert todos(client, school.administrator_other) == []


def test_the_list_is_in_order_and_each_line_is_a_link_on_the_page(client, world):
    school = tidy(world, not_acknowledged=[world.teacher_a], not_trained=[world.teacher_a])
    unrouted(school.school_a)
    Membership.objects.filter(person=school.teacher_a).update(line_manager=None)
    an_import(school.school_b, problems=1)
    new_person(school, school.school_a)

    lines = todos(client, school.administrator)
    page = client.get(reverse("home")).text

    assert [text.split(" ", 1)[1].split(",")[0] for text, _ in lines] == [
        "request nobody can take",
        "member of staff or volunteer without a line manager",
        "import or sync with rows still to correct or leave out",
        "person who has not been sent an invitation to sign in",
        "person has not acknowledged the policy in force",
        "person whose safeguarding training is not up to date",
    ]
    for text, url in lines:
        number, words = text.split(" ", 1)
        link = re.escape(escape(url))
        assert re.search(
            rf'<a href="{link}"><span [^>]*>{number}</span>{re.escape(escape(words))}</a>', page
        ), text


def test_the_list_costs_the_same_queries_however_much_is_waiting(client, world):
    school = tidy(world, not_acknowledged=[world.teacher_a], not_trained=[world.teacher_b])
    sign_in_with_mfa(client, school.administrator)
    client.get(reverse("home"))

    def measured() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries.captured_queries)

    few = measured()
    unrouted(school.school_a, 5)
    unrouted(school.school_b, 5)
    for number in range(10):
        person = new_person(school, school.school_a if number % 2 else school.school_b)
        if number % 3:
            Invitation.objects.create(
                person=person,
                organisation=school.federation,
                kind=Invitation.Kind.SINGLE_SIGN_ON,
                sent_by=school.administrator,
            )
    Membership.objects.filter(person=school.teacher_a).update(line_manager=None)
    for number in range(5):
        an_import(school.school_a if number % 2 else school.school_b, problems=number + 1)
    many = measured()

    assert len(todos(client, school.administrator)) == 7
    assert few == many


def test_a_school_with_no_policy_published_is_on_the_list_until_one_is(client, world):
    """A new school's administrator is told no one can acknowledge a policy there yet."""
    before = todos(client, world.administrator)
    PolicyVersionFactory(organisation=world.school_a)
    after = todos(client, world.administrator)
    PolicyVersionFactory(organisation=world.federation)  # in force for both its schools
    AcknowledgementFactory(
        person=world.administrator, version=world.federation.policy_versions.get()
    )
    last = todos(client, world.administrator)

    unpublished = "no policy published: nobody there can acknowledge it"
    assert (
        f"2 schools or pre-schools with {unpublished}",
        reverse("policies:version_new"),
    ) in before
    assert (f"1 school or pre-school with {unpublished}", reverse("policies:version_new")) in after
    assert not any(unpublished in text for text, _ in last)


def test_the_home_page_does_not_say_a_policy_was_acknowledged_where_none_is_published(
    client, world
):
    sign_in_with_mfa(client, world.teacher_a)
    before = client.get(reverse("home")).text
    version = PolicyVersionFactory(organisation=world.federation)
    AcknowledgementFactory(person=world.teacher_a, version=version)
    after = client.get(reverse("home")).text

    assert "No policy has been published for where you work yet." in before
    assert "You have acknowledged the policy in force" not in before
    assert "You have acknowledged the policy in force where you work." in after
