"""One family across two schools of a federation (#19): a teaching assistant who works
in both of the ``world``'s federation schools, and siblings, one in each, with the
mother they share. Names no fake-data generator produces, so that finding one on a
page or in an email where it should not be is a leak, not chance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.test import TestCase

from declarations.kinds import get_kind
from declarations.models import Declaration
from declarations.services import Subject, declaration_save_draft, declaration_submit
from directory.models import FamilyMember, Person, Pupil, Role
from tests.conftest import World, sign_in_with_mfa
from tests.factories import (
    FamilyLinkFactory,
    MembershipFactory,
    PersonFactory,
    PupilFactory,
    person_with_roles,
)
from tests.factories.declarations import cleaned_details

SIBLING_A = "Araminta Pendleford"  # at Ash Primary School
SIBLING_B = "Bartholomew Pendleford"  # at Birch Primary School
MOTHER = "Philippa Pendleford"  # of both
A_GIVEN, B_GIVEN = "Araminta", "Bartholomew"


@dataclass
class TwoSchools:
    world: World
    head_b: Person  # the head of Birch Primary School (the world has only Ash's head)
    assistant: Person  # a teaching assistant in both schools, managed at Ash
    sibling_a: Pupil
    sibling_b: Pupil
    mother: FamilyMember


def two_schools(world: World) -> TwoSchools:
    head_b = person_with_roles(world.school_b, Role.HEAD, Role.STAFF)
    assistant = PersonFactory(given_name="Tamsin", family_name="Ashcombe")
    MembershipFactory(
        person=assistant,
        organisation=world.school_a,
        role=Role.STAFF,
        job_title="Teaching assistant",
        line_manager=world.line_manager_a,
    )
    MembershipFactory(
        person=assistant,
        organisation=world.school_b,
        role=Role.STAFF,
        job_title="Teaching assistant",
    )
    sibling_a = PupilFactory(setting=world.school_a, given_name=A_GIVEN, family_name="Pendleford")
    sibling_b = PupilFactory(setting=world.school_b, given_name=B_GIVEN, family_name="Pendleford")
    mother = FamilyLinkFactory(
        pupil=sibling_a,
        family_member__given_name="Philippa",
        family_member__family_name="Pendleford",
    ).family_member
    FamilyLinkFactory(pupil=sibling_b, family_member=mother)
    return TwoSchools(world, head_b, assistant, sibling_a, sibling_b, mother)


def declare(
    declarant: Person,
    setting,
    *,
    pupils=(),
    family_members=(),
    kind: str = "planned_social_contact",
) -> Declaration:
    """A draft saved through the service, as the form saves it."""
    return declaration_save_draft(
        actor=declarant,
        kind=get_kind(kind),
        setting=setting,
        details=cleaned_details(kind),
        notes="",
        subjects=Subject(pupils=list(pupils), family_members=list(family_members)),
        form_token=uuid.uuid4(),
    )


def submit(declaration: Declaration) -> Declaration:
    """Submit as the app does, with the routing and emails that follow the commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return declaration_submit(actor=declaration.declarant, declaration=declaration)


def declare_about_the_siblings(ts: TwoSchools, **fields) -> Declaration:
    """The teaching assistant's one declaration, made at Ash, about both siblings."""
    return declare(ts.assistant, ts.world.school_a, pupils=[ts.sibling_a, ts.sibling_b], **fields)


def page_text(client, person: Person, url: str) -> str:
    """The page at ``url`` as ``person`` sees it (signed in with their second factor)."""
    sign_in_with_mfa(client, person)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.text
