from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from contactpolicy.audit import AuditAction, action_of
from contactpolicy.clients import client_ip
from contactpolicy.models import AuditEvent


def audit_event_record(
    *,
    actor: Any,
    action: AuditAction,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    organisation_pk: int | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it records.

    The event is filed under the target's setting (a declaration's or a pupil's) or
    organisation (a membership's), or under the target itself when it is an
    organisation, unless ``organisation_pk`` says.

    ``action`` is one of the constants the apps register in their ``audit_actions.py``
    (contactpolicy/audit.py); anything else raises ``UnregisteredAuditAction`` and
    nothing is written.
    """
    action = action_of(action)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if organisation_pk is None and target is not None:
        organisation_pk = getattr(target, "setting_id", None) or getattr(
            target, "organisation_id", None
        )
        if organisation_pk is None and target._meta.label == "directory.Organisation":
            organisation_pk = target.pk
    return AuditEvent.objects.create(
        organisation_pk=organisation_pk,
        actor=actor,
        action=action.code,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        data=data or {},
        ip_address=client_ip(request) if request is not None else None,
    )
