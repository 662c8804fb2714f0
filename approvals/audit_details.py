"""How declarations, requests, decisions and cover read in the audit history, and which
declarations are confidential there (contactpolicy/audit_details.py, #21).

Declarations are read here, not in their own app, because this is where every way of
opening one is known: its declarant opens it from their declarations, a decider or the
DSL from the request that reached them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.urls import reverse

from approvals import audit_actions
from approvals.models import (
    CONFIDENTIAL_OUTCOMES,
    ApprovalRequest,
    Cover,
    DeciderRole,
    Decision,
    Outcome,
)
from approvals.selectors import request_list_for
from contactpolicy.audit_details import Shown, keys, references
from declarations.kinds import codes_where
from declarations.models import Declaration
from directory.access import Access


def declarations_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each declaration by its kind and D-number, linked to where the reader opens it:
    their own declaration's page, or the newest request about it that reached them."""
    access = Access.for_user(reader)
    found = Declaration.objects.filter(pk__in=ids).only("pk", "kind", "version", "declarant_id")
    routes = dict(
        request_list_for(user=reader)
        .filter(declaration_id__in=ids)
        .order_by("declaration_id", "created_at", "pk")
        .values_list("declaration_id", "pk")
    )  # the newest request of each, as the last one of its declaration wins
    shown = {}
    for declaration in found:
        if declaration.declarant_id == access.person_id:
            url = declaration.get_absolute_url()
        elif declaration.pk in routes:
            url = reverse("approvals:request", args=[routes[declaration.pk]])
        else:
            url = ""
        shown[declaration.pk] = Shown(str(declaration), url)
    return shown


def requests_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each request by what it asked of whom ("To decide: Nigel Power"), linked for
    the people it reached."""
    visible = set(request_list_for(user=reader).filter(pk__in=ids).values_list("pk", flat=True))
    found = ApprovalRequest.objects.filter(pk__in=ids).select_related("decider")
    return {
        request.pk: Shown(
            f"{request.get_purpose_display()}: "
            + (request.decider.get_full_name() if request.decider else "nobody yet"),
            request.get_absolute_url() if request.pk in visible else "",
        )
        for request in found
    }


def decisions_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each decision by its outcome, who and when, linked to its request for the people
    it reached."""
    found = Decision.objects.filter(pk__in=ids).select_related("decided_by")
    visible = set(
        request_list_for(user=reader)
        .filter(pk__in=[decision.request_id for decision in found])
        .values_list("pk", flat=True)
    )
    return {
        decision.pk: Shown(
            f"{decision.get_outcome_display()} by {decision.decided_by.get_full_name()}",
            reverse("approvals:request", args=[decision.request_id])
            if decision.request_id in visible
            else "",
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
    safeguarding = codes_where(safeguarding=True)
    chain, edges = set(ids), set()
    while True:  # every version of each: a chain is walked a version at a time
        rows = set(
            Declaration.objects.filter(Q(pk__in=chain) | Q(previous_version_id__in=chain))
            .values_list("pk", "previous_version_id")
            .distinct()
        )
        grown = chain | {pk for pk, _ in rows} | {previous for _, previous in rows if previous}
        edges |= rows
        if grown == chain:
            break
        chain = grown
    sensitive = set(
        Declaration.objects.filter(pk__in=chain)
        .filter(
            Q(kind__in=safeguarding)
            | Q(approval_requests__decision__outcome__in=CONFIDENTIAL_OUTCOMES)
        )
        .values_list("pk", flat=True)
    )
    # Whole chains: a version is confidential if any version of its chain is.
    family = {pk: {pk} for pk in chain}
    for pk, previous in edges:
        if previous:
            joined = family[pk] | family[previous]
            for member in joined:
                family[member] = joined
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
