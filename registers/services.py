"""Writes to the registers: outcomes onto files, corrections as new entries (R25),
follow-ups (reviews, required actions, ending arrangements), key people (R26), and
the record of who read or exported a file (R34)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from approvals.models import CONFIDENTIAL_OUTCOMES, DeciderRole, Decision, DslLogEntry, Outcome
from approvals.routing import resolve
from contactpolicy import workflow
from contactpolicy.scheduled import run_each, summary
from contactpolicy.services import audit_event_record
from declarations.models import Declaration
from directory.access import (
    KEY_PERSON_ROLES,
    POLICY_ROLES,
    Access,
)
from directory.models import FamilyLink, Organisation, Person, Pupil, Role
from registers import notifications
from registers.audit_actions import (
    ENTRY_CORRECTED,
    FOLLOW_UP_CANCELLED,
    FOLLOW_UP_CONFIRMED,
    FOLLOW_UP_ESCALATED,
    FOLLOW_UP_REMINDED,
    FOLLOW_UP_SET,
    KEY_PERSON_ALLOCATED,
    KEY_PERSON_REFUSED,
    OUTCOME_RECORDED,
    PUPIL_FILE_EXPORTED,
    PUPIL_FILE_VIEWED,
    REVIEW_RECORDED,
    ROUND_ANSWERED,
    ROUND_CLOSED,
    ROUND_OPENED,
    ROUND_REMINDED,
    STAFF_FILE_EXPORTED,
    STAFF_FILE_VIEWED,
)
from registers.exceptions import FollowUpError, KeyPersonConflict, RegisterError, RoundError
from registers.models import (
    DeclarationRound,
    FollowUp,
    RegisterEntry,
    RoundArrangement,
    RoundResponse,
)
from registers.selectors import (
    key_person_candidates,
    key_person_conflicts_with,
    may_correct,
    open_arrangements_for,
    round_people,
    round_progress,
)


def outcome_text(decision: Decision) -> str:
    """The decision as it stands now, in words; kept on the entry for ever."""
    declaration = decision.request.declaration
    parts = [
        f"{declaration.kind_entry.name} ({declaration.reference}) declared by "
        f"{declaration.declarant.get_full_name()}: {decision.get_outcome_display()} by "
        f"{decision.decided_by.get_full_name()}."
    ]
    for label, value in (
        ("Reasons", decision.reasons),
        ("Conditions", decision.conditions),
        ("Review date", decision.review_on and f"{decision.review_on:%-d %B %Y}"),
        (
            "Action required",
            decision.required_action
            and f"{decision.required_action.rstrip('.')} by {decision.action_due_on:%-d %B %Y}",
        ),
        ("Plan of involvement", decision.plan),
        ("Expected outcomes", decision.expected_outcomes),
        ("Timescales", decision.timescales),
        ("Information asked for", decision.questions),
    ):
        if value:
            parts.append(f"{label}: {value}")
    return "\n".join(parts)


def files_of(declaration: Declaration) -> dict[int, int | None]:
    """The pupils whose files a declaration belongs on: those named, and the children
    of any family member named (pupil id -> the family member it came through)."""
    subjects = list(declaration.subjects.all())
    pupils: dict[int, int | None] = {
        subject.pupil_id: None for subject in subjects if subject.pupil_id
    }
    member_ids = [subject.family_member_id for subject in subjects if subject.family_member_id]
    # Only children in the same setting or federation: another trust's files are not ours.
    setting = declaration.setting
    same_group = Q(pupil__setting_id=setting.pk)
    if setting.parent_id:
        same_group |= Q(pupil__setting__parent_id=setting.parent_id)
    for pupil_id, member_id in (
        FamilyLink.objects.filter(family_member_id__in=member_ids)
        .filter(same_group)
        .values_list("pupil_id", "family_member_id")
    ):
        pupils.setdefault(pupil_id, member_id)
    return pupils


def _write_entries(
    *, declaration: Declaration, pupils: dict[int, int | None], **common: Any
) -> list[RegisterEntry]:
    common["declaration"] = declaration
    entries = [
        RegisterEntry(file=RegisterEntry.File.STAFF, person_id=declaration.declarant_id, **common)
    ]
    entries += [
        RegisterEntry(
            file=RegisterEntry.File.PUPIL, pupil_id=pupil_id, via_family_member_id=member, **common
        )
        for pupil_id, member in pupils.items()
    ]
    for entry in entries:
        entry.save()
    return entries


@transaction.atomic
def register_outcome_record(*, decision: Decision) -> list[RegisterEntry]:
    """One entry on the staff member's file and one on each pupil's file it concerns,
    so that a declaration about a mother is on her children's files too; then whatever
    the decision leaves to follow up (a review, an action, an end date)."""
    declaration = decision.request.declaration
    pupils = files_of(declaration)
    entries = _write_entries(
        declaration=declaration,
        pupils=pupils,
        entry_kind=RegisterEntry.EntryKind.OUTCOME,
        decision=decision,
        text=outcome_text(decision),
        confidential=decision.outcome in CONFIDENTIAL_OUTCOMES,
        recorded_by=decision.decided_by,
    )
    audit_event_record(
        actor=decision.decided_by,
        action=OUTCOME_RECORDED,
        target=declaration,
        data={
            "decision": decision.pk,
            "entries": [entry.pk for entry in entries],
            "pupils": sorted(pupils),
        },
    )
    follow_ups_create(decision=decision)
    return entries


@transaction.atomic
def register_dsl_log_record(*, entry: DslLogEntry) -> list[RegisterEntry]:
    """What the DSL or a deputy did (R41), as a confidential entry on each pupil's file
    the declaration belongs on (the children of a named parent included). The log and
    the audit trail keep it whether or not the declaration names a child."""
    declaration = entry.declaration
    entries = [
        RegisterEntry(
            file=RegisterEntry.File.PUPIL,
            pupil_id=pupil_id,
            via_family_member_id=member,
            entry_kind=RegisterEntry.EntryKind.DSL_LOG,
            declaration=declaration,
            dsl_log=entry,
            text=entry.in_words(),
            confidential=True,
            recorded_by=entry.recorded_by,
        )
        for pupil_id, member in files_of(declaration).items()
    ]
    for file_entry in entries:
        file_entry.save()
    return entries


@transaction.atomic
def register_entry_correct(
    *, actor: Person, entry: RegisterEntry, text: str, reason: str, request=None
) -> RegisterEntry:
    """Correct an entry by adding one that points at it; the original stays as it was."""
    if not may_correct(Access.for_user(actor), entry):
        raise RegisterError("You cannot correct this entry.")
    if not reason.strip():
        raise RegisterError("Give the reason for the correction.")
    if not text.strip():
        raise RegisterError("Write the corrected entry.")
    correction = RegisterEntry(
        file=entry.file,
        person_id=entry.person_id,
        pupil_id=entry.pupil_id,
        via_family_member_id=entry.via_family_member_id,
        entry_kind=RegisterEntry.EntryKind.CORRECTION,
        declaration_id=entry.declaration_id,
        decision_id=entry.decision_id,
        dsl_log_id=entry.dsl_log_id,
        text=text.strip(),
        confidential=entry.confidential,
        amends=entry,
        reason=reason.strip(),
        recorded_by=actor,
    )
    correction.save()
    audit_event_record(
        actor=actor,
        action=ENTRY_CORRECTED,
        target=entry.declaration,
        data={"entry": entry.pk, "correction": correction.pk, "reason": reason.strip()},
        request=request,
    )
    return correction


# Follow-ups ------------------------------------------------------------------------------

APPROVING = frozenset({Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS, Outcome.NOTED})


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _expiry(declaration: Declaration) -> tuple[datetime.date, str] | None:
    """When an approved sharing of personal contact details ends, and what to confirm."""
    expiry = declaration.kind_entry.expiry
    if expiry is None or not (ends_on := expiry.ends_on(declaration.details)):
        return None
    return ends_on, expiry.what(declaration.details)


def _follow_up(
    decision: Decision,
    kind: str,
    due_on: datetime.date,
    what: str,
    *,
    actor: Person | None = None,
    **extra,
) -> FollowUp:
    """One follow-up of ``decision``, for its declarant, kept by its decider; audited."""
    declaration = decision.request.declaration
    follow_up = FollowUp.objects.create(
        kind=kind,
        declaration=declaration,
        decision=decision,
        person_id=declaration.declarant_id,
        responsible=decision.decided_by,
        due_on=due_on,
        what=what,
        **extra,
    )
    audit_event_record(
        actor=actor or decision.decided_by,
        action=FOLLOW_UP_SET,
        target=declaration,
        data={"follow_up": follow_up.pk, "kind": kind, "due_on": due_on},
    )
    return follow_up


def follow_ups_create(*, decision: Decision) -> list[FollowUp]:
    """What a decision leaves to follow up: a review on its review date (R9, R18), an
    action the staff member must confirm by its deadline (R23), and the end of shared
    contact details (R13, R28). A newer version's decision replaces the older one's."""
    declaration = decision.request.declaration
    if decision.outcome not in {*APPROVING, Outcome.REFUSED}:
        return []
    if decision.outcome in APPROVING:
        # The new version's approval replaces the old one's; a refused change leaves
        # the old arrangement, and its reviews, as they were.
        _cancel_superseded(declaration, actor=decision.decided_by)
    created = []
    if decision.review_on and decision.outcome in APPROVING:
        what = decision.conditions or decision.plan or "Review the arrangement."
        created.append(_follow_up(decision, FollowUp.Kind.REVIEW, decision.review_on, what))
    if decision.required_action and decision.action_due_on:
        created.append(
            _follow_up(
                decision, FollowUp.Kind.ACTION, decision.action_due_on, decision.required_action
            )
        )
    if decision.outcome in APPROVING and (expiry := _expiry(declaration)):
        created.append(_follow_up(decision, FollowUp.Kind.EXPIRY, *expiry))
    return created


def _cancel_superseded(declaration: Declaration, *, actor: Person) -> None:
    older = []
    previous = declaration.previous_version_id
    while previous is not None:
        older.append(previous)
        previous = (
            Declaration.objects.filter(pk=previous)
            .values_list("previous_version_id", flat=True)
            .first()
        )
    _follow_ups_cancel(
        declaration_ids=older,
        note=f"Replaced by the decision on {declaration.reference}.",
        actor=actor,
        replaced_by=declaration.pk,
    )


def _follow_ups_cancel(
    *, declaration_ids: list[int], note: str, actor: Person, request=None, **data: Any
) -> None:
    """Cancel the open follow-ups of these declarations, each with its audit row."""
    for follow_up in (
        FollowUp.objects.select_for_update()
        .select_related("declaration")
        .filter(declaration_id__in=declaration_ids, status=FollowUp.Status.OPEN)
    ):
        _move(follow_up, FollowUp.Status.CANCELLED, actor)
        follow_up.note = note
        follow_up.save(update_fields=["status", "note"])
        audit_event_record(
            actor=actor,
            action=FOLLOW_UP_CANCELLED,
            target=follow_up.declaration,
            data={"follow_up": follow_up.pk, **data},
            request=request,
        )


def _move(follow_up: FollowUp, status: str, actor: Person | None) -> None:
    workflow.transition(
        follow_up,
        status,
        actor=actor,
        message=f"This is already {follow_up.get_status_display().lower()}: nothing was changed.",
    )


def _locked(follow_up: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update()
        .select_related("declaration", "decision", "person")
        .get(pk=follow_up.pk)
    )


def may_review(access: Access, follow_up: FollowUp) -> bool:
    """The responsible manager reviews; so may the head or Executive Headteacher of the
    setting, but never the staff member the arrangement is about."""
    if access.person_id == follow_up.person_id:
        return False
    return access.person_id == follow_up.responsible_id or access.has_role(
        Role.HEAD, Role.EXECUTIVE_HEAD, organisation=follow_up.declaration.setting_id
    )


@workflow.atomic
def review_record(
    *,
    actor: Person,
    follow_up: FollowUp,
    result: str,
    note: str,
    conditions: str = "",
    next_review_on: datetime.date | None = None,
    request=None,
) -> FollowUp:
    """Record a monitoring review (continue, change the conditions, or end): it goes on
    the staff file and each pupil's file, and a continuing arrangement gets its next
    review date."""
    follow_up = _locked(follow_up)
    if follow_up.kind != FollowUp.Kind.REVIEW:
        raise FollowUpError("This is not a review.")
    if not may_review(Access.for_user(actor), follow_up):
        raise FollowUpError("Only the responsible manager or the head can record this review.")
    _move(follow_up, FollowUp.Status.DONE, actor)
    note, conditions = note.strip(), conditions.strip()
    today = timezone.localdate()
    if not note:
        raise FollowUpError("Say what the review found.")
    if result not in {FollowUp.Result.CONTINUE, FollowUp.Result.CHANGE, FollowUp.Result.END}:
        raise FollowUpError("Choose whether the arrangement continues, changes or ends.")
    if result == FollowUp.Result.CHANGE and not conditions:
        raise FollowUpError("Write the changed conditions.")
    if result != FollowUp.Result.END:
        if next_review_on is None:
            raise FollowUpError("Give the date of the next review.")
        if next_review_on <= today:
            raise FollowUpError("The next review must be after today.")
    follow_up.result, follow_up.note = result, note
    follow_up.completed_by, follow_up.completed_at = actor, timezone.now()
    follow_up.save(update_fields=["status", "result", "note", "completed_by", "completed_at"])
    parts = [
        f"Monitoring review of {follow_up.declaration.kind_entry.name} "
        f"({follow_up.declaration.reference}) by {actor.get_full_name()}: "
        f"{follow_up.get_result_display()}.",
        f"Findings: {note}",
    ]
    if conditions:
        parts.append(f"Conditions from now on: {conditions}")
    if next_review_on:
        parts.append(f"Next review: {next_review_on:%-d %B %Y}")
    entries = _write_entries(
        declaration=follow_up.declaration,
        pupils=files_of(follow_up.declaration),
        entry_kind=RegisterEntry.EntryKind.REVIEW,
        decision=follow_up.decision,
        text="\n".join(parts),
        recorded_by=actor,
    )
    next_follow_up = None
    if next_review_on:
        next_follow_up = _follow_up(
            follow_up.decision,
            FollowUp.Kind.REVIEW,
            next_review_on,
            conditions or follow_up.what,
            actor=actor,
            follows=follow_up,
        )
    audit_event_record(
        actor=actor,
        action=REVIEW_RECORDED,
        target=follow_up.declaration,
        data={
            "follow_up": follow_up.pk,
            "result": result,
            "entries": [entry.pk for entry in entries],
            "next_follow_up": getattr(next_follow_up, "pk", None),
            "next_review_on": next_review_on,
        },
        request=request,
    )
    return follow_up


@workflow.atomic
def follow_up_confirm(
    *, actor: Person, follow_up: FollowUp, note: str = "", request=None
) -> FollowUp:
    """The staff member confirms the required action is done, or the shared details
    deleted; the confirmation goes on their file and the pupils' files."""
    follow_up = _locked(follow_up)
    if follow_up.kind not in {FollowUp.Kind.ACTION, FollowUp.Kind.EXPIRY}:
        raise FollowUpError("A review is recorded by the manager, not confirmed.")
    if follow_up.person_id != actor.pk:
        raise FollowUpError("Only the staff member it is about can confirm this.")
    _move(follow_up, FollowUp.Status.DONE, actor)
    follow_up.result, follow_up.note = FollowUp.Result.CONFIRMED, note.strip()
    follow_up.completed_by, follow_up.completed_at = actor, timezone.now()
    follow_up.save(update_fields=["status", "result", "note", "completed_by", "completed_at"])
    late = follow_up.due_on < timezone.localdate()
    text = (
        f"{actor.get_full_name()} confirmed on {timezone.localdate():%-d %B %Y}"
        f"{' (after the deadline)' if late else ''}: {follow_up.what}"
    )
    if follow_up.note:
        text += f"\nNote: {follow_up.note}"
    entries = _write_entries(
        declaration=follow_up.declaration,
        pupils=files_of(follow_up.declaration),
        entry_kind=RegisterEntry.EntryKind.CONFIRMATION,
        decision=follow_up.decision,
        text=text,
        recorded_by=actor,
    )
    audit_event_record(
        actor=actor,
        action=FOLLOW_UP_CONFIRMED,
        target=follow_up.declaration,
        data={"follow_up": follow_up.pk, "late": late, "entries": [e.pk for e in entries]},
        request=request,
    )
    notifications.confirmed(follow_up.pk)
    return follow_up


