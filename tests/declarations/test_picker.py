"""The people picker of the declaration form (#22, R20): people chosen across searches
stay chosen as chips, each removable; Enter searches; each result says what tells
people apart; names are found however they are typed; and only the people of the
settings the person may declare about are offered or accepted."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from declarations.models import Declaration
from directory.models import FamilyLink
from tests.conftest import sign_in_with_mfa
from tests.declarations.test_views import (
    checkboxes,
    chosen,
    family,
    form_token,
    post_declaration,
    pupil_with_mother,
)
from tests.factories import FamilyLinkFactory, FamilyMemberFactory, PupilFactory

pytestmark = pytest.mark.django_db

__all__ = ["family"]  # the fixture of test_views, used here

KIND = "planned_social_contact"
SIAN = {"given_name": "Siân", "family_name": "O'Connor-Ní Bhriain"}


def people(client, setting, q, kind=KIND, **chips):
    """The picker's results as htmx asks for them, with the chips already chosen."""
    params = {"kind": kind, "setting": setting.pk, "q": q, **chips}
    response = client.get(reverse("declarations:people"), params)
    assert response.status_code == 200
    return response


def offered(response, field="pupils") -> list:
    return [person for person in response.context["found"] if person.field == field]


# Found however the name is typed, on SQLite and PostgreSQL alike -------------------------


@pytest.mark.parametrize(
    "typed", ["sian", "oconnor", "O\u2019Connor", "o'connor", "ni bhriain", "sian oconnor"]
)
def test_the_picker_finds_sian_however_her_name_is_typed(client, world, typed):
    pupil = PupilFactory(setting=world.school_a, **SIAN)
    mother = FamilyLinkFactory(
        pupil=pupil, family_member__given_name="Siân", family_member__family_name="Murphy"
    ).family_member
    PupilFactory(setting=world.school_a, given_name="Sean", family_name="Connolly")
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, world.school_a, typed)

    assert checkboxes(response.text, "pupils") == {str(pupil.pk)}
    assert "Siân O&#x27;Connor-Ní Bhriain" in response.text
    if typed == "sian":
        assert checkboxes(response.text, "family_members") == {str(mother.pk)}


def test_a_pupil_is_found_by_the_name_she_is_known_by(client, world):
    pupil = PupilFactory(
        setting=world.school_a,
        given_name="Roberta",
        family_name="Lee",
        preferred_given_name="Bobbi",
    )
    sign_in_with_mfa(client, world.teacher_a)

    assert checkboxes(people(client, world.school_a, "bobbi lee").text, "pupils") == {str(pupil.pk)}


def test_a_pupil_of_another_school_of_the_same_name_is_never_offered(client, world):
    PupilFactory(setting=world.school_b, **SIAN)
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, world.school_a, "sian oconnor")

    assert checkboxes(response.text, "pupils") == set()
    assert "Nobody matches" in response.text


# What tells people apart ---------------------------------------------------------------


def test_two_pupils_of_the_same_name_are_told_apart_by_year_group_and_class(client, world):
    older = PupilFactory(
        setting=world.school_a,
        given_name="Robert",
        family_name="Barrett",
        year_group="5",
        class_name="Kestrels",
    )
    younger = PupilFactory(
        setting=world.school_a,
        given_name="Robert",
        family_name="Barrett",
        year_group="2",
        class_name="Owls",
    )
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, world.school_a, "robert barrett")

    texts = {person.pk: person.text for person in offered(response)}
    assert texts == {
        older.pk: "Robert Barrett, Year 5, class Kestrels",
        younger.pk: "Robert Barrett, Year 2, class Owls",
    }
    assert f'for="found-pupils-{older.pk}">Robert Barrett, Year 5, class Kestrels<' in (
        response.text
    )


def test_two_pupils_alike_in_name_year_and_class_are_told_apart_by_birthday(client, world):
    for born in (datetime.date(2018, 3, 4), datetime.date(2018, 11, 30)):
        PupilFactory(
            setting=world.school_a,
            given_name="Robert",
            family_name="Barrett",
            year_group="3",
            class_name="",
            date_of_birth=born,
        )
    sign_in_with_mfa(client, world.teacher_a)

    texts = sorted(person.text for person in offered(people(client, world.school_a, "barrett")))

    assert texts == [
        "Robert Barrett, Year 3, born 30 November 2018",
        "Robert Barrett, Year 3, born 4 March 2018",
    ]


@pytest.mark.parametrize("kind", [KIND, "concern"])
def test_a_parent_of_two_children_is_one_result_naming_both(client, world, kind):
    clive = PupilFactory(
        setting=world.school_a,
        given_name="Clive",
        family_name="Smith",
        year_group="3",
        class_name="3B",
    )
    grace = FamilyLinkFactory(
        pupil=clive,
        relationship=FamilyLink.Relationship.MOTHER,
        family_member__given_name="Grace",
        family_member__family_name="Smith",
    ).family_member
    dylan = PupilFactory(
        setting=world.school_a,
        given_name="Dylan",
        family_name="Smith",
        year_group="1",
        class_name="",
    )
    FamilyLinkFactory(pupil=dylan, family_member=grace, relationship="mother")
    # A child of hers at a school the teacher does not work at is not named.
    FamilyLinkFactory(
        pupil=PupilFactory(setting=world.school_b, given_name="Evie", family_name="Smith"),
        family_member=grace,
    )
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, world.school_a, "grace smith", kind=kind)

    (result,) = offered(response, "family_members")
    assert result.pk == grace.pk
    assert result.text == (
        "Grace Smith, mother of Clive Smith (Year 3, class 3B) and Dylan Smith (Year 1)"
    )
    assert "Evie" not in response.text


