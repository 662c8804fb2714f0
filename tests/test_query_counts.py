"""The queries a page makes do not grow with the data (#10): each page the benchmark
measures (bench/run.py) is asked, as the same persona, in a small trust and in one four
times its size, both loaded by ``seed_scale`` into the same database, and makes the same
number of queries in each, no more than the ceiling written here.

A ceiling is the count observed when it was written: a change that adds a query to a
page fails here, so that someone looks at it and moves the ceiling on purpose.
"""

from __future__ import annotations

import copy
import datetime
import uuid
from dataclasses import dataclass

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole
from bench.scale import ScalePlan, personas, seed_scale
from declarations.models import Declaration
from directory.models import Membership, Organisation, Person, Pupil, Role
from schoolcalendar.periods import current_term_token, school_year_of
from tests.clock import TODAY  # the clock every test module runs on
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

# The most queries each page may make (observed on SQLite and PostgreSQL alike).
CEILINGS = {
    "approver dashboard": 14,
    "approver dashboard, Executive Headteacher": 15,  # and the trust's settings to filter by
    "your declarations": 7,
    "your declarations, page 2": 7,
    # and what each entry says: whom it names, their families, links (#21); as the DSL,
    # what is open about the child, with the requests to open it from (two, #21)
    "pupil file": 14,
    # The audit history: one more for each kind of record its events name (read as names
    # and links) and one for which events are confidential (#21); per kind, never per row.
    "audit search": 10,
    "audit trail": 12,
    "summary, trust, term": 45,  # worked out: with the one-at-a-time lock (add, delete)
    "summary, trust, term, cached": 14,
    "summary, trust, year": 44,
    "summary, trust, year, cached": 13,
    "declare: save": 21,
    # two of them the school calendar the due date counts on, one which schools its
    # pupils are at, for routing (#19)
    "declare: submit": 38,
}

SHARED = {"staff_per_school": 25, "pupils_per_school": 30, "until": TODAY}
# The busiest member of staff of the first school has more than a page of declarations
# in each (about 37 and 60 when written), so that page 2 of their list is a real one.
SMALL = ScalePlan(name="Small Trust", seed=10, schools=2, years=1, declarations=300, **SHARED)
LARGE = ScalePlan(name="Large Trust", seed=11, schools=3, years=2, declarations=1200, **SHARED)
DECLARATIONS_PAGE = 25  # declarations/views.py PAGE_SIZE
PLANNED = {
    "channels": "in_person",
    "time": "15:00",
    "place": "Village hall",
    "who": "About fifteen children from Year 3 and their parents.",
    "purpose": "A child's birthday party.",
}


@dataclass
class Trust:
    """A loaded trust and the people the benchmark asks its pages as."""

    trust: Organisation
    school: Organisation
    pupil: int  # the first school's pupil with the most register entries
    head: Person
    executive_head: Person  # the trust's, over every school
    dsl: Person
    governor: Person
    staff: Person  # the busiest member of staff of the first school
    declarer: Person  # the next busiest


def load(plan: ScalePlan) -> Trust:
    """Load ``plan`` and pick its personas as the benchmark does."""
    seed_scale(plan)
    return Trust(**personas(Organisation.objects.get(name=plan.name)))


@once_per_module
def trusts_for_the_module() -> list[Trust]:
    """Both trusts, loaded once for the module (tests/conftest.py ``once_per_module``)."""
    return [load(SMALL), load(LARGE)]


@pytest.fixture
def trusts(trusts_for_the_module, db) -> list[Trust]:
    """A copy of the module's trusts for each test; what a test adds is rolled back."""
    return copy.deepcopy(trusts_for_the_module)


@pytest.fixture
def measure(django_capture_on_commit_callbacks):
    """``measure(client, method, path, data)``: the response and the queries it took,
    including what runs once the request's transaction commits (routing, e-mails)."""

    def measured(client: Client, method: str, path: str, data: dict | None = None):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = getattr(client, method)(path, data or {})
        return response, len(queries.captured_queries)

    return measured


