"""Routing, decisions, reminders and escalation: each step atomic, audited and notified.

A declaration that names pupils of several settings of a trust or federation (#19) is
routed to someone who may decide for all of them (approvals.routing), and the head of
each setting involved is told (:func:`_tell_heads`): a request copied to them for
information (``Purpose.COPY`` with the role of head, never to decide), audited and
emailed, from which they read the declaration with their own setting's pupils only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from approvals import notifications
from approvals.audit_actions import (
    APPROVAL_ASSIGNED,
    APPROVAL_CANCELLED,
    APPROVAL_COPIED_TO_DSL,
    APPROVAL_DECIDED,
    APPROVAL_DECISION_REFUSED,
    APPROVAL_DSL_ACTION_RECORDED,
    APPROVAL_ESCALATED,
    APPROVAL_HEAD_TOLD,
    APPROVAL_PASSED_UP,
    APPROVAL_PLANNED_DATE_PASSED,
    APPROVAL_REDIRECTED,
    APPROVAL_REMINDED,
    APPROVAL_RETURNED,
    APPROVAL_ROUTED,
    APPROVAL_UNROUTABLE,
    COVER_ENDED,
)
from approvals.exceptions import (
    ApprovalError,
    DecisionIncomplete,
    DslLogIncomplete,
    NotYourDecision,
)
from approvals.models import (
    FINAL_OUTCOMES,
    ApprovalRequest,
    Cover,
    DeciderRole,
    Decision,
    DslLogEntry,
    Outcome,
)
from approvals.routing import (
    Route,
    conflicted_people,
    decider_problem,
    delegate_problem,
    names_of,
    next_role,
    reaches_every_setting,
    resolve,
)
from approvals.rules import decision_details, decision_problems, dsl_log_problems
from approvals.selectors import dsl_log_people, dsl_log_refusal, sent_to_the_dsl
from contactpolicy import workflow
from contactpolicy.scheduled import run_each, summary
from contactpolicy.services import audit_event_record
from declarations.audit_actions import DECLARATION_VIEWED
from declarations.kinds import get_kind
from declarations.models import Declaration
from declarations.selectors import settings_involved
from directory.models import Membership, Organisation, Person, Role
from schoolcalendar.calendar import SchoolCalendar, calendar_for, calendars_for

# Sent inside the decision's transaction, so that what listens (the registers, R25)
# is written with the decision or not at all.
decision_recorded = Signal()
# Sent inside the transaction of an entry of the DSL's log (R41), so that the registers
# put it on the pupils' files with it or not at all.
dsl_log_recorded = Signal()

OPEN = ApprovalRequest.Status.OPEN
SUBMITTED = Declaration.Status.SUBMITTED
# Where a decision moves the declaration: a final one decides it, a question sends it
# back to the declarant; a referral or LADO advice leaves it waiting.
DECLARATION_AFTER = {
    **dict.fromkeys(FINAL_OUTCOMES, Declaration.Status.DECIDED),
    Outcome.MORE_INFORMATION: Declaration.Status.MORE_INFO,
}
DECIDE = ApprovalRequest.Purpose.DECIDE


@dataclass(frozen=True)
class Due:
    """When a decision is due, and whether (and why) it is urgent."""

    on: datetime.date
    urgent: bool = False
    reason: str = ""  # why it is urgent, in words for the emails and the audit trail
    # The planned contact leaves no school day after today before it: the next person up
    # is told today as well as the decider.
    tell_next_up: bool = False


def due_for(
    declaration: Declaration, today: datetime.date, calendar: SchoolCalendar | None = None
) -> Due:
    """When a decision is due, counted in school days on the setting's calendar (R24, R39).

    * Usually ``DECISION_DUE_SCHOOL_DAYS`` school days after today.
    * Urgent (a concern, R19, or ticked "This is urgent" by the declarant): the same school
      day, that is today if today is a school day, else the next school day.
    * Planned contact is due by the last school day before its date. When that day is
      today or already gone (declared on Friday for Monday, or in a holiday for the day
      school starts again), it is urgent and due today, even when today is not a school
      day: the decider and the next person up are told at once. This is the one case
      where a due date falls outside a school day.
    * Planned contact whose date has passed (an amendment, an answer to a question) is due
      today; the scheduled job flags the date that passed.
    """
    calendar = calendar or calendar_for(declaration.setting, today)
    if declaration.is_urgent:
        due = Due(
            calendar.school_day_on_or_after(today),
            urgent=True,
            reason="it is a concern"
            if declaration.kind_entry.urgent
            else "the person who made it marked it urgent",
        )
    else:
        due = Due(calendar.add_school_days(today, settings.DECISION_DUE_SCHOOL_DAYS))
    key_date = declaration.key_date
    if key_date is None:
        return due
    if key_date < today:
        return Due(today, urgent=due.urgent, reason=due.reason)
    last_chance = calendar.previous_school_day(key_date)
    if last_chance <= today:
        return Due(
            today,
            urgent=True,
            reason=f"the contact is planned for {key_date:%A %-d %B %Y} and no school day "
            "is left before it",
            tell_next_up=True,
        )
    return Due(min(due.on, last_chance), urgent=due.urgent, reason=due.reason)


def due_date_for(declaration: Declaration, today: datetime.date) -> datetime.date:
    """The date a decision is due (see :func:`due_for`)."""
    return due_for(declaration, today).on


def _next_up(request: ApprovalRequest, route: Route, today: datetime.date) -> Person | None:
    """Who ``request`` would go to if it were escalated today (as request_escalate would
    choose): told of an urgent one at once."""
    if route.decider is None:
        return None
    declaration = request.declaration
    above = next_role(route.role, declaration.setting, safeguarding=route.safeguarding)
    if above is None:
        return None
    return resolve(
        declaration,
        start=above,
        on=today,
        exclude=_passed_over(request) | {route.decider.pk},
        safeguarding=route.safeguarding,
    ).decider


def _open_request(
    declaration: Declaration,
    route: Route,
    *,
    today: datetime.date,
    escalated_from: ApprovalRequest | None = None,
) -> ApprovalRequest:
    due = due_for(declaration, today)
    request = ApprovalRequest.objects.create(
        # A late flag travels with an escalation, so nobody is told twice.
        late_flagged_at=escalated_from.late_flagged_at if escalated_from else None,
        # The arrival email is an escalated request's notice for the day.
        reminded_on=today if escalated_from else None,
        declaration=declaration,
        purpose=DECIDE,
        decider=route.decider,
        decider_role=route.role,
        on_behalf_of=route.on_behalf_of,
        routing_reason=route.explanation,
        due_on=due.on,
        urgent=due.urgent,
        escalated_from=escalated_from,
        safeguarding=route.safeguarding,
        cover=route.cover,
    )
    next_up = _next_up(request, route, today) if due.tell_next_up else None
    audit_event_record(
        actor=None,
        action=APPROVAL_ROUTED if route.decider else APPROVAL_UNROUTABLE,
        target=declaration,
        data={
            "request": request.pk,
            "decider": getattr(route.decider, "pk", None),
            "role": route.role,
            "on_behalf_of": getattr(route.on_behalf_of, "pk", None),
            "reason": route.explanation,
            "due_on": request.due_on,
            **(
                {"urgent": due.reason, "next_up_told": getattr(next_up, "pk", None)}
                if due.urgent
                else {}
            ),
        },
    )
    if route.decider is None:
        notifications.unroutable(request.pk)
    else:
        notifications.request_arrived(request.pk, why=due.reason)
    if next_up is not None:
        notifications.urgent_next_up(request.pk, next_up.pk, why=due.reason)
    return request


def _copy_to_dsl(declaration: Declaration, route: Route) -> None:
    already = set(
        declaration.approval_requests.filter(purpose=ApprovalRequest.Purpose.COPY).values_list(
            "decider_id", flat=True
        )
    )
    for person in route.copy_to:
        if person.pk in already:
            continue
        copy = ApprovalRequest.objects.create(
            declaration=declaration,
            purpose=ApprovalRequest.Purpose.COPY,
            decider=person,
            decider_role=route.copy_role,
            routing_reason=f"Safeguarding-relevant: copied to the {route.copy_role.label.lower()}.",
            urgent=declaration.is_urgent,
        )
        audit_event_record(
            actor=None,
            action=APPROVAL_COPIED_TO_DSL,
            target=declaration,
            data={"request": copy.pk, "dsl": person.pk},
        )
        notifications.copied_to_dsl(copy.pk)


def _tell_heads(declaration: Declaration, route: Route) -> None:
    """When a declaration names pupils of several settings, the head of each of them is
    told, on a copy for information, of their own pupils' side (#19): never the person
    deciding it, the declarant, nor a head who is family of those it names; once."""
    involved = route.settings or settings_involved(declaration)
    if len(involved) < 2:
        return
    already = set(
        declaration.approval_requests.filter(purpose=ApprovalRequest.Purpose.COPY).values_list(
            "decider_id", flat=True
        )
    )
    skipped = conflicted_people(declaration) | already | {getattr(route.decider, "pk", None)}
    heads = (
        Membership.objects.current()
        .filter(role=Role.HEAD, organisation__in=involved)
        .select_related("person", "organisation")
        .order_by("organisation__name", "person__family_name", "person__given_name")
    )
    decider = (
        f"{route.decider.get_full_name()} ({route.role.label.lower()})"
        if route.decider
        else "the person the administrator chooses"
    )
    for membership in heads:
        if membership.person_id in skipped:
            continue
        skipped.add(membership.person_id)
        setting = membership.organisation
        told = ApprovalRequest.objects.create(
            declaration=declaration,
            purpose=ApprovalRequest.Purpose.COPY,
            decider=membership.person,
            decider_role=DeciderRole.HEAD,
            routing_reason=f"It names pupils of {names_of(involved)}. As head of "
            f"{setting.name} you are told of your own pupils' side; {decider} decides it, "
            "as someone who may decide for each school.",
            urgent=declaration.is_urgent,
        )
        audit_event_record(
            actor=None,
            action=APPROVAL_HEAD_TOLD,
            target=declaration,
            data={"request": told.pk, "head": membership.person_id, "of": setting.pk},
        )
        notifications.head_told(told.pk)


@transaction.atomic
def declaration_route(
    *, declaration: Declaration, today: datetime.date | None = None
) -> ApprovalRequest:
    """Send a submitted declaration to its decider; a reply to a question goes back to the asker."""
    today = today or timezone.localdate()
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != Declaration.Status.SUBMITTED:
        raise ApprovalError("Only a submitted declaration can be routed.")
    existing = declaration.approval_requests.filter(purpose=DECIDE, status=OPEN).first()
    if existing is not None:
        return existing  # already routed (a signal sent twice changes nothing)
    asked = (
        Decision.objects.filter(request__declaration=declaration, outcome=Outcome.MORE_INFORMATION)
        .select_related("request", "decided_by")
        .order_by("-decided_at")
        .first()
    )
    if (
        asked is not None
        and asked.decided_by.is_active
        # The reply may name a pupil of another school: then the asker must decide for it too.
        and reaches_every_setting(
            asked.decided_by_id, involved := settings_involved(declaration), today
        )
    ):
        route = Route(
            decider=asked.decided_by,
            role=DeciderRole(asked.request.decider_role),
            on_behalf_of=asked.request.on_behalf_of,
            reasons=[
                "The declarant answered the request for more information: back to the same decider."
            ],
            cover=asked.request.cover,
            safeguarding=asked.request.safeguarding,
            settings=involved,
        )
    else:
        route = resolve(declaration, on=today)
        _copy_to_dsl(declaration, route)
    _tell_heads(declaration, route)
    return _open_request(declaration, route, today=today)


def _locked_open_request(request: ApprovalRequest, actor: Person) -> ApprovalRequest:
    locked = (
        ApprovalRequest.objects.select_for_update().select_related("declaration").get(pk=request.pk)
    )
    if locked.purpose != DECIDE or locked.decider_id != actor.pk:
        raise NotYourDecision("Only the person this is waiting for can decide it.")
    if locked.status != OPEN:
        decided = Decision.objects.filter(request=locked).select_related("decided_by").first()
        workflow.transition(
            locked,
            ApprovalRequest.Status.DECIDED,
            actor=actor,
            message=f"This was already decided by {decided.decided_by.get_full_name()} on "
            f"{timezone.localtime(decided.decided_at):%-d %B %Y at %H:%M}: "
            f"{decided.get_outcome_display().lower()}."
            if decided is not None
            else f"This is no longer waiting for you: it was "
            f"{locked.get_status_display().lower()}.",
        )
    return locked


@workflow.atomic
def decision_record(
    *,
    actor: Person,
    request: ApprovalRequest,
    outcome: str,
    details: dict[str, Any],
    http_request=None,
) -> Decision:
    """Record the one decision on a request (R23), then move the declaration on."""
    request = _locked_open_request(request, actor)
    declaration = Declaration.objects.select_for_update().get(pk=request.declaration_id)
    if declaration.status != Declaration.Status.SUBMITTED:
        workflow.refuse(
            declaration,
            attempted="decided",
            actor=actor,
            message=f"The declaration is {declaration.get_status_display().lower()}, "
            "so it cannot be decided.",
        )
    today = timezone.localdate()
    kind = get_kind(declaration.kind)
    # Only the boxes of the outcome chosen are kept (#22).
    details = decision_details(kind, outcome, details)
    problems = decision_problems(
        kind=kind,
        decider_role=request.decider_role,
        outcome=outcome,
        details=details,
        today=today,
        referred=request.safeguarding,
    )
    if problems:
        raise DecisionIncomplete(problems)
    decision = Decision.objects.create(
        request=request, decided_by=actor, outcome=outcome, **details
    )
    workflow.transition(request, ApprovalRequest.Status.DECIDED, actor=actor)
    request.save(update_fields=["status"])
    moves_to = DECLARATION_AFTER.get(outcome)
    if moves_to is not None:
        workflow.transition(declaration, moves_to, actor=actor)
        declaration.save(update_fields=["status", "updated_at"])
    if outcome == Outcome.REFERRED_TO_DSL:
        route = resolve(declaration, safeguarding=True, on=today, exclude={actor.pk})
        route.reasons.insert(0, f"Referred to the DSL by {actor.get_full_name()}.")
        _open_request(declaration, route, today=today)
    elif outcome == Outcome.LADO_ADVICE_SOUGHT:
        route = Route(
            decider=actor,
            role=DeciderRole(request.decider_role),
            on_behalf_of=request.on_behalf_of,
            reasons=["LADO advice was sought: the same person decides once it arrives."],
            cover=request.cover,
            safeguarding=request.safeguarding,
        )
        _open_request(declaration, route, today=today)
    if details.get("safeguarding_flag") and outcome != Outcome.REFERRED_TO_DSL:
        _copy_to_dsl(declaration, resolve(declaration, on=today, copy_dsl=True))
    decision_recorded.send(sender=Decision, decision=decision)
    audit_event_record(
        actor=actor,
        action=APPROVAL_DECIDED,
        target=declaration,
        data={
            "request": request.pk,
            "decision": decision.pk,
            "outcome": outcome,
            "before": {"status": Declaration.Status.SUBMITTED},
            "after": {"status": declaration.status},
        },
        request=http_request,
    )
    notifications.decided(decision.pk)
    return decision


@workflow.atomic
def request_assign(
    *, actor: Person, request: ApprovalRequest, decider: Person, http_request=None
) -> ApprovalRequest:
    """The administrator gives a request nobody could be found to decide to someone who
    may decide it (R21), with its due date from today."""
    request = (
        ApprovalRequest.objects.select_for_update()
        .select_related("declaration__setting")
        .get(pk=request.pk)
    )
    if not request.is_open or request.decider_id is not None:
        workflow.refuse(
            request,
            attempted="assigned",
            actor=actor,
            message="This request is no longer waiting for someone to decide it.",
        )
    today = timezone.localdate()
    if problem := decider_problem(decider.pk, request.declaration, today):
        raise ApprovalError(problem)
    request.decider = decider
    due = due_for(request.declaration, today)
    request.due_on, request.urgent = due.on, due.urgent
    request.routing_reason += (
        f" Assigned to {decider.get_full_name()} by the administrator {actor.get_full_name()}."
    )
    request.save(update_fields=["decider", "due_on", "urgent", "routing_reason"])
    audit_event_record(
        actor=actor,
        action=APPROVAL_ASSIGNED,
        target=request.declaration,
        data={"request": request.pk, "decider": decider.pk},
        request=http_request,
    )
    notifications.request_arrived(request.pk)
    return request


@workflow.atomic
def requests_cancel(*, declaration: Declaration) -> int:
    """A withdrawn declaration is no longer waiting for anybody."""
    open_requests = list(
        ApprovalRequest.objects.select_for_update().filter(
            declaration=declaration, purpose=DECIDE, status=OPEN
        )
    )
    for request in open_requests:
        workflow.transition(request, ApprovalRequest.Status.CANCELLED, actor=None)
        request.save(update_fields=["status"])
        audit_event_record(
            actor=None,
            action=APPROVAL_CANCELLED,
            target=declaration,
            data={"request": request.pk, "reason": "withdrawn by the declarant"},
        )
    return len(open_requests)


def _waiting(request: ApprovalRequest) -> bool:
    """Whether the request's declaration still waits for a decision: nobody is reminded
    of, or escalated, a declaration that was withdrawn or decided."""
    return request.declaration.status == SUBMITTED


@workflow.atomic
def request_escalate(*, request: ApprovalRequest, today: datetime.date) -> ApprovalRequest | None:
    """An overdue request goes one level up; the old one is kept as escalated (R24)."""
    request = (
        ApprovalRequest.objects.select_for_update()
        .select_related("declaration__setting")
        .get(pk=request.pk)
    )
    if request.status != OPEN or not request.is_overdue(today) or not _waiting(request):
        return None
    declaration = request.declaration
    above = next_role(
        DeciderRole(request.decider_role), declaration.setting, safeguarding=request.safeguarding
    )
    if above is None:
        return None  # nobody above: reminders continue and the request stays flagged
    exclude = _passed_over(request) | ({request.decider_id} if request.decider_id else set())
    route = resolve(
        declaration, start=above, on=today, exclude=exclude, safeguarding=request.safeguarding
    )
    if route.decider is None:
        return None
    route.reasons.insert(
        0,
        f"Overdue since {request.due_on:%-d %B %Y}: escalated from the "
        f"{request.get_decider_role_display().lower()}.",
    )
    workflow.transition(request, ApprovalRequest.Status.ESCALATED, actor=None)
    request.save(update_fields=["status"])
    new = _open_request(request.declaration, route, today=today, escalated_from=request)
    audit_event_record(
        actor=None,
        action=APPROVAL_ESCALATED,
        target=request.declaration,
        data={"from_request": request.pk, "to_request": new.pk, "to": route.decider.pk},
    )
    return new


@transaction.atomic
def request_remind(*, request: ApprovalRequest, today: datetime.date) -> bool:
    """Remind the decider once a day while a request is due or overdue."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != OPEN or request.reminded_on == today or not _waiting(request):
        return False
    request.reminded_on = today
    request.save(update_fields=["reminded_on"])
    audit_event_record(
        actor=None,
        action=APPROVAL_REMINDED,
        target=request.declaration,
        data={"request": request.pk, "decider": request.decider_id, "due_on": request.due_on},
    )
    if request.decider_id is None:
        notifications.unroutable(request.pk)
    else:
        notifications.reminder(request.pk)
    return True


