"""The access module: who sees which organisations, people and pupils (R35)."""

import pytest

from directory.access import Access
from directory.models import Membership, Role
from tests.factories import FamilyLinkFactory, PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils(world):
    return {
        "a": PupilFactory(setting=world.school_a),
        "b": PupilFactory(setting=world.school_b),
        "other": PupilFactory(setting=world.other_school),
    }


def test_teacher_in_school_a_sees_nothing_of_school_b(world, pupils):
    access = Access.for_user(world.teacher_a)

    assert set(access.organisations()) == {world.school_a}
    assert list(access.pupils()) == [pupils["a"]]
    assert world.teacher_b not in access.people()
    assert world.head_other not in access.people()


def test_teacher_sees_only_themself_among_people(world):
    assert list(Access.for_user(world.teacher_a).people()) == [world.teacher_a]


def test_governor_sees_no_pupil_even_in_their_own_federation(world, pupils):
    for governor in (world.governor, world.chair):
        access = Access.for_user(governor)
        assert access.has_role(Role.GOVERNOR, organisation=world.school_a)
        assert not access.pupils().exists()
        assert list(access.people()) == [governor]


def test_executive_head_sees_every_school_of_the_federation_and_no_other(world, pupils):
    access = Access.for_user(world.executive_head)

    assert set(access.settings()) == {world.school_a, world.school_b}
    assert set(access.pupils()) == {pupils["a"], pupils["b"]}
    people = set(access.people())
    assert {world.teacher_a, world.teacher_b, world.head_a} <= people
    assert world.teacher_other not in people
    assert world.head_other not in people


def test_head_sees_the_people_and_pupils_of_their_school_only(world, pupils):
    access = Access.for_user(world.head_a)

    people = set(access.people())
    assert {world.teacher_a, world.volunteer_a, world.dsl_a} <= people
    assert world.teacher_b not in people
    assert set(access.pupils()) == {pupils["a"]}
    assert access.has_role(Role.HEAD, organisation=world.school_a)
    assert not access.has_role(Role.HEAD, organisation=world.school_b)


def test_line_manager_sees_the_people_they_manage_but_not_other_colleagues(world):
    access = Access.for_user(world.line_manager_a)

    assert set(access.people()) == {world.line_manager_a, world.teacher_a}
    assert list(access.managed_people()) == [world.teacher_a]


def test_volunteer_may_find_pupils_of_their_setting(world, pupils):
    assert list(Access.for_user(world.volunteer_a).pupils()) == [pupils["a"]]


def test_ended_membership_gives_no_access(world, pupils):
    Membership.objects.filter(person=world.teacher_a).update(
        starts_on="2020-09-01", ends_on="2021-07-20"
    )

    access = Access.for_user(world.teacher_a)

    assert not access.organisations().exists()
    assert not access.pupils().exists()


def test_membership_starting_in_the_future_gives_no_access_yet(world):
    Membership.objects.filter(person=world.teacher_a).update(starts_on="2999-09-01")

    assert not Access.for_user(world.teacher_a).organisations().exists()


def test_disabled_person_has_no_access(world, pupils):
    world.head_a.is_active = False
    world.head_a.save()

    access = Access.for_user(world.head_a)

    assert not access.is_authenticated
    assert not access.pupils().exists()
    assert not access.people().exists()


def test_family_members_are_reached_through_pupils_the_person_may_see(world, pupils):
    link = FamilyLinkFactory(pupil=pupils["b"])

    visible = Access.for_user(world.teacher_a).pupils().filter(family_members=link.family_member)

    assert not visible.exists()


def test_access_is_worked_out_once_per_person_object(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        first = Access.for_user(world.executive_head)
    with django_assert_num_queries(0):
        again = Access.for_user(world.executive_head)
    assert first is again


def test_building_access_costs_the_same_queries_whatever_the_number_of_roles(
    world, django_assert_num_queries
):
    # One query for the memberships and one for the settings inside groups, however many.
    for role in (Role.GOVERNOR, Role.DSL, Role.LINE_MANAGER):
        Membership.objects.create(
            person=world.administrator, organisation=world.school_a, role=role
        )
    world.administrator.refresh_from_db()
    with django_assert_num_queries(2):
        Access.for_user(world.administrator)
