"""The demo's policy: a federation policy and the pre-school's own, who has
acknowledged them, safeguarding training (some overdue, some due soon), the permitted
ways to communicate and the rule on gifts. Loaded by ``seed_demo`` through the
directory's demo hook; idempotent."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from directory.models import Organisation, Person
from policies.models import (
    Acknowledgement,
    Channel,
    GiftRule,
    PermittedChannel,
    PolicyVersion,
    TrainingRecord,
)

DEMO_TEXTS = Path(__file__).resolve().parent / "policy_texts"
FEDERATION_TEXT = (DEMO_TEXTS / "federation_policy.txt").read_text(encoding="utf-8").strip()

PRESCHOOL_TEXT = (DEMO_TEXTS / "preschool_policy.txt").read_text(encoding="utf-8").strip()

FEDERATION_CHANNELS = {
    Channel.IN_PERSON: "At school, on trips and at events the school has agreed.",
    Channel.EMAIL: "Your school email account only, never a personal one.",
    Channel.PHONE: "The school's phones, or a school mobile on trips; never your own.",
    Channel.LEARNING_PLATFORM: "For schoolwork, through the school's own accounts.",
    Channel.LETTER_OR_CARD: "Cards such as birthday or faith cards are agreed with your line "
    "manager first.",
}
PRESCHOOL_CHANNELS = {
    Channel.IN_PERSON: "At the setting, or in a professional capacity such as babysitting "
    "that has been agreed.",
    Channel.PHONE: "The setting's phone only.",
    Channel.EMAIL: "The setting's email account only.",
    Channel.LETTER_OR_CARD: "Through your key person's room, recorded in the diary.",
}

# The rule on gifts (R40), as policy 004 says: staff must not "give, receive or exchange
# gifts of money or goods" with pupils, their families or carers. Set by the federation
# (so for both its schools) and by the pre-school, before the history the demo shows
# (demo/history.py), so that its decisions were made under it.
GIFT_RULES = {"fed": "admin", "pre": "pre_manager"}  # organisation -> who set it
GIFT_RULES_SET_DAYS_AGO = 730

# Whose training the demo makes overdue, due soon or missing; everyone else's is current.
OVERDUE = {"bro_teacher1": 400, "mil_teacher1": 380}
DUE_SOON = {"bro_ta1": 350}
NEVER = {"bro_caretaker", "bro_volunteer1", "governor1", "chair", "pre_key2"}
# Who has not yet acknowledged the policy in force: the new volunteer.
NOT_ACKNOWLEDGED = {"bro_volunteer1"}


def _people(plan: Any) -> dict[str, Person]:
    by_email = {
        person.email: person
        for person in Person.objects.filter(
            email__in=[planned.email for planned in plan.people.values()]
        )
    }
    return {
        key: by_email[planned.email]
        for key, planned in plan.people.items()
        if planned.email in by_email
    }


def _gift_rules(organisations: dict[str, Organisation], people: dict[str, Person]) -> int:
    """Policy 004's rule on gifts where none is set yet (also on a database where the
    demo was loaded before there were rules on gifts). How many were set."""
    since = timezone.now() - datetime.timedelta(days=GIFT_RULES_SET_DAYS_AGO)
    made = 0
    for key, setter in GIFT_RULES.items():
        organisation = organisations[key]
        if GiftRule.objects.filter(organisation=organisation).exists():
            continue
        rule = GiftRule(
            organisation=organisation,
            allows=GiftRule.Allows.NOTHING,
            changed_by=people[setter],
            changed_at=since,
        )
        rule._history_date = since  # simple_history: the rule's history starts then
        rule.save()
        made += 1
    return made


@transaction.atomic
def demo_load(plan: Any) -> str:
    organisations = {
        key: Organisation.objects.filter(name=name).first()
        for key, (name, *_rest) in plan.organisations.items()
    }
    if None in organisations.values():
        return ""
    people = _people(plan)
    rules = _gift_rules(organisations, people)
    if PolicyVersion.objects.filter(organisation__in=organisations.values()).exists():
        return f"Set the demo's rule on gifts in {rules} organisations." if rules else ""
    today = timezone.localdate()
    federation, preschool = organisations["fed"], organisations["pre"]
    versions = [
        PolicyVersion.objects.create(
            organisation=federation,
            number=1,
            title="Staff contact with pupils and families",
            text=FEDERATION_TEXT,
            adopted_on=today - datetime.timedelta(days=420),
            adopted_by="the full governing board",
            signatory_name=people["chair"].get_full_name(),
            signatory_role="Chair of Governors",
            next_review_on=today + datetime.timedelta(days=310),
            published_by=people["admin"],
        ),
        PolicyVersion.objects.create(
            organisation=preschool,
            number=1,
            title="Social media and professional relationships",
            text=PRESCHOOL_TEXT,
            adopted_on=today - datetime.timedelta(days=240),
            adopted_by="the pre-school committee",
            signatory_name="Wendy Bevan",
            signatory_role="Committee Chairperson",
            next_review_on=today + datetime.timedelta(days=20),
            published_by=people["pre_manager"],
        ),
    ]
    acknowledgements = []
    for key, person in people.items():
        if key in NOT_ACKNOWLEDGED:
            continue
        version = versions[1] if key.startswith("pre_") else versions[0]
        acknowledgements.append(
            Acknowledgement(
                person=person,
                version=version,
                confidentiality_agreed=True,
                acknowledged_at=timezone.now() - datetime.timedelta(days=200),
            )
        )
    Acknowledgement.objects.bulk_create(acknowledgements)
    records = []
    for key, person in people.items():
        if key in NEVER:
            continue
        days_ago = OVERDUE.get(key) or DUE_SOON.get(key) or 60 + (person.pk % 200)
        records.append(
            TrainingRecord(
                person=person,
                completed_on=today - datetime.timedelta(days=days_ago),
                course="Annual safeguarding and child protection update",
                provider="The designated safeguarding lead"
                if key != "pre_manager"
                else "Local authority safeguarding partnership",
                recorded_by=people["pre_manager"] if key.startswith("pre_") else people["admin"],
            )
        )
    TrainingRecord.objects.bulk_create(records)
    PermittedChannel.objects.bulk_create(
        [
            PermittedChannel(organisation=federation, channel=code, conditions=conditions)
            for code, conditions in FEDERATION_CHANNELS.items()
        ]
        + [
            PermittedChannel(organisation=preschool, channel=code, conditions=conditions)
            for code, conditions in PRESCHOOL_CHANNELS.items()
        ]
    )
    return (
        f"Loaded the demo policy: {len(versions)} policies, {len(acknowledgements)} "
        f"acknowledgements, {len(records)} training records, {rules} rules on gifts."
    )
