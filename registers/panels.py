from django.http import HttpRequest

from directory.access import SUMMARY_ROLES, Access
from directory.home import Panel
from registers.selectors import follow_ups_for, round_tasks_for
from registers.summaries import snapshots_for


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


def summaries_panel(request: HttpRequest, access: Access) -> Panel | None:
    """For governors, the Chair, heads and administrators: the latest published
    governors' summary and the way to this term's."""
    if not access.acts_as(*SUMMARY_ROLES):
        return None
    latest = snapshots_for(user=request.user).filter(published=True).first()
    return Panel(
        title="Governors' summary",
        template="registers/panels/summaries.html",
        context={"latest": latest},
        order=20,
    )
