"""Writes to the policy, acknowledgements, training and permitted channels. Each takes
the acting person, checks permission, writes and records the audit event in one
transaction, and sends its emails after the commit."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from contactpolicy.exceptions import UploadRejected
from contactpolicy.scheduled import run_each, summary
from contactpolicy.services import audit_event_record
from contactpolicy.uploads import upload_check, upload_kept
from directory.access import POLICY_ROLES, Access
from directory.models import Organisation, Person
from policies import notifications
from policies.audit_actions import (
    POLICY_ACKNOWLEDGED,
    POLICY_CHANNELS_CHANGED,
    POLICY_GIFT_RULE_CHANGED,
    POLICY_GIFT_RULE_REFUSED,
    POLICY_PUBLISHED,
    POLICY_REVIEW_REMINDED,
    TRAINING_EVIDENCE_VIEWED,
    TRAINING_RECORDED,
)
from policies.exceptions import PolicyError
from policies.models import (
    DEFAULT_CONFIDENTIALITY_AGREEMENT,
    Acknowledgement,
    Channel,
    GiftRule,
    PermittedChannel,
    PolicyVersion,
    TrainingRecord,
    gift_rule_problems,
)
from policies.selectors import (
    applies_to,
    in_force_version_ids,
    is_superseded,
    training_people_for,
)

EARLIEST_DATE = datetime.date(2000, 1, 1)
PENCE = decimal.Decimal("0.01")


def _check_upload(upload: UploadedFile | None) -> tuple[str, str]:
    if upload is None:
        return "", ""
    try:
        return upload_check(upload)
    except UploadRejected as error:
        raise PolicyError(str(error)) from error


@transaction.atomic
def policy_version_publish(
    *,
    actor: Person,
    organisation: Organisation,
    title: str,
    text: str = "",
    document: UploadedFile | None = None,
    confidentiality_agreement: str = "",
    adopted_on: datetime.date,
    adopted_by: str,
    signatory_name: str,
    signatory_role: str,
    next_review_on: datetime.date,
    request=None,
) -> PolicyVersion:
    """Publish a new version of an organisation's policy (R29). Everyone it applies to
    is asked to read and acknowledge it (R30)."""
    if not Access.for_user(actor).acts_as(*POLICY_ROLES, organisation=organisation):
        raise PolicyError("Only the head or an administrator can publish this policy.")
    today = timezone.localdate()
    title, text = title.strip(), text.strip()
    if not title:
        raise PolicyError("Give the policy a title.")
    if not text and document is None:
        raise PolicyError("Paste the policy's text or attach the policy document.")
    if adopted_on > today:
        raise PolicyError("The adoption date cannot be in the future.")
    if adopted_on < EARLIEST_DATE:
        raise PolicyError("The adoption date looks wrong: check the year.")
    if next_review_on <= adopted_on:
        raise PolicyError("The next review date must be after the adoption date.")
    if next_review_on <= today:
        raise PolicyError("The next review date has already passed: give a date in the future.")
    content_type, safe_name = _check_upload(document)
    # Lock the organisation so two people publishing at once get numbers 1 and 2.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    number = (
        PolicyVersion.objects.filter(organisation=organisation).aggregate(Max("number"))[
            "number__max"
        ]
        or 0
    ) + 1
    version = PolicyVersion(
        organisation=organisation,
        number=number,
        title=title[:200],
        text=text,
        document_name=safe_name,
        document_type=content_type,
        confidentiality_agreement=confidentiality_agreement.strip()
        or DEFAULT_CONFIDENTIALITY_AGREEMENT,
        adopted_on=adopted_on,
        adopted_by=adopted_by.strip()[:200],
        signatory_name=signatory_name.strip()[:200],
        signatory_role=signatory_role.strip()[:200],
        next_review_on=next_review_on,
        published_by=actor,
    )
    # Written inside the step that saves its row: removed if the write, the row or the
    # audit fails (contactpolicy/uploads/storage.py).
    with upload_kept(version, "document", document, safe_name):
        version.save()
        audit_event_record(
            actor=actor,
            action=POLICY_PUBLISHED,
            target=version,
            data={
                "number": number,
                "title": version.title,
                "adopted_on": adopted_on,
                "next_review_on": next_review_on,
                "document": safe_name,
            },
            request=request,
        )
    transaction.on_commit(lambda: notifications.version_published(version.pk))
    return version


@transaction.atomic
def acknowledgement_record(
    *, actor: Person, version: PolicyVersion, confidentiality_agreed: bool, request=None
) -> Acknowledgement:
    """The person has read the version in force for them and signs its confidentiality
    agreement (R30). Acknowledging twice keeps the first."""
    if is_superseded(version):
        raise PolicyError(
            "A newer version of this policy has replaced this one. Read and acknowledge the "
            "current version instead."
        )
    if not applies_to(version, actor):
        raise PolicyError("This policy is not the one in force where you work.")
    if not confidentiality_agreed:
        raise PolicyError("Tick to confirm you agree to the confidentiality agreement.")
    existing = Acknowledgement.objects.filter(person=actor, version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            acknowledgement = Acknowledgement.objects.create(
                person=actor, version=version, confidentiality_agreed=True
            )
    except IntegrityError:  # the same form sent twice at once
        return Acknowledgement.objects.get(person=actor, version=version)
    # Filed under the person, so the audit history of each setting they work in shows
    # it, not only the federation's whose policy it is.
    audit_event_record(
        actor=actor,
        action=POLICY_ACKNOWLEDGED,
        target=actor,
        data={
            "version": version.pk,
            "organisation": version.organisation_id,
            "number": version.number,
            "title": version.title,
            "confidentiality_agreed": True,
        },
        request=request,
    )
    return acknowledgement


def may_record_training(actor: Person, person: Person) -> bool:
    return training_people_for(user=actor).filter(pk=person.pk).exists()


@transaction.atomic
def training_record_add(
    *,
    actor: Person,
    person: Person,
    completed_on: datetime.date,
    course: str,
    provider: str,
    evidence: UploadedFile | None = None,
    request=None,
) -> TrainingRecord:
    """Record a safeguarding training course (R31): by the person themself, or by the
    head, DSL or administrator of their setting."""
    if not may_record_training(actor, person):
        raise PolicyError("You can record training for yourself and for the people you manage.")
    if completed_on > timezone.localdate():
        raise PolicyError("The training date cannot be in the future: record it once it is done.")
    if completed_on < EARLIEST_DATE:
        raise PolicyError("The training date looks wrong: check the year.")
    course, provider = course.strip(), provider.strip()
    if not course or not provider:
        raise PolicyError("Give the course and who provided it.")
    content_type, safe_name = _check_upload(evidence)
    record = TrainingRecord(
        person=person,
        completed_on=completed_on,
        course=course[:200],
        provider=provider[:200],
        evidence_name=safe_name,
        evidence_type=content_type,
        recorded_by=actor,
    )
    with upload_kept(record, "evidence", evidence, safe_name):
        record.save()
        audit_event_record(
            actor=actor,
            action=TRAINING_RECORDED,
            target=person,
            data={
                "record": record.pk,
                "completed_on": completed_on,
                "course": record.course,
                "provider": record.provider,
                "evidence": safe_name,
            },
            request=request,
        )
    return record


def training_evidence_viewed(*, actor: Person, record: TrainingRecord, request=None) -> None:
    audit_event_record(
        actor=actor,
        action=TRAINING_EVIDENCE_VIEWED,
        target=record.person,
        data={"record": record.pk},
        request=request,
    )


@transaction.atomic
def permitted_channels_set(
    *,
    actor: Person,
    organisation: Organisation,
    channels: dict[str, str],
    request=None,
) -> list[PermittedChannel]:
    """Replace the organisation's list of permitted ways to communicate (R32):
    ``channels`` maps each permitted channel to its conditions."""
    if not Access.for_user(actor).acts_as(*POLICY_ROLES, organisation=organisation):
        raise PolicyError("Only the head or an administrator can change this list.")
    unknown = set(channels) - set(Channel.values)
    if unknown:
        raise PolicyError("One of the ways of communicating is not recognised.")
    # One change at a time: two people saving at once would otherwise collide.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = dict(
        PermittedChannel.objects.filter(organisation=organisation).values_list(
            "channel", "conditions"
        )
    )
    after = {code: conditions.strip()[:500] for code, conditions in channels.items()}
    PermittedChannel.objects.filter(organisation=organisation).exclude(
        channel__in=list(after)
    ).delete()
    rows = []
    for code, conditions in after.items():
        row, _ = PermittedChannel.objects.update_or_create(
            organisation=organisation, channel=code, defaults={"conditions": conditions}
        )
        rows.append(row)
    if before != after:
        audit_event_record(
            actor=actor,
            action=POLICY_CHANNELS_CHANGED,
            target=organisation,
            data={"before": before, "after": after},
            request=request,
        )
    return rows


def _gift_rule_as_recorded(rule: GiftRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "allows": rule.allows,
        "token_limit": None if rule.token_limit is None else str(rule.token_limit),
    }


@transaction.atomic
def gift_rule_set(
    *,
    actor: Person,
    organisation: Organisation,
    allows: str | None,
    token_limit: decimal.Decimal | None = None,
    request=None,
) -> GiftRule | None:
    """Set the organisation's rule on gifts (R15, R40): no gifts at all, or token gifts
    up to ``token_limit`` pounds (never cash or vouchers). ``allows`` None removes a
    school's own rule so that its trust's or federation's applies again. A rule that is
    not valid is refused with PolicyError and nothing changes; a save that changes
    nothing writes nothing."""
    if not Access.for_user(actor).acts_as(*POLICY_ROLES, organisation=organisation):
        raise PolicyError(
            "Only the head, the Executive Headteacher or an administrator can set the rule "
            "on gifts."
        )
    problems = gift_rule_problems(
        allows=allows, token_limit=token_limit, may_follow=organisation.parent_id is not None
    )
    if problems:
        raise PolicyError(" ".join(problems.values()))
    # One change at a time: two people saving at once would otherwise collide.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    rule = GiftRule.objects.filter(organisation=organisation).first()
    before = _gift_rule_as_recorded(rule)
    if allows is None:
        if rule is not None:
            rule.delete()
        rule = None
    else:
        wanted = {
            "allows": allows,
            "token_limit": token_limit.quantize(PENCE)
            if allows == GiftRule.Allows.TOKENS
            else None,
        }
        if rule is None:
            rule = GiftRule.objects.create(organisation=organisation, changed_by=actor, **wanted)
        elif (rule.allows, rule.token_limit) != (wanted["allows"], wanted["token_limit"]):
            rule.allows, rule.token_limit = wanted["allows"], wanted["token_limit"]
            rule.changed_by, rule.changed_at = actor, timezone.now()
            rule.save()
    after = _gift_rule_as_recorded(rule)
    if before != after:
        audit_event_record(
            actor=actor,
            action=POLICY_GIFT_RULE_CHANGED,
            target=organisation,
            data={"before": before, "after": after},
            request=request,
        )
    return rule


@transaction.atomic
def gift_rule_refused_record(
    *,
    actor: Person,
    organisation: Organisation,
    asked: dict[str, Any],
    reasons: list[str],
    request=None,
) -> None:
    """A change to the rule on gifts was refused (bad input, or not theirs to make):
    recorded, with what was asked and why, after the refused change wrote nothing."""
    audit_event_record(
        actor=actor,
        action=POLICY_GIFT_RULE_REFUSED,
        target=organisation,
        data={"asked": asked, "reasons": reasons},
        request=request,
    )


@transaction.atomic
def policy_review_remind(*, version: PolicyVersion, today: datetime.date) -> bool:
    """Remind the administrators and head that the policy is due for review: once as the
    date comes within 30 days, and once more when it has passed (R29)."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    reminded = version.review_reminded_on
    overdue = version.next_review_on <= today
    if reminded is not None and not (overdue and reminded < version.next_review_on):
        return False
    version.review_reminded_on = today
    version.save(update_fields=["review_reminded_on"])
    audit_event_record(
        actor=None,
        action=POLICY_REVIEW_REMINDED,
        target=version,
        data={"next_review_on": version.next_review_on, "overdue": overdue},
    )
    transaction.on_commit(lambda: notifications.review_due(version.pk))
    return True


def scheduled_job(today: datetime.date) -> str:
    """Remind about policies due for review; only the version in force counts."""
    due = PolicyVersion.objects.filter(
        pk__in=in_force_version_ids(Organisation.objects.all()),
        next_review_on__lte=today + datetime.timedelta(days=30),
    )
    counts: dict[str, Any] = {"reminded": 0, "failed": 0}
    run_each(
        due,
        lambda version: policy_review_remind(version=version, today=today),
        counts,
        "reminded",
    )
    return summary("Policy reviews: {reminded} reminded.", counts)
