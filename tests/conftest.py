"""What every test shares: the clock, fast password hashing, and data built once for a
module instead of once for each test.

Data built once (``once_per_module``) is made inside a transaction that is opened when
the first test of the module that needs it starts and rolled back when the module
ends; each test runs in a savepoint inside it (pytest-django's ``db``, Django's
TestCase), so whatever a test changes is undone before the next, as Django's
``setUpTestData`` does. A test sees such data only if it asks for it: the tests of a
module that do not are run before those that do (``pytest_collection_modifyitems``).
A transactional test (``django_db(transaction=True)``, the live server) commits, so it
cannot use such data: ``world`` builds it afresh for one, anything else is refused.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import os
import time
from collections.abc import Callable, Iterator

import pytest
import time_machine
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.db import transaction
from django.test import Client, override_settings

from directory.models import Organisation, Person, Role
from tests import clock, demo
from tests.clock import NOW
from tests.factories import FederationFactory, SchoolFactory, person_with_roles


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """pytest-django's own (a database per xdist worker), and on PostgreSQL commits that
    do not wait for the disk: the journeys and other transactional tests commit often,
    and a test database lost in a crash is simply made again."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_clock: the module runs on the real clock, not tests/clock.py (it talks to "
        "processes time-machine cannot reach)",
    )
    config.addinivalue_line(
        "markers",
        "run_first: a long test that needs no test database, run before all the others so "
        "that, with pytest-xdist, the other workers take the rest meanwhile",
    )


@pytest.fixture(scope="session")
def _media_folder(tmp_path_factory) -> object:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session", autouse=True)
def _uploads_in_a_temporary_folder(_media_folder) -> Iterator[None]:
    """Files a test, the data built once for a module or the demo upload never land in
    the project's var/: one folder for the session."""
    with override_settings(MEDIA_ROOT=_media_folder):
        yield


