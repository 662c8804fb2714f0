"""The new school year (R38, issue #20 item 3): at one setting, on a chosen first day,
the year groups move up and the leaving year becomes former pupils with their leaving
date and destination; a preview first, once per setting and school year, one audit row,
nothing deleted, a fixed number of queries. Only the setting's administrator, or its
trust's or federation's, starts it."""

from __future__ import annotations

import contextlib
import datetime
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.access import Access
from directory.models import Membership, Pupil, Role, YearGroup
from schoolcalendar.exceptions import SchoolYearError
from schoolcalendar.models import SchoolYearRollover, Term, TermDates
from schoolcalendar.school_year import new_school_year_plan, new_school_year_start
from tests.conftest import sign_in_with_mfa
from tests.factories import MembershipFactory, PupilFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("schoolcalendar:new_school_year")
# The tests' clock is 18 November 2026 (tests/clock.py): the school year 2026 to 2027
# began on 2 September, after a summer term that ended on 22 July 2026.
FIRST_DAY = datetime.date(2026, 9, 2)
SUMMER_END = datetime.date(2026, 7, 22)
ACTION = "onboarding.school_year.started"


def pupils_in(setting, year_group: str, count: int, **fields) -> list[Pupil]:
    return [
        PupilFactory(
            setting=setting, year_group=year_group, class_name=f"Class {year_group}", **fields
        )
        for _ in range(count)
    ]


@pytest.fixture
def school_a(world):
    """Ash Primary School with Year 4, 5 and 6, a child with no year group, a former
    pupil, and the federation's summer term 2025 to 2026 set."""
    TermDates.objects.create(
        organisation=world.federation,
        year=2025,
        term=Term.SUMMER,
        starts_on=datetime.date(2026, 4, 20),
        ends_on=SUMMER_END,
    )
    return {
        "4": pupils_in(world.school_a, YearGroup.YEAR_4, 2),
        "5": pupils_in(world.school_a, YearGroup.YEAR_5, 3),
        "6": pupils_in(world.school_a, YearGroup.YEAR_6, 4),
        "none": pupils_in(world.school_a, "", 1),
        "former": pupils_in(
            world.school_a,
            YearGroup.YEAR_6,
            1,
            status=Pupil.Status.FORMER,
            left_on=datetime.date(2025, 7, 21),
            destination="Oak Academy",
        ),
    }


def choice(**overrides) -> dict:
    data = {
        "starts_on": FIRST_DAY.isoformat(),
        "leaving_year_group": YearGroup.YEAR_6,
        "destination": "Secondary school",
    }
    data.update(overrides)
    return data


def start(world, setting=None, actor=None, **overrides):
    values = choice(**overrides)
    return new_school_year_start(
        actor=actor or world.administrator,
        setting=setting or world.school_a,
        starts_on=datetime.date.fromisoformat(values["starts_on"]),
        leaving_year_group=values["leaving_year_group"],
        destination=values["destination"],
        empty_classes=values.get("empty_classes", False),
    )


def year_groups(pupils) -> list[str]:
    return [Pupil.objects.get(pk=pupil.pk).year_group for pupil in pupils]


# The preview -----------------------------------------------------------------------------


def test_the_preview_lists_each_year_group_move_and_the_leavers_and_writes_nothing(
    client, world, school_a
):
    sign_in_with_mfa(client, world.administrator)

    response = client.get(PAGE, {"organisation": world.school_a.pk, **choice()})

    assert response.status_code == 200
    text = response.text
    assert "Year 4 → Year 5: 2 pupils" in text
    assert "Year 5 → Year 6: 3 pupils" in text
    assert "Year 6 → former pupils: 4, leaving date 22 July 2026" in text
    assert "destination Secondary school" in text
    assert "No year group: 1 pupil, left as they are" in text
    assert "the last day of the summer term" in text
    assert year_groups(school_a["5"]) == ["5"] * 3
    assert not Pupil.objects.filter(pk__in=[p.pk for p in school_a["6"]], status="former").exists()
    assert not SchoolYearRollover.objects.exists()
    assert not AuditEvent.objects.filter(action=ACTION).exists()


def test_the_page_offers_the_settings_top_year_as_the_leaving_year(client, world, school_a):
    sign_in_with_mfa(client, world.administrator)

    response = client.get(PAGE, {"organisation": world.school_a.pk})

    form = response.context["form"]
    assert form["leaving_year_group"].value() == YearGroup.YEAR_6
    assert "Year 5: 3 pupils" in response.text


def test_the_preview_lists_the_roles_that_ended_during_the_year_just_gone(client, world, school_a):
    ended = MembershipFactory(
        organisation=world.school_a,
        role=Role.STAFF,
        job_title="Supply teacher",
        ends_on=datetime.date(2026, 7, 22),
    )
    MembershipFactory(
        organisation=world.school_a,
        role=Role.STAFF,
        job_title="Long gone",
        ends_on=datetime.date(2024, 7, 22),
    )
    sign_in_with_mfa(client, world.administrator)

    response = client.get(PAGE, {"organisation": world.school_a.pk, **choice()})

    assert f"{ended.person.get_full_name()}: Staff member (Supply teacher), ended 22 July 2026" in (
        response.text
    )
    assert "Long gone" not in response.text
    assert [m.pk for m in response.context["plan"].roles_ended] == [ended.pk]


