"""Identity's part of the administrator's to-do list (directory/home.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from directory.home import Todo, plural
from identity.invitations.selectors import invitations_waiting_count, never_invited_count


def invitation_todos(request: HttpRequest, organisation_ids: frozenset[int]) -> list[Todo]:
    """Invitations not sent, or not yet accepted (going live, #20)."""
    never_invited = never_invited_count(organisation_ids)
    waiting = invitations_waiting_count(organisation_ids)
    going_live = reverse("invitations:going_live")
    return [
        Todo(
            never_invited,
            plural(
                never_invited,
                "person who has not been sent an invitation to sign in",
                "people who have not been sent an invitation to sign in",
            ),
            going_live,
            order=30,
        ),
        Todo(
            waiting,
            plural(
                waiting,
                "invitation not accepted yet (never signed in)",
                "invitations not accepted yet (never signed in)",
            ),
            going_live,
            order=31,
        ),
    ]
