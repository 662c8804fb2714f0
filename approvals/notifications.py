"""Emails about approvals, queued in the transaction that causes them (R20, R24).

No subject names a pupil or family; the body names the kind of declaration and
links to the app, where the reader's own permissions apply. An urgent request's
subject starts with "Urgent" (R39).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from approvals.models import CONFIDENTIAL_OUTCOMES, ApprovalRequest, Decision
from contactpolicy.tasks import enqueue, send_email, site_link
from directory.models import Membership, Person, Role


def _send(to: list[str], subject: str, body: str) -> None:
    to = [address for address in to if address]
    if to:
        enqueue(send_email, to=to, subject=subject, body=body)


def _request(pk: int) -> ApprovalRequest:
    return ApprovalRequest.objects.select_related(
        "declaration__declarant", "declaration__setting", "decider"
    ).get(pk=pk)


def _urgent_line(request: ApprovalRequest, why: str) -> str:
    if not request.urgent:
        return ""
    return f"It is urgent{': ' + why if why else ''}.\n\n"


def request_arrived(pk: int, why: str = "") -> None:
    request = _request(pk)
    declaration = request.declaration
    _send(
        [request.decider.email],
        "Urgent: a declaration needs your decision"
        + (" today" if request.due_on == timezone.localdate() else "")
        if request.urgent
        else "A declaration is waiting for your decision",
        f"{declaration.declarant.get_full_name()} has made a declaration "
        f"({declaration.kind_entry.name.lower()}) that needs your decision by "
        f"{request.due_on:%-d %B %Y}.\n\n{_urgent_line(request, why)}"
        f"Open it: {site_link(request.get_absolute_url())}\n",
    )


def urgent_next_up(pk: int, person_pk: int, why: str = "") -> None:
    """The next person up hears of an urgent request the day it arrives (R39), in case
    the decider cannot decide it in time; it reaches them if it is not decided today."""
    request = _request(pk)
    declaration = request.declaration
    person = Person.objects.get(pk=person_pk)
    _send(
        [person.email],
        "Urgent: a declaration must be decided today",
        f"A declaration {declaration.reference} ({declaration.kind_entry.name.lower()}) at "
        f"{declaration.setting.name} is waiting for {request.decider.get_full_name()}'s "
        f"decision by {request.due_on:%-d %B %Y}. It is urgent"
        f"{': ' + why if why else ''}.\n\nYou are told because you are the next person up: "
        "if it is not decided in time, it comes to you. Nothing is needed from you now.\n\n"
        f"Your decisions: {site_link(reverse('approvals:dashboard'))}\n",
    )


def copied_to_dsl(pk: int) -> None:
    request = _request(pk)
    _send(
        [request.decider.email],
        "Urgent: a safeguarding-relevant declaration has been copied to you"
        if request.urgent
        else "A safeguarding-relevant declaration has been copied to you",
        f"A declaration ({request.declaration.kind_entry.name.lower()}) at "
        f"{request.declaration.setting.name} has been copied to you as "
        f"{'deputy ' if request.decider_role == 'deputy_dsl' else ''}designated "
        f"safeguarding lead.\n\nOpen it: {site_link(request.get_absolute_url())}\n",
    )


def head_told(pk: int) -> None:
    """The head of a school whose pupils a declaration names, made at another school or
    naming another school's pupils too (#19): like the others, no child in the subject
    or the body; the page shows the head their own pupils only."""
    request = _request(pk)
    declaration = request.declaration
    _send(
        [request.decider.email],
        "Urgent: a declaration names pupils of your school"
        if request.urgent
        else "A declaration names pupils of your school",
        f"{declaration.declarant.get_full_name()} has made a declaration "
        f"({declaration.kind_entry.name.lower()}, {declaration.reference}) at "
        f"{declaration.setting.name} that names pupils of more than one school, yours "
        "among them. Someone who may decide for each school decides it: you do not need "
        "to decide it. You can read your own pupils' side of it.\n\n"
        f"Open it: {site_link(request.get_absolute_url())}\n",
    )


def unroutable(pk: int) -> None:
    request = _request(pk)
    setting = request.declaration.setting
    administrators = list(
        Membership.objects.current()
        .filter(role=Role.ADMINISTRATOR, organisation_id__in=[setting.pk, setting.parent_id])
        .values_list("person__email", flat=True)
    )
    if not administrators:  # nobody looks after this setting: the service's operators do
        administrators = list(
            Person.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
        )
    _send(
        administrators,
        "A declaration has nobody to decide it",
        f"A declaration at {setting.name} could not be routed: {request.routing_reason}\n\n"
        f"Check the roles and routing rules: {site_link(reverse('admin:index'))}\n",
    )


def decided(pk: int) -> None:
    decision = Decision.objects.select_related("request__declaration__declarant", "decided_by").get(
        pk=pk
    )
    declaration = decision.request.declaration
    if decision.outcome in CONFIDENTIAL_OUTCOMES:
        # What a staff member is told about a referral is agreed first (KCSIE Part 4).
        return
    subject = (
        "More information is needed about your declaration"
        if decision.outcome == "more_information"
        else "Your declaration has been decided"
        if decision.is_final
        else "Your declaration has been passed on"
    )
    _send(
        [declaration.declarant.email],
        subject,
        f"Your declaration ({declaration.kind_entry.name.lower()}, {declaration.reference}): "
        f"{decision.get_outcome_display().lower()}.\n\n"
        f"Open it: {site_link(declaration.get_absolute_url())}\n",
    )


def reminder(pk: int) -> None:
    request = _request(pk)
    overdue = request.due_on is not None and request.due_on < timezone.localdate()
    when = (
        f"it was due by {request.due_on:%-d %B %Y} and is being passed to the next person up"
        if overdue
        else f"it is due by {request.due_on:%-d %B %Y}"
    )
    subject = {
        (False, False): "Reminder: a declaration is waiting for your decision",
        (True, False): "Overdue: a declaration is waiting for your decision",
        (False, True): "Urgent reminder: a declaration is waiting for your decision",
        (True, True): "Urgent and overdue: a declaration is waiting for your decision",
    }[(overdue, request.urgent)]
    _send(
        [request.decider.email],
        subject,
        f"A declaration ({request.declaration.kind_entry.name.lower()}) is waiting for your "
        f"decision; {when}.\n\nOpen it: {site_link(request.get_absolute_url())}\n",
    )


def planned_date_passed(pk: int) -> None:
    request = _request(pk)
    declaration = request.declaration
    text = (
        f"The declaration {declaration.reference} ({declaration.kind_entry.name.lower()}) was "
        f"planned for {declaration.key_date:%-d %B %Y} and has not been decided.\n\n"
    )
    subject = "A planned contact date passed without a decision"
    if request.decider:
        _send(
            [request.decider.email],
            subject,
            f"{text}Open it: {site_link(request.get_absolute_url())}\n",
        )
    _send(
        [declaration.declarant.email],
        subject,
        f"{text}Open it: {site_link(declaration.get_absolute_url())}\n",
    )
