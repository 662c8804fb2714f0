from django.http import HttpRequest
from django.utils import timezone

from directory.access import Access
from directory.home import Panel
from policies.models import TrainingRecord
from policies.selectors import (
    TrainingStatus,
    compliance_organisations_for,
    training_status,
    versions_to_acknowledge,
)


def policy_panel(request: HttpRequest, access: Access) -> Panel | None:
    """The policy to acknowledge and the person's own training (R30, R31)."""
    if not access.roles_by_organisation:
        return None
    last = (
        TrainingRecord.objects.filter(person_id=access.person_id)
        .order_by("-completed_on")
        .values_list("completed_on", flat=True)
        .first()
    )
    status = training_status(last, timezone.localdate())
    return Panel(
        title="The policy and your training",
        template="policies/panels/policy.html",
        context={
            "to_acknowledge": versions_to_acknowledge(user=request.user).count(),
            "training_status": status,
            "training_label": TrainingStatus.LABELS[status],
            "training_attention": status != TrainingStatus.CURRENT,
            "can_report": compliance_organisations_for(user=request.user).exists(),
        },
        order=3,
    )