@transaction.atomic
def follow_up_remind(*, follow_up: FollowUp, today: datetime.date) -> bool:
    """On its due date, the person who must act is told, once."""
    follow_up = _locked(follow_up)
    if not follow_up.is_open or follow_up.reminded_on or follow_up.due_on > today:
        return False
    follow_up.reminded_on = today
    follow_up.save(update_fields=["reminded_on"])
    audit_event_record(
        actor=None,
        action=FOLLOW_UP_REMINDED,
        target=follow_up.declaration,
        data={"follow_up": follow_up.pk, "due_on": follow_up.due_on},
    )
    notifications.due(follow_up.pk)
    return True


@transaction.atomic
def follow_up_escalate(*, follow_up: FollowUp, today: datetime.date) -> bool:
    """An action not confirmed by its deadline goes to the head (R23); shared details not
    confirmed deleted are listed for the manager who agreed them (R13)."""
    follow_up = _locked(follow_up)
    if (
        not follow_up.is_open
        or follow_up.kind == FollowUp.Kind.REVIEW
        or follow_up.escalated_at
        or follow_up.due_on >= today
        # The staff member is always asked once, at least a day before anyone is told.
        or follow_up.reminded_on is None
        or follow_up.reminded_on >= today
    ):
        return False
    to = follow_up.responsible
    if follow_up.kind == FollowUp.Kind.ACTION:
        route = resolve(
            follow_up.declaration, start=DeciderRole.HEAD, on=today, exclude={follow_up.person_id}
        )
        to = route.decider or to
    follow_up.escalated_to, follow_up.escalated_at = to, timezone.now()
    follow_up.save(update_fields=["escalated_to", "escalated_at"])
    audit_event_record(
        actor=None,
        action=FOLLOW_UP_ESCALATED,
        target=follow_up.declaration,
        data={"follow_up": follow_up.pk, "to": to.pk, "due_on": follow_up.due_on},
    )
    notifications.unconfirmed(follow_up.pk)
    return True


