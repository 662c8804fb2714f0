"""How policy versions, training and the rules of communication read in the audit
history (contactpolicy/audit_details.py, #21)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contactpolicy.audit_details import Shown, keys, references
from policies import audit_actions
from policies.models import Channel, GiftRule, PolicyVersion, TrainingRecord
from policies.selectors import versions_for


def versions_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each version by its title and number, linked for those it applies to."""
    visible = set(versions_for(user=reader).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        version.pk: Shown(
            f"{version.title}, version {version.number}",
            version.get_absolute_url() if version.pk in visible else "",
        )
        for version in PolicyVersion.objects.filter(pk__in=ids)
    }


def training_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    return {
        record.pk: Shown(f"{record.course}, {record.completed_on:%-d %B %Y}")
        for record in TrainingRecord.objects.filter(pk__in=ids)
    }


references.add("policy version", versions_shown, model="policies.PolicyVersion")
references.add("training record", training_shown, model="policies.TrainingRecord")

keys.add("channels", "Ways of communicating", choices=dict(Channel.choices))

policies = audit_actions.actions
for name, label, how in (
    ("version", "Version", {"refers_to": "policy version"}),
    ("record", "Training", {"refers_to": "training record"}),
    ("number", "Version number", {}),
    ("adopted_on", "Adopted on", {}),
    ("next_review_on", "Next review", {}),
    ("confidentiality_agreed", "Confidentiality agreed", {}),
    ("completed_on", "Completed on", {}),
    ("evidence", "Evidence", {}),
    ("allows", "Allows", {"choices": dict(GiftRule.Allows.choices)}),
    ("token_limit", "Token gifts up to (£)", {}),
    ("asked", "Asked for", {}),
    # The permitted ways to communicate, before and after: each way by its name.
    *((code, label, {}) for code, label in Channel.choices),
):
    keys.add(name, label, group=policies, **how)
