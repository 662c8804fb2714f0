"""How saved summaries and the audit history's own searches read in the audit history
(contactpolicy/audit_details.py, #21)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contactpolicy.audit import registry
from contactpolicy.audit_details import Shown, keys, references
from declarations.kinds import kind_choices
from oversight import audit_actions
from oversight.forms import AuditFilterForm, PatternForm
from oversight.models import SummarySnapshot
from oversight.summaries import summary_organisations_for


def snapshots_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each saved summary by its title, linked for those who read the organisation's
    summaries."""
    readable = set(summary_organisations_for(user=reader).values_list("pk", flat=True))
    return {
        snapshot.pk: Shown(
            snapshot.title,
            snapshot.get_absolute_url() if snapshot.organisation_id in readable else "",
        )
        for snapshot in SummarySnapshot.objects.filter(pk__in=ids)
    }


references.add("summary", snapshots_shown, model="oversight.SummarySnapshot")

oversight = audit_actions.actions
keys.add("filters", "Searched for", group=oversight)
keys.add("patterns", "Patterns", group=oversight)
keys.add("period", "Period", group=oversight)
keys.add("format", "Downloaded as", group=oversight)
# What the searches asked, by the labels of the audit and pattern pages' own fields.
choices = {
    "action": lambda: {action.code: action.label for action in registry},
    "kind": lambda: dict(kind_choices()),
}
asked = {**PatternForm.base_fields, **AuditFilterForm.base_fields}
for name, form_field in asked.items():
    keys.add(name, str(form_field.label), group=oversight, choices=choices.get(name))