# Choosing across searches, without JavaScript ---------------------------------------------


def test_people_chosen_across_searches_stay_chosen_and_a_removed_one_is_not_saved(client, world):
    """The teaching assistant's journey of the issue, with the Search and Remove buttons
    posting the form: Grace ticked, a new search, Dylan ticked, then Noah; Grace removed;
    check your answers names Dylan and Noah only."""
    grace = PupilFactory(setting=world.school_a, given_name="Grace", family_name="Smith")
    dylan = PupilFactory(setting=world.school_a, given_name="Dylan", family_name="Smith")
    noah = PupilFactory(setting=world.school_a, given_name="Noah", family_name="Patel")
    sign_in_with_mfa(client, world.teacher_a)
    token = form_token(client, KIND)

    def post(**fields):
        return post_declaration(client, KIND, token=token, setting=world.school_a, **fields)

    first = post(action="search", q="Grace")
    assert checkboxes(first.text, "pupils") == {str(grace.pk)}
    second = post(action="search", q="Dylan", searched="Grace", pupils=[grace])
    assert chosen(second.text, "pupils") == {str(grace.pk)}  # a chip, through the search
    assert checkboxes(second.text, "pupils") == {str(dylan.pk)}
    third = post(action="search", q="smith", searched="Dylan", pupils=[grace, dylan])
    assert chosen(third.text, "pupils") == {str(grace.pk), str(dylan.pk)}
    # Already chosen: said so, not offered again as a second tick box.
    assert checkboxes(third.text, "pupils") == set()
    assert third.text.count("(chosen)") == 2
    fourth = post(action="search", q="Patel", searched="smith", pupils=[grace, dylan, noah])
    assert chosen(fourth.text, "pupils") == {str(grace.pk), str(dylan.pk), str(noah.pk)}

    removed = post(remove=f"pupils:{grace.pk}", q="Patel", pupils=[grace, dylan, noah])

    assert removed.status_code == 200
    assert chosen(removed.text, "pupils") == {str(dylan.pk), str(noah.pk)}
    assert not Declaration.objects.exists()  # removing is not saving
    saved = post(q="Patel", searched="Patel", pupils=chosen(removed.text, "pupils"))
    assert saved.status_code == 302
    declaration = Declaration.objects.get()
    assert set(declaration.subjects.values_list("pupil", flat=True)) == {dylan.pk, noah.pk}
    review = client.get(saved.url)
    assert "Dylan Smith" in review.text
    assert "Noah Patel" in review.text
    assert "Grace Smith" not in review.text


def test_a_chip_of_another_schools_pupil_forged_into_the_form_is_neither_shown_nor_saved(
    client, world
):
    mine = PupilFactory(setting=world.school_a, given_name="Ava", family_name="Jones")
    theirs = PupilFactory(setting=world.school_b, **SIAN)
    sign_in_with_mfa(client, world.teacher_a)
    token = form_token(client, KIND)

    page = post_declaration(
        client,
        KIND,
        token=token,
        setting=world.school_a,
        action="search",
        q="jones",
        pupils=[mine, theirs],
    )
    chips = people(client, world.school_a, "sian", pupils=[theirs.pk])
    refused = post_declaration(
        client, KIND, token=token, setting=world.school_a, pupils=[mine, theirs]
    )

    assert chosen(page.text, "pupils") == {str(mine.pk)}
    assert "Siân" not in page.text
    assert "Siân" not in chips.text
    assert refused.status_code == 200
    assert f"{theirs.pk} is not someone you can choose at this setting" in refused.text
    assert not Declaration.objects.exists()


# Enter in the search box, without JavaScript -----------------------------------------------


def test_enter_in_the_search_box_searches_rather_than_saving(client, world, family):
    pupil, _ = family
    sign_in_with_mfa(client, world.teacher_a)

    # Enter sends the form's first button, "enter": with words not yet searched, a search.
    response = post_declaration(client, KIND, setting=world.school_a, action="enter", q="Smith")

    assert response.status_code == 200
    assert checkboxes(response.text, "pupils") == {str(pupil.pk)}
    assert "There is a problem" not in response.text
    assert not Declaration.objects.exists()


def test_enter_elsewhere_once_the_search_is_done_saves(client, world, family):
    pupil, _ = family
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client,
        KIND,
        setting=world.school_a,
        action="enter",
        q="Smith",
        searched="Smith",
        pupils=[pupil],
    )

    assert response.status_code == 302
    assert Declaration.objects.get().subjects.get().pupil == pupil


# A fixed number of queries ----------------------------------------------------------------


def searched_queries(client, world) -> int:
    with CaptureQueriesContext(connection) as queries:
        people(client, world.school_a, "smith")
    return len(queries.captured_queries)


def test_the_search_costs_the_same_queries_for_one_family_or_many(client, world):
    pupil_with_mother(world.school_a, family_name="Smith")
    sign_in_with_mfa(client, world.teacher_a)
    few = searched_queries(client, world)
    for _ in range(4):
        _pupil, mother = pupil_with_mother(world.school_a, family_name="Smith")
        FamilyLinkFactory(
            pupil=PupilFactory(setting=world.school_a, family_name="Smith"),
            family_member=mother,
        )
    FamilyMemberFactory(family_name="Smith")  # of nobody here

    assert searched_queries(client, world) == few
