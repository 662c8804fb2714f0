"""How declarations, requests, decisions and cover read in the audit history, and which
declarations are confidential there (contactpolicy/audit_details.py, #21).

Declarations are read here, not in their own app, because this is where every way of
opening one is known: its declarant opens it from their declarations, a decider or the
DSL from the request that reached them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.urls import reverse

from approvals import audit_actions
from approvals.models import (
    CONFIDENTIAL_OUTCOMES,
    ApprovalRequest,
    Cover,
    DeciderRole,
    Decision,
    DslAction,
    Outcome,
)
from approvals.selectors import declaration_pages_for, request_list_for
from contactpolicy.audit_details import Shown, keys, references
from declarations.kinds import codes_where
from declarations.models import Declaration


def declarations_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each declaration by its kind and D-number, linked to where the reader opens it
    (the one rule, ``declaration_pages_for``): their own declaration's page, or the
    latest request about it that reached them."""
    found = list(
        Declaration.objects.filter(pk__in=ids).only("pk", "kind", "version", "declarant_id")
    )
    pages = declaration_pages_for(user=reader, declarations=found)
    return {
        declaration.pk: Shown(str(declaration), pages.get(declaration.pk, ""))
        for declaration in found
    }


def requests_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each request by what it asked of whom ("To decide: Nigel Power"), linked for
    the people it reached."""
    reached = request_list_for(user=reader).filter(pk=OuterRef("pk"))
    found = (
        ApprovalRequest.objects.filter(pk__in=ids)
        .select_related("decider")
        .annotate(reached=Exists(reached))
    )
    return {
        request.pk: Shown(
            f"{request.get_purpose_display()}: "
            + (request.decider.get_full_name() if request.decider else "nobody yet"),
            request.get_absolute_url() if request.reached else "",
        )
        for request in found
    }


def decisions_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each decision by its outcome, who and when, linked to its request for the people
    it reached."""
    reached = request_list_for(user=reader).filter(pk=OuterRef("request_id"))
    found = (
        Decision.objects.filter(pk__in=ids)
        .select_related("decided_by")
        .annotate(reached=Exists(reached))
    )
    return {
        decision.pk: Shown(
            f"{decision.get_outcome_display()} by {decision.decided_by.get_full_name()}",
            reverse("approvals:request", args=[decision.request_id]) if decision.reached else "",
        )
        for decision in found
    }


def covers_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    found = Cover.objects.filter(pk__in=ids).select_related("person", "delegate")
    return {
        cover.pk: Shown(
            f"{cover.delegate.get_full_name()} covering for {cover.person.get_full_name()}"
        )
        for cover in found
    }


def confidential_declarations(ids: set[int]) -> set[int]:
    """Declarations that are safeguarding information (KCSIE Part 4): a kind that is
    (a concern), or referred to the DSL or to the LADO. Each version of one is, since
    every version says what the others do."""
    referred = Decision.objects.filter(
        request__declaration_id=OuterRef("pk"), outcome__in=CONFIDENTIAL_OUTCOMES
    )
    sensitive_flag = Q(kind__in=codes_where(safeguarding=True)) | Q(Exists(referred))
    chain: set[int] = set(ids)
    rows: dict[int, tuple[int | None, bool]] = {}
    while True:  # every version of each, a version at a time: one query for most pages
        for pk, previous, sensitive in (
            Declaration.objects.filter(Q(pk__in=chain) | Q(previous_version_id__in=chain))
            .annotate(sensitive=ExpressionWrapper(sensitive_flag, BooleanField()))
            .values_list("pk", "previous_version_id", "sensitive")
        ):
            rows[pk] = (previous, sensitive)
        grown = set(rows) | {previous for previous, _ in rows.values() if previous}
        if grown <= chain:
            break
        chain |= grown
    # Whole chains: a version is confidential if any version of its chain is.
    family = {pk: {pk} for pk in chain}
    for pk, (previous, _) in rows.items():
        if previous:
            joined = family[pk] | family[previous]
            for member in joined:
                family[member] = joined
    sensitive = {pk for pk, (_, flag) in rows.items() if flag}
    return {pk for pk in ids if family.get(pk, {pk}) & sensitive}


references.add("declaration", declarations_shown, model="declarations.Declaration")
references.add("approval request", requests_shown, model="approvals.ApprovalRequest")
references.add("decision", decisions_shown, model="approvals.Decision")
references.add("cover", covers_shown, model="approvals.Cover")
references.confidential("declarations.Declaration", confidential_declarations)

for name, label in (
    ("request", "Request"),
    ("from_request", "From the request"),
    ("to_request", "To the request"),
):
    keys.add(name, label, refers_to="approval request")
keys.add("decision", "Decision", refers_to="decision")
keys.add("outcome", "Outcome", choices=dict(Outcome.choices))
keys.add("cover", "Cover", refers_to="cover")
keys.add("due_on", "Due by")
keys.add("planned_for", "Planned for")

decisions = audit_actions.actions
keys.add("role", "Deciding as", choices=dict(DeciderRole.choices), group=decisions)
keys.add(
    "status", "Declaration's status", choices=dict(Declaration.Status.choices), group=decisions
)
keys.add("urgent", "Urgent because", group=decisions)
keys.add("reason", "Why", group=decisions)
keys.add("decider", "Asked of", refers_to="person", group=decisions)
keys.add("to", "Passed to", refers_to="person", group=decisions)
keys.add("ended_at", "Ended", group=decisions)
# The DSL's log (R41): what was done, when, by whom, and its outcome in the DSL's words.
keys.add("action", "What was done", choices=dict(DslAction.choices), group=decisions)
keys.add("done_on", "Done on", group=decisions)
keys.add("done_by", "Done by", refers_to="person", group=decisions)
keys.add("log_entry", hidden=True, group=decisions)
