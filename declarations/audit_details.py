"""How the data of declarations' events reads in the audit history
(contactpolicy/audit_details.py, #21): statuses and kinds by their names, a declaration's
answers by its form's labels, and attachments by their names. The declarations
themselves are read in approvals/audit_details.py, which knows every way of opening one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.urls import reverse

from contactpolicy.audit_details import Key, Shown, keys, references
from declarations import audit_actions
from declarations.kinds import KINDS, kind_choices
from declarations.models import Attachment, Declaration
from directory.access import Access


def attachments_shown(ids: set[int], reader: Any) -> Mapping[int, Shown]:
    """Each attachment by its file's name, linked for its declarant (the others open it
    from the request that reached them)."""
    person_id = Access.for_user(reader).person_id
    found = Attachment.objects.filter(pk__in=ids).select_related("declaration")
    return {
        attachment.pk: Shown(
            attachment.original_name,
            reverse("declarations:attachment", args=[attachment.pk])
            if attachment.declaration.declarant_id == person_id
            else "",
        )
        for attachment in found
    }


references.add("attachment", attachments_shown, model="declarations.Attachment")

declarations = audit_actions.actions


def _answer_key(form_field: forms.Field) -> Key:
    choices = (
        {str(value): str(label) for value, label in form_field.choices}
        if isinstance(form_field, forms.ChoiceField)
        and not isinstance(form_field, forms.ModelChoiceField)
        else {}
    )
    return Key(str(form_field.label or ""), choices=choices or None)


# A declaration's answers, by the labels of its kind's form: the event names the kind
# ("kind" beside "details"); for a row written before it did, the first kind to ask.
answers_by_kind: dict[str, dict[str, Key]] = {
    kind.code: {name: _answer_key(field) for name, field in kind.details_form.base_fields.items()}
    for kind in KINDS.values()
}
answers: dict[str, Key] = {}
for kind_answers in answers_by_kind.values():
    for name, key in kind_answers.items():
        answers.setdefault(name, key)
for name, label, how in (
    ("status", "Status", {"choices": dict(Declaration.Status.choices)}),
    ("kind", "Kind", {"choices": dict(kind_choices())}),
    ("setting", "Made at", {"refers_to": "organisation"}),
    ("subjects", "About", {}),
    ("details", "Answers", {"keys": answers, "keys_by": ("kind", answers_by_kind)}),
    ("notes", "Notes", {}),
    ("urgent", "Urgent", {}),
    ("amends", "Amends", {"refers_to": "declaration"}),
    ("version", "Version", {}),
    ("attachment", "Attachment", {"refers_to": "attachment"}),
    ("attachments", "Attachments", {}),
    ("name", "File", {}),
    ("size", "Size in bytes", {}),
):
    keys.add(name, label, group=declarations, **how)