def follow_up_work(*, today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    counts = {"due": 0, "escalated": 0, "failed": 0}
    waiting = FollowUp.objects.filter(status=FollowUp.Status.OPEN)
    run_each(
        waiting.filter(due_on__lte=today, reminded_on__isnull=True),
        lambda item: follow_up_remind(follow_up=item, today=today),
        counts,
        "due",
    )
    run_each(
        waiting.filter(
            due_on__lt=today,
            escalated_at__isnull=True,
            kind__in=(FollowUp.Kind.ACTION, FollowUp.Kind.EXPIRY),
        ),
        lambda item: follow_up_escalate(follow_up=item, today=today),
        counts,
        "escalated",
    )
    return counts


def scheduled_job(today: datetime.date) -> str:
    """The registers' line in ``run_scheduled_jobs``."""
    follow_ups = summary(
        "Follow-ups: {due} due, {escalated} not confirmed in time.", follow_up_work(today=today)
    )
    rounds = summary(
        "Declaration rounds: {reminded} reminded, {closed} closed.", round_work(today=today)
    )
    return f"{follow_ups} {rounds}"


# Key people (R26) -------------------------------------------------------------------------


def key_person_allocate(
    *, actor: Person, pupil: Pupil, person: Person | None, request=None
) -> Pupil:
    """Make ``person`` the child's key person, unless they have declared a relationship
    with the child's family (002: "will not be allocated the child as their key person").
    A refusal is recorded, and stays recorded: it is written outside the allocation."""
    access = Access.for_user(actor)
    if not (access.acts_as(*KEY_PERSON_ROLES, organisation=pupil.setting_id)):
        raise RegisterError(
            "Only the manager or administrator of the setting allocates key people."
        )
    if person is not None:
        if not key_person_candidates(pupil=pupil).filter(pk=person.pk).exists():
            raise RegisterError(f"{person.get_full_name()} does not work at {pupil.setting}.")
        if reasons := key_person_conflicts_with(person=person, pupil=pupil):
            audit_event_record(
                actor=actor,
                action=KEY_PERSON_REFUSED,
                target=pupil,
                data={"person": person.pk, "reasons": reasons},
                request=request,
            )
            raise KeyPersonConflict(
                " ".join(reasons) + " Choose another key person for this child."
            )
    return _key_person_save(actor=actor, pupil=pupil, person=person, request=request)


@transaction.atomic
def _key_person_save(*, actor: Person, pupil: Pupil, person: Person | None, request) -> Pupil:
    pupil = Pupil.objects.select_for_update().select_related("setting").get(pk=pupil.pk)
    if person is not None and (reasons := key_person_conflicts_with(person=person, pupil=pupil)):
        raise KeyPersonConflict(" ".join(reasons))  # declared in the meantime
    before = pupil.key_person_id
    pupil.key_person = person
    pupil.save(update_fields=["key_person"])
    audit_event_record(
        actor=actor,
        action=KEY_PERSON_ALLOCATED,
        target=pupil,
        data={
            "before": {"key_person": before},
            "after": {"key_person": getattr(person, "pk", None)},
        },
        request=request,
    )
    return pupil


# Reads that are recorded (R34) ------------------------------------------------------------


def file_viewed(*, actor: Person, owner: Person | Pupil, request=None, exported: str = "", **data):
    """Opening or exporting a staff or pupil file is itself on the audit trail."""
    if isinstance(owner, Pupil):
        action = PUPIL_FILE_EXPORTED if exported else PUPIL_FILE_VIEWED
    else:
        action = STAFF_FILE_EXPORTED if exported else STAFF_FILE_VIEWED
    audit_event_record(
        actor=actor,
        action=action,
        target=owner,
        data={
            key: value
            for key, value in {"format": exported, **data}.items()
            if value not in (None, "", {})
        },
        request=request,
    )


# The annual declaration round -----------------------------------------------------------

ROUND_LONGEST = datetime.timedelta(days=365)
# Reminders go this many days before the deadline, and once more the day before.
ROUND_FIRST_REMINDER_DAYS = 7


def _other_open_round(organisation: Organisation) -> DeclarationRound | None:
    """An open round that already covers the organisation's people: its own, its
    federation's, or (for a federation) one of its schools'."""
    overlapping = Q(organisation=organisation) | Q(organisation__parent=organisation)
    if organisation.parent_id:
        overlapping |= Q(organisation_id=organisation.parent_id)
    return (
        DeclarationRound.objects.filter(overlapping, status=DeclarationRound.Status.OPEN)
        .select_related("organisation")
        .first()
    )


@transaction.atomic
def round_open(
    *,
    actor: Person,
    organisation: Organisation,
    title: str,
    deadline: datetime.date,
    request=None,
) -> DeclarationRound:
    """Open the annual declaration round: everyone in scope is emailed and given a task
    to confirm their declarations are current or that they have nothing to declare."""
    access = Access.for_user(actor)
    if not access.acts_as(*POLICY_ROLES, organisation=organisation):
        raise RoundError("Only the head or an administrator can open a round here.")
    today = timezone.localdate()
    if deadline <= today:
        raise RoundError("The deadline must be after today.")
    if deadline > today + ROUND_LONGEST:
        raise RoundError("The deadline must be within a year.")
    title = title.strip()[:200] or f"Annual declaration round {today.year}"
    # One opener at a time across a federation: a school's round and its federation's
    # both lock the federation first, then the school.
    for pk in filter(None, [organisation.parent_id, organisation.pk]):
        Organisation.objects.select_for_update().get(pk=pk)
    existing = _other_open_round(organisation)
    if existing is not None:
        raise RoundError(
            f"A round is already open for {existing.organisation}, until "
            f"{existing.deadline:%-d %B %Y}. Close it before opening another."
        )
    declaration_round = DeclarationRound.objects.create(
        organisation=organisation, title=title, deadline=deadline, opened_by=actor
    )
    people = list(round_people(organisation).values_list("pk", flat=True))
    RoundResponse.objects.bulk_create(
        RoundResponse(round=declaration_round, person_id=person_id) for person_id in people
    )
    audit_event_record(
        actor=actor,
        action=ROUND_OPENED,
        target=organisation,
        data={"round": declaration_round.pk, "deadline": deadline, "people": len(people)},
        request=request,
    )
    notifications.round_opened(declaration_round.pk)
    return declaration_round


@workflow.atomic
def round_answer(
    *,
    actor: Person,
    response: RoundResponse,
    answer: str,
    arrangements: dict[int, str],
    note: str = "",
    request=None,
) -> RoundResponse:
    """The person confirms their declarations are current, or that they have nothing to
    declare, and says of each open arrangement whether it continues or has ended. An
    ended arrangement goes on their file and the pupils' files, and its reviews stop."""
    response = (
        RoundResponse.objects.select_for_update()
        .select_related("round", "person")
        .get(pk=response.pk)
    )
    if response.person_id != actor.pk:
        raise RoundError("You can only answer for yourself.")
    if not response.round.accepts_answers():
        raise RoundError("This round has closed: your answer was not saved.")
    if not workflow.allows(response, RoundResponse.Answer.DECLARED):
        workflow.refuse(
            response,
            attempted="answered again",
            actor=actor,
            message=f"You answered on {timezone.localtime(response.answered_at):%-d %B %Y}.",
        )
    if answer not in {RoundResponse.Answer.DECLARED, RoundResponse.Answer.NOTHING}:
        raise RoundError(
            "Choose whether your declarations are up to date or you have nothing to declare."
        )
    open_ones = {
        declaration.pk: declaration
        for declaration in open_arrangements_for(actor, response.round.organisation)
    }
    if set(arrangements) - set(open_ones):
        raise RoundError("One of the arrangements is not one of yours that is still open.")
    missing = [d.reference for pk, d in open_ones.items() if pk not in arrangements]
    if missing:
        raise RoundError(
            f"Say whether each arrangement continues or has ended ({', '.join(missing)})."
        )
    if set(arrangements.values()) - set(RoundArrangement.Answer.values):
        raise RoundError("Say whether each arrangement continues or has ended.")
    continuing = [
        pk for pk, value in arrangements.items() if value == RoundArrangement.Answer.CONTINUES
    ]
    if answer == RoundResponse.Answer.NOTHING and continuing:
        raise RoundError(
            "You have arrangements that continue, so you do have something declared: choose "
            '"my declarations are up to date".'
        )
    round_title = response.round.title
    for pk, value in arrangements.items():
        declaration = open_ones[pk]
        ended = value == RoundArrangement.Answer.ENDED
        text = (
            f"{actor.get_full_name()} confirmed in the {round_title} that this arrangement "
            f"({declaration.kind_entry.name}, {declaration.reference}) "
            f"{'has ended' if ended else 'continues'}."
        )
        entries = _write_entries(
            declaration=declaration,
            pupils=files_of(declaration) if ended else {},
            entry_kind=RegisterEntry.EntryKind.CONFIRMATION,
            text=text,
            recorded_by=actor,
        )
        RoundArrangement.objects.create(
            response=response, declaration=declaration, answer=value, entry=entries[0]
        )
        if ended:
            _follow_ups_cancel(
                declaration_ids=[declaration.pk],
                note=f"The arrangement ended, as confirmed in the {round_title}.",
                actor=actor,
                request=request,
                ended_in_round=response.round_id,
            )
    workflow.transition(response, answer, actor=actor)
    response.note = note.strip()[:2000]
    response.answered_at = timezone.now()
    response.save(update_fields=["answer", "note", "answered_at"])
    audit_event_record(
        actor=actor,
        action=ROUND_ANSWERED,
        target=response.round.organisation,
        data={
            "round": response.round_id,
            "answer": answer,
            "arrangements": {str(pk): value for pk, value in arrangements.items()},
        },
        request=request,
    )
    return response


@workflow.atomic
def round_close(
    *, actor: Person | None, declaration_round: DeclarationRound, request=None
) -> DeclarationRound:
    """Close the round and keep its result: by the head or administrator, or by the
    scheduled job the day after the deadline."""
    declaration_round = DeclarationRound.objects.select_for_update().get(pk=declaration_round.pk)
    if actor is not None and not Access.for_user(actor).acts_as(
        *POLICY_ROLES, organisation=declaration_round.organisation_id
    ):
        raise RoundError("Only the head or an administrator can close this round.")
    workflow.transition(
        declaration_round,
        DeclarationRound.Status.CLOSED,
        actor=actor,
        message="This round is already closed.",
    )
    declaration_round.closed_by = actor
    declaration_round.closed_at = timezone.now()
    declaration_round.result = round_progress(declaration_round).as_dict()
    declaration_round.save(update_fields=["status", "closed_by", "closed_at", "result"])
    audit_event_record(
        actor=actor,
        action=ROUND_CLOSED,
        target=declaration_round.organisation,
        data={"round": declaration_round.pk, "result": declaration_round.result},
        request=request,
    )
    return declaration_round


@transaction.atomic
def round_remind(*, response: RoundResponse, today: datetime.date) -> bool:
    """Remind someone who has not answered: a week before the deadline, and again the
    day before. Running twice in a day sends nothing twice."""
    response = RoundResponse.objects.select_for_update().select_related("round").get(pk=response.pk)
    if response.answer != RoundResponse.Answer.OUTSTANDING or not response.round.is_open:
        return False
    days_left = (response.round.deadline - today).days
    last = response.reminded_on
    first_due = days_left <= ROUND_FIRST_REMINDER_DAYS and last is None
    final_due = days_left <= 1 and (last is None or (response.round.deadline - last).days > 1)
    if not (first_due or final_due) or days_left < 0:
        return False
    response.reminded_on = today
    response.save(update_fields=["reminded_on"])
    audit_event_record(
        actor=None,
        action=ROUND_REMINDED,
        target=response.person,
        data={"round": response.round_id, "deadline": response.round.deadline},
        organisation_pk=response.round.organisation_id,
    )
    notifications.round_reminder(response.pk)
    return True


def round_work(*, today: datetime.date) -> dict[str, int]:
    """Close rounds whose deadline has passed, and remind those still to answer."""
    counts = {"reminded": 0, "closed": 0, "failed": 0}
    run_each(
        DeclarationRound.objects.filter(status=DeclarationRound.Status.OPEN, deadline__lt=today),
        lambda item: round_close(actor=None, declaration_round=item) is not None,
        counts,
        "closed",
    )
    run_each(
        RoundResponse.objects.filter(
            answer=RoundResponse.Answer.OUTSTANDING,
            round__status=DeclarationRound.Status.OPEN,
            round__deadline__lte=today + datetime.timedelta(days=ROUND_FIRST_REMINDER_DAYS),
            round__deadline__gte=today,
        ),
        lambda item: round_remind(response=item, today=today),
        counts,
        "reminded",
    )
    return counts


# Governors' summaries (R33) -----------------------------------------------------------------
