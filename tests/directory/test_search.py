"""Finding a name however it is typed (#22): without case, accents, apostrophes (straight
or curly), hyphens or spaces, by legal or preferred name, the same on SQLite and
PostgreSQL (directory.search)."""

from __future__ import annotations

import pytest

from directory.models import FamilyMember, Person, Pupil
from directory.search import name_query, normalised, search_name_of, search_words
from tests.factories import FamilyMemberFactory, PersonFactory, PupilFactory, SchoolFactory

SIAN = ("Siân", "O'Connor-Ní Bhriain")
# Each way a colleague might type her name.
TYPED = ["sian", "oconnor", "O\u2019Connor", "o'connor", "ni bhriain", "sian oconnor", "SIÂN Ní"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Siân O'Connor-Ní Bhriain", "sianoconnornibhriain"),
        ("O\u2019Connor", "oconnor"),  # a curly apostrophe, as phones type it
        ("O\u2018Connor", "oconnor"),
        ("  Zoë   Brontë ", "zoebronte"),
        ("Adébáyò", "adebayo"),
        ("Łukasz Søren Æsir", "lukaszsorenaesir"),  # letters whose mark NFKD keeps
        ("Straße", "strasse"),
        ("Jean-Luc", "jeanluc"),
        ("Ó Súilleabháin", "osuilleabhain"),
        ("'-\u2019", ""),
    ],
)
def test_a_name_is_searched_without_case_accents_punctuation_or_spaces(text, expected):
    assert normalised(text) == expected


def test_the_stored_column_holds_each_form_of_the_name_once():
    assert search_name_of("Siân O'Connor", "Sian O\u2019Connor", "Bobby Barrett") == (
        "sianoconnor bobbybarrett"
    )


def test_words_with_no_letters_are_dropped_and_at_most_four_are_used():
    assert search_words("  ' Siân  -  O\u2019Connor ") == ["sian", "oconnor"]
    assert search_words("a b c d e f") == ["a", "b", "c", "d"]


def found(model, text: str) -> set[int]:
    return set(model.objects.filter(name_query(text)).values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("typed", TYPED)
def test_a_pupil_a_family_member_and_a_person_are_found_however_their_name_is_typed(typed):
    school = SchoolFactory()
    pupil = PupilFactory(setting=school, given_name=SIAN[0], family_name=SIAN[1])
    member = FamilyMemberFactory(organisation=school, given_name=SIAN[0], family_name=SIAN[1])
    person = PersonFactory(given_name=SIAN[0], family_name=SIAN[1])
    PupilFactory(setting=school, given_name="Sean", family_name="Connolly")  # not her

    assert found(Pupil, typed) == {pupil.pk}
    assert found(FamilyMember, typed) == {member.pk}
    assert found(Person, typed) == {person.pk}


@pytest.mark.django_db
def test_a_pupil_is_found_by_a_preferred_name_and_by_the_legal_one():
    pupil = PupilFactory(given_name="Robert", family_name="Barrett", preferred_given_name="Bobby")

    assert found(Pupil, "bobby barrett") == {pupil.pk}
    assert found(Pupil, "Robert") == {pupil.pk}
    assert found(Pupil, "bobbybarrett") == {pupil.pk}
    assert found(Pupil, "bobby smith") == set()


@pytest.mark.django_db
def test_every_word_must_be_in_the_name():
    PupilFactory(given_name=SIAN[0], family_name=SIAN[1])

    assert found(Pupil, "sian murphy") == set()


@pytest.mark.django_db
def test_words_with_no_letters_find_nobody_rather_than_everybody():
    PupilFactory(given_name=SIAN[0], family_name=SIAN[1])

    assert found(Pupil, "' - \u2019") == set()


@pytest.mark.django_db
def test_the_column_follows_a_change_of_name_and_a_bulk_insert():
    pupil = PupilFactory(given_name="Ava", family_name="Smith")
    pupil.preferred_family_name = "O\u2019Brien"
    pupil.save()
    (member,) = FamilyMember.objects.bulk_create(
        [FamilyMember(given_name="Zoë", family_name="Brontë")]
    )

    assert Pupil.objects.get(pk=pupil.pk).search_name == "avasmith avaobrien"
    assert found(Pupil, "obrien") == {pupil.pk}
    assert found(FamilyMember, "zoe bronte") == set(
        FamilyMember.objects.filter(given_name="Zoë").values_list("pk", flat=True)
    )
    assert member.search_name == "zoebronte"
