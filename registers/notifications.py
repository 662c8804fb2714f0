"""Emails about follow-ups, queued after the transaction commits. No subject names a
child; the body links to the app, where the reader's own permissions apply."""

from __future__ import annotations

from django.conf import settings

from contactpolicy.tasks import send_email
from registers.models import FollowUp


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _follow_up(pk: int) -> FollowUp:
    return FollowUp.objects.select_related(
        "declaration", "person", "responsible", "escalated_to"
    ).get(pk=pk)


def _send(person, subject: str, body: str) -> None:
    if person is not None and person.email and person.is_active:
        send_email.enqueue(to=[person.email], subject=subject, body=body)


def due(pk: int) -> None:
    follow_up = _follow_up(pk)
    link = _link(follow_up.get_absolute_url())
    if follow_up.kind == FollowUp.Kind.REVIEW:
        _send(
            follow_up.responsible,
            "A monitoring review is due",
            f"The arrangement {follow_up.person.get_full_name()} declared "
            f"({follow_up.declaration.kind_entry.name.lower()}) is due for review on "
            f"{follow_up.due_on:%-d %B %Y}.\n\nRecord the review: {link}\n",
        )
    else:
        _send(
            follow_up.person,
            "Please confirm you have done what was agreed",
            f"By {follow_up.due_on:%-d %B %Y}: {follow_up.what}\n\nConfirm it here: {link}\n",
        )


def unconfirmed(pk: int) -> None:
    follow_up = _follow_up(pk)
    _send(
        follow_up.escalated_to,
        "An action has not been confirmed in time",
        f"{follow_up.person.get_full_name()} has not confirmed, by "
        f"{follow_up.due_on:%-d %B %Y}, what was required of them "
        f"({follow_up.declaration.kind_entry.name.lower()}).\n\n"
        f"See it here: {_link(follow_up.get_absolute_url())}\n",
    )


def confirmed(pk: int) -> None:
    follow_up = _follow_up(pk)
    _send(
        follow_up.escalated_to or follow_up.responsible,
        "An action has been confirmed",
        f"{follow_up.person.get_full_name()} has confirmed: {follow_up.what}\n\n"
        f"See it here: {_link(follow_up.get_absolute_url())}\n",
    )
