"""Issue #8's 'done when', on the demo data as a new user would: a governor opens this
term's summary for the federation, sees each school side by side with charts, downloads
the PDF and the CSV, and nowhere sees a name; the Chair sees the Executive
Headteacher's own declaration named, and nothing else named (R33)."""

import copy

import pytest
import weasyprint
from django.urls import reverse
from django.utils import timezone

from approvals.models import Decision
from demo.people import demo_plan
from directory.models import FamilyMember, Organisation, Person, Pupil
from schoolcalendar.periods import current_term_token, school_year_of
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.demo import load_demo

pytestmark = pytest.mark.django_db

FEDERATION = "Brookfield and Millbrook Federation"


@once_per_module
def demo_for_the_module():
    """The demo, loaded once for the module (tests/conftest.py ``once_per_module``; put
    back from its snapshot if another module loaded it first: tests/demo.py)."""
    load_demo()
    plan = demo_plan(timezone.localdate())
    return {key: Person.objects.get(email=person.email) for key, person in plan.people.items()}


@pytest.fixture
def demo(demo_for_the_module, db):
    """A copy of the module's demo objects for each test (what a test changes on them
    stays in the test; what it changes in the database is rolled back after it)."""
    return copy.deepcopy(demo_for_the_module)


@pytest.fixture
def pdf_html(monkeypatch):
    """The HTML each PDF is drawn from, so that its words can be checked."""
    seen: list[str] = []
    real = weasyprint.HTML

    def capture(*args, **kwargs):
        seen.append(kwargs["string"])
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", capture)
    return seen


def every_name() -> dict[str, set[str]]:
    """Every person's, pupil's and family member's full name in the demo."""
    return {
        "people": {person.get_full_name() for person in Person.objects.all()},
        "pupils": {f"{pupil.given_name} {pupil.family_name}" for pupil in Pupil.objects.all()},
        "family": {
            f"{member.given_name} {member.family_name}" for member in FamilyMember.objects.all()
        },
    }


def names_in(text: str, allowed: set[str]) -> set[str]:
    found = set()
    for names in every_name().values():
        found |= {name for name in names - allowed if name in text}
    return found


def open_summary(client, viewer: Person, query: dict) -> dict[str, str]:
    sign_in_with_mfa(client, viewer)
    page = client.get(reverse("oversight:summary"), query)
    assert page.status_code == 200
    csv = client.get(reverse("oversight:summary_export", args=["csv"]), query)
    pdf = client.get(reverse("oversight:summary_export", args=["pdf"]), query)
    assert csv.status_code == 200
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    return {"page": page.content.decode(), "csv": csv.content.decode("utf-8-sig")}


def test_a_governor_reads_this_terms_federation_summary_side_by_side_and_sees_no_name(
    demo, client, pdf_html
):
    federation = Organisation.objects.get(name=FEDERATION)
    governor = demo["governor1"]
    query = {
        "organisation": federation.pk,
        "period": current_term_token(federation, timezone.localdate()),
    }
    seen = open_summary(client, governor, query)

    page = seen["page"]
    assert "Brookfield Primary School</th>" in page
    assert "Millbrook Primary School</th>" in page
    assert page.count("<svg") >= 4  # months, kinds, outcomes, time to decision (and settings)
    assert "All declarations" in page
    assert len(pdf_html) == 1
    for where, text in {**seen, "pdf": pdf_html[0]}.items():
        assert names_in(text, allowed={governor.get_full_name()}) == set(), where
    # The governor's own name is on the page only in the menu, and never in the report.
    assert governor.get_full_name() not in pdf_html[0]
    assert governor.get_full_name() not in seen["csv"]


def test_the_chair_sees_the_executive_heads_own_declaration_named_and_nothing_else(
    demo, client, pdf_html
):
    federation = Organisation.objects.get(name=FEDERATION)
    chair, executive_head = demo["chair"], demo["exec"]
    own = Decision.objects.get(decided_by=chair)
    assert own.request.declaration.declarant == executive_head
    decided_on = timezone.localtime(own.decided_at).date()
    # The school year so far: own dates end on a Sunday, and the Chair's may be since.
    query = {"organisation": federation.pk, "period": f"year-{school_year_of(decided_on)}"}
    seen = open_summary(client, chair, query)

    page = seen["page"]
    assert "Decisions you made as Chair" in page
    assert own.request.declaration.reference in page
    assert names_in(page, allowed={chair.get_full_name()}) == {executive_head.get_full_name()}
    # The named part is the Chair's alone: never in the board pack or the CSV.
    for text in (seen["csv"], pdf_html[0]):
        assert names_in(text, allowed=set()) == set()
    # A governor asking for the same period sees no name at all.
    seen = open_summary(client, demo["governor1"], query)
    assert "Decisions you made as Chair" not in seen["page"]
    assert names_in(seen["page"], allowed={demo["governor1"].get_full_name()}) == set()