@transaction.atomic
def request_flag_late(*, request: ApprovalRequest, today: datetime.date) -> bool:
    """Planned contact whose date has passed without a decision is flagged, once (R24)."""
    request = (
        ApprovalRequest.objects.select_for_update().select_related("declaration").get(pk=request.pk)
    )
    key_date = request.declaration.key_date
    if request.status != OPEN or request.late_flagged_at or not key_date or key_date >= today:
        return False
    if not _waiting(request):
        return False
    request.late_flagged_at = timezone.now()
    request.save(update_fields=["late_flagged_at"])
    audit_event_record(
        actor=None,
        action=APPROVAL_PLANNED_DATE_PASSED,
        target=request.declaration,
        data={"request": request.pk, "planned_for": key_date},
    )
    notifications.planned_date_passed(request.pk)
    return True


def acts_today(
    *,
    urgent: bool,
    key_date: datetime.date | None,
    calendar: SchoolCalendar,
    day: datetime.date,
) -> bool:
    """Whether the scheduled job reminds about or escalates a request on ``day``: on the
    setting's school days, and on other days only if it is urgent or its planned contact
    comes before the next school day is out (R39)."""
    if urgent or calendar.is_school_day(day):
        return True
    return key_date is not None and day <= key_date <= calendar.next_school_day(day)


