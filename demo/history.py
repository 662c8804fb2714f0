"""The demo's history: a year and a term of declarations and decisions in the federation
and the pre-school, so that the decisions dashboard, the files and the governors'
summaries (R33) have something to show. Among them is a declaration of the Executive
Headteacher's own, decided by the Chair of Governors this term, and a voucher from a
family waiting for the head of Brookfield. The demo follows policy 004, which allows no
gifts of money or goods (demo/policy.py): a gift against its setting's rule is never
approved in it.

The history is made by the real services, each called at the moment it happened: the
clock is moved there (time-machine, a development dependency like Faker) and the
declarant saves and submits, the routing sends it to whoever the rules say, an overdue
request is escalated as the scheduled job would, and the decider decides; the files,
follow-ups and audit trail are written by those services as they always are. Emails the
services send meanwhile go nowhere. Loaded by ``seed_demo`` through the directory's demo
hook; idempotent and deterministic.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import struct
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.utils import timezone

from approvals.models import ApprovalRequest, Outcome
from approvals.services import (
    decision_record,
    declaration_route,
    escalation_day,
    request_escalate,
)
from declarations.kinds import Decider, get_kind, kinds_where
from declarations.models import Declaration
from declarations.selectors import gift_check
from declarations.services import (
    Subject,
    attachment_add,
    declaration_save_draft,
    declaration_submit,
)
from demo.policy import _people
from directory.models import Organisation, Person, Pupil
from oversight.services import summary_snapshot_save
from policies.models import GiftType
from schoolcalendar.calendar import calendar_for
from schoolcalendar.periods import current_term_token, period_choices, period_from_token

SEED = 8
HISTORY_DAYS = 460  # back to the summer term of the school year before last
WAITING_DAYS = 6  # declarations this recent are still waiting for a decision

# setting key -> who declares there (their line managers, heads and the rest decide as
# the routing rules say)
STAFF = {
    "bro": [f"bro_teacher{n}" for n in range(1, 8)]
    + [f"bro_ta{n}" for n in range(1, 7)]
    + ["bro_caretaker", "bro_catering1", "bro_volunteer2"],
    "mil": [f"mil_teacher{n}" for n in range(1, 8)] + [f"mil_ta{n}" for n in range(1, 7)],
    "pre": [f"pre_key{n}" for n in range(1, 5)],
}
VOLUME = {"bro": 120, "mil": 90, "pre": 30}
# A gift against its setting's rule is refused, citing the rule, whatever the roll said
# (a question asked first stays a question).
DECIDING = (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS, Outcome.REFUSED)
# The gift the done-when of #19 names: a voucher from a family, against the rule.
VOUCHER_FROM_A_PARENT = {
    "direction": "received",
    "item": "A £20 voucher for a bookshop, in an end-of-term card",
    "gift_type": GiftType.VOUCHER.value,
    "value": "20.00",
    "other_party": "A parent",
}
# The background history is made of the everyday kinds, as often as each is declared.
KIND_WEIGHTS = {kind.code: kind.share for kind in kinds_where(everyday=True)}


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def photo_of_a_card(width: int = 96, height: int = 64) -> bytes:
    """A small PNG, cream with a red border: the photo of the card a correspondence
    declaration must attach (R11)."""
    cream, red = b"\xfa\xf3\xe0", b"\xb0\x1e\x2d"
    rows = b"".join(
        b"\x00"
        + b"".join(
            red if min(x, y, width - 1 - x, height - 1 - y) < 4 else cream for x in range(width)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _in_working_hours(moment: datetime.datetime) -> datetime.datetime:
    """A decision a head or line manager makes in the working day (7:00 to 19:00): one
    that would fall in the night is made the next morning instead."""
    local = timezone.localtime(moment)
    if local.hour >= 19:
        return _at(local.date() + datetime.timedelta(days=1), 8, local.minute)
    if local.hour < 7:
        return _at(local.date(), 8, local.minute)
    return moment


@contextlib.contextmanager
def _at_the_time(moment: datetime.datetime) -> Iterator[None]:
    """Everything inside happens at ``moment``: the services read the clock themselves."""
    import time_machine  # a development dependency, as the demo is

    with time_machine.travel(moment, tick=False):
        yield


class _History:
    def __init__(self, people: dict[str, Person], today: datetime.date) -> None:
        self.people = people
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 (demo data, not security)

    def declare(
        self, *, declarant, setting, kind, pupil, submitted_at, answers=None
    ) -> ApprovalRequest:
        """Saved, then submitted a few minutes later, and routed: the request it waits on.
        ``answers`` replace some of the kind's example answers."""
        entry = get_kind(kind)
        started_at = submitted_at - datetime.timedelta(minutes=12)
        with _at_the_time(started_at):
            example = entry.example_answers(started_at.date(), self.rng)
            form = entry.form(data={**example, **(answers or {})})
            if not form.is_valid():
                raise ValueError(f"The demo's answers for {entry.name}: {form.errors}")
            declaration = declaration_save_draft(
                actor=declarant,
                kind=entry,
                setting=setting,
                details=form.cleaned_data,
                notes="",
                subjects=Subject(pupils=[pupil]),
                form_token=uuid.UUID(int=self.rng.getrandbits(128)),
            )
            if entry.attachment_required:
                attachment_add(
                    actor=declarant,
                    declaration=declaration,
                    upload=SimpleUploadedFile(
                        "photo-of-the-card.png", photo_of_a_card(), content_type="image/png"
                    ),
                )
        with _at_the_time(submitted_at):
            declaration_submit(actor=declarant, declaration=declaration)
            # Routed when the submission commits; asked here too, for a demo loaded inside
            # a transaction (the tests): a declaration already routed is not routed again.
            return declaration_route(declaration=declaration)

    def decide(self, request, outcome, decided_at, **details):
        with _at_the_time(decided_at):
            return decision_record(
                actor=request.decider, request=request, outcome=outcome, details=details
            )

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
            if get_kind(kind).ongoing:
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
        kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        declarant = self.people[self.rng.choice(STAFF[key])]
        submitted_at = _at(day, self.rng.randint(7, 18), self.rng.randint(0, 59))
        request = self.declare(
            declarant=declarant,
            setting=setting,
            kind=kind,
            pupil=self.rng.choice(pupils),
            submitted_at=submitted_at,
        )
        if (self.today - day).days <= WAITING_DAYS:
            return  # still waiting for its decision
        wait = datetime.timedelta(hours=self.rng.choice([3, 20, 30, 50, 75, 100, 130, 200, 330]))
        decided_at = _in_working_hours(submitted_at + wait)
        if decided_at.date() > request.due_on:
            # Not decided in time: the scheduled job passes it one level up the next
            # morning it acts (a school day, unless the contact would not wait), and the
            # next person decides it within their own due date.
            escalated_on = escalation_day(
                due_on=request.due_on,
                key_date=request.declaration.key_date,
                calendar=calendar_for(setting, request.due_on),
                urgent=request.urgent,
            )
            with _at_the_time(_at(escalated_on, 6)):
                passed_on = request_escalate(request=request, today=escalated_on)
            if passed_on is not None:
                request = passed_on
                decided_at = min(max(decided_at, _at(escalated_on, 11)), _at(request.due_on, 16))
            else:  # nobody above: the same person decides it late
                decided_at = max(decided_at, _at(escalated_on, 11))
        if decided_at.date() >= self.today:
            return
        outcome, details = self.outcome(kind)
        if outcome in DECIDING and (refusal := self.against_the_gift_rule(request)):
            outcome, details = Outcome.REFUSED, refusal
        if "review_on" in details:
            details["review_on"] = decided_at.date() + datetime.timedelta(days=90)
        if "action_due_on" in details:
            details["action_due_on"] = decided_at.date() + datetime.timedelta(days=14)
        self.decide(request, outcome, decided_at, **details)

    @staticmethod
    def against_the_gift_rule(request) -> dict[str, Any] | None:
        """A refusal for a gift against its setting's rule on gifts (R40); None otherwise."""
        check = gift_check(request.declaration)
        if check is None or not check.against_rule:
            return None
        # No required action: a year of them would stand overdue on the staff's pages.
        return {
            "reasons": " ".join(
                [*check.marks, "Decline or return it politely, thanking the family."]
            )
        }

    def voucher_from_a_family(self, setting: Organisation, pupils: list[Pupil]) -> None:
        """A voucher from a parent, declared yesterday by a teacher and waiting for the
        head, marked against the rule on gifts (#19: done when)."""
        submitted_at = min(
            _at(self.today - datetime.timedelta(days=1), 15, 40),
            timezone.now() - datetime.timedelta(hours=1),
        )
        self.declare(
            declarant=self.people["bro_teacher1"],
            setting=setting,
            kind=kinds_where(is_gift=True)[0].code,
            pupil=pupils[1],
            submitted_at=submitted_at,
            answers=VOUCHER_FROM_A_PARENT,
        )

    def waiting_on_a_line_manager(self, setting: Organisation, pupils: list[Pupil]) -> None:
        """Two declarations waiting for Brookfield's first line manager (Nigel Power in the
        demo), one past its due date: what the head sees waits on her line managers (#22).
        Declared after the last run of the scheduled job, so neither is passed on yet."""
        now = timezone.now()
        kind = kinds_where(
            needs_approval=True, decider_in_school=Decider.LINE_MANAGER, safeguarding=False
        )[0]
        for key, days_ago, pupil in (("bro_teacher2", 12, pupils[2]), ("bro_ta2", 2, pupils[3])):
            self.declare(
                declarant=self.people[key],
                setting=setting,
                kind=kind.code,
                pupil=pupil,
                submitted_at=min(
                    _at(self.today - datetime.timedelta(days=days_ago), 16, 5),
                    now - datetime.timedelta(hours=2),
                ),
            )

    def summary_published(self, federation: Organisation) -> str:
        """The Executive Headteacher publishes the summary of the last term that has
        ended, a few minutes ago: the governors' home pages say it is new (#22)."""
        terms = (
            period_from_token(federation, token, self.today)
            for token, _title in period_choices(federation, self.today)
            if not token.startswith("year-")
        )
        period = next(term for term in terms if not term.so_far)
        with _at_the_time(timezone.now() - datetime.timedelta(minutes=10)):
            summary_snapshot_save(
                actor=self.people["exec"], organisation=federation, period=period, publish=True
            )
        return period.title

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
        request = self.declare(
            declarant=self.people["exec"],
            setting=setting,
            kind=kinds_where(is_gift=True)[0].code,
            pupil=pupils[0],
            submitted_at=submitted_at,
            answers=VOUCHER_FROM_A_PARENT,
        )
        self.decide(request, Outcome.REFUSED, decided_at, **self.against_the_gift_rule(request))


# The emails the services send along the way are history too: nobody is sent them now.
@override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}})
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
            history.voucher_from_a_family(setting, pupils)
            history.waiting_on_a_line_manager(setting, pupils)
            count += 4
    last_term = history.summary_published(organisations["fed"])
    return (
        f"Added {count} declarations over the last {HISTORY_DAYS} days, with their decisions, "
        f"and the federation's summary of {last_term}, published for the governors."
    )
