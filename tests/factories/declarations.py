"""Factories and valid details for declarations, with British (en_GB) fake data.

``details_data(code)`` is what a browser would post for a kind's details form (dates
as ISO text), valid on the day given; ``details_json(code)`` is the same after the
form has cleaned it and :func:`declarations.kinds.details_to_json` has stored it.
"""

import datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from declarations.kinds import details_to_json, get_kind, today
from declarations.models import Declaration, DeclarationSubject
from directory.models import Pupil
from tests.factories import (
    FamilyLinkFactory,
    PersonFactory,
    PupilFactory,
    SchoolFactory,
)

factory.Faker._DEFAULT_LOCALE = "en_GB"


def _iso(day: datetime.date) -> str:
    return day.isoformat()


def details_data(code: str, *, on: datetime.date | None = None) -> dict[str, Any]:
    """Details a kind's form accepts on the day ``on`` (today by default), as posted."""
    on = on or today()

    def days(offset: int) -> str:
        return _iso(on + datetime.timedelta(days=offset))

    data: dict[str, dict[str, Any]] = {
        "pre_existing_relationship": {
            "channels": ["in_person", "social_network"],
            "relationship": "friend",
            "description": "We have been friends since school.",
            "since": days(-3650),
            "social_media": True,
        },
        "planned_social_contact": {
            "channels": ["in_person"],
            "planned_on": days(31),
            "time": "14:30",
            "place": "The village hall",
            "who": "My family, the Smiths and about ten children from Year 3.",
            "purpose": "A child's birthday party.",
        },
        "regular_social_contact": {
            "channels": ["in_person", "phone"],
            "nature": "Our families walk dogs together.",
            "frequency": "weekly",
            "started_on": days(-365),
        },
        "personal_communication": {
            "channels": ["letter_or_card"],
            "occasion": "sympathy",
            "message_type": "card",
            "send_on": days(7),
            "message": "Thinking of you all.",
        },
        "work_outside_setting": {
            "channels": ["in_person"],
            "activity": "tuition",
            "paid": "yes",
            "reasons": "The family asked for help with reading before the SATs.",
            "starts_on": days(14),
            "ends_on": days(100),
            "location": "At the family's home",
        },
        "unplanned_contact": {
            "channels": ["in_person"],
            "occurred_on": days(-1),
            "place": "Tesco car park",
            "what_happened": "We said hello and I moved on.",
        },
        "correspondence_received": {
            "channels": ["letter_or_card"],
            "item": "A thank-you card",
            "received_on": days(-2),
            "proposed_response": "none",
        },
        "contact_details_shared": {
            "channels": ["phone", "text"],
            "details_given": ["mobile", "email"],
            "to_whom": "Mrs Jones, Ava's mother",
            "reason": "To arrange the football club lifts.",
            "until": days(60),
        },
        "trip_phone_sharing": {
            "channels": ["phone", "text"],
            "trip_name": "Year 6 residential to Wales",
            "trip_starts_on": days(20),
            "trip_ends_on": days(22),
            "parents_or_carers": "The parents of the twelve children in my group.",
            "delete_by": days(23),
        },
        "social_media_connection": {
            "channels": ["social_network"],
            "platform": "Facebook",
            "account": "Sarah Jones",
            "pre_existing_declared": True,
        },
        "gift": {
            "channels": ["in_person"],
            "direction": "received",
            "item": "A box of chocolates",
            "gift_type": "goods",
            "value": "12.5",
            "other_party": "The Patel family",
            "on": days(-1),
        },
        "business_dealing": {
            "channels": ["email"],
            "nature": "buying",
            "description": "Buying a second-hand bicycle from a parent.",
            "value": "250",
        },
        "will_or_attorney": {
            "channels": ["in_person"],
            "document": "lpa",
            "role": "witness",
            "description": "A grandparent asked me to witness a Lasting Power of Attorney.",
        },
        "former_pupil_contact": {
            "channels": ["messaging_app"],
            "current_age_or_setting": "19, at university",
            "nature_of_contact": "They messaged to ask for a reference.",
            "proposed_plan": "One meeting at school with the head present, by the end of term.",
        },
        "concern": {
            "channels": ["messaging_app"],
            "concern_type": "contact_attempts",
            "description": "A parent has sent me several late-night messages.",
            "occurred_on": days(-3),
        },
    }
    return dict(data[code])


def cleaned_details(code: str, *, on: datetime.date | None = None, **changes: Any) -> dict:
    """The cleaned data of a valid details form, as a view passes it to the services."""
    form = get_kind(code).form(data={**details_data(code, on=on), **changes})
    if not form.is_valid():  # a broken fixture, so say which kind and why
        raise AssertionError(f"details for {code} are not valid: {form.errors.as_json()}")
    return form.cleaned_data


def details_json(code: str, *, on: datetime.date | None = None) -> dict[str, Any]:
    """Valid details as stored on a declaration."""
    return details_to_json(cleaned_details(code, on=on))


class FormerPupilFactory(PupilFactory):
    status = Pupil.Status.FORMER
    left_on = datetime.date(2024, 7, 19)
    destination = "Oakwood Academy"
    class_name = ""


class DeclarationFactory(DjangoModelFactory[Declaration]):
    """A draft declaration, straight into the database (no audit events)."""

    class Meta:
        model = Declaration

    declarant = factory.SubFactory(PersonFactory)
    setting = factory.SubFactory(SchoolFactory)
    kind = "planned_social_contact"
    details = factory.LazyAttribute(lambda declaration: details_json(declaration.kind))
    key_date = factory.LazyAttribute(
        lambda declaration: get_kind(declaration.kind).key_date_of(declaration.details)
    )


class DeclarationSubjectFactory(DjangoModelFactory[DeclarationSubject]):
    """A pupil of the declaration's setting."""

    class Meta:
        model = DeclarationSubject

    declaration = factory.SubFactory(DeclarationFactory)
    pupil = factory.SubFactory(PupilFactory, setting=factory.SelfAttribute("..declaration.setting"))


class FamilyMemberSubjectFactory(DeclarationSubjectFactory):
    """A parent of a pupil of the declaration's own setting."""

    pupil = None
    family_member = factory.LazyAttribute(
        lambda subject: FamilyLinkFactory(pupil__setting=subject.declaration.setting).family_member
    )
