"""The governors' summaries through their pages (R33): who may read which organisation's
summary, that no name, identifier or free text reaches the page, the CSV or the PDF,
that small counts are suppressed, the Chair's own decisions, bad periods, the cost in
queries, saved and published snapshots, and the term dates the summaries use."""

import csv
import datetime
import html
import io
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole, Decision, Outcome
from contactpolicy.exceptions import AppendOnlyError
from contactpolicy.models import AuditEvent
from declarations.kinds import get_kind
from declarations.models import Declaration, DeclarationSubject
from directory.models import Person, Role
from oversight.models import SummarySnapshot
from schoolcalendar.models import Term, TermDates
from schoolcalendar.periods import current_term_token, period_from_token, school_year_of
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, PupilFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, details_json

pytestmark = pytest.mark.django_db

SUMMARY = reverse("oversight:summary")
SAVE = reverse("oversight:summary_save")
TERM_DATES = reverse("schoolcalendar:term_dates")
FEWER = "fewer than 5"
NAMED_HEADING = "Decisions you made as Chair"
# Words only a declarant or a decider wrote: none may reach a governor.
NOTES_TEXT = "SECRET-TEXT-123"
DETAILS_TEXT = "SECRET-DETAIL-456"
DECISION_TEXT = "SECRET-DECISION-789"
FREE_TEXT = (NOTES_TEXT, DETAILS_TEXT, DECISION_TEXT)
# A free-text answer of each kind used here, to carry the secret.
FREE_TEXT_FIELD = {"gift": "item", "planned_social_contact": "purpose"}


# Helpers -------------------------------------------------------------------------------


def days(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def declared(
    *,
    setting,
    declarant,
    on: datetime.date,
    kind: str = "gift",
    pupil=None,
    family_member=None,
    decider=None,
    role: str = DeciderRole.LINE_MANAGER,
    outcome: str = Outcome.APPROVED_WITH_CONDITIONS,
    wait: datetime.timedelta = datetime.timedelta(days=1),
) -> Declaration:
    """A submitted declaration written straight to the database with the dates chosen
    (as demo.history does), routed to ``decider`` and decided by them if given."""
    details = {**details_json(kind), FREE_TEXT_FIELD[kind]: DETAILS_TEXT}
    submitted_at = at(on)
    declaration = DeclarationFactory(
        declarant=declarant,
        setting=setting,
        kind=kind,
        status=Declaration.Status.SUBMITTED,
        details=details,
        key_date=get_kind(kind).key_date_of(details),
        notes=NOTES_TEXT,
        created_at=submitted_at - datetime.timedelta(minutes=10),
        submitted_at=submitted_at,
        first_submitted_at=submitted_at,
    )
    if pupil is not None:
        DeclarationSubject.objects.create(declaration=declaration, pupil=pupil)
    if family_member is not None:
        DeclarationSubject.objects.create(declaration=declaration, family_member=family_member)
    if decider is None:
        return declaration
    request = ApprovalRequest.objects.create(
        declaration=declaration,
        decider=decider,
        decider_role=role,
        routing_reason="By the federation policy's default routing.",
        due_on=on + datetime.timedelta(days=7),
        created_at=submitted_at,
        status=ApprovalRequest.Status.DECIDED,
    )
    Decision.objects.create(
        request=request,
        decided_by=decider,
        outcome=outcome,
        decided_at=submitted_at + wait,
        conditions=DECISION_TEXT if outcome == Outcome.APPROVED_WITH_CONDITIONS else "",
        reasons=DECISION_TEXT if outcome == Outcome.REFUSED else "",
    )
    Declaration.objects.filter(pk=declaration.pk).update(status=Declaration.Status.DECIDED)
    return declaration


def custom(organisation, date_from: datetime.date, date_to: datetime.date) -> dict[str, str]:
    """Own dates as whole weeks, as the form takes them (#22): from the Monday on or
    before ``date_from`` to the Sunday on or before ``date_to``."""
    monday = date_from - datetime.timedelta(days=date_from.weekday())
    sunday = date_to - datetime.timedelta(days=(date_to.weekday() + 1) % 7)
    return {
        "organisation": str(organisation.pk),
        "period": "custom",
        "date_from": monday.isoformat(),
        "date_to": sunday.isoformat(),
    }


def last_two_months(organisation) -> dict[str, str]:
    return custom(organisation, days(-60), days(0))


def export_url(fmt: str) -> str:
    return reverse("oversight:summary_export", args=[fmt])


def signed_in(client, person):
    sign_in_with_mfa(client, person)
    return client


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def tables_in(text: str) -> dict[str, list[list[str]]]:
    """Every summary table in a page or the PDF's HTML: {title: rows of cell texts},
    the header row first (its first cell is the title)."""
    tables = {}
    for block in re.findall(
        r'<table class="table table-sm summary-table">(.*?)</table>', text, re.S
    ):
        rows = [
            [
                html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            ]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block, re.S)
        ]
        tables[rows[0][0]] = rows
    return tables


def row_of(table: list[list[str]], label: str) -> list[str]:
    """The cells of the row with ``label`` (without the label)."""
    return next(row[1:] for row in table if row[0] == label)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def named_section(page: str) -> str:
    found = re.search(r'<section class="card border-warning.*?</section>', page, re.S)
    return found.group(0) if found else ""


# Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def pdf_html(monkeypatch):
    """The HTML each PDF would be drawn from (WeasyPrint itself is not run)."""
    import weasyprint

    seen: list[str] = []

    class Captured:
        def __init__(self, *args, string: str = "", **kwargs) -> None:
            seen.append(string)

        def write_pdf(self, **options) -> bytes:
            assert options == {"pdf_variant": "pdf/ua-1"}  # tagged, for screen readers
            return b"%PDF-1.7 captured"

    monkeypatch.setattr(weasyprint, "HTML", Captured)
    return seen


class Recorded:
    """Declarations in both schools of the federation, with names and free text that
    must never reach a governor: six gifts in Ash, two planned contacts in Birch."""

    def __init__(self, world) -> None:
        self.declarant_a = person_with_roles(
            world.school_a, Role.STAFF, given_name="Xanthe", family_name="Wolstenholme"
        )
        self.declarant_b = person_with_roles(
            world.school_b, Role.STAFF, given_name="Ignatius", family_name="Fothergill"
        )
        self.pupil_a = PupilFactory(
            setting=world.school_a, given_name="Peregrine", family_name="Quigglesworth"
        )
        self.pupil_b = PupilFactory(
            setting=world.school_b, given_name="Clementine", family_name="Applethwaite"
        )
        self.parent_a = FamilyLinkFactory(
            pupil=self.pupil_a,
            family_member__given_name="Hortensia",
            family_member__family_name="Blatherwick",
        ).family_member
        self.declarations = [
            declared(
                setting=world.school_a,
                declarant=self.declarant_a,
                on=days(-30 + n),
                pupil=self.pupil_a,
                family_member=self.parent_a,
                decider=world.line_manager_a,
                outcome=[Outcome.APPROVED_WITH_CONDITIONS, Outcome.REFUSED][n % 2],
            )
            for n in range(6)
        ] + [
            declared(
                setting=world.school_b,
                declarant=self.declarant_b,
                on=days(-20 + n),
                kind="planned_social_contact",
                pupil=self.pupil_b,
                decider=world.executive_head,
                role=DeciderRole.EXECUTIVE_HEAD,
            )
            for n in range(2)
        ]

    def secrets(self) -> set[str]:
        """Every name, identifier and word written that no report may show."""
        return {
            self.declarant_a.get_full_name(),
            self.declarant_b.get_full_name(),
            "Wolstenholme",
            "Fothergill",
            "Peregrine",
            "Quigglesworth",
            "Clementine",
            "Applethwaite",
            "Hortensia",
            "Blatherwick",
            self.pupil_a.reference,
            self.pupil_b.reference,
            *(declaration.reference for declaration in self.declarations),
            *FREE_TEXT,
        }


def five_more_at_school_b(world, recorded) -> None:
    """Five more planned social contacts at school B, so that its 7 need no hiding and
    school A's figures can show (they are hidden alike in every report of the
    federation)."""
    for n in range(5):
        declared(
            setting=world.school_b,
            declarant=recorded.declarant_b,
            on=days(-19 + n),
            kind="planned_social_contact",
            pupil=recorded.pupil_b,
            decider=world.executive_head,
            role=DeciderRole.EXECUTIVE_HEAD,
        )


@pytest.fixture
def recorded(world) -> Recorded:
    return Recorded(world)


@pytest.fixture
def chair_decided(world, recorded):
    """The Executive Headteacher's own declaration, decided by the Chair 18 days ago."""
    Person.objects.filter(pk=world.executive_head.pk).update(
        given_name="Evangeline", family_name="Thistlethwaite"
    )
    world.executive_head.refresh_from_db()
    return declared(
        setting=world.school_a,
        declarant=world.executive_head,
        on=days(-20),
        decider=world.chair,
        role=DeciderRole.CHAIR,
        wait=datetime.timedelta(days=2),
    )


def leaked(text: str, secrets: set[str], viewer=None) -> set[str]:
    """The secrets in ``text``, and any person's full name but the viewer's own (the
    page shows the viewer's name in its menu)."""
    names = {
        person.get_full_name()
        for person in Person.objects.all()
        if viewer is None or person.pk != viewer.pk
    }
    return {secret for secret in secrets | names if secret in text}


# 1. Who may read which summary ------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["governor", "chair"])
@pytest.mark.parametrize("where", ["federation", "school_a", "school_b"])
def test_federation_governors_and_the_chair_read_the_federation_and_each_school(
    world, client, viewer, where
):
    organisation = getattr(world, where)
    signed_in(client, getattr(world, viewer))

    response = client.get(SUMMARY, {"organisation": organisation.pk})

    assert response.status_code == 200
    assert response.context["organisation"] == organisation
    assert "report" in response.context


def test_a_head_reads_their_own_schools_summary(world, client):
    signed_in(client, world.head_a)

    response = client.get(SUMMARY, {"organisation": world.school_a.pk})

    assert response.status_code == 200
    assert response.context["report"]["organisation"] == "Ash Primary School"


@pytest.mark.parametrize(
    ("viewer", "can_save", "can_publish"),
    [("head_a", True, True), ("administrator", True, False), ("governor", False, False)],
)
def test_only_those_who_may_save_or_publish_are_offered_to(
    world, client, viewer, can_save, can_publish
):
    signed_in(client, getattr(world, viewer))

    page = client.get(SUMMARY, {"organisation": world.school_a.pk}).content.decode()

    assert ("Save this summary" in page) is can_save
    assert ('name="publish"' in page) is can_publish


