from django.http import HttpRequest
from django.urls import reverse

from approvals.models import CONFIDENTIAL_OUTCOMES, ApprovalRequest
from approvals.selectors import (
    dashboard_counts,
    declaration_trail,
    nobody_to_decide_count,
    urgent_for,
    waiting_on_others_by_decider,
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
        context={
            "counts": counts,
            "urgent": urgent_for(user=request.user),
            "todos": decision_todos(counts) + waiting_on_others_todos(request),
        },
        order=1,
    )


def decision_todos(counts: dict[str, int]) -> list[Todo]:
    """The decider's lines of the home page's to-do list, each a link to the dashboard's
    list of them; the overdue said beside the count."""
    dashboard = reverse("approvals:dashboard")
    todos = [
        Todo(
            counts["waiting"],
            plural(
                counts["waiting"],
                "declaration waiting for your decision",
                "declarations waiting for your decision",
            ),
            f"{dashboard}#waiting-title",
            overdue=counts["overdue"],
        ),
        Todo(
            counts["copies"],
            plural(
                counts["copies"],
                "safeguarding copy not yet read",
                "safeguarding copies not yet read",
            ),
            f"{dashboard}#copies-title",
        ),
        Todo(
            counts["told"],
            plural(
                counts["told"],
                "declaration naming pupils of your school and of another, not yet read",
                "declarations naming pupils of your school and of another, not yet read",
            ),
            f"{dashboard}#told-title",
        ),
    ]
    return [todo for todo in todos if todo.count]


def waiting_on_others_todos(request: HttpRequest) -> list[Todo]:
    """A head's lines for what waits on each of her line managers (and anyone else who
    decides at her settings), the most overdue first, each a link to their list; none
    for anyone else (the selector reads nothing for them)."""
    page = reverse("approvals:waiting_on_others")
    todos = []
    for row in waiting_on_others_by_decider(user=request.user):
        name = f"{row['decider__given_name']} {row['decider__family_name']}".strip()
        todos.append(
            Todo(
                row["count"],
                plural(row["count"], "declaration", "declarations") + f" waiting on {name}",
                f"{page}?decider={row['decider_id']}",
                overdue=row["overdue"],
            )
        )
    return todos


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