def signed_in(person: Person) -> Client:
    client = Client()
    sign_in_with_mfa(client, person)
    return client


def assert_the_same(page: str, counts: list[int]) -> None:
    small, large = counts
    assert small == large, f"{page}: {small} queries in the small trust, {large} in the large"
    assert large <= CEILINGS[page], f"{page}: {large} queries, more than {CEILINGS[page]}"


# Pages read -----------------------------------------------------------------------------

PERSONA = {
    "approver dashboard": "head",
    "approver dashboard, Executive Headteacher": "executive_head",
    "your declarations": "staff",
    "your declarations, page 2": "staff",
    "pupil file": "dsl",
    "audit search": "dsl",
    "audit trail": "dsl",
}
# The head of the first school has nothing waiting in the seeded trusts (the waiting few
# go to line managers): some is opened for them, more in the larger trust, so that the
# dashboard has rows to draw and a query per row would show.
WAITING_FOR_THE_HEAD = [3, 12]


def path_of(page: str, trust: Trust) -> str:
    return {
        "approver dashboard": "/decisions/",
        "approver dashboard, Executive Headteacher": "/decisions/",
        "your declarations": "/declarations/",
        "your declarations, page 2": "/declarations/?page=2",
        "pupil file": f"/registers/pupils/{trust.pupil}/",
        "audit search": "/registers/audit/?action=approval.decided",
        "audit trail": "/registers/audit/",
    }[page]