def escalation_day(
    *,
    due_on: datetime.date,
    key_date: datetime.date | None,
    calendar: SchoolCalendar,
    urgent: bool = False,
) -> datetime.date:
    """The first day after ``due_on`` on which the scheduled job passes an undecided
    request one level up (for the demo and the scale seeder, which tell that story)."""
    day = due_on + datetime.timedelta(days=1)
    while not acts_today(urgent=urgent, key_date=key_date, calendar=calendar, day=day):
        day += datetime.timedelta(days=1)
    return day


def scheduled_work(*, today: datetime.date | None = None) -> dict[str, int]:
    """Everything that runs on a timetable; safe to run as often as you like."""
    today = today or timezone.localdate()
    counts = {"routed": 0, "reminded": 0, "escalated": 0, "flagged": 0, "failed": 0}
    # Cover first, so that reminders and escalation reach whoever now decides.
    cover_work(today=today, counts=counts)
    # A safety net: a submitted declaration with nobody to decide it is never left stuck.
    unrouted = Declaration.objects.filter(status=Declaration.Status.SUBMITTED).exclude(
        pk__in=ApprovalRequest.objects.filter(purpose=DECIDE, status=OPEN).values("declaration_id")
    )
    run_each(
        unrouted, lambda item: declaration_route(declaration=item, today=today), counts, "routed"
    )
    waiting = ApprovalRequest.objects.filter(
        purpose=DECIDE, status=OPEN, declaration__status=SUBMITTED
    )
    run_each(
        waiting.filter(declaration__key_date__lt=today, late_flagged_at__isnull=True),
        lambda item: request_flag_late(request=item, today=today),
        counts,
        "flagged",
    )
    # The decider hears first (due on the next school day, due today, or overdue); a
    # request with nobody to decide it reminds the administrators every day; then an
    # overdue request goes one level up. Both wait for a school day at the request's
    # setting, unless the request is urgent or its planned contact would not wait.
    calendars = calendars_for(
        Organisation.objects.filter(pk__in=waiting.values("declaration__setting_id")), today
    )
    if not calendars:
        return counts
    horizon = max(calendar.next_school_day(today) for calendar in calendars.values())

    def cannot_wait(item: ApprovalRequest) -> bool:
        calendar = calendars[item.declaration.setting_id]
        return acts_today(
            urgent=item.urgent, key_date=item.declaration.key_date, calendar=calendar, day=today
        )

    def remind_today(item: ApprovalRequest) -> bool:
        if item.decider_id is None:
            return True
        calendar = calendars[item.declaration.setting_id]
        return cannot_wait(item) and item.due_on <= calendar.next_school_day(today)

    due_soon = (
        waiting.filter(Q(due_on__lte=horizon) | Q(decider__isnull=True))
        .exclude(reminded_on=today)
        .select_related("declaration")
    )
    run_each(
        [item for item in due_soon if remind_today(item)],
        lambda item: request_remind(request=item, today=today),
        counts,
        "reminded",
    )
    overdue = waiting.filter(due_on__lt=today, decider__isnull=False).select_related("declaration")
    run_each(
        [item for item in overdue if cannot_wait(item)],
        lambda item: request_escalate(request=item, today=today),
        counts,
        "escalated",
    )
    return counts