@pytest.mark.parametrize("where", ["school_b", "federation", "other_school"])
def test_a_head_cannot_read_another_school_or_the_federation(world, client, where):
    signed_in(client, world.head_a)
    query = {"organisation": getattr(world, where).pk}

    assert client.get(SUMMARY, query).status_code == 404
    assert client.get(export_url("csv"), query).status_code == 404


@pytest.mark.parametrize("viewer", ["head_other", "administrator_other"])
def test_people_of_a_school_outside_the_federation_cannot_read_its_schools(world, client, viewer):
    signed_in(client, getattr(world, viewer))
    query = {"organisation": world.school_a.pk}

    assert client.get(SUMMARY, query).status_code == 404
    assert client.get(export_url("csv"), query).status_code == 404
    assert client.get(export_url("pdf"), query).status_code == 404


@pytest.mark.parametrize("viewer", ["teacher_a", "volunteer_a", "dsl_a"])
@pytest.mark.parametrize("ask_for_school", [True, False])
def test_people_without_a_summary_role_get_not_found(world, client, viewer, ask_for_school):
    signed_in(client, getattr(world, viewer))
    query = {"organisation": world.school_a.pk} if ask_for_school else {}

    assert client.get(SUMMARY, query).status_code == 404
    assert client.get(export_url("csv"), query).status_code == 404


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "999999", " 1"])
def test_a_non_numeric_or_unknown_organisation_id_is_not_found(world, client, value):
    signed_in(client, world.governor)

    assert client.get(SUMMARY, {"organisation": value}).status_code == 404
    assert client.get(export_url("csv"), {"organisation": value}).status_code == 404


def test_without_an_organisation_the_first_one_allowed_is_shown(world, client):
    signed_in(client, world.governor)

    response = client.get(SUMMARY)

    assert response.status_code == 200
    assert response.context["organisation"] == world.federation


@pytest.mark.parametrize("name", ["summary", "csv", "pdf"])
def test_an_anonymous_visitor_is_sent_to_sign_in(world, client, name):
    url = SUMMARY if name == "summary" else export_url(name)

    response = client.get(url, {"organisation": world.school_a.pk})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_a_governor_cannot_open_a_declaration_or_a_pupil_or_staff_file(world, client, recorded):
    signed_in(client, world.governor)
    declaration = recorded.declarations[0]

    assert client.get(reverse("declarations:detail", args=[declaration.pk])).status_code == 404
    assert (
        client.get(reverse("registers:pupil_file", args=[recorded.pupil_a.pk])).status_code == 404
    )
    assert (
        client.get(reverse("registers:staff_file", args=[recorded.declarant_a.pk])).status_code
        == 404
    )


def test_the_head_of_another_school_cannot_open_a_snapshot_or_its_downloads(world, client):
    snapshot = save_snapshot(client, world.head_a, world.school_a)
    signed_in(client, world.head_other)

    assert client.get(snapshot.get_absolute_url()).status_code == 404
    for fmt in ("csv", "pdf"):
        url = reverse("oversight:summary_snapshot_export", args=[snapshot.pk, fmt])
        assert client.get(url).status_code == 404


def test_a_head_cannot_save_a_summary_of_another_school(world, client):
    signed_in(client, world.head_a)

    response = client.post(
        SAVE, {"organisation": world.school_b.pk, "period": "custom", **dates(-30, -3)}
    )

    assert response.status_code == 404
    assert not SummarySnapshot.objects.exists()


# 2. What the summary shows, and what it never shows ----------------------------------------


@pytest.mark.parametrize(
    ("viewer", "where"),
    [("governor", "federation"), ("governor", "school_a"), ("head_a", "school_a")],
)
def test_the_page_csv_and_pdf_name_nobody_and_quote_no_free_text(
    world, client, recorded, pdf_html, viewer, where
):
    person = getattr(world, viewer)
    signed_in(client, person)
    query = last_two_months(getattr(world, where))

    page = client.get(SUMMARY, query)
    download = client.get(export_url("csv"), query)
    pdf = client.get(export_url("pdf"), query)

    assert page.status_code == download.status_code == pdf.status_code == 200
    assert "Gift given or received" in page.content.decode()  # the figures are there
    assert leaked(page.content.decode(), recorded.secrets(), viewer=person) == set()
    assert leaked(download.content.decode("utf-8-sig"), recorded.secrets()) == set()
    assert len(pdf_html) == 1
    assert "Gift given or received" in pdf_html[0]
    assert leaked(pdf_html[0], recorded.secrets()) == set()


def test_the_pdf_is_a_real_pdf_download(world, client, recorded):
    signed_in(client, world.governor)

    response = client.get(export_url("pdf"), last_two_months(world.federation))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")


def test_the_csv_is_a_download_with_the_period_and_the_figures(world, client, recorded):
    five_more_at_school_b(world, recorded)
    signed_in(client, world.governor)

    response = client.get(export_url("csv"), last_two_months(world.school_a))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = csv_rows(response)
    assert rows[0] == ["Organisation", "Ash Primary School"]
    assert ["Declarations by kind", "Gift given or received", "Ash Primary School", "6"] in rows


