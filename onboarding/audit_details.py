"""How an import reads in the audit history (contactpolicy/audit_details.py, #21): by
its number, a link to it for those who administer its organisation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from contactpolicy.audit_details import Shown, keys, references
from onboarding.imports.selectors import import_runs_for


def imports_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    visible = set(import_runs_for(user=reader).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        pk: Shown(
            f"Import {pk}", reverse("onboarding:import_detail", args=[pk]) if pk in visible else ""
        )
        for pk in ids
    }


references.add("import", imports_shown, model="onboarding.ImportRun")
keys.add("import", "Import", refers_to="import")
