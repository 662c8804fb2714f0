"""The directory's invariants hold in the database as well as in forms."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from directory.models import Membership, Organisation, Person, Pupil, Role
from tests.factories import (
    FederationFactory,
    MembershipFactory,
    PersonFactory,
    PupilFactory,
    SchoolFactory,
)

pytestmark = pytest.mark.django_db


def refused_by_database(make, constraint: str, *, sqlite_columns: str = "") -> None:
    """``make`` is refused by the database, by the constraint named. PostgreSQL names
    the constraint it enforces; SQLite names a CHECK constraint or a unique index on an
    expression, but a UNIQUE constraint on fields by its columns (``table.column, ...``),
    given as ``sqlite_columns``."""
    if connection.vendor == "sqlite" and sqlite_columns:
        expected = rf"UNIQUE constraint failed: {re.escape(sqlite_columns)}$"
    else:
        expected = rf"\b({constraint})\b"
    with pytest.raises(IntegrityError, match=expected), transaction.atomic():
        make()


def test_a_former_pupil_needs_a_leaving_date():
    refused_by_database(
        lambda: PupilFactory(status=Pupil.Status.FORMER, left_on=None),
        "pupil_former_has_leaving_date",
    )
    pupil = PupilFactory.build(setting=SchoolFactory(), status=Pupil.Status.FORMER, left_on=None)
    with pytest.raises(ValidationError, match="date they left"):
        pupil.full_clean()


def test_a_current_pupil_has_no_leaving_date():
    refused_by_database(
        lambda: PupilFactory(status=Pupil.Status.CURRENT, left_on=datetime.date(2024, 7, 20)),
        "pupil_former_has_leaving_date",
    )


def test_a_pupil_cannot_be_born_in_the_future():
    pupil = PupilFactory.build(setting=SchoolFactory(), date_of_birth=datetime.date(2999, 1, 1))
    with pytest.raises(ValidationError, match="future"):
        pupil.full_clean()


def test_a_pupil_belongs_to_a_setting_not_a_federation():
    pupil = PupilFactory.build(setting=FederationFactory())
    with pytest.raises(ValidationError, match="school or pre-school"):
        pupil.full_clean()


def test_pupil_references_are_unique_within_a_setting_only():
    school = SchoolFactory()
    PupilFactory(setting=school, reference="A1")
    PupilFactory(setting=SchoolFactory(), reference="A1")
    refused_by_database(
        lambda: PupilFactory(setting=school, reference="A1"),
        "pupil_reference_unique_per_setting",
        sqlite_columns="directory_pupil.setting_id, directory_pupil.reference",
    )


def test_a_pupils_age_counts_whole_years():
    pupil = PupilFactory.build(date_of_birth=datetime.date(2015, 11, 24))

    assert pupil.age_on(datetime.date(2026, 11, 23)) == 10
    assert pupil.age_on(datetime.date(2026, 11, 24)) == 11


def test_a_membership_cannot_end_before_it_starts():
    refused_by_database(
        lambda: MembershipFactory(
            starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2025, 8, 1)
        ),
        "membership_ends_after_it_starts",
    )


def test_nobody_is_their_own_line_manager():
    person = PersonFactory()
    refused_by_database(
        lambda: MembershipFactory(person=person, line_manager=person),
        "membership_not_own_line_manager",
    )


def test_one_role_is_held_once_per_organisation():
    membership = MembershipFactory(role=Role.HEAD)
    refused_by_database(
        lambda: MembershipFactory(
            person=membership.person, organisation=membership.organisation, role=Role.HEAD
        ),
        "membership_unique_role",
        sqlite_columns="directory_membership.person_id, directory_membership.organisation_id, "
        "directory_membership.role",
    )


def test_a_person_may_hold_roles_in_several_settings():
    person = PersonFactory()
    MembershipFactory(person=person, role=Role.STAFF)
    MembershipFactory(person=person, role=Role.STAFF)

    assert Membership.objects.filter(person=person).count() == 2


def test_only_schools_and_preschools_sit_inside_a_trust_or_federation():
    federation = FederationFactory()
    refused_by_database(
        lambda: Organisation.objects.create(
            name="Nested", kind=Organisation.Kind.FEDERATION, parent=federation
        ),
        "organisation_only_settings_have_a_parent",
    )
    school = SchoolFactory()
    inside_school = Organisation(name="Inside", kind=Organisation.Kind.SCHOOL, parent=school)
    with pytest.raises(ValidationError, match="trust or federation"):
        inside_school.full_clean()


def test_email_addresses_are_unique_whatever_their_case():
    PersonFactory(email="Jo.Bloggs@school.example")
    # Saved through the model, which lowers the case: the email's own unique key refuses
    # it (PostgreSQL finds that first, SQLite the index on the lowered email).
    refused_by_database(
        lambda: PersonFactory(email="jo.bloggs@SCHOOL.example"),
        "directory_person_email_key|person_email_ci_unique",
    )
    # Written past the model (as a bulk load does), in another case: only the index on
    # the lowered email stands in the way.
    refused_by_database(
        lambda: Person.objects.bulk_create(
            [Person(email="JO.BLOGGS@school.example", given_name="Jo", family_name="Bloggs")]
        ),
        "person_email_ci_unique",
    )
    assert Person.objects.get().email == "jo.bloggs@school.example"


def test_changes_to_a_pupil_are_kept_in_history():
    pupil = PupilFactory(class_name="Year 3")
    pupil.class_name = "Year 4"
    pupil.save()

    assert [record.class_name for record in pupil.history.order_by("history_id")] == [
        "Year 3",
        "Year 4",
    ]
