import datetime

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from directory.access import Access
from directory.home import Panel, Todo, plural
from registers.selectors import follow_ups_for, round_tasks_for

# A monitoring review is on the home page's to-do list from two weeks before it is due.
REVIEWS_DUE_WITHIN = datetime.timedelta(days=14)


def registers_panel(request: HttpRequest, access: Access) -> Panel | None:
    """What the person must review or confirm, and the way to their own file."""
    if not access.roles_by_organisation:
        return None
    today = timezone.localdate()
    soon = today + REVIEWS_DUE_WITHIN
    lists = follow_ups_for(user=request.user)
    counts = {
        key: items.aggregate(
            total=Count("pk"),
            due=Count("pk", filter=Q(due_on__lte=soon)),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
        )
        for key, items in lists.items()
    }
    page = reverse("registers:follow_ups")
    todos = [
        Todo(
            counts["to_confirm"]["total"],
            plural(
                counts["to_confirm"]["total"],
                "thing for you to confirm, such as deleting numbers shared for a trip",
                "things for you to confirm, such as deleting numbers shared for a trip",
            ),
            f"{page}#to-confirm",
            overdue=counts["to_confirm"]["overdue"],
        ),
        # Only the reviews due now: one due next March is on the follow-ups page, not
        # on today's list.
        Todo(
            counts["reviews"]["due"],
            plural(
                counts["reviews"]["due"],
                "monitoring review due for you to record",
                "monitoring reviews due for you to record",
            ),
            f"{page}#reviews",
            overdue=counts["reviews"]["overdue"],
        ),
        Todo(
            counts["unconfirmed"]["total"],
            plural(
                counts["unconfirmed"]["total"],
                "action not confirmed in time: talk to the staff member",
                "actions not confirmed in time: talk to the staff members",
            ),
            f"{page}#unconfirmed",
        ),
    ]
    return Panel(
        title="Records and follow-ups",
        template="registers/panels/registers.html",
        context={
            "todos": [todo for todo in todos if todo.count],
            "later_reviews": counts["reviews"]["total"] - counts["reviews"]["due"],
            "any_follow_ups": any(count["total"] for count in counts.values()),
            "round_tasks": list(round_tasks_for(user=request.user)),
        },
        order=5,
    )
