"""Writes to declarations: each takes the acting person, checks, writes and audits atomically."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from contactpolicy import workflow
from contactpolicy.exceptions import UploadRejected
from contactpolicy.services import audit_event_record
from contactpolicy.uploads import upload_check, upload_kept, upload_name
from declarations.audit_actions import (
    DECLARATION_AMENDED,
    DECLARATION_ATTACHMENT_ADDED,
    DECLARATION_ATTACHMENT_REFUSED,
    DECLARATION_ATTACHMENT_VIEWED,
    DECLARATION_CHANGED,
    DECLARATION_CREATED,
    DECLARATION_RESUBMITTED,
    DECLARATION_SUBMITTED,
    DECLARATION_VIEWED,
    DECLARATION_WITHDRAWN,
)
from declarations.exceptions import AttachmentNotStored, AttachmentRejected, DeclarationError
from declarations.kinds import Kind, Subjects, details_to_json, get_kind
from declarations.models import Attachment, Declaration, DeclarationSubject
from declarations.selectors import (
    children_settings,
    declaring_settings_for,
    family_members_for_declaring,
    newer_version_of,
    person_settings,
    pupils_for_declaring,
    subject_settings,
)
from directory.models import FamilyMember, Organisation, Person, Pupil

logger = logging.getLogger(__name__)

# The approvals app listens. Submitted: sent after the transaction commits (routing; a
# failure there leaves the declaration submitted, for the scheduled jobs to route).
# Withdrawn: sent inside it, so that the withdrawal and the cancelling of its requests
# are one change, made whole or not at all.
declaration_submitted = Signal()
declaration_withdrawn = Signal()


@dataclass
class Subject:
    """Whom a declaration concerns, as chosen on the form."""

    pupils: list[Pupil] = field(default_factory=list)
    family_members: list[FamilyMember] = field(default_factory=list)
    other_name: str = ""
    other_relationship: str = ""

    def is_empty(self) -> bool:
        return not (self.pupils or self.family_members or self.other_name)


def _snapshot(declaration: Declaration) -> dict[str, Any]:
    return {
        "status": declaration.status,
        "kind": declaration.kind,
        "details": declaration.details,
        "notes": declaration.notes,
        # Urgent as it is dealt with: always, for a kind that always is (a concern).
        "urgent": declaration.is_urgent,
        "setting": declaration.setting_id,
        "subjects": _subjects_for_the_trail(declaration),
    }


def _subjects_for_the_trail(declaration: Declaration) -> list[str]:
    """Whom the declaration is about, for its audit rows. Those rows belong to its own
    setting, whose DSL and administrators search them: a pupil or family member of
    another setting of the trust or federation (#19) is written by reference, never
    by name."""
    subjects = list(declaration.subjects.select_related("pupil__setting", "family_member"))
    children = (
        children_settings(s.family_member_id for s in subjects if s.family_member_id)
        if declaration.setting.parent_id
        else {}
    )
    described = []
    for subject in subjects:
        if declaration.setting_id in subject_settings(declaration, subject, children):
            described.append(str(subject))
        elif subject.pupil_id:
            pupil = subject.pupil
            described.append(f"a pupil of {pupil.setting.name} (MIS reference {pupil.reference})")
        else:
            described.append(
                f"a family member of pupils of another setting (number {subject.family_member_id})"
            )
    return sorted(described)


def _check_declarant(actor: Person, declaration: Declaration) -> None:
    if declaration.declarant_id != actor.pk:
        raise DeclarationError("Only the person who made a declaration can change it.")


def _lock(declaration: Declaration) -> Declaration:
    return Declaration.objects.select_for_update().get(pk=declaration.pk)


def _check_subjects(actor: Person, kind: Kind, setting: Organisation, subjects: Subject) -> None:
    """Only pupils and families the person may name at this setting: its own and, in a
    trust or federation, those of its other settings where they work (#19); and at
    least one of them belongs to this setting (declarations.selectors explains)."""
    former = kind.subjects == Subjects.FORMER_PUPIL
    allowed_pupils = pupils_for_declaring(user=actor, setting=setting, former=former)
    allowed_family = family_members_for_declaring(user=actor, setting=setting)
    pupil_ids = {pupil.pk for pupil in subjects.pupils}
    family_ids = {member.pk for member in subjects.family_members}

    def where() -> str:
        if setting.parent_id:
            return f"{setting.name} or of your other settings in {setting.parent.name}"
        return setting.name

    if pupil_ids and allowed_pupils.filter(pk__in=pupil_ids).count() != len(pupil_ids):
        raise DeclarationError(f"Choose only pupils of {where()}.")
    if family_ids and allowed_family.filter(pk__in=family_ids).count() != len(family_ids):
        raise DeclarationError(f"Choose only family members of pupils of {where()}.")
    if not (pupil_ids or family_ids) or any(p.setting_id == setting.pk for p in subjects.pupils):
        return
    children = children_settings(family_ids)
    if not any(
        setting.pk in person_settings(setting, family_member_id=pk, children=children)
        for pk in family_ids
    ):
        raise DeclarationError(
            f"Nobody you named is at {setting.name}. Make the declaration at their "
            f"school instead, or name someone at {setting.name} as well."
        )


def subjects_of(declaration: Declaration) -> Subject:
    rows = list(declaration.subjects.select_related("pupil", "family_member"))
    other = next((row for row in rows if row.other_name), None)
    return Subject(
        pupils=[row.pupil for row in rows if row.pupil_id],
        family_members=[row.family_member for row in rows if row.family_member_id],
        other_name=other.other_name if other else "",
        other_relationship=other.other_relationship if other else "",
    )


def _set_subjects(declaration: Declaration, subjects: Subject) -> None:
    declaration.subjects.all().delete()
    rows = [DeclarationSubject(declaration=declaration, pupil=pupil) for pupil in subjects.pupils]
    rows += [
        DeclarationSubject(declaration=declaration, family_member=member)
        for member in subjects.family_members
    ]
    if subjects.other_name:
        rows.append(
            DeclarationSubject(
                declaration=declaration,
                other_name=subjects.other_name,
                other_relationship=subjects.other_relationship,
            )
        )
    DeclarationSubject.objects.bulk_create(rows)


@workflow.atomic
def declaration_save_draft(
    *,
    actor: Person,
    kind: Kind,
    setting: Organisation,
    details: dict[str, Any],
    notes: str,
    subjects: Subject,
    form_token: uuid.UUID,
    declaration: Declaration | None = None,
    urgent: bool = False,
    request=None,
) -> Declaration:
    """Create a draft, or change a draft (or one sent back for more information).

    A form posted twice carries the same ``form_token``, so the second post
    changes the draft the first one made instead of creating another.
    """
    if not declaring_settings_for(user=actor).filter(pk=setting.pk).exists():
        raise DeclarationError("You can only declare in a setting where you work or volunteer.")
    _check_subjects(actor, kind, setting, subjects)
    if declaration is None:
        declaration = (
            Declaration.objects.select_for_update()
            .filter(declarant=actor, form_token=form_token)
            .first()
        )
    if declaration is None:
        try:
            with transaction.atomic():
                declaration = Declaration.objects.create(
                    declarant=actor,
                    setting=setting,
                    kind=kind.code,
                    details=details_to_json(details),
                    notes=notes,
                    urgent=urgent,
                    key_date=kind.key_date_of(details_to_json(details)),
                    form_token=form_token,
                )
        except IntegrityError:  # the same form, posted twice at once
            declaration = Declaration.objects.select_for_update().get(
                declarant=actor, form_token=form_token
            )
        else:
            _set_subjects(declaration, subjects)
            audit_event_record(
                actor=actor,
                action=DECLARATION_CREATED,
                target=declaration,
                data={"after": _snapshot(declaration)},
                request=request,
            )
            return declaration

    declaration = _lock(declaration)
    _check_declarant(actor, declaration)
    if declaration.kind != kind.code:
        raise DeclarationError("A declaration cannot change from one kind to another.")
    if not declaration.is_editable:
        advice = (
            "You can amend it, which makes a new version."
            if declaration.status == Declaration.Status.DECIDED
            else "Withdraw it and declare again if something has changed."
            if declaration.can_withdraw
            else "Make a new declaration if something has changed."
        )
        workflow.refuse(
            declaration,
            attempted="changed",
            actor=actor,
            message=f"This declaration is {declaration.get_status_display().lower()} and "
            f"cannot be changed. {advice}",
        )
    if setting.pk != declaration.setting_id and allows_past_dates(declaration):
        raise DeclarationError(
            "The setting cannot change once a declaration has been submitted or is an amendment."
        )
    before = _snapshot(declaration)
    declaration.setting = setting
    declaration.details = details_to_json(details)
    declaration.notes = notes
    declaration.urgent = urgent
    declaration.key_date = kind.key_date_of(declaration.details)
    declaration.save()
    _set_subjects(declaration, subjects)
    audit_event_record(
        actor=actor,
        action=DECLARATION_CHANGED,
        target=declaration,
        data={"before": before, "after": _snapshot(declaration)},
        request=request,
    )
    return declaration


def allows_past_dates(declaration: Declaration | None) -> bool:
    """An amendment, or a reply to a question, may concern a date that has since passed."""
    return declaration is not None and bool(
        declaration.previous_version_id or declaration.submitted_at
    )


def declaration_problems(declaration: Declaration) -> list[str]:
    """What stops a declaration being submitted now, in words for the declarant."""
    kind = declaration.kind_entry
    problems = []
    form = kind.form(data=declaration.details, allow_past=allows_past_dates(declaration))
    if not form.is_valid():
        for field_name, errors in form.errors.items():
            label = form.fields[field_name].label if field_name in form.fields else ""
            problems += [f"{label}: {error}" if label else error for error in errors]
    subjects = list(declaration.subjects.all())
    if kind.subjects == Subjects.REQUIRED and not subjects:
        problems.append("Say which pupils or family members this is about.")
    if kind.subjects == Subjects.FORMER_PUPIL and not any(
        subject.other_name or (subject.pupil_id and subject.pupil.is_former) for subject in subjects
    ):
        problems.append("Choose the former pupil this is about, or describe them.")
    if kind.attachment_required and not declaration.attachments.exists():
        problems.append("Attach a copy of what you received (a photo is fine).")
    return problems


@workflow.atomic
def declaration_submit(*, actor: Person, declaration: Declaration, request=None) -> Declaration:
    """Send a draft (or a reply to a request for more information) to be decided."""
    declaration = _lock(declaration)
    _check_declarant(actor, declaration)
    before = declaration.status
    workflow.transition(declaration, Declaration.Status.SUBMITTED, actor=actor)
    # Roles end and pupils move on: check again what was checked when the draft was saved.
    if not declaring_settings_for(user=actor).filter(pk=declaration.setting_id).exists():
        raise DeclarationError(
            "You no longer hold a role in this setting, so you cannot submit this declaration."
        )
    _check_subjects(actor, declaration.kind_entry, declaration.setting, subjects_of(declaration))
    if problems := declaration_problems(declaration):
        raise DeclarationError(" ".join(problems))
    resubmitted = declaration.submitted_at is not None
    declaration.submitted_at = timezone.now()
    declaration.first_submitted_at = declaration.first_submitted_at or declaration.submitted_at
    declaration.save(update_fields=["status", "submitted_at", "first_submitted_at", "updated_at"])
    audit_event_record(
        actor=actor,
        action=DECLARATION_RESUBMITTED if resubmitted else DECLARATION_SUBMITTED,
        target=declaration,
        data={
            "kind": declaration.kind,
            "setting": declaration.setting_id,
            "before": {"status": before},
            "after": {"status": declaration.status},
        },
        request=request,
    )
    transaction.on_commit(
        lambda: declaration_submitted.send(sender=Declaration, declaration=declaration)
    )
    return declaration


@workflow.atomic
def declaration_withdraw(
    *, actor: Person, declaration: Declaration, reason: str = "", request=None
) -> Declaration:
    """Withdraw a declaration before it is decided."""
    declaration = _lock(declaration)
    _check_declarant(actor, declaration)
    before = declaration.status
    reason = reason.strip()
    workflow.transition(declaration, Declaration.Status.WITHDRAWN, actor=actor)
    declaration.withdrawn_at = timezone.now()
    declaration.withdrawal_reason = reason
    declaration.save(update_fields=["status", "withdrawn_at", "withdrawal_reason", "updated_at"])
    audit_event_record(
        actor=actor,
        action=DECLARATION_WITHDRAWN,
        target=declaration,
        data={
            "before": {"status": before},
            "after": {"status": declaration.status},
            "reason": reason,
        },
        request=request,
    )
    declaration_withdrawn.send(sender=Declaration, declaration=declaration)
    return declaration


@workflow.atomic
def declaration_amend(*, actor: Person, declaration: Declaration, request=None) -> Declaration:
    """Start a new version of a decided declaration; the decided one stays as it was."""
    declaration = _lock(declaration)
    _check_declarant(actor, declaration)
    if declaration.status != Declaration.Status.DECIDED:
        workflow.refuse(
            declaration,
            attempted="amended",
            actor=actor,
            message="Only a decided declaration can be amended.",
        )
    existing = newer_version_of(declaration)
    if existing is not None:
        return existing  # amend pressed twice: carry on with the same new version
    amendment = Declaration.objects.create(
        declarant=actor,
        setting=declaration.setting,
        kind=declaration.kind,
        details=declaration.details,
        notes=declaration.notes,
        key_date=declaration.key_date,
        version=declaration.version + 1,
        previous_version=declaration,
    )
    DeclarationSubject.objects.bulk_create(
        DeclarationSubject(
            declaration=amendment,
            pupil_id=subject.pupil_id,
            family_member_id=subject.family_member_id,
            other_name=subject.other_name,
            other_relationship=subject.other_relationship,
        )
        for subject in declaration.subjects.all()
    )
    # The copies already given (a card, a letter) carry over; the files are shared, not copied.
    Attachment.objects.bulk_create(
        Attachment(
            declaration=amendment,
            file=attachment.file.name,
            original_name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            uploaded_by=attachment.uploaded_by,
            uploaded_at=attachment.uploaded_at,
        )
        for attachment in declaration.attachments.all()
    )
    audit_event_record(
        actor=actor,
        action=DECLARATION_AMENDED,
        target=amendment,
        data={
            "amends": declaration.pk,
            "version": amendment.version,
            "after": _snapshot(amendment),
        },
        request=request,
    )
    return amendment


def attachment_check(upload: UploadedFile) -> tuple[str, str]:
    """The content type and a safe download name, or AttachmentRejected saying why."""
    try:
        return upload_check(upload)
    except UploadRejected as error:
        raise AttachmentRejected(str(error)) from error


def attachment_add(
    *, actor: Person, declaration: Declaration, upload: UploadedFile, request=None
) -> Attachment:
    """Attach a file to the person's own declaration while it can still change. A file
    refused for what it is or what it holds (a PDF's script, a Word file's macros) is
    refused with the reason, and the attempt is on the declaration's audit trail. A file
    that cannot be written (a full disk) leaves nothing behind and says so."""
    try:
        return _attachment_add(actor=actor, declaration=declaration, upload=upload, request=request)
    except OSError as error:
        logger.exception("The attachment for declaration %s could not be written", declaration.pk)
        raise AttachmentNotStored(
            "The file could not be saved just now, so nothing was attached. Try again in a "
            "few minutes; if it happens again, tell whoever looks after this system."
        ) from error
    except AttachmentRejected as refused:
        _attachment_refused(
            actor=actor,
            declaration=declaration,
            upload=upload,
            reason=str(refused),
            request=request,
        )
        raise


@workflow.atomic
def _attachment_add(
    *, actor: Person, declaration: Declaration, upload: UploadedFile, request=None
) -> Attachment:
    declaration = _lock(declaration)
    _check_declarant(actor, declaration)
    if not declaration.is_editable:
        workflow.refuse(
            declaration,
            attempted="given a file",
            actor=actor,
            message="Files can be added while a declaration is a draft or more information "
            "is asked for.",
        )
    content_type, safe_name = attachment_check(upload)
    attachments_before = declaration.attachments.count()
    attachment = Attachment(
        declaration=declaration,
        original_name=safe_name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    # Written inside the step that saves its row: if the write, the row or the audit
    # fails, the file is removed (contactpolicy/uploads/storage.py).
    with upload_kept(attachment, "file", upload, safe_name):
        attachment.save()
        audit_event_record(
            actor=actor,
            action=DECLARATION_ATTACHMENT_ADDED,
            target=declaration,
            data={
                "attachment": attachment.pk,
                "name": safe_name,
                "size": upload.size,
                "before": {"attachments": attachments_before},
                "after": {"attachments": attachments_before + 1},
            },
            request=request,
        )
    return attachment


@transaction.atomic
def _attachment_refused(
    *, actor: Person, declaration: Declaration, upload: UploadedFile, reason: str, request=None
) -> None:
    """Recorded after the refused attempt is rolled back: nothing was kept, but someone
    tried to attach this file to this declaration, and why it was refused."""
    audit_event_record(
        actor=actor,
        action=DECLARATION_ATTACHMENT_REFUSED,
        target=declaration,
        data={"name": upload_name(upload), "size": upload.size, "reason": reason},
        request=request,
    )


def kind_for(code: str) -> Kind:
    try:
        return get_kind(code)
    except KeyError as error:
        raise DeclarationError("There is no such kind of declaration.") from error


def declaration_viewed(*, actor: Person, declaration: Declaration, request=None) -> None:
    """Opening a declaration is on the audit trail, even one's own (R34)."""
    audit_event_record(actor=actor, action=DECLARATION_VIEWED, target=declaration, request=request)


@transaction.atomic
def attachment_viewed(*, actor: Person, attachment: Attachment, request=None) -> None:
    """Opening a copy of a card or letter is a read of a sensitive record (R34)."""
    audit_event_record(
        actor=actor,
        action=DECLARATION_ATTACHMENT_VIEWED,
        target=attachment.declaration,
        data={"attachment": attachment.pk},
        request=request,
    )