@pytest.fixture(scope="session", autouse=True)
def _demo_shared_by_the_workers(tmp_path_factory) -> Iterator[None]:
    """The demo seeded once in the whole run, not once in each pytest-xdist worker: they
    share a folder of the run's temporary one (tests/demo.py ``shared_folder``)."""
    base = tmp_path_factory.getbasetemp()
    demo.shared_folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "demo"
    try:
        yield
    finally:
        demo.shared_folder = None


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords() -> Iterator[None]:
    """For the whole session, so that data built once per module has it too."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


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
    with time_machine.travel(NOW, tick=True) as traveller:
        clock.module_clock = traveller
        try:
            yield
        finally:
            clock.module_clock = None


# Signing in -----------------------------------------------------------------------------


def sign_in_with_mfa(client: Client, person: Person, *, factor: str = "totp") -> Client:
    """``client`` signed in as ``person`` who has just completed the whole sign-in: the
    password, then the second factor, recorded in the session the way allauth records
    them (``record_authentication``). This is the one way a test is someone who has
    signed in with MFA, whatever their role (a role that needs none is not asked, and
    the record does not change what it may do). Signing in also counts as confirming it
    is them for the next 15 minutes (identity/mfa.py): a test that is to be asked
    again moves the clock on.

    Plain ``client.force_login`` is a session without the second factor: the
    multi-factor tests use it to show that such a session is stopped.
    """
    client.force_login(person)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": person.email},
        {"method": "mfa", "at": now, "type": factor},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(person.pk)
    session.save()
    return client


# Data built once for a module ------------------------------------------------------------

# The names of the fixtures made with ``once_per_module``: each ends in _for_the_module,
# which no other fixture's name may.
ONCE_PER_MODULE: set[str] = set()
# What data built once needs before it is built: the test database, the test
# environment (pytest-django's), fast passwords and the clock.
OURS = (
    "django_db_setup",
    "_fast_passwords",
    "_uploads_in_a_temporary_folder",
    "_demo_shared_by_the_workers",
    "_clock",
)


@contextlib.contextmanager
def rolled_back_at_the_end() -> Iterator[None]:
    """A transaction that is rolled back however it ends (what a module builds once)."""
    outer = transaction.atomic()
    outer.__enter__()
    try:
        yield
    finally:
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
        demo.rolled_back()


def once_per_module(build: Callable[..., object]) -> Callable[..., Iterator[object]]:
    """A module-scoped fixture of what ``build`` returns (or yields, once, to tear down
    after), built inside a transaction rolled back at the end of the module. ``build``
    may ask for other fixtures of the module or session scope (``tmp_path_factory``)."""
    assert build.__name__.endswith("_for_the_module"), "name it ..._for_the_module"
    ONCE_PER_MODULE.add(build.__name__)

    def fixture(django_db_blocker, **kwargs) -> Iterator[object]:
        kwargs = {name: value for name, value in kwargs.items() if name not in OURS}
        with django_db_blocker.unblock(), rolled_back_at_the_end():
            if inspect.isgeneratorfunction(build):  # one that sets up around its tests
                yield from build(**kwargs)
            else:
                yield build(**kwargs)

    # pytest reads the fixture's parameters from its signature: ours, then build's.
    ours = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in ("django_db_blocker", *OURS)
    ]
    fixture.__signature__ = inspect.Signature(
        ours + list(inspect.signature(build).parameters.values())
    )
    fixture.__name__ = build.__name__
    fixture.__doc__ = build.__doc__
    return pytest.fixture(scope="module", name=build.__name__)(fixture)


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        kwargs = dict(zip(("transaction", "reset_sequences"), marker.args, strict=False))
        kwargs.update(marker.kwargs)
        if kwargs.get("transaction") or kwargs.get("reset_sequences"):
            return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(trylast=True)  # after pytest-django has put the transactional tests last
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The world of a module is made before the test's own transaction (``world``);
    tests that ask for nothing built once run before those that do, within each run of
    one module's tests; no transactional test gets data that is rolled back; and the
    tests marked ``run_first`` run first."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is None:
            continue
        if "world" in names and "world_for_the_module" not in names and not _transactional(item):
            names.insert(0, "world_for_the_module")

    def shared(item: pytest.Item) -> set[str]:
        return ONCE_PER_MODULE & set(getattr(item, "fixturenames", ()))

    runs: list[tuple[int, bool, int]] = []
    run, previous, used = 0, None, {}
    for index, item in enumerate(items):
        module = item.nodeid.split("::", 1)[0]
        if module != previous:
            run, previous = run + 1, module
        names = shared(item)
        if names and _transactional(item):
            raise pytest.UsageError(
                f"{item.nodeid}: a transactional test cannot use {sorted(names)}, which is "
                "built once and rolled back (tests/conftest.py); build the data in the test."
            )
        used.setdefault(run, set()).update(names)
        if len(used[run]) > 1:
            raise pytest.UsageError(
                f"{module}: its tests use {sorted(used[run])}, more than one thing built "
                "once per module, which would all be seen at once; split the module."
            )
        runs.append((run, bool(names), index))
    order = sorted(range(len(items)), key=lambda index: runs[index])
    items[:] = [items[index] for index in order]

    first = [item for item in items if item.get_closest_marker("run_first")]
    for item in first:
        uses_db = item.get_closest_marker("django_db") or "db" in item.fixturenames
        if uses_db or _transactional(item):
            raise pytest.UsageError(f"{item.nodeid}: run_first is for tests with no test database")
    items[:] = first + [item for item in items if not item.get_closest_marker("run_first")]


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


@once_per_module
def world_for_the_module() -> World:
    return World()


@pytest.fixture
def world(request: pytest.FixtureRequest, db) -> World:
    """The world of the module, as it was built (a copy of its objects for each test, so
    that what a test changes on them stays in the test); a transactional test, whose
    data is committed and flushed, gets one of its own."""
    if "world_for_the_module" not in request.fixturenames:
        assert _transactional(request.node), "world_for_the_module is set up before the test"
        return World()
    return copy.deepcopy(request.getfixturevalue("world_for_the_module"))


@pytest.fixture
def person(db) -> Person:
    return person_with_roles(SchoolFactory(), Role.STAFF)
