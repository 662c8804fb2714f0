from django.http import HttpRequest

from directory.access import Access
from directory.home import Panel
from registers.selectors import follow_ups_for, round_tasks_for


def registers_panel(request: HttpRequest, access: Access) -> Panel | None:
    """What the person must review or confirm, and the way to their own file."""
    if not access.roles_by_organisation:
        return None
    counts = {key: items.count() for key, items in follow_ups_for(user=request.user).items()}
    tasks = list(round_tasks_for(user=request.user))
    return Panel(
        title="Records and follow-ups",
        template="registers/panels/registers.html",
        context={"counts": counts, "round_tasks": tasks},
        order=5,
    )