def scheduled_job(today: datetime.date) -> str:
    """The approvals' line in ``run_scheduled_jobs``."""
    return summary(
        "Routed {routed}, flagged {flagged}, escalated {escalated}, reminded {reminded}; "
        "{covered} moved to cover, {returned} back from it.",
        scheduled_work(today=today),
    )


@transaction.atomic
def request_viewed(*, actor: Person, request: ApprovalRequest, http_request=None) -> None:
    """Reading a declaration as its decider or DSL is recorded (R34); a copy is marked read."""
    if request.purpose == ApprovalRequest.Purpose.COPY and request.read_at is None:
        ApprovalRequest.objects.filter(pk=request.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    audit_event_record(
        actor=actor,
        action=DECLARATION_VIEWED,
        target=request.declaration,
        data={"request": request.pk},
        request=http_request,
    )


def _passed_over(request: ApprovalRequest) -> set[int]:
    """Who a request must not go back to: for a referral, whoever referred it."""
    if not request.safeguarding:
        return set()
    return set(
        Decision.objects.filter(
            request__declaration_id=request.declaration_id, outcome=Outcome.REFERRED_TO_DSL
        ).values_list("decided_by_id", flat=True)
    )


def _move(
    request: ApprovalRequest,
    route: Route,
    *,
    actor: Person | None,
    action,
    reason: str,
    cover: Cover,
) -> None:
    """Give an open request to whoever ``route`` found, in place, recorded and told."""
    before = request.decider_id
    request.decider, request.decider_role = route.decider, route.role
    request.on_behalf_of, request.cover = route.on_behalf_of, route.cover
    request.routing_reason += f" {reason} {route.explanation}".rstrip()
    request.save(
        update_fields=["decider", "decider_role", "on_behalf_of", "cover", "routing_reason"]
    )
    audit_event_record(
        actor=actor,
        action=action,
        target=request.declaration,
        data={
            "request": request.pk,
            "cover": cover.pk,
            "before": {"decider": before},
            "after": {"decider": request.decider_id, "role": request.decider_role},
            "reason": reason,
        },
    )
    if request.decider_id is None:
        notifications.unroutable(request.pk)
    elif request.decider_id != before:
        notifications.request_arrived(request.pk)


@transaction.atomic
def cover_apply(*, actor: Person | None, cover: Cover, today: datetime.date | None = None) -> int:
    """Move what already waits for someone away to the person covering for them (R21):
    what the delegate may decide goes to them, the rest up the chain (#19)."""
    today = today or timezone.localdate()
    cover = Cover.objects.select_related("person", "delegate").get(pk=cover.pk)
    if not cover.is_current(today):
        return 0
    moved = 0
    waiting = ApprovalRequest.objects.select_for_update().filter(
        decider=cover.person, purpose=DECIDE, status=OPEN
    )
    until = f"({cover.get_reason_display().lower()} until {cover.ends_on:%-d %B %Y})"
    for request in waiting.select_related("declaration__setting"):
        declaration, role = request.declaration, DeciderRole(request.decider_role)
        problem = delegate_problem(
            cover, declaration, role, today, safeguarding=request.safeguarding
        )
        if problem is None:
            route = Route(
                decider=cover.delegate,
                role=role,
                on_behalf_of=cover.person,
                cover=cover,
                safeguarding=request.safeguarding,
            )
            reason = (
                f"{cover.delegate.get_full_name()} now decides for "
                f"{cover.person.get_full_name()} {until}."
            )
            _move(
                request, route, actor=actor, action=APPROVAL_REDIRECTED, reason=reason, cover=cover
            )
        else:
            above = next_role(role, declaration.setting, safeguarding=request.safeguarding)
            exclude = _passed_over(request) | {cover.person_id}
            route = (
                resolve(
                    declaration,
                    start=above,
                    on=today,
                    exclude=exclude,
                    safeguarding=request.safeguarding,
                )
                if above is not None
                else Route(decider=None, role=role, reasons=["Nobody stands above them."])
            )
            route.cover = cover
            reason = (
                f"{cover.person.get_full_name()} is away {until} and "
                f"{cover.delegate.get_full_name()} cannot decide this: {problem}."
            )
            _move(
                request, route, actor=actor, action=APPROVAL_PASSED_UP, reason=reason, cover=cover
            )
        moved += 1
    return moved


@transaction.atomic
def cover_requests_return(
    *, actor: Person | None, cover: Cover, today: datetime.date | None = None
) -> int:
    """When a cover or delegation has ended (on its last day, or early by hand), what it
    moved goes back, or to whoever would now be chosen, recorded and told (#19)."""
    today = today or timezone.localdate()
    cover = Cover.objects.get(pk=cover.pk)
    if cover.is_current(today):
        return 0
    # Only the requests are locked: an outer join (the request escalated from, if any)
    # cannot be locked on PostgreSQL.
    waiting = ApprovalRequest.objects.select_for_update(of=("self",)).filter(
        cover=cover, purpose=DECIDE, status=OPEN
    )
    moved = 0
    for request in waiting.select_related("declaration__setting", "escalated_from"):
        declaration = request.declaration
        exclude = _passed_over(request)
        start = None
        if request.escalated_from is not None:
            exclude.add(request.escalated_from.decider_id)
            start = next_role(
                DeciderRole(request.escalated_from.decider_role),
                declaration.setting,
                safeguarding=request.safeguarding,
            )
        route = resolve(
            declaration,
            start=start,
            on=today,
            exclude=exclude - {None},
            safeguarding=request.safeguarding,
        )
        ended = cover.ended_at.date() if cover.ended_at else cover.ends_on
        reason = (
            f"The {cover.get_reason_display().lower()} of {cover.delegate.get_full_name()} "
            f"for {cover.person.get_full_name()} ended on {ended:%-d %B %Y}:"
        )
        _move(request, route, actor=actor, action=APPROVAL_RETURNED, reason=reason, cover=cover)
        moved += 1
    return moved


@transaction.atomic
def cover_end(
    *, actor: Person, cover: Cover, today: datetime.date | None = None, http_request=None
) -> int:
    """End a cover or delegation now, before its last day; what it moved goes back."""
    today = today or timezone.localdate()
    cover = Cover.objects.select_for_update().get(pk=cover.pk)
    if cover.ended_at is not None or cover.ends_on < today:
        raise ApprovalError("This cover has already ended.")
    cover.ended_at = timezone.now()
    cover.save(update_fields=["ended_at"])
    audit_event_record(
        actor=actor,
        action=COVER_ENDED,
        target=cover,
        data={"before": {"ended_at": None}, "after": {"ended_at": cover.ended_at}},
        request=http_request,
    )
    return cover_requests_return(actor=actor, cover=cover, today=today)


def cover_work(*, today: datetime.date, counts: dict[str, int]) -> None:
    """Covers that begin today take what waits; covers that have ended give it back."""
    counts.update(covered=0, returned=0)
    starting = Cover.objects.filter(starts_on__lte=today, ends_on__gte=today, ended_at__isnull=True)
    run_each(
        starting.filter(
            person__approval_requests__purpose=DECIDE, person__approval_requests__status=OPEN
        ).distinct(),
        lambda cover: cover_apply(actor=None, cover=cover, today=today),
        counts,
        "covered",
    )
    ended = Cover.objects.filter(
        Q(ends_on__lt=today) | Q(ended_at__isnull=False),
        requests__purpose=DECIDE,
        requests__status=OPEN,
    ).distinct()
    run_each(
        ended,
        lambda cover: cover_requests_return(actor=None, cover=cover, today=today),
        counts,
        "returned",
    )


def decision_refused_record(
    *, actor: Person, request: ApprovalRequest, reason: str, http_request=None
) -> None:
    """A refused attempt to decide is kept on the record too (after its rollback)."""
    audit_event_record(
        actor=actor,
        action=APPROVAL_DECISION_REFUSED,
        target=request.declaration,
        data={"request": request.pk, "reason": reason},
        request=http_request,
    )


# The DSL's log (R41) ---------------------------------------------------------------------


@transaction.atomic
def dsl_log_record(
    *,
    actor: Person,
    request: ApprovalRequest,
    action: str,
    done_on: datetime.date | None,
    done_by: Person,
    outcome: str,
    http_request=None,
) -> DslLogEntry:
    """Record what the DSL or a deputy did about a declaration copied or referred to
    them: on the log, on each pupil's file it belongs on as a confidential entry (the
    registers listen) and on the audit trail, all in one transaction."""
    request = ApprovalRequest.objects.select_related(
        "declaration__declarant", "declaration__setting"
    ).get(pk=request.pk)
    declaration = request.declaration
    if actor.pk not in {request.decider_id, request.on_behalf_of_id}:
        raise ApprovalError("This request is not yours: its log is kept from your own.")
    if not sent_to_the_dsl(declaration).exists():
        raise ApprovalError("This declaration was not copied or referred to the DSL.")
    if (reason := dsl_log_refusal(user=actor, request=request)) is not None:
        raise ApprovalError(reason)
    today = timezone.localdate()
    problems = dsl_log_problems(
        declaration=declaration, action=action, done_on=done_on, outcome=outcome, today=today
    )
    if not dsl_log_people(declaration, actor=actor, on=today).filter(pk=done_by.pk).exists():
        problems["done_by"] = (
            "Choose someone of the safeguarding team here: never the person who declared it "
            "or the children's family."
        )
    if problems:
        raise DslLogIncomplete(problems)
    entry = DslLogEntry.objects.create(
        declaration=declaration,
        request=request,
        action=action,
        done_on=done_on,
        done_by=done_by,
        outcome=outcome.strip(),
        recorded_by=actor,
    )
    dsl_log_recorded.send(sender=DslLogEntry, entry=entry)
    audit_event_record(
        actor=actor,
        action=APPROVAL_DSL_ACTION_RECORDED,
        target=declaration,
        data={
            "request": request.pk,
            "log_entry": entry.pk,
            "action": action,
            "done_on": done_on.isoformat(),
            "done_by": done_by.pk,
            "outcome": entry.outcome,
        },
        request=http_request,
    )
    return entry
