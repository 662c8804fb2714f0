"""Onboarding's part of the administrator's to-do list (directory/home.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from directory.home import Todo, plural
from onboarding.models import ImportRun


def onboarding_todos(request: HttpRequest, organisation_ids: frozenset[int]) -> list[Todo]:
    """Imports and syncs with rows still to resolve."""
    unresolved = ImportRun.objects.filter(
        organisation_id__in=organisation_ids, problem_count__gt=0
    ).exclude(status=ImportRun.Status.CANCELLED)
    unresolved_count = unresolved.count()
    first_unresolved = unresolved.order_by("-started_at").values_list("pk", flat=True).first()
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
    ]
