"""What a decision must hold to be recorded (R18, R23), and an entry of the DSL's log
(R41): checked by the service before anything is written, and asked by the form only to
place each message beside its field."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from approvals.models import DeciderRole, DslAction, Outcome
from declarations.kinds import Kind
from declarations.models import Declaration

APPROVAL_OUTCOMES = (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS, Outcome.REFUSED)


def outcomes_for(kind: Kind, decider_role: str, *, referred: bool = False) -> list[Outcome]:
    """The outcomes a decider may choose for this kind, in the order the form shows them.
    A safeguarding lead, or whoever a referral reached, cannot refer it on to the DSL
    again: that is how it bounced between two people (#19)."""
    outcomes = list(APPROVAL_OUTCOMES) if kind.needs_approval else [Outcome.NOTED]
    outcomes.append(Outcome.MORE_INFORMATION)
    if decider_role not in {DeciderRole.DSL, DeciderRole.DEPUTY_DSL} and not referred:
        outcomes.append(Outcome.REFERRED_TO_DSL)
    outcomes.append(Outcome.LADO_ADVICE_SOUGHT)
    return outcomes


# The boxes of the decision form each outcome uses, in the order the form shows them (#22).
# A box of another outcome sent with it (typed before the decider changed their mind, or
# posted without JavaScript, where every box shows) is ignored: never saved, never checked.
FOLLOW_UP = ("required_action", "action_due_on")
PLAN = ("plan", "expected_outcomes", "timescales")
BOXES: dict[str, tuple[str, ...]] = {
    Outcome.APPROVED: ("reasons", "review_on", *FOLLOW_UP, *PLAN, "safeguarding_flag"),
    Outcome.APPROVED_WITH_CONDITIONS: (
        "conditions",
        "reasons",
        "review_on",
        *FOLLOW_UP,
        *PLAN,
        "safeguarding_flag",
    ),
    Outcome.REFUSED: ("reasons", *FOLLOW_UP, "safeguarding_flag"),
    Outcome.NOTED: ("reasons", "review_on", *FOLLOW_UP, "safeguarding_flag"),
    Outcome.MORE_INFORMATION: ("questions", "safeguarding_flag"),
    # Referred: it goes to the DSL already, so it is not also flagged.
    Outcome.REFERRED_TO_DSL: ("reasons",),
    Outcome.LADO_ADVICE_SOUGHT: ("reasons", "safeguarding_flag"),
}


def boxes_for(kind: Kind, outcome: str) -> tuple[str, ...]:
    """The boxes ``outcome`` uses for this kind: a plan only where the kind asks one."""
    return tuple(
        name for name in BOXES.get(outcome, ()) if name not in PLAN or kind.decision_needs_plan
    )


def outcomes_using(kind: Kind, name: str, outcomes: Iterable[str]) -> list[str]:
    """Which of ``outcomes`` use the box ``name``: the form shows it for those."""
    return [outcome for outcome in outcomes if name in boxes_for(kind, outcome)]


def decision_details(kind: Kind, outcome: str, details: dict[str, Any]) -> dict[str, Any]:
    """``details`` with only the boxes ``outcome`` uses."""
    return {name: value for name, value in details.items() if name in boxes_for(kind, outcome)}


def decision_problems(
    *,
    kind: Kind,
    decider_role: str,
    outcome: str,
    details: dict[str, Any],
    today: datetime.date,
    referred: bool = False,
) -> dict[str, str]:
    """Each field of the decision that is missing or wrong, with what to do about it."""

    def text(name: str) -> str:
        return (details.get(name) or "").strip()

    problems: dict[str, str] = {}
    if outcome not in outcomes_for(kind, decider_role, referred=referred):
        problems["outcome"] = (
            "This kind needs a decision: approve, approve with conditions or refuse."
            if outcome == Outcome.NOTED
            else "Choose one of the decisions offered for this declaration."
        )
        return problems
    details = decision_details(kind, outcome, details)
    if outcome == Outcome.APPROVED_WITH_CONDITIONS and not text("conditions"):
        problems["conditions"] = "Write the conditions that come with the approval."
    if outcome == Outcome.REFUSED and not text("reasons"):
        problems["reasons"] = "Give the reasons for refusing."
    if outcome == Outcome.MORE_INFORMATION and not text("questions"):
        problems["questions"] = "Say what information you need."
    if outcome in {Outcome.REFERRED_TO_DSL, Outcome.LADO_ADVICE_SOUGHT} and not text("reasons"):
        problems["reasons"] = "Say why, for the record."
    for name in ("review_on", "action_due_on"):
        value = details.get(name)
        if value and value < today:
            problems[name] = "The date cannot be in the past."
    if text("required_action") and not details.get("action_due_on"):
        problems.setdefault("action_due_on", "Say by when the action must be done.")
    if details.get("action_due_on") and not text("required_action"):
        problems["required_action"] = "Say what must be done by that date."
    if kind.decision_needs_plan and outcome in {Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS}:
        for name, message in (
            ("plan", "Agree a plan of involvement before approving continued contact."),
            ("expected_outcomes", "Write the outcomes expected."),
            ("timescales", "Write the timescales."),
        ):
            if not text(name):
                problems[name] = message
    return problems


def declared_on(declaration: Declaration) -> datetime.date:
    """The day a declaration was first made (sent), for the DSL's log: nothing was done
    about it before then."""
    moment = declaration.first_submitted_at or declaration.submitted_at or declaration.created_at
    return timezone.localdate(moment)


def dsl_log_problems(
    *,
    declaration: Declaration,
    action: str,
    done_on: datetime.date | None,
    outcome: str,
    today: datetime.date,
) -> dict[str, str]:
    """Each field of an entry of the DSL's log (R41) that is missing or wrong."""
    problems: dict[str, str] = {}
    if action not in DslAction.values:
        problems["action"] = "Choose what was done."
    if done_on is None:
        problems["done_on"] = "Enter the date it was done."
    elif done_on > today:
        problems["done_on"] = "The date cannot be in the future. Record what has already been done."
    elif done_on < (made := declared_on(declaration)):
        problems["done_on"] = (
            f"The date cannot be before the declaration was made ({made:%-d %B %Y})."
        )
    if not (outcome or "").strip():
        problems["outcome"] = "Write what came of it (the outcome)."
    return problems
