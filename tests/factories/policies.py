"""Factories for the policy: versions, acknowledgements, training records, permitted ways
to communicate and rules on gifts."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from policies.models import (
    Acknowledgement,
    GiftRule,
    PermittedChannel,
    PolicyVersion,
    TrainingRecord,
)
from tests.factories import FederationFactory, PersonFactory


class PolicyVersionFactory(DjangoModelFactory[PolicyVersion]):
    class Meta:
        model = PolicyVersion

    organisation = factory.SubFactory(FederationFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "Staff contact with pupils and families"
    text = "Declare contact with pupils and their families outside work."
    adopted_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    adopted_by = "the full governing board"
    signatory_name = "Alex Chair"
    signatory_role = "Chair of Governors"
    next_review_on = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=335)
    )
    published_by = factory.SubFactory(PersonFactory)


class AcknowledgementFactory(DjangoModelFactory[Acknowledgement]):
    class Meta:
        model = Acknowledgement

    person = factory.SubFactory(PersonFactory)
    version = factory.SubFactory(PolicyVersionFactory)
    confidentiality_agreed = True


class TrainingRecordFactory(DjangoModelFactory[TrainingRecord]):
    class Meta:
        model = TrainingRecord

    person = factory.SubFactory(PersonFactory)
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    course = "Annual safeguarding update"
    provider = "The DSL"
    recorded_by = factory.SelfAttribute("person")


class PermittedChannelFactory(DjangoModelFactory[PermittedChannel]):
    class Meta:
        model = PermittedChannel

    organisation = factory.SubFactory(FederationFactory)
    channel = "email"
    conditions = "School account only."


class GiftRuleFactory(DjangoModelFactory[GiftRule]):
    """An organisation's rule on gifts: none at all, as policy 004 says, unless told."""

    class Meta:
        model = GiftRule

    organisation = factory.SubFactory(FederationFactory)
    allows = GiftRule.Allows.NOTHING
    token_limit = None
    changed_by = factory.SubFactory(PersonFactory)