def test_six_declarations_of_one_kind_show_as_6_in_the_kinds_table(world, client, recorded):
    five_more_at_school_b(world, recorded)
    signed_in(client, world.governor)

    response = client.get(SUMMARY, last_two_months(world.school_a))

    kinds = tables_in(response.content.decode())["Declarations by kind"]
    assert row_of(kinds, "Gift given or received") == ["6", "0"]  # this period, the one before
    assert row_of(kinds, "All declarations") == ["6", "0"]


def test_counts_from_1_to_4_show_as_fewer_than_5(world, client, recorded):
    signed_in(client, world.governor)

    response = client.get(SUMMARY, last_two_months(world.school_b))

    kinds = tables_in(response.content.decode())["Declarations by kind"]
    assert row_of(kinds, "Planned social contact") == [FEWER, "0"]
    assert row_of(kinds, "All declarations") == [FEWER, "0"]
    cells = response.context["report"]["tables"]["kinds"]["rows"][0]["cells"]
    assert cells[0] == {"value": None, "text": FEWER}


def test_counts_from_1_to_4_are_suppressed_in_the_csv_too(world, client, recorded):
    signed_in(client, world.governor)

    response = client.get(export_url("csv"), last_two_months(world.school_b))

    rows = csv_rows(response)
    kinds = [row for row in rows if row[:2] == ["Declarations by kind", "Planned social contact"]]
    assert kinds[0] == [
        "Declarations by kind",
        "Planned social contact",
        "Birch Primary School",
        FEWER,
    ]
    assert not any(row[-1] == "2" for row in rows if row and row[0] == "Declarations by kind")


def test_the_federation_report_shows_each_school_side_by_side(world, client, recorded, pdf_html):
    signed_in(client, world.governor)
    query = last_two_months(world.federation)

    page = client.get(SUMMARY, query)
    client.get(export_url("pdf"), query)

    expected = [
        "Declarations by kind",
        "Ash Primary School",
        "Birch Primary School",
        "Total",
        "Previous period",
    ]
    assert tables_in(page.content.decode())["Declarations by kind"][0] == expected
    assert tables_in(pdf_html[0])["Declarations by kind"][0] == expected
    assert page.context["report"]["settings"] == ["Ash Primary School", "Birch Primary School"]
    outcomes = tables_in(page.content.decode())["Outcomes of the decisions made"]
    assert outcomes[0][1:3] == ["Ash Primary School", "Birch Primary School"]


def test_a_hidden_outcome_count_cannot_be_worked_out_from_another_table(world, client):
    outcomes = [Outcome.APPROVED] * 10 + [Outcome.REFUSED] * 5
    outcomes += [Outcome.NOTED] * 2 + [Outcome.MORE_INFORMATION] * 3
    for n, outcome in enumerate(outcomes):
        declared(
            setting=world.school_a,
            declarant=world.teacher_a,
            on=days(-30 + n % 10),
            decider=world.line_manager_a,
            outcome=outcome,
        )
    signed_in(client, world.governor)

    response = client.get(SUMMARY, last_two_months(world.school_a))

    tables = tables_in(response.content.decode())
    by_outcome = tables["Outcomes of the decisions made"]
    labels = [row[0] for row in by_outcome]
    # No grand total of all decisions, which less the final ones would give the rest.
    assert "All decisions" not in labels
    # The final decisions are the same figure, shown or hidden alike, in both tables.
    final = row_of(by_outcome, "Final decisions")[0]
    assert row_of(tables["Time to a final decision"], "Final decisions")[0] == final
    assert final == "17"
    passing = [
        row_of(by_outcome, label)[0]
        for label in (
            "More information requested",
            "Referred to the DSL",
            "Advice sought from the LADO",
            "Passed on, or more information asked for",
        )
    ]
    # The 3 "more information" is hidden, and so is its subtotal: never one alone.
    assert row_of(by_outcome, "Noted")[0] == FEWER
    assert passing == [FEWER, "0", "0", FEWER]


# 3. The Chair's own decisions --------------------------------------------------------------


def test_the_chair_sees_the_executive_heads_own_declaration_named(
    world, client, recorded, chair_decided
):
    signed_in(client, world.chair)

    response = client.get(SUMMARY, last_two_months(world.federation))

    page = response.content.decode()
    section = named_section(page)
    assert NAMED_HEADING in section
    assert "Evangeline Thistlethwaite" in section
    assert chair_decided.reference in section
    assert [decision.request.declaration for decision in response.context["named"]] == [
        chair_decided
    ]
    # A declaration decided by someone else is not named, here or anywhere on the page.
    assert leaked(page, recorded.secrets(), viewer=world.chair) == {"Evangeline Thistlethwaite"}


def test_the_chair_is_not_shown_decisions_made_outside_the_period(
    world, client, recorded, chair_decided
):
    signed_in(client, world.chair)

    response = client.get(SUMMARY, custom(world.federation, days(-10), days(0)))

    assert response.context["named"] == []
    assert NAMED_HEADING not in response.content.decode()
    assert "Thistlethwaite" not in response.content.decode()


