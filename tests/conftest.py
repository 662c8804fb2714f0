"""What every test shares: the clock (tests/clock.py) and fast password hashing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from directory.models import Organisation, Person, Role
from tests.clock import NOW
from tests.factories import FederationFactory, SchoolFactory, person_with_roles


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_clock: the module runs on the real clock, not tests/clock.py (it talks to "
        "processes time-machine cannot reach)",
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[object]:
    """The tests' clock while the modules are imported too: a date worked out at import
    (a module's constants, the cases of a parametrize) is worked out from NOW."""
    with time_machine.travel(NOW, tick=True):
        return (yield)


@pytest.fixture(scope="module", autouse=True)
def _clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every module on the tests' clock (tests/clock.py), from its first fixture to its
    last test, unless it is marked ``real_clock``."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(NOW, tick=True):
        yield


# The world -------------------------------------------------------------------------------


class World:
    """Two schools in a federation and a separate school, with one person per role."""

    federation: Organisation
    school_a: Organisation
    school_b: Organisation
    other_school: Organisation

    def __init__(self) -> None:
        self.federation = FederationFactory(name="Oak Federation")
        self.school_a = SchoolFactory(name="Ash Primary School", parent=self.federation)
        self.school_b = SchoolFactory(name="Birch Primary School", parent=self.federation)
        self.other_school = SchoolFactory(name="Cedar Primary School")
        self.executive_head = person_with_roles(self.federation, Role.EXECUTIVE_HEAD, Role.STAFF)
        self.chair = person_with_roles(self.federation, Role.CHAIR, Role.GOVERNOR)
        self.governor = person_with_roles(self.federation, Role.GOVERNOR)
        self.administrator = person_with_roles(self.federation, Role.ADMINISTRATOR, Role.STAFF)
        self.head_a = person_with_roles(self.school_a, Role.HEAD, Role.STAFF)
        self.dsl_a = person_with_roles(self.school_a, Role.DSL, Role.STAFF)
        self.line_manager_a = person_with_roles(self.school_a, Role.LINE_MANAGER, Role.STAFF)
        self.teacher_a = person_with_roles(self.school_a, Role.STAFF)
        self.teacher_a.memberships.filter(role=Role.STAFF).update(line_manager=self.line_manager_a)
        self.volunteer_a = person_with_roles(self.school_a, Role.VOLUNTEER)
        self.teacher_b = person_with_roles(self.school_b, Role.STAFF)
        self.head_other = person_with_roles(self.other_school, Role.HEAD, Role.STAFF)
        self.teacher_other = person_with_roles(self.other_school, Role.STAFF)
        self.administrator_other = person_with_roles(self.other_school, Role.ADMINISTRATOR)


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def person(db) -> Person:
    return person_with_roles(SchoolFactory(), Role.STAFF)
