"""Typed factories for the directory, with British (en_GB) fake data."""

import datetime

import factory
from factory.django import DjangoModelFactory

from directory.models import (
    FamilyLink,
    FamilyMember,
    Membership,
    Organisation,
    Person,
    Pupil,
    Role,
)

factory.Faker._DEFAULT_LOCALE = "en_GB"

PASSWORD = "a-long-test-password"


class PlainName(factory.Faker):
    """A fake name as it appears in a page: without an apostrophe, which HTML escapes
    (O'Connor is O&#x27;Connor in the markup), so that a test finding a name on a page
    never fails by chance. Tests of escaping give such names themselves."""

    def evaluate(self, instance, step, extra):
        return super().evaluate(instance, step, extra).replace("'", "")


class FederationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Federation {n}")
    kind = Organisation.Kind.FEDERATION


class SchoolFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"School {n} Primary School")
    kind = Organisation.Kind.SCHOOL
    urn = factory.Sequence(lambda n: f"{100000 + n}")


class PreschoolFactory(SchoolFactory):
    name = factory.Sequence(lambda n: f"Pre-school {n}")
    kind = Organisation.Kind.PRESCHOOL
    urn = ""


class PersonFactory(DjangoModelFactory[Person]):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    given_name = PlainName("first_name")
    family_name = PlainName("last_name")
    email = factory.Sequence(lambda n: f"person{n}@school.example")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(SchoolFactory)
    role = Role.STAFF
    job_title = "Class teacher"
    starts_on = datetime.date(2020, 9, 1)


class PupilFactory(DjangoModelFactory[Pupil]):
    class Meta:
        model = Pupil

    setting = factory.SubFactory(SchoolFactory)
    reference = factory.Sequence(lambda n: f"P{n:05d}")
    given_name = PlainName("first_name")
    family_name = PlainName("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=4, maximum_age=11)
    class_name = "Year 3"


class FamilyMemberFactory(DjangoModelFactory[FamilyMember]):
    class Meta:
        model = FamilyMember

    given_name = PlainName("first_name")
    family_name = PlainName("last_name")


class FamilyLinkFactory(DjangoModelFactory[FamilyLink]):
    class Meta:
        model = FamilyLink

    family_member = factory.SubFactory(FamilyMemberFactory)
    pupil = factory.SubFactory(PupilFactory)
    relationship = FamilyLink.Relationship.MOTHER


def person_with_roles(organisation: Organisation, *roles: str, **person_fields) -> Person:
    """A person holding each of ``roles`` in ``organisation``."""
    person = PersonFactory(**person_fields)
    for role in roles:
        MembershipFactory(person=person, organisation=organisation, role=role)
    return person