@pytest.mark.parametrize(("viewer", "where"), [("governor", "federation"), ("head_a", "school_a")])
def test_a_governor_or_a_head_sees_no_named_section(
    world, client, recorded, chair_decided, viewer, where
):
    person = getattr(world, viewer)
    signed_in(client, person)

    response = client.get(SUMMARY, last_two_months(getattr(world, where)))

    page = response.content.decode()
    assert response.context["named"] == []
    assert NAMED_HEADING not in page
    assert leaked(page, recorded.secrets(), viewer=person) == set()


def test_the_chairs_csv_and_pdf_name_nobody(world, client, recorded, chair_decided, pdf_html):
    signed_in(client, world.chair)
    query = last_two_months(world.federation)

    download = client.get(export_url("csv"), query)
    client.get(export_url("pdf"), query)

    assert leaked(download.content.decode("utf-8-sig"), recorded.secrets()) == set()
    assert leaked(pdf_html[0], recorded.secrets()) == set()
    assert NAMED_HEADING not in pdf_html[0]


def test_a_snapshot_saved_with_the_chairs_decision_in_it_names_nobody(
    world, client, recorded, chair_decided, pdf_html
):
    snapshot = save_snapshot(client, world.executive_head, world.federation, publish=True)
    signed_in(client, world.chair)

    page = client.get(snapshot.get_absolute_url()).content.decode()
    client.get(reverse("oversight:summary_snapshot_export", args=[snapshot.pk, "pdf"]))

    assert "Declarations by kind" in page
    assert NAMED_HEADING not in page
    assert leaked(page, recorded.secrets(), viewer=world.chair) == set()
    assert leaked(str(snapshot.data), recorded.secrets()) == set()
    assert leaked(pdf_html[0], recorded.secrets()) == set()


# 4. Empty periods and bad input ------------------------------------------------------------


def test_a_period_with_nothing_in_it_shows_zeros(world, client):
    # One declaration long before the period (and the one before it): not counted.
    declared(setting=world.school_a, declarant=world.teacher_a, on=days(-200))
    signed_in(client, world.governor)

    response = client.get(SUMMARY, custom(world.federation, days(-60), days(0)))

    assert response.status_code == 200
    assert not response.context["form"].errors
    kinds = tables_in(response.content.decode())["Declarations by kind"]
    assert row_of(kinds, "All declarations") == ["0", "0", "0", "0"]
    outcomes = tables_in(response.content.decode())["Outcomes of the decisions made"]
    assert row_of(outcomes, "Final decisions") == ["0", "0", "0", "0"]
    months = response.context["report"]["tables"]["months"]["rows"]
    assert {cell["text"] for row in months for cell in row["cells"]} == {"0"}


def dates(date_from: int, date_to: int) -> dict[str, str]:
    return {"date_from": days(date_from).isoformat(), "date_to": days(date_to).isoformat()}


def bad_periods() -> list:
    current = school_year_of(timezone.localdate())
    return [
        pytest.param(
            {"period": "custom", **dates(-5, -10)},
            "The end date is before the start date.",
            id="ends-before-it-starts",
        ),
        pytest.param(
            {"period": "custom", **dates(-5, 1)},
            "The date cannot be in the future.",
            id="future-end",
        ),
        pytest.param(
            {"period": "custom", "date_from": days(-5).isoformat()},
            "Enter the date, or choose a term or school year.",
            id="no-end",
        ),
        pytest.param(
            {"period": f"year-{current + 1}"},
            "Choose one of the terms or school years listed, or your own dates.",
            id="future-year",
        ),
        pytest.param(
            {"period": f"summer-{current + 1}"},
            "Choose one of the terms or school years listed, or your own dates.",
            id="future-term",
        ),
        pytest.param(
            {"period": "autumn-26"},
            "Choose one of the terms or school years listed, or your own dates.",
            id="malformed",
        ),
        pytest.param(
            {"period": "winter-2025"},
            "Choose one of the terms or school years listed, or your own dates.",
            id="no-such-term",
        ),
    ]


@pytest.mark.parametrize(("query", "message"), bad_periods())
def test_a_bad_period_shows_a_clear_error_and_no_report(world, client, recorded, query, message):
    signed_in(client, world.governor)

    response = client.get(SUMMARY, {"organisation": world.federation.pk, **query})

    assert response.status_code == 200
    assert "report" not in response.context
    page = response.content.decode()
    assert "There is a problem" in page
    assert html.escape(message) in page
    assert "Declarations by kind" not in page


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
@pytest.mark.parametrize(("query", "message"), bad_periods()[:2])
def test_a_download_with_a_bad_period_goes_back_to_the_page(
    world, client, pdf_html, fmt, query, message
):
    signed_in(client, world.governor)
    query = {"organisation": world.federation.pk, **query}

    response = client.get(export_url(fmt), query)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{SUMMARY}?")
    assert pdf_html == []
    back = client.get(response["Location"])
    assert html.escape(message) in back.content.decode()


# 5. The cost in queries ----------------------------------------------------------------------


def add_declarations(world, count: int, start: int = 0) -> None:
    """``count`` declarations over both schools, of two kinds and several outcomes, and
    one in five the Executive Headteacher's own, decided by the Chair."""
    for n in range(start, start + count):
        setting = world.school_a if n % 2 else world.school_b
        if n % 5 == 0:
            decider, role = world.chair, DeciderRole.CHAIR
            declarant = world.executive_head
        else:
            decider, role = world.executive_head, DeciderRole.EXECUTIVE_HEAD
            declarant = world.teacher_a if n % 2 else world.teacher_b
        declared(
            setting=setting,
            declarant=declarant,
            on=days(-50 + n),
            kind="planned_social_contact" if n % 3 == 0 else "gift",
            pupil=PupilFactory(setting=setting),
            decider=decider,
            role=role,
            outcome=[Outcome.APPROVED, Outcome.REFUSED, Outcome.APPROVED_WITH_CONDITIONS][n % 3],
            wait=datetime.timedelta(days=n % 9, hours=3),
        )


