"""Syncing a school from its MIS through Wonde (R38, #20), against Wonde's API on
127.0.0.1: the administrator's connection (the token kept encrypted, never shown, never
audited), "Test the connection", "Sync now" and the nightly sync (adds, changes nothing
the second time, leavers become former pupils, parental responsibility on the family
link), a clear message and nothing half-imported when Wonde fails, and who may do it."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from contactpolicy.models import AuditEvent
from directory.models import FamilyLink, FamilyMember, Person, Pupil, Role
from mis.audit_actions import (
    MIS_CONNECTION_CHANGED,
    MIS_CONNECTION_SET,
    MIS_SYNC_FAILED,
    MIS_SYNC_REQUESTED,
)
from mis.models import MisConnection, MisSync
from mis.services import mis_connection_set, mis_sync_nightly
from mis.tokens import token_decrypt
from onboarding.models import ImportRun
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.factories import FederationFactory, SchoolFactory, person_with_roles
from tests.wonde_server import SCHOOL_ID, SLOW_SECONDS, TOKEN, WRONG_TOKEN, wonde_running

pytestmark = pytest.mark.django_db

PAGE = reverse("mis:connection")
TEST = reverse("mis:connection_test")
SYNC = reverse("mis:sync_start")


@once_per_module
def world_for_the_module():
    trust = FederationFactory(name="Hazel Trust")
    school = SchoolFactory(name="Hazel Lane Primary School", urn="100101", parent=trust)
    elsewhere = SchoolFactory(name="Faraway Primary School")
    return {
        "school": school,
        "admin": person_with_roles(school, Role.ADMINISTRATOR),
        "trust_admin": person_with_roles(trust, Role.ADMINISTRATOR),
        "head": person_with_roles(school, Role.HEAD),
        "teacher": person_with_roles(school, Role.STAFF),
        "other_admin": person_with_roles(elsewhere, Role.ADMINISTRATOR),
        "elsewhere": elsewhere,
    }


@pytest.fixture
def world(world_for_the_module):
    return world_for_the_module


@pytest.fixture
def wonde_server():
    with wonde_running() as server:
        yield server


@pytest.fixture
def admin(client, world):
    return sign_in_with_mfa(client, world["admin"])


def connect(world, token: str = TOKEN) -> MisConnection:
    return mis_connection_set(
        actor=world["admin"], organisation=world["school"], school_id=SCHOOL_ID, token=token
    )


def page_of(world) -> str:
    return f"{PAGE}?organisation={world['school'].pk}"


def sync_now(client, world, capture) -> MisSync:
    """Press "Sync now" (the worker runs it when the request's transaction commits)."""
    with capture(execute=True):
        response = client.post(SYNC, {"organisation": world["school"].pk})
    sync = MisSync.objects.order_by("-pk").first()
    assert response.status_code == 302
    assert response.url == reverse("mis:sync", args=[sync.pk])
    return sync


def every_audit_row() -> str:
    return json.dumps(list(AuditEvent.objects.values("data", "target_label")), default=str)


# The connection --------------------------------------------------------------------------


def test_the_administrator_connects_the_school_and_the_token_is_never_shown_back(admin, world):
    page = admin.get(page_of(world)).content.decode()
    assert "Connect to Wonde" in page
    response = admin.post(
        PAGE,
        {
            "organisation": world["school"].pk,
            "school_id": " a1000000101 ",
            "token": TOKEN,
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    connection = MisConnection.objects.get(organisation=world["school"])
    assert connection.school_id == SCHOOL_ID
    assert TOKEN not in connection.token_encrypted  # encrypted at rest
    assert token_decrypt(connection.token_encrypted) == TOKEN
    page = admin.get(page_of(world)).content.decode()
    assert "Saved, encrypted (never shown)" in page
    assert "Leave this blank to keep it" in page
    assert TOKEN not in page
    event = AuditEvent.objects.get(action=MIS_CONNECTION_SET)
    assert event.actor == world["admin"]
    assert event.organisation_pk == world["school"].pk
    assert event.data["school_id"] == SCHOOL_ID
    assert event.data["token_changed"] is True
    assert TOKEN not in every_audit_row()


def test_a_blank_token_keeps_the_saved_one_and_a_new_one_replaces_it(admin, world):
    connect(world)
    response = admin.post(
        PAGE, {"organisation": world["school"].pk, "school_id": SCHOOL_ID, "token": ""}
    )
    assert response.status_code == 302
    connection = MisConnection.objects.get()
    assert token_decrypt(connection.token_encrypted) == TOKEN
    assert connection.enabled is False
    kept = AuditEvent.objects.get(action=MIS_CONNECTION_CHANGED)
    assert kept.data["changed"] == ["enabled"]
    assert kept.data["token_changed"] is False
    new = "1234567890abcdef1234567890abcdef12345678"
    admin.post(
        PAGE,
        {"organisation": world["school"].pk, "school_id": SCHOOL_ID, "token": new, "enabled": "on"},
    )
    connection.refresh_from_db()
    assert token_decrypt(connection.token_encrypted) == new
    replaced = AuditEvent.objects.filter(action=MIS_CONNECTION_CHANGED).latest("pk")
    assert replaced.data["token_changed"] is True
    assert new not in every_audit_row()


def test_a_first_connection_needs_the_token_and_a_school_id_of_wondes_shape(admin, world):
    response = admin.post(
        PAGE, {"organisation": world["school"].pk, "school_id": "Hazel Lane", "token": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "A Wonde school ID is a capital letter and digits" in page
    assert "Access token: This field is required." in page
    assert not MisConnection.objects.exists()


def test_testing_the_connection_says_what_wonde_answered(admin, world, wonde_server):
    connect(world)
    response = admin.post(TEST, {"organisation": world["school"].pk}, follow=True)
    assert (
        "Wonde answered: it shares the data of Hazel Lane Primary School from its MIS (SIMS)."
        in response.content.decode()
    )
    MisConnection.objects.all().delete()
    connect(world, token=WRONG_TOKEN)
    response = admin.post(TEST, {"organisation": world["school"].pk}, follow=True)
    page = response.content.decode()
    assert "Wonde refused the access token: it is wrong, or it has been revoked" in page
    assert WRONG_TOKEN not in page


# Syncing ---------------------------------------------------------------------------------


def test_a_first_sync_adds_the_school_and_says_what_it_could_not_match(
    admin, world, wonde_server, django_capture_on_commit_callbacks
):
    connect(world)
    sync = sync_now(admin, world, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    assert sync.status == MisSync.Status.DONE
    assert sync.since is None  # the first sync reads everything
    assert sync.counts == {"staff": 4, "pupils": 9, "families": 6, "line_management": 0}
    school = world["school"]
    assert Pupil.objects.filter(setting=school, status=Pupil.Status.CURRENT).count() == 8
    sian = Pupil.objects.get(setting=school, reference="1001")
    assert (sian.given_name, sian.family_name) == ("Siân", "O'Connor-Ní Bhriain")
    assert sian.year_group == "2"
    assert sian.date_of_birth == datetime.date(2019, 3, 14)
    assert Pupil.objects.get(setting=school, reference="1002").preferred_given_name == "Ollie"
    leaver = Pupil.objects.get(setting=school, reference="0990")
    assert leaver.status == Pupil.Status.FORMER
    assert leaver.left_on == datetime.date(2025, 7, 18)
    assert leaver.destination == "Millbrook Academy"
    assert Person.objects.filter(email="t.begum@hazellane.example").exists()
    run = sync.import_run
    assert run.source == ImportRun.Source.WONDE
    assert run.started_by == world["admin"]
    page = admin.get(reverse("mis:sync", args=[sync.pk])).content.decode()
    assert "The sync has finished" in page
    assert "Wonde gave 9 pupils, 6 parents or carers and 4 members of staff." in page
    assert reverse("onboarding:import_detail", args=[run.pk]) in page
    # The childminder is not family: the one row that waits for the administrator.
    assert run.problem_count == 1
    detail = admin.get(reverse("onboarding:import_detail", args=[run.pk])).content.decode()
    assert "1 row could not be imported" in detail
    assert "Karen Lowe" in detail


def test_parental_responsibility_lands_on_each_family_link(
    admin, world, wonde_server, django_capture_on_commit_callbacks
):
    connect(world)
    sync_now(admin, world, django_capture_on_commit_callbacks)
    mother = FamilyMember.objects.get(organisation=world["school"], reference="C502")
    links = FamilyLink.objects.filter(family_member=mother).order_by("pupil__reference")
    assert [
        (link.pupil.reference, link.relationship, link.parental_responsibility) for link in links
    ] == [("1003", "mother", True), ("1005", "mother", True)]
    father = FamilyLink.objects.get(family_member__reference="C503", pupil__reference="1003")
    assert (father.relationship, father.parental_responsibility) == ("father", False)
    step = FamilyLink.objects.get(family_member__reference="C504")
    assert step.relationship == FamilyLink.Relationship.STEP_PARENT


def test_a_second_sync_asks_for_what_changed_and_changes_nothing(
    admin, world, wonde_server, django_capture_on_commit_callbacks
):
    connect(world)
    first = sync_now(admin, world, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    connection = MisConnection.objects.get()
    assert connection.last_synced_at == first.started_at
    second = sync_now(admin, world, django_capture_on_commit_callbacks)
    second.refresh_from_db()
    assert second.since == first.started_at
    asked = wonde_server.asked("students")[-1]
    assert (
        asked["updated_after"] == f"{first.started_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S}"
    )
    detail = admin.get(reverse("onboarding:import_detail", args=[second.import_run.pk]))
    assert "Nothing to change." in detail.content.decode()


def test_the_whole_school_again_changes_nothing(
    admin, world, wonde_server, django_capture_on_commit_callbacks
):
    """The demo's test: a school imported once reads the same from Wonde again."""
    wonde_server.data["contacts"] = [
        contact for contact in wonde_server.data["contacts"] if contact["mis_id"] != "C506"
    ]
    connect(world)
    sync_now(admin, world, django_capture_on_commit_callbacks)
    MisConnection.objects.update(last_synced_at=None)
    again = sync_now(admin, world, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    run = again.import_run
    assert (run.added, run.changed, run.problem_count) == (0, 0, 0)
    assert run.unchanged == 4 + 9 + 5
    detail = admin.get(reverse("onboarding:import_detail", args=[run.pk])).content.decode()
    assert "Nothing to change." in detail


def test_a_pupil_wonde_lists_as_a_leaver_becomes_a_former_pupil(
    admin, world, wonde_server, django_capture_on_commit_callbacks
):
    connect(world)
    sync_now(admin, world, django_capture_on_commit_callbacks)
    isla = next(s for s in wonde_server.data["students"] if s["mis_id"] == "1008")
    wonde_server.data["students"].remove(isla)
    left = copy.deepcopy(isla)
    today = timezone.localdate()
    left["education_details"]["data"].update(
        leaving_date={
            "date": f"{today} 00:00:00.000000",
            "timezone_type": 3,
            "timezone": "Europe/London",
        },
        destination="Kirkwall Grammar School",
    )
    later = timezone.now() + datetime.timedelta(minutes=5)
    left["updated_at"] = {
        "date": f"{later.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S}.000000",
        "timezone_type": 3,
        "timezone": "UTC",
    }
    wonde_server.data["students-leaver"].append(left)
    sync = sync_now(admin, world, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    assert sync.counts["pupils"] == 1
    pupil = Pupil.objects.get(setting=world["school"], reference="1008")
    assert pupil.status == Pupil.Status.FORMER
    assert pupil.left_on == today
    assert pupil.destination == "Kirkwall Grammar School"
    assert Pupil.objects.filter(setting=world["school"]).count() == 9  # nobody deleted


@pytest.mark.parametrize(
    ("misbehave", "message"),
    [
        ("wrong_token", "Wonde refused the access token: it is wrong, or it has been revoked."),
        ("down", "Wonde could not be reached at 127.0.0.1"),
        ("slow", "Wonde did not answer within 0.5 seconds, so the sync stopped"),
        ("malformed", "Wonde&#x27;s answer could not be read (it was not JSON)"),
        ("malformed_later", "Wonde&#x27;s answer could not be read (it was not JSON)"),
    ],
)
def test_when_wonde_fails_the_page_says_why_and_nothing_is_imported(
    admin, world, wonde_server, django_capture_on_commit_callbacks, misbehave, message
):
    connect(world, token=WRONG_TOKEN if misbehave == "wrong_token" else TOKEN)
    if misbehave == "down":
        wonde_server.go_down()
    elif misbehave == "slow":
        wonde_server.slow_seconds = SLOW_SECONDS
    elif misbehave.startswith("malformed"):
        wonde_server.malformed = True
        wonde_server.misbehave_from_page = 2 if misbehave == "malformed_later" else 1
    sync = sync_now(admin, world, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    assert sync.status == MisSync.Status.FAILED
    page = admin.get(reverse("mis:sync", args=[sync.pk])).content.decode()
    assert "The sync stopped, and nothing was changed" in page
    assert message in page
    assert not Pupil.objects.filter(setting=world["school"]).exists()
    assert not ImportRun.objects.exists()
    assert MisConnection.objects.get().last_synced_at is None  # the next sync reads it all
    failed = AuditEvent.objects.get(action=MIS_SYNC_FAILED)
    assert failed.organisation_pk == world["school"].pk
    assert TOKEN not in every_audit_row()
    assert WRONG_TOKEN not in every_audit_row()


def test_the_sync_page_shows_its_progress_and_asks_again_while_it_runs(admin, world):
    connection = connect(world)
    sync = MisSync.objects.create(
        connection=connection,
        status=MisSync.Status.RUNNING,
        started_at=timezone.now(),
        progress="Reading pupils from Wonde: page 2",
        requested_by=world["admin"],
    )
    url = reverse("mis:sync", args=[sync.pk])
    page = admin.get(url).content.decode()
    assert "Reading pupils from Wonde: page 2." in page
    assert f'hx-get="{url}" hx-trigger="every 2s"' in page
    partial = admin.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Reading pupils from Wonde: page 2." in partial
    assert "<html" not in partial


def test_sync_now_while_a_sync_runs_shows_that_one(
    admin, world, django_capture_on_commit_callbacks
):
    connection = connect(world)
    running = MisSync.objects.create(
        connection=connection, status=MisSync.Status.RUNNING, started_at=timezone.now()
    )
    assert sync_now(admin, world, django_capture_on_commit_callbacks) == running
    assert MisSync.objects.count() == 1
    assert not AuditEvent.objects.filter(action=MIS_SYNC_REQUESTED).exists()


def test_sync_now_is_audited_with_who_asked(
    admin, world, wonde_server, django_capture_on_commit_callbacks
):
    connect(world)
    sync = sync_now(admin, world, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(action=MIS_SYNC_REQUESTED)
    assert event.actor == world["admin"]
    assert event.data == {"sync": sync.pk, "provider": "wonde", "school_id": SCHOOL_ID}


# The nightly sync ------------------------------------------------------------------------


def test_the_nightly_sync_runs_each_enabled_connection_once_a_night(
    world, wonde_server, django_capture_on_commit_callbacks
):
    connect(world)
    other = mis_connection_set(
        actor=world["other_admin"],
        organisation=world["elsewhere"],
        school_id="A1000000999",
        token=TOKEN,
        enabled=False,
    )
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        line = mis_sync_nightly(today)
    assert line == "MIS syncs: 1 queued."
    sync = MisSync.objects.get()
    assert sync.trigger == MisSync.Trigger.NIGHTLY
    assert sync.status == MisSync.Status.DONE
    assert sync.import_run.started_by is None
    assert Pupil.objects.filter(setting=world["school"]).count() == 9
    assert not other.syncs.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert mis_sync_nightly(today) == "MIS syncs: 0 queued."
    assert MisSync.objects.count() == 1


# Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "head", "other_admin"])
def test_only_the_schools_administrators_reach_its_connection(client, world, who):
    connection = connect(world)
    sync = MisSync.objects.create(connection=connection)
    sign_in_with_mfa(client, world[who])
    organisation = {"organisation": world["school"].pk}
    assert client.get(page_of(world)).status_code == 404
    assert client.post(PAGE, {**organisation, "school_id": "A1", "token": TOKEN}).status_code == 404
    assert client.post(TEST, organisation).status_code == 404
    assert client.post(SYNC, organisation).status_code == 404
    assert client.get(reverse("mis:sync", args=[sync.pk])).status_code == 404
    assert MisSync.objects.count() == 1
    assert token_decrypt(MisConnection.objects.get().token_encrypted) == TOKEN


def test_the_trusts_administrator_reaches_its_schools_connection(client, world):
    connect(world)
    sign_in_with_mfa(client, world["trust_admin"])
    assert client.get(page_of(world)).status_code == 200


def test_a_forged_organisation_or_sync_is_not_found(admin, world):
    connect(world)
    theirs = mis_connection_set(
        actor=world["other_admin"],
        organisation=world["elsewhere"],
        school_id="A1000000999",
        token=TOKEN,
    )
    their_sync = MisSync.objects.create(connection=theirs)
    elsewhere = {"organisation": world["elsewhere"].pk}
    assert admin.get(f"{PAGE}?organisation={world['elsewhere'].pk}").status_code == 404
    assert admin.get(f"{PAGE}?organisation=999999").status_code == 404
    assert admin.get(f"{PAGE}?organisation=not-a-number").status_code == 404
    assert admin.post(SYNC, elsewhere).status_code == 404
    assert admin.post(TEST, elsewhere).status_code == 404
    assert admin.get(reverse("mis:sync", args=[their_sync.pk])).status_code == 404
    assert admin.get(reverse("mis:sync", args=[999999])).status_code == 404
    assert MisSync.objects.count() == 1


def test_the_administrators_home_links_to_the_sync(admin):
    assert PAGE in admin.get(reverse("home")).content.decode()
