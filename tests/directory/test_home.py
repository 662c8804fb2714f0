"""After sign-in, the home page shows what the person's roles let them do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from directory.models import Role
from tests.conftest import sign_in_with_mfa
from tests.factories import MembershipFactory, person_with_roles

pytestmark = pytest.mark.django_db


def home(client, person):
    sign_in_with_mfa(client, person)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.text


def test_teacher_sees_their_school_role_and_line_manager(client, world):
    page = home(client, world.teacher_a)

    assert "Staff member" in page
    assert "Ash Primary School" in page
    assert f"Your line manager: {world.line_manager_a.get_full_name()}" in page
    assert "Administration" not in page


def test_line_manager_sees_who_they_manage(client, world):
    page = home(client, world.line_manager_a)

    assert "People you manage" in page
    assert escape(world.teacher_a.get_full_name()) in page  # O'Connor is escaped
    assert escape(world.teacher_b.get_full_name()) not in page


def test_executive_head_sees_their_federation_role(client, world):
    page = home(client, world.executive_head)

    assert "Executive Headteacher" in page
    assert "Oak Federation" in page


def test_administrator_is_offered_the_administration_screens(client, world):
    page = home(client, world.administrator)

    assert "Open the administration screens" in page
    assert reverse("admin:index") in page


@pytest.mark.parametrize("who", ["teacher_a", "governor", "chair", "volunteer_a", "dsl_a"])
def test_people_without_the_administrator_role_get_no_administration_link(client, world, who):
    page = home(client, getattr(world, who))

    assert reverse("admin:index") not in page


def test_person_with_no_current_role_is_told_whom_to_ask(client, world):
    person = person_with_roles(world.school_a)

    page = home(client, person)

    assert "You do not hold a current role" in page


def test_home_page_shows_only_current_roles(client, world):
    MembershipFactory(
        person=world.teacher_a,
        organisation=world.school_b,
        role=Role.VOLUNTEER,
        starts_on="2019-09-01",
        ends_on="2020-07-20",
    )

    page = home(client, world.teacher_a)

    assert "Birch Primary School" not in page


def test_home_page_costs_the_same_queries_however_many_people_are_managed(client, world):
    sign_in_with_mfa(client, world.line_manager_a)
    client.get(reverse("home"))  # warm up: session and content types
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(15):
        person = person_with_roles(world.school_a, Role.STAFF)
        person.memberships.update(line_manager=world.line_manager_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))

    assert response.text.count("<li>") >= 16
    assert len(many) == len(few)


def test_people_you_manage_lists_each_person_once_with_each_job_title_once(client, world):
    """A head's three roles at her school, and a teaching assistant who is staff and a
    volunteer under the same title, are not repeated (#22: "Peter Allen, Head of school,
    Head of school, Head of school")."""
    assistant = person_with_roles(world.school_a, Role.STAFF, Role.VOLUNTEER)
    assistant.memberships.update(job_title="Teaching assistant", line_manager=world.head_a)
    world.head_a.memberships.update(job_title="Head of school")

    page = home(client, world.head_a)

    name = escape(assistant.get_full_name())
    assert page.count(f"{name}, Teaching assistant</li>") == 1
    assert "Teaching assistant, Teaching assistant" not in page
    # Her own roles at Ash: the school once, the job title once, each role once.
    assert page.count("<strong>Ash Primary School</strong>") == 1
    assert "Head of school: Headteacher" in page
    assert "Head of school, Head of school" not in page
