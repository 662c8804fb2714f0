from django.db.models import Count, Q
from django.http import HttpRequest

from declarations.models import Declaration
from declarations.selectors import declaration_list_for
from directory.access import Access
from directory.home import Panel


def declare_panel(request: HttpRequest, access: Access) -> Panel | None:
    """Everybody with a role in a setting can declare (R1, R20)."""
    if not access.settings().exists():
        return None
    counts = declaration_list_for(user=request.user).aggregate(
        draft=Count("pk", filter=Q(status=Declaration.Status.DRAFT)),
        waiting=Count("pk", filter=Q(status=Declaration.Status.SUBMITTED)),
        more_info=Count("pk", filter=Q(status=Declaration.Status.MORE_INFO)),
    )
    return Panel(
        title="Declare contact",
        template="declarations/panels/declare.html",
        context={"counts": counts},
        order=5,
    )
