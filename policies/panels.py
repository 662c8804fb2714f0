from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from directory.access import Access
from directory.home import Panel, Todo, plural
from policies.models import TrainingRecord
from policies.selectors import (
    Completion,
    TrainingStatus,
    acknowledgement_counts,
    compliance_organisations_for,
    percentage,
    settings_without_policy,
    training_counts_by_organisation,
    training_status,
    versions_in_force_for,
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
            "in_force": versions_in_force_for(user=request.user).exists(),
            "training_status": status,
            "training_label": TrainingStatus.LABELS[status],
            "training_attention": status != TrainingStatus.CURRENT,
            "can_report": compliance_organisations_for(user=request.user).exists(),
        },
        order=3,
    )


def _below_target(
    counts: dict[int | None, Completion], target: int
) -> list[tuple[int, Completion]]:
    """The organisations whose completion is below ``target`` per cent, lowest first."""
    below = [
        (organisation_id, completion)
        for organisation_id, completion in counts.items()
        if organisation_id is not None
        and completion.applies
        and completion.total
        and percentage(completion.done, completion.total) < target
    ]
    return sorted(below, key=lambda item: item[1].done / item[1].total)


def _todo(below, target: int, *, one: str, many: str, url_name: str, order: int) -> Todo:
    outstanding = sum(completion.total - completion.done for _, completion in below)
    where = plural(len(below), "an organisation", f"{len(below)} organisations")
    text = f"{plural(outstanding, one, many)}, at {where} below the target of {target}%"
    url = f"{reverse(url_name)}?organisation={below[0][0]}" if below else reverse(url_name)
    return Todo(outstanding if below else 0, text, url, order=order)


def compliance_todos(request: HttpRequest, organisation_ids: frozenset[int]) -> list[Todo]:
    """The administrator's to-do list: organisations where fewer people than the target
    have acknowledged the policy in force (R30) or have safeguarding training up to date
    (R31), each line leading to the report of the lowest; and the settings with no
    policy to acknowledge at all. Five queries."""
    acknowledgement_target = settings.ACKNOWLEDGEMENT_TARGET_PERCENT
    training_target = settings.TRAINING_TARGET_PERCENT
    acknowledged = _below_target(acknowledgement_counts(organisation_ids), acknowledgement_target)
    trained = _below_target(
        training_counts_by_organisation(organisation_ids, timezone.localdate()), training_target
    )
    unpublished = settings_without_policy(organisation_ids).count()
    return [
        Todo(
            unpublished,
            plural(
                unpublished,
                "school or pre-school with no policy published: nobody there can acknowledge it",
                "schools or pre-schools with no policy published: nobody there can acknowledge it",
            ),
            reverse("policies:version_new"),
            order=45,
        ),
        _todo(
            acknowledged,
            acknowledgement_target,
            one="person has not acknowledged the policy in force",
            many="people have not acknowledged the policy in force",
            url_name="policies:acknowledgements",
            order=50,
        ),
        _todo(
            trained,
            training_target,
            one="person whose safeguarding training is not up to date",
            many="people whose safeguarding training is not up to date",
            url_name="policies:training",
            order=60,
        ),
    ]
