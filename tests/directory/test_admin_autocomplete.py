"""People, line managers, pupils and family members are chosen by typing in the
administration screens (issue #20 item 4), never from a list of everyone, and the
search answers only with those of the administrator's own organisations."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import sign_in_with_mfa
from tests.factories import (
    FamilyLinkFactory,
    FamilyMemberFactory,
    PupilFactory,
    person_with_roles,
)

pytestmark = pytest.mark.django_db

SURNAME = "Featherstonehaugh"  # one at Ash Primary, one at Cedar Primary (another school)

# (the model whose page has the box, the field) -> what the box chooses
BOXES = [
    ("membership", "person", "person"),
    ("membership", "line_manager", "person"),
    ("pupil", "key_person", "person"),
    ("familymember", "person", "person"),
    ("familylink", "family_member", "family_member"),
    ("familylink", "pupil", "pupil"),
]


@pytest.fixture
def namesakes(world):
    """A person, a pupil and a family member of each school, all with one surname."""
    made = {}
    for key, setting in (("ash", world.school_a), ("cedar", world.other_school)):
        pupil = PupilFactory(setting=setting, family_name=SURNAME)
        made[key] = {
            "person": person_with_roles(setting, "staff", family_name=SURNAME),
            "pupil": pupil,
            "family_member": FamilyLinkFactory(
                pupil=pupil,
                family_member=FamilyMemberFactory(organisation=setting, family_name=SURNAME),
            ).family_member,
        }
    return made


def search(client, model_name: str, field_name: str, term: str = SURNAME):
    return client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "directory",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )


@pytest.mark.parametrize(("model_name", "field_name", "kind"), BOXES)
@pytest.mark.parametrize(
    ("administrator", "own", "theirs"),
    [("administrator", "ash", "cedar"), ("administrator_other", "cedar", "ash")],
)
def test_the_search_finds_the_administrators_own_and_never_another_schools(
    client, world, namesakes, model_name, field_name, kind, administrator, own, theirs
):
    sign_in_with_mfa(client, getattr(world, administrator))

    response = search(client, model_name, field_name)

    assert response.status_code == 200
    found = {int(result["id"]) for result in response.json()["results"]}
    assert namesakes[own][kind].pk in found
    assert namesakes[theirs][kind].pk not in found


@pytest.mark.parametrize(("model_name", "field_name", "kind"), BOXES)
@pytest.mark.parametrize("who", ["teacher_a", "head_a", "governor", "head_other"])
def test_nobody_but_an_administrator_gets_an_answer_from_the_search(
    client, world, namesakes, model_name, field_name, kind, who
):
    sign_in_with_mfa(client, getattr(world, who))

    response = search(client, model_name, field_name)

    assert response.status_code in {302, 403}
    assert SURNAME not in response.text


def test_the_search_of_an_unknown_field_is_refused(client, world, namesakes):
    sign_in_with_mfa(client, world.administrator)

    response = search(client, "membership", "organisation__memberships")

    assert response.status_code == 403


def autocomplete_box(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
    assert match, f"no <select name={name!r}> on the page"
    return match.group(0)


@pytest.mark.parametrize(
    ("url_name", "box"),
    [
        ("admin:directory_person_add", "memberships-0-line_manager"),
        ("admin:directory_membership_add", "person"),
        ("admin:directory_membership_add", "line_manager"),
        ("admin:directory_familymember_add", "person"),
    ],
)
def test_people_are_chosen_by_typing_not_from_a_list_of_everyone(
    client, world, namesakes, url_name, box
):
    sign_in_with_mfa(client, world.administrator)

    html = autocomplete_box(client.get(reverse(url_name)).text, box)

    assert "admin-autocomplete" in html
    assert len(re.findall(r"<option", html)) <= 1  # at most the empty choice
    assert SURNAME not in html
