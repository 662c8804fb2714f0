"""Reading the imports and syncs, scoped to who administers what."""

from __future__ import annotations

from typing import Any

from contactpolicy.refusals import visible_or_404
from directory.access import Access
from directory.models import Role
from onboarding.models import ImportRun


def import_runs_for(*, user: Any):
    """The imports and syncs into the organisations the person administers."""
    access = Access.for_user(user)
    runs = ImportRun.objects.select_related("organisation", "started_by", "applied_by")
    if access.is_superuser:
        return runs
    return runs.filter(organisation_id__in=access.organisation_ids(Role.ADMINISTRATOR))


def import_run_get_for(*, user: Any, pk: int):
    """One import the person may see, or a 404."""
    return visible_or_404(import_runs_for(user=user), pk=pk)
