"""Done when (issue #20): the demo's administrator rolls Brookfield's Year 6 over to
former pupils in September, after a preview, and Millbrook, which they did not start,
stays as it was."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.models import Membership, Organisation, Pupil, Role, YearGroup
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.demo import load_demo

pytestmark = pytest.mark.django_db

PAGE = reverse("schoolcalendar:new_school_year")
# The first morning of the school year 2027 to 2028. The demo was loaded in the autumn
# term of 2026 to 2027 with that year's term dates: the summer term ends on 21 July 2027.
SEPTEMBER = datetime.datetime(2027, 9, 1, 8, 0, tzinfo=datetime.UTC)


@once_per_module
def demo_for_the_module() -> str:
    return load_demo()


@pytest.fixture
def demo(demo_for_the_module, db) -> str:
    return demo_for_the_module


def current(setting, year_group: str) -> set[int]:
    return set(
        Pupil.objects.filter(
            setting=setting, status=Pupil.Status.CURRENT, year_group=year_group
        ).values_list("pk", flat=True)
    )


def test_every_demo_pupil_on_roll_has_a_year_group(demo):
    assert Pupil.objects.filter(status=Pupil.Status.CURRENT).exists()
    assert not Pupil.objects.filter(status=Pupil.Status.CURRENT, year_group="").exists()
    preschool = Organisation.objects.get(kind=Organisation.Kind.PRESCHOOL)
    assert set(Pupil.objects.filter(setting=preschool).values_list("year_group", flat=True)) == {
        YearGroup.NURSERY_1,
        YearGroup.NURSERY_2,
    }


def test_the_administrator_rolls_brookfields_year_6_over_to_former_pupils_in_september(
    client, demo
):
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    millbrook = Organisation.objects.get(name="Millbrook Primary School")
    administrator = (
        Membership.objects.get(role=Role.ADMINISTRATOR, organisation=brookfield.parent)
    ).person
    year_5, year_6 = current(brookfield, "5"), current(brookfield, "6")
    reception = current(brookfield, "R")
    assert len(year_5) == len(year_6) == 26
    millbrook_before = sorted(
        Pupil.objects.filter(setting=millbrook).values_list("pk", "year_group", "status")
    )

    with time_machine.travel(SEPTEMBER, tick=True):
        sign_in_with_mfa(client, administrator)
        home = client.get(reverse("home"))
        page = client.get(PAGE, {"organisation": brookfield.pk})
        chosen = {
            "organisation": brookfield.pk,
            "starts_on": page.context["form"]["starts_on"].value().isoformat(),
            "leaving_year_group": page.context["form"]["leaving_year_group"].value(),
            "destination": "Secondary school",
        }
        preview = client.get(PAGE, chosen)
        confirmed = client.post(PAGE, chosen, follow=True)

    assert f'href="{PAGE}"' in home.text
    assert chosen["starts_on"] == "2027-09-01"
    assert chosen["leaving_year_group"] == YearGroup.YEAR_6
    assert "Year 5 → Year 6: 26 pupils" in preview.text
    assert "Reception → Year 1: 26 pupils" in preview.text
    assert "Year 6 → former pupils: 26, leaving date 21 July 2027" in preview.text
    assert "has started at Brookfield Primary School" in confirmed.text
    assert "26 became former pupils, with the leaving date 21 July 2027" in confirmed.text

    leavers = Pupil.objects.filter(pk__in=year_6)
    assert {(p.status, p.left_on, p.destination) for p in leavers} == {
        (Pupil.Status.FORMER, datetime.date(2027, 7, 21), "Secondary school")
    }
    assert current(brookfield, "6") == year_5
    assert current(brookfield, "1") == reception
    assert not current(brookfield, "R")
    assert (
        sorted(Pupil.objects.filter(setting=millbrook).values_list("pk", "year_group", "status"))
        == millbrook_before
    )
    event = AuditEvent.objects.get(action="onboarding.school_year.started")
    assert (event.actor, event.organisation_pk) == (administrator, brookfield.pk)
    assert event.data["left_total"] == 26
