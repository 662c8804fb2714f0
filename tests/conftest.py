import pytest

from directory.models import Organisation, Person, Role
from tests.factories import FederationFactory, SchoolFactory, person_with_roles


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _media_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, _media_folder):
    """Files a test (or the demo it loads) uploads never land in the project's var/; one
    folder for the session, as objects made once per module keep their files."""
    settings.MEDIA_ROOT = _media_folder


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
