from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse

from declarations.models import Declaration
from declarations.selectors import declaration_list_for
from directory.access import Access
from directory.home import Panel, Todo, plural


def declare_panel(request: HttpRequest, access: Access) -> Panel | None:
    """Everybody with a role in a setting can declare (R1, R20)."""
    if not access.settings().exists():
        return None
    counts = declaration_list_for(user=request.user).aggregate(
        draft=Count("pk", filter=Q(status=Declaration.Status.DRAFT)),
        waiting=Count("pk", filter=Q(status=Declaration.Status.SUBMITTED)),
        more_info=Count("pk", filter=Q(status=Declaration.Status.MORE_INFO)),
    )
    mine = reverse("declarations:list")
    status = Declaration.Status
    todos = [
        Todo(
            counts["more_info"],
            plural(
                counts["more_info"],
                "declaration needs more information from you",
                "declarations need more information from you",
            ),
            f"{mine}?{urlencode({'status': status.MORE_INFO})}",
        ),
        Todo(
            counts["draft"],
            plural(counts["draft"], "draft to finish", "drafts to finish"),
            f"{mine}?{urlencode({'status': status.DRAFT})}",
        ),
        Todo(
            counts["waiting"],
            plural(
                counts["waiting"],
                "declaration waiting for a decision",
                "declarations waiting for a decision",
            ),
            f"{mine}?{urlencode({'status': status.SUBMITTED})}",
        ),
    ]
    return Panel(
        title="Declare contact",
        template="declarations/panels/declare.html",
        context={"todos": [todo for todo in todos if todo.count]},
        order=5,
    )