def waiting_for_the_head(trust: Trust, count: int, decider: str = "head") -> None:
    """``count`` submitted declarations by different staff about different pupils of the
    first school, each waiting for its head, every other one covering for a line manager."""
    declarants = (
        Person.objects.filter(memberships__organisation=trust.school, memberships__role=Role.STAFF)
        .exclude(pk=trust.head.pk)
        .distinct()
        .order_by("pk")[:count]
    )
    pupils = Pupil.objects.filter(setting=trust.school).order_by("pk")[:count]
    line_manager = (
        Membership.objects.filter(organisation=trust.school, role=Role.LINE_MANAGER)
        .exclude(person=trust.head)
        .order_by("pk")
        .first()
        .person
    )
    for number, (declarant, pupil) in enumerate(zip(declarants, pupils, strict=True)):
        declaration = DeclarationFactory(
            declarant=declarant,
            setting=trust.school,
            status=Declaration.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
        DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
        ApprovalRequest.objects.create(
            declaration=declaration,
            decider=getattr(trust, decider),
            decider_role=DeciderRole.HEAD if decider == "head" else DeciderRole.EXECUTIVE_HEAD,
            on_behalf_of=line_manager if number % 2 else None,
            routing_reason="Opened by the test of query counts.",
            due_on=TODAY + datetime.timedelta(days=number),
        )


def rows_shown(response) -> int:
    context = response.context
    for name in ("requests", "declarations"):
        if name in context:
            return len(context[name])
    return len(context["page"].object_list)


@pytest.mark.parametrize("page", list(PERSONA))
def test_a_page_makes_as_many_queries_in_a_large_trust_as_in_a_small_one(trusts, measure, page):
    counts = []
    for trust, waiting in zip(trusts, WAITING_FOR_THE_HEAD, strict=True):
        if page == "approver dashboard":
            waiting_for_the_head(trust, waiting)
        elif page == "approver dashboard, Executive Headteacher":
            waiting_for_the_head(trust, waiting, decider="executive_head")
        client = signed_in(getattr(trust, PERSONA[page]))
        path = path_of(page, trust)
        client.get(path)  # fills the content types and the like
        response, count = measure(client, "get", path)
        assert response.status_code == 200, (trust.trust, page)
        assert rows_shown(response) > 0, (trust.trust, page)
        if page == "approver dashboard":
            # What was added, and whatever the seeded history left waiting for the head.
            assert (
                rows_shown(response)
                == ApprovalRequest.objects.filter(
                    decider=trust.head,
                    purpose=ApprovalRequest.Purpose.DECIDE,
                    status=ApprovalRequest.Status.OPEN,
                ).count()
            )
            assert rows_shown(response) >= waiting
        counts.append(count)
    assert_the_same(page, counts)


def test_page_2_of_your_declarations_is_a_real_second_page_in_both(trusts):
    """The busiest member of staff has more than a page in each trust, so page 2 is not
    the first page again (an out-of-range page gives the last)."""
    for trust in trusts:
        declared = Declaration.objects.filter(declarant=trust.staff).count()
        assert declared > DECLARATIONS_PAGE, trust.trust
        response = signed_in(trust.staff).get("/declarations/?page=2")
        assert response.context["page"].number == 2
        assert len(response.context["declarations"]) == min(
            DECLARATIONS_PAGE, declared - DECLARATIONS_PAGE
        )


# The governors' summary -----------------------------------------------------------------


def summary_path(trust: Trust, period: str) -> str:
    if period == "term":
        token = current_term_token(trust.trust, TODAY)
    else:
        token = f"year-{school_year_of(TODAY) - 1}"
    return f"/registers/summaries/?organisation={trust.trust.pk}&period={token}"


def figures(response) -> dict:
    return response.context["report"]["tables"]


@pytest.mark.parametrize("period", ["term", "year"])
def test_the_governors_summary_makes_as_many_queries_in_a_large_trust(trusts, measure, period):
    """Worked out afresh (the cache emptied first) and then served from the cache: the
    same count in each trust, and fewer queries, and the same figures, from the cache."""
    worked_out, cached = [], []
    for trust in trusts:
        client = signed_in(trust.governor)
        path = summary_path(trust, period)
        client.get(path)
        caches["summaries"].clear()
        first, count = measure(client, "get", path)
        assert first.status_code == 200, trust.trust
        assert first.context["report"]["tables"]["glance"]["rows"]
        worked_out.append(count)
        second, count = measure(client, "get", path)
        assert second.status_code == 200, trust.trust
        assert figures(second) == figures(first)
        assert count < worked_out[-1], trust.trust
        cached.append(count)
    assert_the_same(f"summary, trust, {period}", worked_out)
    assert_the_same(f"summary, trust, {period}, cached", cached)


# Declaring ------------------------------------------------------------------------------


def declaration_form(trust: Trust) -> dict[str, object]:
    """A planned social contact, as the form posts it (bench/run.py ``declaration_form``)."""
    return {
        "form_token": str(uuid.uuid4()),
        "setting": trust.school.pk,
        "pupils": trust.pupil,
        "notes": "",
        "action": "save",
        **{f"details-{name}": value for name, value in PLANNED.items()},
        "details-planned_on": (TODAY + datetime.timedelta(days=20)).isoformat(),
    }


def test_saving_and_submitting_a_declaration_make_as_many_queries_in_a_large_trust(trusts, measure):
    """Saved (after one saved to warm up) and then submitted, with the routing to the
    decider and the e-mails that run once the request commits, by a member of staff of
    each trust, for their own school and pupil."""
    create = "/declarations/new/planned_social_contact/"
    saved, submitted = [], []
    for trust in trusts:
        client = signed_in(trust.declarer)
        drafts = []
        for _ in range(2):  # the first warms up, the second is counted
            response, count = measure(client, "post", create, declaration_form(trust))
            assert response.status_code == 302, response.content
            assert "/review/" in response["Location"]
            drafts.append(response["Location"].replace("/review/", "/submit/"))
        saved.append(count)
        for draft in drafts:
            response, count = measure(client, "post", draft)
            assert response.status_code == 302
        submitted.append(count)
        mine = Declaration.objects.filter(declarant=trust.declarer, setting=trust.school)
        latest = mine.order_by("-pk")[:2]
        assert [each.status for each in latest] == [Declaration.Status.SUBMITTED] * 2
        routed = ApprovalRequest.objects.filter(
            declaration__in=latest,
            purpose=ApprovalRequest.Purpose.DECIDE,
            status=ApprovalRequest.Status.OPEN,
        )
        assert routed.count() == 2, trust.trust
    assert_the_same("declare: save", saved)
    assert_the_same("declare: submit", submitted)
