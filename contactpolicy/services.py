import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from contactpolicy.audit import AuditAction, action_of
from contactpolicy.audit_actions import ACCESS_REFUSED
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
    once_key: str | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it records.

    The event is filed under the target's setting (a declaration's or a pupil's) or
    organisation (a membership's), or under the target itself when it is an
    organisation, unless ``organisation_pk`` says.

    ``action`` is one of the constants the apps register in their ``audit_actions.py``
    (contactpolicy/audit.py); anything else raises ``UnregisteredAuditAction`` and
    nothing is written. ``once_key`` is :func:`audit_event_record_once`'s.
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
        once_key=once_key,
    )


def audit_event_record_once(*, once_key: str, **event: Any) -> AuditEvent | None:
    """Write the event unless one with ``once_key`` is on the trail already (then
    ``None``): what a flood of the same attempt leaves is one row. Safe across workers:
    the key is unique in the database, so of two writing it at once the second finds
    the first's row (PostgreSQL makes it wait for the first to commit) and writes nothing.
    ``event``: :func:`audit_event_record`'s arguments."""
    if AuditEvent.objects.filter(once_key=once_key).exists():
        return None
    try:
        with transaction.atomic():
            return audit_event_record(once_key=once_key, **event)
    except IntegrityError:
        if AuditEvent.objects.filter(once_key=once_key).exists():
            return None
        raise


def this_hour(now: datetime.datetime | None = None) -> str:
    """The hour ``now`` falls in (UTC), as the part of a once-key that makes it "once an
    hour"."""
    return (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H")


def access_refusal_record(
    *,
    actor: Any,
    record: models.Model | None,
    page: str = "",
    asked_for: str = "",
    organisation_pk: int | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent | None:
    """Someone asked for ``record``, which exists but is not theirs to open (they were
    told "not found"), or for a ``page`` their roles do not open (#21, R34). Recorded
    once per person, record (or page) and hour, so that a flood of attempts leaves one
    row; filed under the record's own organisation, so that its DSL and administrator
    find it, whoever asked. ``asked_for``: what was asked for when the refusal is
    recorded against a record that holds it (an attachment's declaration)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if record is not None:
        content_type = ContentType.objects.get_for_model(record)
        about = f"{content_type.pk}:{record.pk}"
    else:
        about = f"page:{page}"
    data = {
        key: value
        for key, value in {
            "asked_for": asked_for,
            "page": page,
            "path": request.path[:200] if request is not None else "",
            "method": request.method if request is not None else "",
        }.items()
        if value
    }
    return audit_event_record_once(
        once_key=f"{ACCESS_REFUSED}:{actor.pk}:{about}:{this_hour()}",
        actor=actor,
        action=ACCESS_REFUSED,
        target=record,
        data=data,
        request=request,
        organisation_pk=organisation_pk,
    )
