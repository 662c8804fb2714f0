"""The governors' summary kept in the shared cache (#10): worked out once and shown for
SUMMARY_CACHE_SECONDS, with the time it was worked out; the CSV and PDF from the same
figures; a saved snapshot always worked out afresh; one cached summary per organisation
and period, read only by those who may read it; and nothing personal in the cache."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from approvals.models import DeciderRole
from directory.models import Organisation, Person, Role
from oversight import summaries
from oversight.models import SummarySnapshot
from schoolcalendar.periods import Period, custom_period, school_year_of
from tests.factories import FederationFactory, SchoolFactory, person_with_roles
from tests.oversight.test_summary_views import (
    NAMED_HEADING,
    SAVE,
    SUMMARY,
    Recorded,
    csv_rows,
    custom,
    days,
    declared,
    export_url,
    leaked,
    row_of,
    signed_in,
    tables_in,
)

pytestmark = pytest.mark.django_db

GIFT = "Gift given or received"
PLANNED = "Planned social contact"
KINDS = "Declarations by kind"
REFRESHED = "They are worked out again when they are more than 5 minutes old."


# Helpers -------------------------------------------------------------------------------


def gifts(world, count: int, on: datetime.date | None = None) -> None:
    """``count`` gifts declared at Ash Primary School and decided by its line manager."""
    for _ in range(count):
        declared(
            setting=world.school_a,
            declarant=world.teacher_a,
            on=on or days(-10),
            decider=world.line_manager_a,
        )


def planned_at_b(world, count: int, on: datetime.date | None = None) -> None:
    """``count`` planned social contacts at Birch Primary School, decided by the
    Executive Headteacher."""
    for _ in range(count):
        declared(
            setting=world.school_b,
            declarant=world.teacher_b,
            on=on or days(-10),
            kind="planned_social_contact",
            decider=world.executive_head,
            role=DeciderRole.EXECUTIVE_HEAD,
        )


def month(organisation) -> dict[str, str]:
    """The last 30 days of ``organisation``."""
    return custom(organisation, days(-30), days(0))


def kinds(response) -> list[list[str]]:
    assert response.status_code == 200
    return tables_in(response.content.decode())[KINDS]


def gifts_shown(response) -> str:
    """This period's count of gifts on a school's summary page."""
    return row_of(kinds(response), GIFT)[0]


def gifts_in_csv(response) -> str:
    assert response.status_code == 200
    return next(row[3] for row in csv_rows(response) if row[:2] == [KINDS, GIFT])


def row_of_report(report: dict, label: str) -> str:
    """This period's figure in a row of the kinds table of a report itself."""
    row = next(row for row in report["tables"]["kinds"]["rows"] if row["label"] == label)
    return row["cells"][0]["text"]


def made_on(at: str) -> str:
    return f"Made on {timezone.localdate():%-d %B %Y} at {at}."