def queries_for(client, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(SUMMARY, query)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("viewer", ["governor", "chair"])
def test_the_federation_summary_costs_the_same_queries_for_3_and_30_declarations(
    world, client, viewer
):
    signed_in(client, getattr(world, viewer))
    query = last_two_months(world.federation)
    client.get(SUMMARY, query)  # warm up
    add_declarations(world, 3)
    caches["summaries"].clear()  # counted afresh, not read from the cache
    few = queries_for(client, query)

    add_declarations(world, 27, start=3)
    caches["summaries"].clear()
    many = queries_for(client, query)

    assert (
        client.get(SUMMARY, query).context["report"]["tables"]["kinds"]["rows"][-1]["cells"][2][
            "text"
        ]
        == "30"
    )
    assert many == few


# 6. Saved and published snapshots -------------------------------------------------------------


def term_query(organisation) -> dict[str, str]:
    return {
        "organisation": str(organisation.pk),
        "period": current_term_token(organisation, timezone.localdate()),
    }


def in_this_term(organisation) -> datetime.date:
    """A day in the current term, before today when the term allows it."""
    period = period_from_token(
        organisation, current_term_token(organisation, timezone.localdate()), timezone.localdate()
    )
    return max(period.starts_on, days(-10))


def save_snapshot(client, person, organisation, publish: bool = False):
    signed_in(client, person)
    data = {"organisation": organisation.pk, "period": "custom", **dates(-30, -3)}
    if publish:
        data["publish"] = "on"
    client.post(SAVE, data)
    return SummarySnapshot.objects.latest("pk")


def add_gifts(world, count: int, on: datetime.date) -> None:
    for _ in range(count):
        declared(
            setting=world.school_a,
            declarant=world.teacher_a,
            on=on,
            pupil=PupilFactory(setting=world.school_a),
            decider=world.line_manager_a,
        )


def test_the_head_publishes_the_term_summary_and_lands_on_it(
    world, client, django_capture_on_commit_callbacks
):
    add_gifts(world, 6, in_this_term(world.school_a))
    signed_in(client, world.head_a)
    query = term_query(world.school_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SAVE, {**query, "publish": "on"})

    snapshot = SummarySnapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == snapshot.get_absolute_url()
    assert snapshot.organisation == world.school_a
    assert snapshot.published is True
    assert snapshot.saved_by == world.head_a
    assert snapshot.period == query["period"]
    event = AuditEvent.objects.get(action="summary.published")
    assert event.actor == world.head_a
    assert event.target_id == str(snapshot.pk)
    assert not AuditEvent.objects.filter(action="summary.saved").exists()
    assert any("the governors were sent a link" in message for message in flashed(response))
    kinds = tables_in(client.get(response["Location"]).content.decode())["Declarations by kind"]
    assert row_of(kinds, "Gift given or received")[0] == "6"


def test_publishing_emails_each_governor_and_the_chair_once_with_a_link_and_no_figures(
    world, client, recorded, mailoutbox, django_capture_on_commit_callbacks
):
    signed_in(client, world.head_a)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SAVE, {**last_two_months(world.school_a), "publish": "on"})

    snapshot = SummarySnapshot.objects.get()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [world.governor.email, world.chair.email]
    )
    assert all(len(message.to) == 1 for message in mailoutbox)
    link = f"{settings.SITE_URL.rstrip('/')}{snapshot.get_absolute_url()}"
    for message in mailoutbox:
        assert link in message.body
        assert leaked(message.subject + message.body, recorded.secrets()) == set()
        assert FEWER not in message.body
        # Apart from the title (its dates) and the link, not a single figure.
        rest = message.body.replace(link, "").replace(snapshot.title, "")
        assert re.search(r"\d", rest) is None, rest


def test_saving_without_publishing_emails_nobody(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    signed_in(client, world.head_a)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SAVE, last_two_months(world.school_a))

    assert SummarySnapshot.objects.get().published is False
    assert AuditEvent.objects.filter(action="summary.saved").count() == 1
    assert mailoutbox == []


def test_a_snapshot_keeps_its_figures_when_more_is_declared(world, client):
    add_gifts(world, 6, days(-10))
    snapshot = save_snapshot(client, world.head_a, world.school_a)
    before = tables_in(client.get(snapshot.get_absolute_url()).content.decode())

    add_gifts(world, 5, days(-5))

    after = tables_in(client.get(snapshot.get_absolute_url()).content.decode())
    assert after == before
    assert row_of(after["Declarations by kind"], "Gift given or received")[0] == "6"
    live = client.get(SUMMARY, custom(world.school_a, days(-30), days(0)))
    kinds = tables_in(live.content.decode())["Declarations by kind"]
    assert row_of(kinds, "Gift given or received")[0] == "11"


