"""Onboarding's part of the administrator's to-do list (directory/home.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from directory.home import Todo, plural
from onboarding.invitations.selectors import invitations_waiting_count, never_invited_count
from onboarding.models import ImportRun


def onboarding_todos(request: HttpRequest, organisation_ids: frozenset[int]) -> list[Todo]:
    """Imports and syncs with rows still to resolve; invitations not sent, or not yet
    accepted."""
    unresolved = ImportRun.objects.filter(
        organisation_id__in=organisation_ids, problem_count__gt=0
    ).exclude(status=ImportRun.Status.CANCELLED)
    unresolved_count = unresolved.count()
    first_unresolved = unresolved.order_by("-started_at").values_list("pk", flat=True).first()
    never_invited = never_invited_count(organisation_ids)
    waiting = invitations_waiting_count(organisation_ids)
    going_live = reverse("onboarding:invitations")
    return [
        Todo(
            unresolved_count,
            plural(
                unresolved_count,
                "import or sync with rows still to correct or leave out",
                "imports and syncs with rows still to correct or leave out",
            ),
            reverse("onboarding:import_detail", kwargs={"pk": first_unresolved})
            if unresolved_count == 1
            else reverse("onboarding:imports"),
            order=25,
        ),
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