def test_without_summer_term_dates_the_leaving_date_is_the_day_before_the_first_day(world):
    pupils_in(world.school_b, YearGroup.YEAR_6, 2)

    plan = new_school_year_plan(
        setting=world.school_b, starts_on=FIRST_DAY, leaving_year_group=YearGroup.YEAR_6
    )

    assert plan.left_on == datetime.date(2026, 9, 1)
    assert not plan.left_on_is_end_of_summer_term


# Confirming ------------------------------------------------------------------------------


def test_confirming_moves_each_year_group_up_and_makes_the_leaving_year_former_pupils(
    client, world, school_a
):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(PAGE, {"organisation": world.school_a.pk, **choice()}, follow=True)

    assert response.status_code == 200
    assert (
        "The school year 2026 to 2027 has started at Ash Primary School: 5 pupils moved up "
        "a year group and 4 became former pupils, with the leaving date 22 July 2026."
    ) in response.text
    assert year_groups(school_a["4"]) == ["5"] * 2
    assert year_groups(school_a["5"]) == ["6"] * 3
    for pupil in school_a["6"]:
        pupil.refresh_from_db()
        assert (pupil.status, pupil.left_on, pupil.destination, pupil.year_group) == (
            Pupil.Status.FORMER,
            SUMMER_END,
            "Secondary school",
            "6",
        )
    unchanged = Pupil.objects.get(pk=school_a["none"][0].pk)
    assert (unchanged.status, unchanged.year_group) == (Pupil.Status.CURRENT, "")
    former = Pupil.objects.get(pk=school_a["former"][0].pk)
    assert (former.left_on, former.destination) == (datetime.date(2025, 7, 21), "Oak Academy")


def test_the_start_is_audited_once_with_its_counts_and_recorded(world, school_a):
    rollover = start(world)

    event = AuditEvent.objects.get(action=ACTION)
    assert event.actor == world.administrator
    assert event.organisation_pk == world.school_a.pk
    assert event.data["year"] == 2026
    assert event.data["left_on"] == "2026-07-22"
    assert event.data["moved"] == {"4": 2, "5": 3}
    assert event.data["left"] == {"6": 4}
    assert (event.data["moved_total"], event.data["left_total"]) == (5, 4)
    assert event.data["without_year_group"] == 1
    assert (rollover.setting, rollover.year, rollover.made_by) == (
        world.school_a,
        2026,
        world.administrator,
    )


def test_nothing_is_deleted_and_each_change_is_in_the_pupils_history(world, school_a):
    pupils_before = Pupil.objects.count()

    start(world)

    assert Pupil.objects.count() == pupils_before
    for pupil in school_a["5"] + school_a["6"]:
        latest = Pupil.history.filter(id=pupil.pk).latest("history_date")
        assert latest.history_user == world.administrator
        assert latest.history_change_reason == "New school year 2026 to 2027"
    assert Pupil.history.filter(id=school_a["6"][0].pk).latest("history_date").status == "former"
    assert Pupil.history.filter(id=school_a["none"][0].pk).count() == 1  # made, never changed


def test_classes_are_emptied_for_the_pupils_moving_up_only_when_asked(world, school_a):
    start(world, empty_classes=True)

    assert {Pupil.objects.get(pk=p.pk).class_name for p in school_a["5"]} == {""}
    assert {Pupil.objects.get(pk=p.pk).class_name for p in school_a["6"]} == {"Class 6"}


def test_a_lower_leaving_year_sends_every_year_group_from_it_up_out(world, school_a):
    start(world, leaving_year_group=YearGroup.YEAR_5)

    assert (
        Pupil.objects.filter(
            pk__in=[p.pk for p in school_a["5"] + school_a["6"]], status="former"
        ).count()
        == 7
    )
    assert year_groups(school_a["4"]) == ["5"] * 2


def test_the_other_schools_pupils_do_not_move(world, school_a):
    birch = pupils_in(world.school_b, YearGroup.YEAR_5, 2)
    cedar = pupils_in(world.other_school, YearGroup.YEAR_6, 2)

    start(world)

    assert year_groups(birch) == ["5", "5"]
    assert not Pupil.objects.filter(pk__in=[p.pk for p in cedar], status="former").exists()


def test_a_second_start_of_the_same_year_is_refused_and_changes_nothing(client, world, school_a):
    start(world)
    sign_in_with_mfa(client, world.administrator)

    response = client.post(PAGE, {"organisation": world.school_a.pk, **choice()})

    assert response.status_code == 200
    assert "has already been started at Ash Primary School by" in response.text
    assert "nothing was changed" in response.text
    assert year_groups(school_a["5"]) == ["6"] * 3  # not Year 7
    assert SchoolYearRollover.objects.count() == 1
    assert AuditEvent.objects.filter(action=ACTION).count() == 1


