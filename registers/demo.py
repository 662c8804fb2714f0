"""The demo's history: a year and a term of declarations and decisions in the federation
and the pre-school, so that the decisions dashboard, the files and the governors'
summaries (R33) have something to show. Among them is a declaration of the Executive
Headteacher's own, decided by the Chair of Governors this term.

Every row is written as it would have been at the time (submitted, routed, decided,
recorded on the files, followed up, audited), with the dates it happened on, because
register entries and audit events can never be changed afterwards. Loaded by
``seed_demo`` through the directory's demo hook; idempotent and deterministic.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from approvals.audit_actions import APPROVAL_DECIDED, APPROVAL_ESCALATED, APPROVAL_ROUTED
from approvals.models import ApprovalRequest, DeciderRole, Decision, Outcome
from approvals.services import due_date_for
from contactpolicy.audit import action_of
from contactpolicy.models import AuditEvent
from declarations.audit_actions import DECLARATION_CREATED, DECLARATION_SUBMITTED
from declarations.kinds import get_kind
from declarations.models import Declaration, DeclarationSubject
from directory.models import Organisation, Person, Pupil
from directory.periods import current_term_token, period_from_token
from policies.demo import _people
from registers.audit_actions import FOLLOW_UP_SET, OUTCOME_RECORDED
from registers.models import FollowUp, RegisterEntry
from registers.services import _write_entries, files_of, outcome_text

SEED = 8
HISTORY_DAYS = 460  # back to the summer term of the school year before last
WAITING_DAYS = 6  # declarations this recent are still waiting for a decision

# setting key -> (declarants, line managers, head)
STAFF = {
    "bro": (
        [f"bro_teacher{n}" for n in range(1, 8)]
        + [f"bro_ta{n}" for n in range(1, 7)]
        + ["bro_caretaker", "bro_catering1", "bro_volunteer2"],
        ["bro_lm1", "bro_lm2"],
        "bro_head",
    ),
    "mil": (
        [f"mil_teacher{n}" for n in range(1, 8)] + [f"mil_ta{n}" for n in range(1, 7)],
        ["mil_lm1", "mil_lm2"],
        "mil_head",
    ),
    "pre": ([f"pre_key{n}" for n in range(1, 5)], ["pre_deputy"], "pre_manager"),
}
VOLUME = {"bro": 120, "mil": 90, "pre": 30}
KIND_WEIGHTS = {
    "planned_social_contact": 18,
    "personal_communication": 14,
    "gift": 12,
    "correspondence_received": 12,
    "unplanned_contact": 10,
    "regular_social_contact": 8,
    "work_outside_setting": 8,
    "pre_existing_relationship": 8,
}


def _details(kind: str, day: datetime.date, rng: random.Random) -> dict[str, Any]:
    later = (day + datetime.timedelta(days=rng.randint(8, 20))).isoformat()
    return {
        "planned_social_contact": {
            "channels": ["in_person"],
            "planned_on": later,
            "place": "A children's birthday party at a family's home",
            "who": "The family and other parents from the class",
            "purpose": "Invited as a friend of the family",
        },
        "personal_communication": {
            "channels": ["letter_or_card"],
            "occasion": rng.choice(["birthday", "get_well", "sympathy", "congratulations"]),
            "message_type": "card",
            "send_on": later,
        },
        "gift": {
            "channels": ["in_person"],
            "direction": "received",
            "item": rng.choice(["Flowers", "Box of chocolates", "Voucher", "Bottle of wine"]),
            "value": rng.choice(["10.00", "15.00", "25.00", "40.00"]),
            "other_party": "A parent",
        },
        "correspondence_received": {
            "channels": ["letter_or_card"],
            "item": "A thank-you card",
            "received_on": day.isoformat(),
            "proposed_response": "Thank the family at the school gate",
        },
        "unplanned_contact": {
            "channels": ["in_person"],
            "occurred_on": day.isoformat(),
            "place": rng.choice(["Supermarket", "Swimming pool", "Park", "Railway station"]),
            "what_happened": "Said hello and talked briefly about the weekend",
        },
        "regular_social_contact": {
            "channels": ["in_person"],
            "nature": "Our children play in the same football team",
            "frequency": "weekly",
        },
        "work_outside_setting": {
            "channels": ["in_person"],
            "activity": rng.choice(["tuition", "babysitting", "sports_club"]),
            "paid": "yes",
            "reasons": "The family asked for help in the evenings",
            "starts_on": later,
            "location": "The family's home",
        },
        "pre_existing_relationship": {
            "channels": ["in_person", "phone"],
            "relationship": rng.choice(["friend", "neighbour", "community"]),
            "description": "We knew each other before their child joined",
            "since": "2019-06-01",
        },
    }[kind]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


class _History:
    def __init__(self, people: dict[str, Person], today: datetime.date) -> None:
        self.people = people
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 (demo data, not security)
        self.declaration_type = ContentType.objects.get_for_model(Declaration)

    def audit(self, at, actor, action, declaration, **data) -> None:
        # Written as at the time, so not through audit_event_record; registered all the same.
        AuditEvent.objects.create(
            occurred_at=at,
            organisation_pk=declaration.setting_id,
            actor=actor,
            action=action_of(action).code,
            target_type=self.declaration_type,
            target_id=str(declaration.pk),
            target_label=str(declaration)[:255],
            data=data,
        )

    def declare(self, *, declarant, setting, kind, pupil, submitted_at) -> Declaration:
        details = _details(kind, submitted_at.date(), self.rng)
        declaration = Declaration.objects.create(
            declarant=declarant,
            setting=setting,
            kind=kind,
            status=Declaration.Status.SUBMITTED,
            details=details,
            key_date=get_kind(kind).key_date_of(details),
            created_at=submitted_at - datetime.timedelta(minutes=12),
            submitted_at=submitted_at,
            first_submitted_at=submitted_at,
        )
        DeclarationSubject.objects.create(declaration=declaration, pupil=pupil)
        self.audit(declaration.created_at, declarant, DECLARATION_CREATED, declaration)
        self.audit(submitted_at, declarant, DECLARATION_SUBMITTED, declaration)
        return declaration

    def route(self, declaration, decider, role, created_at, due_on, escalated_from=None):
        request = ApprovalRequest.objects.create(
            declaration=declaration,
            decider=decider,
            decider_role=role,
            routing_reason="By the federation policy's default routing."
            if escalated_from is None
            else f"Overdue since {escalated_from.due_on:%-d %B %Y}: escalated one level up.",
            due_on=due_on,
            created_at=created_at,
            escalated_from=escalated_from,
        )
        self.audit(created_at, None, APPROVAL_ROUTED, declaration, request=request.pk)
        return request

    def decide(self, request, decider, outcome, decided_at, **details) -> Decision:
        declaration = request.declaration
        decision = Decision.objects.create(
            request=request, decided_by=decider, outcome=outcome, decided_at=decided_at, **details
        )
        ApprovalRequest.objects.filter(pk=request.pk).update(status=ApprovalRequest.Status.DECIDED)
        status = (
            Declaration.Status.MORE_INFO
            if outcome == Outcome.MORE_INFORMATION
            else Declaration.Status.DECIDED
        )
        Declaration.objects.filter(pk=declaration.pk).update(status=status)
        declaration.status = status
        self.audit(decided_at, decider, APPROVAL_DECIDED, declaration, outcome=outcome)
        if outcome == Outcome.MORE_INFORMATION:
            return decision
        _write_entries(
            declaration=declaration,
            pupils=files_of(declaration),
            entry_kind=RegisterEntry.EntryKind.OUTCOME,
            decision=decision,
            text=outcome_text(decision),
            recorded_by=decider,
            recorded_at=decided_at,
        )
        self.audit(decided_at, decider, OUTCOME_RECORDED, declaration)
        if decision.review_on or decision.required_action:
            kind = FollowUp.Kind.REVIEW if decision.review_on else FollowUp.Kind.ACTION
            due_on = decision.review_on or decision.action_due_on
            FollowUp.objects.create(
                kind=kind,
                declaration=declaration,
                decision=decision,
                person=declaration.declarant,
                responsible=decider,
                what=decision.conditions or decision.required_action,
                due_on=due_on,
                created_at=decided_at,
            )
            self.audit(decided_at, decider, FOLLOW_UP_SET, declaration, kind=kind)
        return decision

    def outcome(self, kind: str) -> tuple[str, dict[str, Any]]:
        roll = self.rng.random()
        if not get_kind(kind).needs_approval:
            return (
                (Outcome.NOTED, {})
                if roll < 0.9
                else (
                    Outcome.MORE_INFORMATION,
                    {"questions": "When did this start, and how often do you meet?"},
                )
            )
        if roll < 0.55:
            return Outcome.APPROVED, {}
        if roll < 0.8:
            details = {
                "conditions": "Keep it to the occasions described; tell your line "
                "manager of any change."
            }
            if get_kind(kind).ongoing or kind == "work_outside_setting":
                details["review_on"] = None  # set from the decision date
            return Outcome.APPROVED_WITH_CONDITIONS, details
        if roll < 0.92:
            return Outcome.REFUSED, {
                "reasons": "This would blur the line between your role and your private "
                "life, as the policy explains.",
                "required_action": "Let the family know, politely, that you cannot accept",
                "action_due_on": None,  # set from the decision date
            }
        return Outcome.MORE_INFORMATION, {"questions": "Who else will be there?"}

    def one(self, setting: Organisation, key: str, pupils: list[Pupil], day: datetime.date):
        declarants, managers, head = STAFF[key]
        kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        declarant = self.people[self.rng.choice(declarants)]
        submitted_at = _at(day, self.rng.randint(7, 18), self.rng.randint(0, 59))
        declaration = self.declare(
            declarant=declarant,
            setting=setting,
            kind=kind,
            pupil=self.rng.choice(pupils),
            submitted_at=submitted_at,
        )
        if kind == "work_outside_setting" and key != "pre":
            decider, role = self.people["exec"], DeciderRole.EXECUTIVE_HEAD
        else:
            decider, role = self.people[self.rng.choice(managers)], DeciderRole.LINE_MANAGER
        due_on = due_date_for(declaration, day)
        request = self.route(declaration, decider, role, submitted_at, due_on)
        if (self.today - day).days <= WAITING_DAYS:
            return  # still waiting for its decision
        wait = datetime.timedelta(hours=self.rng.choice([3, 20, 30, 50, 75, 100, 130, 200, 330]))
        decided_at = submitted_at + wait
        if decided_at.date() > due_on and role == DeciderRole.LINE_MANAGER:
            # The line manager did not decide it in time: the next morning's scheduled
            # job passed it up to the head, who decided it within their own due date.
            request.status = ApprovalRequest.Status.ESCALATED
            ApprovalRequest.objects.filter(pk=request.pk).update(status=request.status)
            escalated_on = due_on + datetime.timedelta(days=1)
            escalated_at = _at(escalated_on, 6)
            self.audit(escalated_at, None, APPROVAL_ESCALATED, declaration, from_request=request.pk)
            head_due_on = due_date_for(declaration, escalated_on)
            request = self.route(
                declaration,
                self.people[head],
                DeciderRole.HEAD,
                escalated_at,
                head_due_on,
                escalated_from=request,
            )
            decider = self.people[head]
            decided_at = min(
                max(decided_at, escalated_at + datetime.timedelta(hours=5)),
                _at(head_due_on, 16),
            )
        elif decided_at.date() > due_on:
            # Anyone else decided it by its due date (else it would have gone up too).
            decided_at = max(submitted_at + datetime.timedelta(hours=1), _at(due_on, 16))
        if decided_at.date() >= self.today:
            return
        outcome, details = self.outcome(kind)
        if "review_on" in details:
            details["review_on"] = decided_at.date() + datetime.timedelta(days=90)
        if "action_due_on" in details:
            details["action_due_on"] = decided_at.date() + datetime.timedelta(days=14)
        self.decide(request, decider, outcome, decided_at, **details)

    def executive_heads_own(self, setting: Organisation, pupils: list[Pupil]) -> None:
        """The Executive Headteacher's own declaration, decided by the Chair this term
        (whatever day of the term the demo is loaded on)."""
        now = timezone.now()
        term = period_from_token(setting, current_term_token(setting, self.today), self.today)
        submitted_at = max(
            _at(term.starts_on, 8, 40),
            min(_at(self.today - datetime.timedelta(days=16), 8, 40), now),
        )
        submitted_at = min(submitted_at, now - datetime.timedelta(minutes=30))
        decided_at = min(
            submitted_at + datetime.timedelta(days=2), now - datetime.timedelta(minutes=5)
        )
        declaration = self.declare(
            declarant=self.people["exec"],
            setting=setting,
            kind="gift",
            pupil=pupils[0],
            submitted_at=submitted_at,
        )
        chair = self.people["chair"]
        request = self.route(
            declaration,
            chair,
            DeciderRole.CHAIR,
            submitted_at,
            due_date_for(declaration, submitted_at.date()),
        )
        self.decide(
            request,
            chair,
            Outcome.APPROVED_WITH_CONDITIONS,
            decided_at,
            conditions="Share the voucher with the staff room, as the gifts policy asks.",
        )


@transaction.atomic
def demo_load(plan: Any) -> str:
    organisations = {
        key: Organisation.objects.filter(name=name).first()
        for key, (name, *_rest) in plan.organisations.items()
    }
    settings = {key: organisations[key] for key in STAFF}
    if (
        None in settings.values()
        or Declaration.objects.filter(setting__in=settings.values()).exists()
    ):
        return ""
    today = timezone.localdate()
    history = _History(_people(plan), today)
    count = 0
    for key, setting in settings.items():
        pupils = list(Pupil.objects.filter(setting=setting, status=Pupil.Status.CURRENT)[:40])
        days = sorted(
            today - datetime.timedelta(days=history.rng.randint(1, HISTORY_DAYS))
            for _ in range(VOLUME[key])
        )
        for day in days:
            history.one(setting, key, pupils, day)
            count += 1
        if key == "bro":
            history.executive_heads_own(setting, pupils)
            count += 1
    return f"Added {count} declarations over the last {HISTORY_DAYS} days, with their decisions."