def cached_entries() -> dict[str, object]:
    """Everything in the summaries' cache (a table in the database), by key."""
    table = connection.ops.quote_name(django_settings.CACHES["summaries"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")  # noqa: S608 (the settings' own name)
        stored = [row[0] for row in cursor.fetchall()]
    # Django stores "<prefix>:<version>:<key>".
    keys = [key.split(":", 2)[2] for key in stored]
    return {key: caches["summaries"].get(key) for key in keys}


class Clock:
    """The summaries' clock, stopped at a time of today; everything else is the real
    django.utils.timezone."""

    def __init__(self) -> None:
        self.now: datetime.datetime | None = None

    def set(self, hour: int, minute: int) -> None:
        self.now = timezone.localtime().replace(hour=hour, minute=minute, second=0)

    def localtime(self, value=None, *args, **kwargs):
        if value is None and self.now is not None:
            return self.now
        return timezone.localtime(value, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(timezone, name)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    stopped = Clock()
    monkeypatch.setattr(summaries, "timezone", stopped)
    return stopped


@pytest.fixture
def builds(monkeypatch) -> list[tuple[str, str]]:
    """Every summary worked out for the pages and downloads: (organisation, period)."""
    made: list[tuple[str, str]] = []
    build = summaries.summary_build

    def counted(*, organisation, period, today=None):
        made.append((organisation.name, period.token))
        return build(organisation=organisation, period=period, today=today)

    monkeypatch.setattr(summaries, "summary_build", counted)
    return made


@pytest.fixture
def pdf_html(monkeypatch) -> list[str]:
    """The HTML each PDF would be drawn from (WeasyPrint itself is not run)."""
    import weasyprint

    seen: list[str] = []

    class Captured:
        def __init__(self, *args, string: str = "", **kwargs) -> None:
            seen.append(string)

        def write_pdf(self, **options) -> bytes:
            return b"%PDF-1.7 captured"

    monkeypatch.setattr(weasyprint, "HTML", Captured)
    return seen


# 1. Kept for a few minutes, and says when it was worked out ----------------------------------


def test_a_second_look_within_minutes_shows_the_same_figures_and_when_they_were_made(
    world, client, clock
):
    gifts(world, 6)
    signed_in(client, world.governor)
    clock.set(9, 15)
    first = client.get(SUMMARY, month(world.school_a))

    gifts(world, 1)  # decided since
    clock.set(9, 18)
    second = client.get(SUMMARY, month(world.school_a))

    assert gifts_shown(first) == gifts_shown(second) == "6"
    assert made_on("09:15") in first.content.decode()
    assert made_on("09:15") in second.content.decode()
    assert second.context["report"]["worked_out_at"] == "09:15"
    assert REFRESHED in second.content.decode()


def test_once_the_cache_is_cleared_the_new_decision_is_counted(world, client, clock):
    gifts(world, 6)
    signed_in(client, world.governor)
    clock.set(9, 15)
    client.get(SUMMARY, month(world.school_a))
    gifts(world, 1)

    caches["summaries"].clear()  # as when SUMMARY_CACHE_SECONDS have passed
    clock.set(9, 21)
    response = client.get(SUMMARY, month(world.school_a))

    assert gifts_shown(response) == "7"
    assert made_on("09:21") in response.content.decode()


def test_with_no_cache_time_every_look_is_worked_out_afresh(world, client, settings, builds):
    settings.SUMMARY_CACHE_SECONDS = 0
    gifts(world, 6)
    signed_in(client, world.governor)
    first = client.get(SUMMARY, month(world.school_a))

    gifts(world, 1)
    second = client.get(SUMMARY, month(world.school_a))
    download = client.get(export_url("csv"), month(world.school_a))

    assert (gifts_shown(first), gifts_shown(second), gifts_in_csv(download)) == ("6", "7", "7")
    assert len(builds) == 3
    assert "worked out again" not in second.content.decode()  # nothing is kept


def test_governors_heads_and_downloads_share_one_working_out(world, client, builds, pdf_html):
    gifts(world, 6)
    query = month(world.school_a)

    for person in (world.governor, world.chair, world.head_a, world.executive_head):
        signed_in(client, person)
        assert gifts_shown(client.get(SUMMARY, query)) == "6"
    assert gifts_in_csv(client.get(export_url("csv"), query)) == "6"
    assert client.get(export_url("pdf"), query).status_code == 200

    assert builds == [("Ash Primary School", "custom")]
    assert len(pdf_html) == 1


# 2. The downloads and the saved snapshot -----------------------------------------------------


def test_the_csv_agrees_with_the_cached_page_until_both_are_worked_out_again(world, client):
    gifts(world, 6)
    signed_in(client, world.governor)
    query = month(world.school_a)
    page = client.get(SUMMARY, query)
    gifts(world, 1)

    download = client.get(export_url("csv"), query)

    assert gifts_shown(page) == gifts_in_csv(download) == "6"
    assert ["Made on", timezone.localdate().isoformat()] in csv_rows(download)
    caches["summaries"].clear()
    assert gifts_in_csv(client.get(export_url("csv"), query)) == "7"
    assert gifts_shown(client.get(SUMMARY, query)) == "7"


def test_the_pdf_agrees_with_the_cached_page(world, client, clock, pdf_html):
    gifts(world, 6)
    signed_in(client, world.governor)
    query = month(world.school_a)
    clock.set(14, 5)
    page = client.get(SUMMARY, query)
    gifts(world, 1)

    client.get(export_url("pdf"), query)

    assert row_of(tables_in(pdf_html[0])[KINDS], GIFT) == row_of(kinds(page), GIFT)
    assert row_of(tables_in(pdf_html[0])[KINDS], GIFT)[0] == "6"
    assert "at 14:05" in pdf_html[0]


def test_a_saved_snapshot_is_worked_out_afresh_while_the_page_shows_the_cached_figures(
    world, client, clock
):
    gifts(world, 6)
    query = month(world.school_a)
    signed_in(client, world.governor)
    clock.set(10, 0)
    client.get(SUMMARY, query)
    gifts(world, 1)

    signed_in(client, world.head_a)
    saved = client.post(SAVE, query)
    snapshot = SummarySnapshot.objects.get()
    opened = client.get(snapshot.get_absolute_url())
    page = client.get(SUMMARY, query)

    assert saved.status_code == 302
    assert row_of_report(snapshot.data, GIFT) == "7"
    assert gifts_shown(opened) == "7"
    assert gifts_shown(page) == "6"  # saving did not touch the figures on screen
    assert made_on("10:00") in page.content.decode()
    # The board papers hold a moment, not a cached working-out.
    assert "worked_out_at" not in snapshot.data
    assert "cache_key" not in snapshot.data
    assert REFRESHED not in opened.content.decode()


# 3. One cached summary per organisation and period -------------------------------------------


def test_the_federation_and_each_school_never_share_a_cached_summary(world, client, builds):
    gifts(world, 6)
    planned_at_b(world, 7)
    signed_in(client, world.governor)

    federation = client.get(SUMMARY, month(world.federation))
    school_a = client.get(SUMMARY, month(world.school_a))
    school_b = client.get(SUMMARY, month(world.school_b))

    assert kinds(federation)[0][1:3] == ["Ash Primary School", "Birch Primary School"]
    assert row_of(kinds(federation), "All declarations")[2] == "13"
    assert row_of(kinds(school_a), GIFT)[0] == "6"
    assert row_of(kinds(school_a), "All declarations")[0] == "6"
    assert row_of(kinds(school_b), PLANNED)[0] == "7"
    assert row_of(kinds(school_b), "All declarations")[0] == "7"
    assert [
        response.context["report"]["organisation"] for response in (federation, school_a, school_b)
    ] == ["Oak Federation", "Ash Primary School", "Birch Primary School"]
    assert len(builds) == 3


def test_a_term_and_its_school_year_never_share_a_cached_summary(world, client, builds):
    last_year = school_year_of(timezone.localdate()) - 1
    gifts(world, 6, on=datetime.date(last_year, 10, 15))  # in the autumn term
    gifts(world, 5, on=datetime.date(last_year + 1, 6, 15))  # in the summer term
    signed_in(client, world.governor)

    def period(token: str):
        return client.get(SUMMARY, {"organisation": world.school_a.pk, "period": token})

    year = period(f"year-{last_year}")
    autumn = period(f"autumn-{last_year}")
    summer = period(f"summer-{last_year}")
    year_again = period(f"year-{last_year}")

    assert gifts_shown(year) == gifts_shown(year_again) == "11"
    assert gifts_shown(autumn) == "6"
    assert gifts_shown(summer) == "5"
    assert f"School year {last_year} to {last_year + 1}" in year.content.decode()
    assert f"Autumn term {last_year}" in autumn.content.decode()
    assert len(builds) == 3


def test_two_chosen_date_ranges_never_share_a_cached_summary(world, client, builds):
    gifts(world, 6, on=days(-20))
    gifts(world, 5, on=days(-3))
    signed_in(client, world.governor)

    month_long = client.get(SUMMARY, custom(world.school_a, days(-30), days(0)))
    week_long = client.get(SUMMARY, custom(world.school_a, days(-7), days(0)))
    same_end = client.get(SUMMARY, custom(world.school_a, days(-30), days(-10)))

    assert gifts_shown(month_long) == "11"
    assert gifts_shown(week_long) == "5"
    assert gifts_shown(same_end) == "6"
    assert len(builds) == 3


def test_a_summary_worked_out_yesterday_is_not_shown_today(world):
    gifts(world, 6)
    today = timezone.localdate()
    period = custom_period(days(-30), days(-1))

    yesterday = summaries.summary_cached(
        organisation=world.school_a, period=period, today=today - datetime.timedelta(days=1)
    )
    gifts(world, 1, on=days(-2))
    now = summaries.summary_cached(organisation=world.school_a, period=period, today=today)

    assert yesterday["made_on"] != now["made_on"]
    assert row_of_report(yesterday, GIFT) == "6"
    assert row_of_report(now, GIFT) == "7"


# 4. Who may read a cached summary -------------------------------------------------------------


@pytest.fixture
def elm_trust(db):
    """Another trust, with a school and a governor of its own."""
    trust = FederationFactory(name="Elm Trust", kind=Organisation.Kind.TRUST)
    SchoolFactory(name="Elm Primary School", parent=trust)
    return trust, person_with_roles(trust, Role.GOVERNOR)


@pytest.mark.parametrize("where", ["federation", "school_a", "school_b"])
def test_a_governor_of_another_trust_cannot_read_a_cached_summary(
    world, client, elm_trust, pdf_html, where
):
    gifts(world, 6)
    query = month(getattr(world, where))
    signed_in(client, world.governor)
    assert client.get(SUMMARY, query).status_code == 200  # now in the cache
    assert client.get(export_url("csv"), query).status_code == 200
    trust, outsider = elm_trust
    signed_in(client, outsider)

    assert client.get(SUMMARY, query).status_code == 404
    assert client.get(export_url("csv"), query).status_code == 404
    assert client.get(export_url("pdf"), query).status_code == 404
    assert client.post(SAVE, query).status_code == 404
    own = client.get(SUMMARY, month(trust))
    assert own.context["report"]["organisation"] == "Elm Trust"
    assert "Oak Federation" not in own.content.decode()
    assert "Ash Primary School" not in own.content.decode()


def test_a_head_cannot_read_the_cached_summary_of_the_school_next_door(world, client):
    gifts(world, 6)
    signed_in(client, world.governor)
    assert client.get(SUMMARY, month(world.school_b)).status_code == 200
    signed_in(client, world.head_a)

    assert client.get(SUMMARY, month(world.school_b)).status_code == 404
    assert client.get(export_url("csv"), month(world.school_b)).status_code == 404


# 5. Nothing personal in the cache ------------------------------------------------------------


@pytest.fixture
def chair_decided(world):
    """The Executive Headteacher's own declaration, decided by the Chair: the Chair alone
    sees it named, outside the cached figures."""
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
    )


@pytest.mark.parametrize("first", ["chair", "governor"])
def test_the_cached_page_names_nobody_whoever_worked_it_out(
    world, client, chair_decided, builds, first
):
    recorded = Recorded(world)
    query = month(world.federation)
    order = [first, "governor" if first == "chair" else "chair"]

    pages = {}
    for viewer in order:
        person = getattr(world, viewer)
        signed_in(client, person)
        pages[viewer] = client.get(SUMMARY, query).content.decode()

    assert "Gift given or received" in pages["governor"]
    assert leaked(pages["governor"], recorded.secrets(), viewer=world.governor) == set()
    assert NAMED_HEADING not in pages["governor"]
    assert "Thistlethwaite" not in pages["governor"]
    # The Chair's own decisions are named to the Chair alone, beside the cached figures.
    assert NAMED_HEADING in pages["chair"]
    assert leaked(pages["chair"], recorded.secrets(), viewer=world.chair) == {
        "Evangeline Thistlethwaite"
    }
    assert len(builds) == 1  # the second viewer was shown the first one's working-out


@pytest.mark.parametrize("viewer", ["chair", "governor", "head_a"])
def test_the_cache_holds_figures_and_no_personal_data(
    world, client, chair_decided, pdf_html, viewer
):
    recorded = Recorded(world)
    person = getattr(world, viewer)
    signed_in(client, person)
    where = world.school_a if viewer == "head_a" else world.federation
    client.get(SUMMARY, month(where))
    client.get(export_url("csv"), month(where))
    client.get(export_url("pdf"), month(where))

    entries = cached_entries()

    summary_entries = {key: value for key, value in entries.items() if key.startswith("summary:")}
    reports = [value for value in summary_entries.values() if isinstance(value, dict)]
    drawn = [value for value in summary_entries.values() if isinstance(value, str)]
    assert len(reports) == 1
    assert len(drawn) == 1
    assert reports[0]["organisation"] == where.name
    assert reports[0]["tables"]["kinds"]["rows"]  # the figures are there
    assert "Gift given or received" in drawn[0]
    for key, value in summary_entries.items():
        assert leaked(key + repr(value), recorded.secrets() | {"Thistlethwaite"}) == set(), key
        for person in (world.executive_head, recorded.declarant_a, recorded.declarant_b):
            assert person.email not in repr(value)
        assert NAMED_HEADING not in repr(value)


def test_a_full_summary_cache_never_drops_the_sign_in_limits(client, world, settings):
    """The summaries have a cache of their own: when it is full it drops summaries, never
    the counters that lock an account after five wrong passwords (#10)."""
    counter = "allauth:rl:login_failed:key:someone@example.org"
    default_cache.set(counter, [1, 2, 3], 900)
    summaries_cache = caches["summaries"]
    summaries_cache._max_entries = 5  # as if the cache were full
    try:
        for number in range(20):
            summaries_cache.set(f"summary:test:{number}", {"figures": number}, 300)
    finally:
        summaries_cache._max_entries = settings.CACHES["summaries"]["OPTIONS"]["MAX_ENTRIES"]

    assert default_cache.get(counter) == [1, 2, 3]


# One working-out at a time -----------------------------------------------------------------


def the_key_of(world) -> tuple[Period, str]:
    """A month of the school's summary, and the key it is kept under."""
    period = Period(
        "custom",
        "test",
        timezone.localdate() - datetime.timedelta(days=30),
        timezone.localdate(),
    )
    return period, ":".join(
        str(part)
        for part in (
            "summary",
            summaries.SCHEMA,
            world.school_a.pk,
            period.token,
            period.starts_on,
            period.ends_on,
            timezone.localdate(),
        )
    )


def test_a_view_while_another_works_it_out_waits_for_theirs(world, builds, monkeypatch):
    """Governors opening a lapsed summary together do not each work it out: the second
    waits for the first's figures (a trust's year takes seconds, #10)."""
    period, key = the_key_of(world)
    cache = caches["summaries"]
    cache.add(f"{key}:working-out", True, 60)  # another worker has started
    theirs = {"tables": {}, "worked_out_at": "09:00", "from": "the other worker"}

    def meanwhile(seconds):
        cache.set(key, theirs, 300)  # ... and finishes while this one waits

    monkeypatch.setattr(summaries.time, "sleep", meanwhile)

    report = summaries.summary_cached(organisation=world.school_a, period=period)

    assert report == theirs
    assert builds == []


def test_when_the_other_working_out_fails_this_one_works_it_out(world, builds, monkeypatch):
    period, key = the_key_of(world)
    cache = caches["summaries"]
    cache.add(f"{key}:working-out", True, 60)
    waits = []

    def meanwhile(seconds):
        waits.append(seconds)
        cache.delete(f"{key}:working-out")  # the other one failed and let go

    monkeypatch.setattr(summaries.time, "sleep", meanwhile)

    report = summaries.summary_cached(organisation=world.school_a, period=period)

    assert len(builds) == 1
    assert len(waits) == 1  # straight away, not after a minute
    assert report["worked_out_at"]
    assert cache.get(f"{key}:working-out") is None  # nobody is left waiting on it