def test_a_second_start_is_refused_in_the_preview_too(client, world, school_a):
    start(world)
    sign_in_with_mfa(client, world.administrator)

    response = client.get(PAGE, {"organisation": world.school_a.pk, **choice()})

    assert "has already been started" in response.text
    assert response.context["plan"] is None
    assert "Start the new school year</button>" not in response.text
    assert "2026 to 2027: started on" in response.text


def test_the_starts_are_a_fixed_number_of_queries_whatever_the_number_of_pupils(world):
    def measured(setting, per_year_group):
        for year_group in (YearGroup.YEAR_4, YearGroup.YEAR_5, YearGroup.YEAR_6):
            pupils_in(setting, year_group, per_year_group)
        with CaptureQueriesContext(connection) as queries:
            start(world, setting=setting)
        return len(queries)

    # What is read once and kept (the administrator's access, the audit trail's content
    # types) is read before either is measured.
    Access.for_user(world.administrator)
    ContentType.objects.get_for_model(SchoolYearRollover)

    small, large = measured(world.school_a, 2), measured(world.school_b, 40)

    assert small == large
    assert large <= 15


# Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "message"),
    [
        ("2025-09-01", "which has already ended"),
        ("2028-09-04", "more than a year away"),
        # Next September, with no summer term dates for 2026 to 2027: the leaving date
        # would be the day before, 31 August 2027, which has not come.
        ("2027-09-01", "which has not come yet"),
    ],
)
def test_a_first_day_that_does_not_fit_is_refused_saying_why(
    client, world, school_a, starts_on, message
):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(PAGE, {"organisation": world.school_a.pk, **choice(starts_on=starts_on)})

    assert response.status_code == 200
    assert message in response.text
    assert response.text.count(message) == 1  # in the summary, not again below it
    assert "There is a problem" in response.text
    assert not SchoolYearRollover.objects.exists()
    assert year_groups(school_a["5"]) == ["5"] * 3


def test_a_first_day_that_is_not_a_date_is_refused(client, world, school_a):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        PAGE, {"organisation": world.school_a.pk, **choice(starts_on="31/02/2026")}
    )

    assert response.status_code == 200
    assert "Enter a valid date" in response.text
    assert not SchoolYearRollover.objects.exists()


def test_a_setting_with_no_year_groups_is_told_to_give_them_first(world):
    pupils_in(world.school_b, "", 3)

    with pytest.raises(SchoolYearError, match="has a year group"):
        new_school_year_plan(
            setting=world.school_b, starts_on=FIRST_DAY, leaving_year_group=YearGroup.YEAR_6
        )


# Who -------------------------------------------------------------------------------------


def test_the_settings_own_administrator_starts_its_new_school_year(client, world):
    cedar = pupils_in(world.other_school, YearGroup.YEAR_6, 2)
    sign_in_with_mfa(client, world.administrator_other)

    response = client.post(PAGE, {"organisation": world.other_school.pk, **choice()})

    assert response.status_code == 302
    assert Pupil.objects.filter(pk__in=[p.pk for p in cedar], status="former").count() == 2


@pytest.mark.parametrize(
    "who", ["teacher_a", "head_a", "head_other", "governor", "administrator_other"]
)
def test_nobody_else_sees_or_starts_ash_primarys_new_school_year(client, world, school_a, who):
    sign_in_with_mfa(client, getattr(world, who))

    seen = client.get(PAGE, {"organisation": world.school_a.pk})
    posted = client.post(PAGE, {"organisation": world.school_a.pk, **choice()})

    assert seen.status_code == 404
    assert posted.status_code == 404
    assert year_groups(school_a["5"]) == ["5"] * 3
    assert not SchoolYearRollover.objects.exists()


@pytest.mark.parametrize("who", ["teacher_a", "head_other", "governor", "administrator_other"])
def test_the_service_refuses_anyone_but_an_administrator_of_the_setting(world, school_a, who):
    with pytest.raises(SchoolYearError, match="Only an administrator"):
        start(world, actor=getattr(world, who))

    assert year_groups(school_a["5"]) == ["5"] * 3


def test_the_administrators_home_panel_links_to_the_new_school_year(client, world):
    sign_in_with_mfa(client, world.administrator)
    admin_home = client.get(reverse("home")).text
    sign_in_with_mfa(client, world.teacher_a)
    teacher_home = client.get(reverse("home")).text

    assert f'href="{PAGE}"' in admin_home
    assert f'href="{PAGE}"' not in teacher_home


# Two at once (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_starts_confirmed_at_once_move_the_year_groups_up_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL.")
    year_5 = pupils_in(world.school_a, YearGroup.YEAR_5, 3)
    year_6 = pupils_in(world.school_a, YearGroup.YEAR_6, 2)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run():
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            results.append(start(world))
        except Exception as error:  # handed back to the test thread
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(isinstance(result, SchoolYearRollover) for result in results) == 1, results
    assert sum(isinstance(result, SchoolYearError) for result in results) == 1, results
    assert year_groups(year_5) == ["6"] * 3
    assert Pupil.objects.filter(pk__in=[p.pk for p in year_6], status="former").count() == 2
    assert AuditEvent.objects.filter(action=ACTION).count() == 1
    assert Membership.objects.exists()  # nothing deleted