def test_a_saved_snapshot_is_listed_on_the_summary_page(world, client):
    snapshot = save_snapshot(client, world.head_a, world.school_a, publish=True)
    signed_in(client, world.governor)

    response = client.get(SUMMARY, {"organisation": world.school_a.pk})

    assert list(response.context["snapshots"]) == [snapshot]
    assert f'href="{snapshot.get_absolute_url()}"' in response.content.decode()
    elsewhere = client.get(SUMMARY, {"organisation": world.school_b.pk})
    assert list(elsewhere.context["snapshots"]) == []


def test_the_administrator_saves_a_summary(world, client):
    signed_in(client, world.administrator)

    response = client.post(SAVE, last_two_months(world.school_a))

    snapshot = SummarySnapshot.objects.get()
    assert response["Location"] == snapshot.get_absolute_url()
    assert snapshot.published is False
    assert snapshot.saved_by == world.administrator


def test_the_administrator_cannot_publish_and_nothing_is_saved(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    signed_in(client, world.administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SAVE, {**last_two_months(world.school_a), "publish": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"{SUMMARY}?organisation={world.school_a.pk}"
    assert flashed(response) == ["Only the head or the Executive Headteacher publishes a summary."]
    assert not SummarySnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="summary.").exists()
    assert mailoutbox == []


@pytest.mark.parametrize("publish", [False, True])
def test_a_governor_cannot_save_a_summary(world, client, publish):
    signed_in(client, world.governor)
    data = last_two_months(world.school_a)
    if publish:
        data["publish"] = "on"

    response = client.post(SAVE, data)

    assert response.status_code == 302
    assert response["Location"] == f"{SUMMARY}?organisation={world.school_a.pk}"
    assert flashed(response) == [
        "Only the head, the Executive Headteacher or an administrator saves a summary "
        "for the board papers."
    ]
    assert not SummarySnapshot.objects.exists()


def test_saving_with_a_bad_period_says_why_and_saves_nothing(world, client):
    signed_in(client, world.head_a)

    response = client.post(
        SAVE, {"organisation": world.school_a.pk, "period": "custom", **dates(-5, -10)}
    )

    assert response.status_code == 302
    assert "The end date is before the start date." in flashed(response)
    assert not SummarySnapshot.objects.exists()


def test_a_snapshot_downloads_as_csv_and_pdf(world, client, recorded, pdf_html):
    five_more_at_school_b(world, recorded)
    snapshot = save_snapshot(client, world.head_a, world.school_a)
    signed_in(client, world.governor)

    download = client.get(reverse("oversight:summary_snapshot_export", args=[snapshot.pk, "csv"]))
    pdf = client.get(reverse("oversight:summary_snapshot_export", args=[snapshot.pk, "pdf"]))

    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = csv_rows(download)
    assert rows[0] == ["Organisation", "Ash Primary School"]
    assert ["Declarations by kind", "Gift given or received", "Ash Primary School", "6"] in rows
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "Saved on" in pdf_html[0]
    for text in (download.content.decode("utf-8-sig"), pdf_html[0]):
        assert leaked(text, recorded.secrets()) == set()


def test_a_snapshot_downloads_as_a_real_pdf(world, client):
    snapshot = save_snapshot(client, world.head_a, world.school_a)

    response = client.get(reverse("oversight:summary_snapshot_export", args=[snapshot.pk, "pdf"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_snapshot_rows_cannot_be_changed_or_deleted(world, client):
    snapshot = save_snapshot(client, world.head_a, world.school_a)

    snapshot.title = "Something else"
    with pytest.raises(AppendOnlyError):
        snapshot.save()
    with pytest.raises(AppendOnlyError):
        SummarySnapshot.objects.filter(pk=snapshot.pk).update(published=True)
    with pytest.raises(AppendOnlyError):
        snapshot.delete()
    assert SummarySnapshot.objects.get().title != "Something else"


# 7. Term dates ------------------------------------------------------------------------------------


def term_post(organisation, year: int, **changes: str) -> dict[str, str]:
    data = {
        "organisation": str(organisation.pk),
        "year": str(year),
        "autumn_starts_on": f"{year}-09-03",
        "autumn_ends_on": f"{year}-12-18",
        "spring_starts_on": f"{year + 1}-01-05",
        "spring_ends_on": f"{year + 1}-03-26",
        "summer_starts_on": f"{year + 1}-04-12",
        "summer_ends_on": f"{year + 1}-07-21",
    }
    return {**data, **changes}


def this_school_year() -> int:
    return school_year_of(timezone.localdate())


def test_the_head_sets_the_term_dates_of_their_school(world, client):
    year = this_school_year()
    signed_in(client, world.head_a)

    response = client.post(TERM_DATES, term_post(world.school_a, year))

    assert response.status_code == 302
    assert response["Location"] == f"{TERM_DATES}?organisation={world.school_a.pk}&year={year}"
    saved = {
        term.term: (term.starts_on, term.ends_on)
        for term in TermDates.objects.filter(organisation=world.school_a, year=year)
    }
    assert saved == {
        Term.AUTUMN: (datetime.date(year, 9, 3), datetime.date(year, 12, 18)),
        Term.SPRING: (datetime.date(year + 1, 1, 5), datetime.date(year + 1, 3, 26)),
        Term.SUMMER: (datetime.date(year + 1, 4, 12), datetime.date(year + 1, 7, 21)),
    }
    event = AuditEvent.objects.get(action="summary.term_dates_set")
    assert event.actor == world.head_a
    assert event.data["year"] == year


def test_the_term_dates_set_are_the_ones_the_summary_uses(world, client):
    year = this_school_year() - 1  # a year whose autumn has surely started
    signed_in(client, world.head_a)
    client.post(TERM_DATES, term_post(world.school_a, year))

    response = client.get(SUMMARY, {"organisation": world.school_a.pk, "period": f"autumn-{year}"})

    assert response.context["report"]["period"]["starts_on"] == f"{year}-09-03"


def test_the_federations_term_dates_apply_to_its_schools(world, client):
    year = this_school_year() - 1  # a year whose autumn has surely started
    signed_in(client, world.executive_head)
    client.post(TERM_DATES, term_post(world.federation, year))
    signed_in(client, world.governor)

    response = client.get(SUMMARY, {"organisation": world.school_b.pk, "period": f"autumn-{year}"})

    assert TermDates.objects.filter(organisation=world.federation).count() == 3
    assert response.context["report"]["period"]["starts_on"] == f"{year}-09-03"


def test_the_term_dates_page_shows_the_form(world, client):
    signed_in(client, world.head_a)

    response = client.get(TERM_DATES, {"organisation": world.school_a.pk})

    assert response.status_code == 200
    assert response.context["year"] == this_school_year()
    assert response.context["organisation"] == world.school_a


def test_a_governor_cannot_open_or_set_the_term_dates(world, client):
    signed_in(client, world.governor)

    assert client.get(TERM_DATES).status_code == 404
    assert client.get(TERM_DATES, {"organisation": world.school_a.pk}).status_code == 404
    response = client.post(TERM_DATES, term_post(world.school_a, this_school_year()))
    assert response.status_code == 404
    assert not TermDates.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param(
            lambda year: {"autumn_ends_on": f"{year}-09-01"}, "autumn_ends_on", id="ends-first"
        ),
        pytest.param(
            lambda year: {"spring_ends_on": f"{year + 2}-03-26"},
            "spring_starts_on",
            id="outside-the-year",
        ),
        pytest.param(
            lambda year: {"summer_starts_on": f"{year + 1}-03-20"},
            "summer_starts_on",
            id="overlapping",
        ),
        pytest.param(
            lambda year: {"autumn_starts_on": "not a date"}, "autumn_starts_on", id="junk"
        ),
        pytest.param(lambda year: {"summer_ends_on": ""}, "summer_ends_on", id="missing"),
    ],
)
def test_invalid_term_dates_are_refused_and_nothing_is_saved(world, client, changes, field):
    year = this_school_year()
    signed_in(client, world.head_a)

    response = client.post(TERM_DATES, term_post(world.school_a, year, **changes(year)))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "There is a problem" in response.content.decode()
    assert not TermDates.objects.exists()
    assert not AuditEvent.objects.filter(action="summary.term_dates_set").exists()


@pytest.mark.parametrize("where", ["other_school", "school_b", "federation"])
def test_a_forged_organisation_for_the_term_dates_is_not_found(world, client, where):
    signed_in(client, world.head_a)

    response = client.post(TERM_DATES, term_post(getattr(world, where), this_school_year()))

    assert response.status_code == 404
    assert not TermDates.objects.exists()


@pytest.mark.parametrize("year", ["abc", "1999", "next", "-2026", "plus-two"])
def test_a_school_year_that_is_not_a_number_or_out_of_range_is_not_found(world, client, year):
    year = str(this_school_year() + 2) if year == "plus-two" else year
    signed_in(client, world.head_a)

    assert (
        client.get(TERM_DATES, {"organisation": world.school_a.pk, "year": year}).status_code == 404
    )
    data = {**term_post(world.school_a, this_school_year()), "year": year}
    assert client.post(TERM_DATES, data).status_code == 404
    assert not TermDates.objects.exists()


def test_a_schools_figures_read_the_same_in_its_own_report_and_its_federations(
    world, client, recorded
):
    signed_in(client, world.governor)
    federation = client.get(SUMMARY, last_two_months(world.federation)).context["report"]
    own = client.get(SUMMARY, last_two_months(world.school_a)).context["report"]

    for key in ("kinds", "outcomes", "timeliness", "open_now"):
        column = federation["tables"][key]["header"].index(world.school_a.name)
        assert [row["cells"][column] for row in federation["tables"][key]["rows"]] == [
            row["cells"][0] for row in own["tables"][key]["rows"]
        ], key


def test_a_schools_own_report_cannot_be_subtracted_from_the_federations(world, client, recorded):
    # School B has 2 declarations. Were school A's 6 shown in its own report beside the
    # federation's total of 8, B's 2 would follow by subtraction: so A's figure is
    # hidden too, alike in both reports.
    signed_in(client, world.governor)
    own = tables_in(client.get(SUMMARY, last_two_months(world.school_a)).content.decode())
    federation = tables_in(client.get(SUMMARY, last_two_months(world.federation)).content.decode())

    a_total = row_of(own["Declarations by kind"], "All declarations")[0]
    federation_row = row_of(federation["Declarations by kind"], "All declarations")
    assert federation_row[1] == FEWER  # school B
    assert "hidden" in (a_total, federation_row[2])  # A's total or the federation's
    assert federation_row[0] == a_total
