from django.http import HttpRequest

from directory.access import SUMMARY_ROLES, Access
from directory.home import Panel
from oversight.summaries import snapshots_for


def summaries_panel(request: HttpRequest, access: Access) -> Panel | None:
    """For governors, the Chair, heads and administrators: the latest published
    governors' summary and the way to this term's."""
    if not access.acts_as(*SUMMARY_ROLES):
        return None
    latest = snapshots_for(user=request.user).filter(published=True).first()
    return Panel(
        title="Governors' summary",
        template="oversight/panels/summaries.html",
        context={"latest": latest},
        order=20,
    )
