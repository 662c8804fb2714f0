from django.http import HttpRequest
from django.urls import reverse

from approvals.models import CONFIDENTIAL_OUTCOMES, ApprovalRequest
from approvals.selectors import (
    dashboard_counts,
    declaration_trail,
    nobody_to_decide_count,
    urgent_for,
)
from declarations.hooks import Section
from declarations.models import Declaration
from directory.access import DECIDING_ROLES, Access
from directory.home import Panel, Todo, plural


def decisions_panel(request: HttpRequest, access: Access) -> Panel | None:
    counts = dashboard_counts(user=request.user)
    if not (
        access.has_role(*DECIDING_ROLES) or counts["waiting"] or counts["copies"] or counts["told"]
    ):
        return None
    return Panel(
        title="Decisions",
        template="approvals/panels/decisions.html",
        # What is urgent (a concern, R39) stands first on the home page.
        context={"counts": counts, "urgent": urgent_for(user=request.user)},
        order=1,
    )


def decisions_section(request: HttpRequest, declaration: Declaration) -> Section | None:
    """What was decided about the declarant's declaration, with conditions and reasons."""
    decided = [
        item
        for item in declaration_trail(declaration)
        if item.purpose == ApprovalRequest.Purpose.DECIDE
    ]
    if not decided:
        return None
    return Section(
        title="Decisions",
        template="approvals/sections/decisions.html",
        context={"trail": decided, "confidential": CONFIDENTIAL_OUTCOMES},
    )


def nobody_to_decide_todo(request: HttpRequest, organisation_ids: frozenset[int]) -> list[Todo]:
    """The administrator's to-do list: requests routing could find nobody to decide,
    which wait for the administrator to give them to someone."""
    count = nobody_to_decide_count(organisation_ids)
    return [
        Todo(
            count,
            plural(count, "request nobody can take", "requests nobody can take"),
            f"{reverse('admin:approvals_approvalrequest_changelist')}?unassigned=yes",
            order=10,
        )
    ]
