"""Every read of a governors' summary is audited (#22, R34): the page, its PDF and CSV,
a saved summary and its downloads; and a governor's home says when a summary has been
published since they last opened one."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactpolicy.audit import label_of
from contactpolicy.models import AuditEvent
from oversight.models import SummarySnapshot
from oversight.services import summary_snapshot_save
from schoolcalendar.periods import custom_period
from tests.oversight.test_summary_views import SUMMARY, export_url, signed_in

pytestmark = pytest.mark.django_db

WEEKS = {"period": "custom", "date_from": "2026-09-21", "date_to": "2026-11-15"}
READS = ("summary.read", "summary.downloaded")


def reads_by(person) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor=person, action__in=READS).order_by("pk"))


def published(world, organisation=None, **options) -> SummarySnapshot:
    organisation = organisation or world.school_a
    return summary_snapshot_save(
        actor=world.head_a if organisation == world.school_a else world.executive_head,
        organisation=organisation,
        period=custom_period(datetime.date(2026, 9, 21), datetime.date(2026, 11, 15)),
        publish=True,
        **options,
    )


def home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.text


# Reads are audited ----------------------------------------------------------------------


def test_reading_the_summary_page_writes_an_audit_event(world, client):
    signed_in(client, world.governor)

    client.get(SUMMARY, {"organisation": world.school_a.pk, **WEEKS})

    (event,) = reads_by(world.governor)
    assert event.action == "summary.read"
    assert label_of(event.action) == "Governors' summary read"
    assert event.organisation_pk == world.school_a.pk
    assert event.data == {"period": "custom", "starts_on": "2026-09-21", "ends_on": "2026-11-15"}
    assert event.target_id == ""
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize("fmt", ["pdf", "csv"])
def test_downloading_the_summary_writes_an_audit_event(world, client, fmt):
    signed_in(client, world.governor)

    client.get(export_url(fmt), {"organisation": world.federation.pk, **WEEKS})

    (event,) = reads_by(world.governor)
    assert event.action == "summary.downloaded"
    assert label_of(event.action) == "Governors' summary downloaded"
    assert event.organisation_pk == world.federation.pk
    assert event.data["format"] == fmt.upper()


@pytest.mark.parametrize(
    ("name", "action", "fmt"),
    [
        ("summary_snapshot", "summary.read", None),
        ("summary_snapshot_export", "summary.downloaded", "pdf"),
        ("summary_snapshot_export", "summary.downloaded", "csv"),
    ],
)
def test_reading_a_saved_summary_writes_an_audit_event_naming_it(world, client, name, action, fmt):
    snapshot = published(world)
    signed_in(client, world.governor)

    response = client.get(reverse(f"oversight:{name}", args=[snapshot.pk, *([fmt] if fmt else [])]))

    assert response.status_code == 200
    (event,) = reads_by(world.governor)
    assert event.action == action
    assert event.target_id == str(snapshot.pk)
    assert event.target_label == str(snapshot)
    assert event.organisation_pk == world.school_a.pk
    assert event.data["starts_on"] == "2026-09-21"


def test_a_refused_or_bad_read_writes_no_read_event(world, client):
    signed_in(client, world.head_other)

    client.get(SUMMARY, {"organisation": world.school_a.pk, **WEEKS})  # not theirs
    signed_in(client, world.governor)
    client.get(SUMMARY, {"organisation": world.school_a.pk, **WEEKS, "date_from": "2026-09-22"})

    assert not AuditEvent.objects.filter(action__in=READS).exists()


def test_the_audit_history_reads_a_summary_read_in_words(world, client):
    snapshot = published(world)
    signed_in(client, world.governor)
    client.get(snapshot.get_absolute_url())
    signed_in(client, world.dsl_a)

    page = client.get(reverse("oversight:audit"), {"action": "summary.read"}).text

    assert "Governors&#x27; summary read" in page
    assert world.governor.get_full_name() in page


# The governor's home ----------------------------------------------------------------------


def test_a_governor_is_told_a_new_summary_has_been_published(world, client):
    snapshot = published(world)
    signed_in(client, world.governor)

    page = home(client)

    assert "new summary has been published: " in page
    assert f'href="{snapshot.get_absolute_url()}"' in page


def test_once_the_governor_opens_it_the_to_do_goes(world, client):
    snapshot = published(world)
    signed_in(client, world.governor)
    client.get(snapshot.get_absolute_url())

    assert "new summary has been published" not in home(client)

    # Until the next one is published.
    later = published(world, organisation=world.federation)
    page = home(client)
    assert "new summary has been published: " in page
    assert f'href="{later.get_absolute_url()}"' in page


def test_a_download_of_the_saved_summary_counts_as_reading_it(world, client):
    snapshot = published(world)
    signed_in(client, world.governor)
    client.get(reverse("oversight:summary_snapshot_export", args=[snapshot.pk, "pdf"]))

    assert "new summary has been published" not in home(client)


def test_a_summary_saved_but_not_published_is_no_to_do(world, client):
    summary_snapshot_save(
        actor=world.head_a,
        organisation=world.school_a,
        period=custom_period(datetime.date(2026, 9, 21), datetime.date(2026, 11, 15)),
    )
    signed_in(client, world.governor)

    assert "new summary has been published" not in home(client)


def test_a_summary_of_another_school_is_no_to_do(world, client):
    summary_snapshot_save(
        actor=world.head_other,
        organisation=world.other_school,
        period=custom_period(datetime.date(2026, 9, 21), datetime.date(2026, 11, 15)),
        publish=True,
    )
    signed_in(client, world.governor)

    assert "new summary has been published" not in home(client)


def test_the_to_do_costs_no_more_queries_however_many_summaries_and_reads(world, client):
    signed_in(client, world.governor)
    first = published(world)
    home(client)  # warm up: the session and the content types
    with CaptureQueriesContext(connection) as few:
        home(client)
    for _ in range(3):
        client.get(first.get_absolute_url())
        published(world)
        published(world, organisation=world.federation)
    with CaptureQueriesContext(connection) as many:
        page = home(client)

    assert "new summary has been published" in page
    assert len(many) == len(few)
    assert SummarySnapshot.objects.count() == 7


def test_opening_an_older_summary_leaves_the_new_one_to_read(world, client):
    older = published(world)
    newer = published(world, organisation=world.federation)
    signed_in(client, world.governor)
    client.get(older.get_absolute_url())

    page = home(client)

    assert f'href="{newer.get_absolute_url()}"' in page
    assert "new summary has been published: " in page


def test_whoever_published_it_is_not_told_it_is_new(world, client):
    published(world)
    signed_in(client, world.head_a)

    assert "new summary has been published" not in home(client)
