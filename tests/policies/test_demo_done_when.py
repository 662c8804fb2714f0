"""Issue #7's 'done when', tried on the demo data as a new user would: the
administrator publishes a new policy version, every demo adult is asked to
acknowledge it, the head opens the annual round and sees 0 % and then the right
percentages, and overdue training is listed."""

import copy
import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from demo.people import demo_plan
from directory.models import Membership, Organisation, Person
from policies.models import PolicyVersion
from policies.selectors import versions_to_acknowledge
from registers.models import DeclarationRound, RoundResponse
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.demo import load_demo

pytestmark = pytest.mark.django_db


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


def federation_people() -> set[int]:
    federation = Organisation.objects.get(name="Brookfield and Millbrook Federation")
    return set(
        Membership.objects.current()
        .filter(organisation__in=[federation, *federation.children.all()])
        .values_list("person_id", flat=True)
    )


def acknowledge_everything(client, next_url):
    """Sign-in lands on the acknowledgement page first; acknowledge and go on."""
    response = client.get(next_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("policies:acknowledge"))
    page = client.get(response["Location"])
    for version_id in re.findall(r'name="version" value="(\d+)"', page.content.decode()):
        client.post(
            response["Location"],
            {"version": version_id, "read": "on", "confidentiality_agreed": "on", "next": next_url},
        )
    assert client.get(next_url).status_code == 200


def test_administrator_publishes_a_version_and_every_federation_adult_is_asked(
    demo, client, django_capture_on_commit_callbacks
):
    federation = Organisation.objects.get(name="Brookfield and Millbrook Federation")
    sign_in_with_mfa(client, demo["admin"])
    assert client.get(reverse("policies:version_new")).status_code == 200
    today = timezone.localdate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("policies:version_new"),
            {
                "organisation": federation.pk,
                "title": "Staff contact with pupils and families",
                "text": "Version 2: tuition is agreed by the Executive Headteacher in advance.",
                "adopted_on": (today - datetime.timedelta(days=1)).isoformat(),
                "adopted_by": "the full governing board",
                "signatory_name": demo["chair"].get_full_name(),
                "signatory_role": "Chair of Governors",
                "next_review_on": (today + datetime.timedelta(days=365)).isoformat(),
                "confidentiality_agreement": "I will keep what I learn at work confidential.",
            },
        )
    version = PolicyVersion.objects.get(organisation=federation, number=2)
    assert response.status_code == 302
    assert response["Location"] == version.get_absolute_url()

    # Every adult of the federation and its two schools is emailed and asked again...
    asked = federation_people()
    emailed = {message.to[0] for message in mail.outbox}
    assert emailed == set(Person.objects.filter(pk__in=asked).values_list("email", flat=True))
    for person in Person.objects.filter(pk__in=asked):
        assert version in versions_to_acknowledge(user=person)
    # ...but not the pre-school, which has its own policy.
    assert demo["pre_manager"].email not in emailed
    assert version not in versions_to_acknowledge(user=demo["pre_manager"])

    # A teacher's next sign-in goes to the acknowledgement page first.
    sign_in_with_mfa(client, demo["bro_teacher1"])
    first = client.get(reverse("declarations:list"))
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("policies:acknowledge"))
    page = client.get(first["Location"])
    assert "Version 2: tuition is agreed" in page.content.decode()


def test_head_opens_the_round_and_sees_0_then_the_right_percentages(demo, client):
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    head = demo["bro_head"]
    sign_in_with_mfa(client, head)
    response = client.post(
        reverse("registers:round_new"),
        {
            "organisation": brookfield.pk,
            "title": "annual declaration round",
            "deadline": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        },
    )
    declaration_round = DeclarationRound.objects.get(organisation=brookfield)
    assert response.status_code == 302
    total = declaration_round.responses.count()
    assert total == len(
        set(
            Membership.objects.current()
            .filter(organisation=brookfield)
            .values_list("person_id", flat=True)
        )
    )
    page = client.get(declaration_round.get_absolute_url()).content.decode()
    assert f"0 of {total}</strong> have answered (0%)" in page

    answers = {"bro_teacher1": "nothing", "bro_ta1": "declared", "bro_caretaker": "nothing"}
    for key, answer in answers.items():
        person = demo[key]
        sign_in_with_mfa(client, person)
        mine = RoundResponse.objects.get(round=declaration_round, person=person)
        # The person sees the round on their home page as a task.
        assert mine.get_absolute_url() in client.get(reverse("home")).content.decode()
        # Anyone with an open arrangement (the demo's history has some) says it has
        # ended, so that "nothing to declare" stays a true answer.
        form = client.get(mine.get_absolute_url()).content.decode()
        ended = dict.fromkeys(set(re.findall(r'name="(arrangement_\d+)"', form)), "ended")
        result = client.post(mine.get_absolute_url(), {"answer": answer, **ended})
        assert result.status_code == 302, result.content.decode()[:500]

    sign_in_with_mfa(client, head)
    page = client.get(declaration_round.get_absolute_url()).content.decode()

    def percent(count: int) -> int:  # whole percentages, halves rounded up
        return int(100 * count / total + 0.5)

    assert f"3 of {total}</strong> have answered ({percent(3)}%)" in page
    declared, nothing = percent(1), percent(2)
    assert re.search(
        rf"Declarations confirmed current</th><td[^>]*>1</td><td[^>]*>{declared}%", page
    )
    assert re.search(rf"Nothing to declare</th><td[^>]*>2</td><td[^>]*>{nothing}%", page)


def test_overdue_training_is_listed_for_the_head_and_dsl(demo, client):
    brookfield = Organisation.objects.get(name="Brookfield Primary School")
    for key in ("bro_head", "bro_dsl"):
        sign_in_with_mfa(client, demo[key])
        page = client.get(
            reverse("policies:training"), {"organisation": brookfield.pk}
        ).content.decode()
        rows = dict(re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>(?:<strong>)?([^<]+)", page))
        assert rows[demo["bro_teacher1"].get_full_name()] == "Overdue"
        assert rows[demo["bro_ta1"].get_full_name()] == "Due within 30 days"
        assert rows[demo["bro_caretaker"].get_full_name()] == "No training recorded"
        assert demo["bro_lm1"].get_full_name() not in rows  # up to date: not listed


def test_new_volunteer_is_asked_to_acknowledge_on_first_sign_in(demo, client):
    sign_in_with_mfa(client, demo["bro_volunteer1"])
    acknowledge_everything(client, reverse("home"))
    assert not versions_to_acknowledge(user=demo["bro_volunteer1"]).exists()
    assert (
        "Please read and acknowledge the policy" not in client.get(reverse("home")).content.decode()
    )
