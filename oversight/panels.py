from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from approvals.selectors import DSL_LOG_ROLES, copies_not_acted_on_for, new_concerns_for
from contactpolicy.models import AuditEvent
from directory.access import SUMMARY_ROLES, Access
from directory.home import Panel, Todo, plural
from oversight.audit_actions import SUMMARY_DOWNLOADED, SUMMARY_READ
from oversight.models import SummarySnapshot
from oversight.selectors import PATTERN_PERIOD, patterns_for
from oversight.summaries import snapshots_for

# How many of each the DSL's home lists; the rest are a link away.
SHOWN = 5


def summaries_panel(request: HttpRequest, access: Access) -> Panel | None:
    """For governors, the Chair, heads and administrators: the latest published
    governors' summary and the way to this term's."""
    if not access.acts_as(*SUMMARY_ROLES):
        return None
    # Whether the person opened or downloaded the latest published summary: one query.
    # Opening an older one does not count; whoever saved it has read it.
    read_it = AuditEvent.objects.filter(
        actor_id=request.user.pk,
        action__in=[SUMMARY_READ, SUMMARY_DOWNLOADED],
        target_type=ContentType.objects.get_for_model(SummarySnapshot),
        target_id=Cast(OuterRef("pk"), CharField()),
    )
    latest = (
        snapshots_for(user=request.user)
        .filter(published=True)
        .annotate(read_it=Exists(read_it))
        .first()
    )
    todos = []
    if latest is not None and not latest.read_it and latest.saved_by_id != request.user.pk:
        todos.append(
            Todo(
                1,
                f"new summary has been published: {latest.title}, {latest.organisation.name}",
                latest.get_absolute_url(),
            )
        )
    return Panel(
        title="Governors' summary",
        template="oversight/panels/summaries.html",
        context={"latest": latest, "todos": todos},
        order=20,
    )


def safeguarding_panel(request: HttpRequest, access: Access) -> Panel | None:
    """The DSL's home (and the deputy's, R41): new concerns, what was copied to them
    and is not yet in the DSL's log, and the patterns above their thresholds over the
    last year, each a link to the thing. A fixed number of queries."""
    if not access.has_role(*DSL_LOG_ROLES):
        return None
    today = timezone.localdate()
    patterns = patterns_for(user=request.user, since=today - PATTERN_PERIOD, until=today)
    concerns = new_concerns_for(user=request.user, limit=None)
    copies = copies_not_acted_on_for(user=request.user, limit=None)
    concern_count, copy_count = concerns.count(), copies.count()
    found = sum(len(each) for each in patterns.values())
    dashboard = reverse("approvals:dashboard")
    todos = [
        Todo(
            concern_count,
            plural(concern_count, "new concern", "new concerns"),
            dashboard,
        ),
        Todo(
            copy_count,
            plural(
                copy_count,
                "copy with nothing in the DSL's log yet",
                "copies with nothing in the DSL's log yet",
            ),
            f"{dashboard}#copies-title",
        ),
        Todo(
            found,
            plural(found, "pattern in the last year", "patterns in the last year"),
            reverse("oversight:patterns"),
        ),
    ]
    return Panel(
        title="Safeguarding",
        template="oversight/panels/safeguarding.html",
        context={
            "todos": [todo for todo in todos if todo.count],
            "concerns": list(concerns[: SHOWN + 1]),
            "copies": list(copies[: SHOWN + 1]),
            "several_staff": patterns["several_staff"][:SHOWN],
            "repeated_gifts": patterns["repeated_gifts"][:SHOWN],
            "many_declarations": patterns["many_declarations"][:SHOWN],
            "patterns": found,
            "shown": SHOWN,
        },
        order=3,  # after what is urgent (the decisions, R39)
    )
