"""The identity writes: the audit rows of sign-in refusals and sign-in method changes."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from contactpolicy.services import audit_event_record
from directory.models import Person
from identity import audit_actions
from identity.rules import organisations_of


@transaction.atomic
def password_sign_in_refused(*, person: Person, request: HttpRequest | None) -> None:
    """A right password refused because the person's organisation signs in with single
    sign-on (or the person may use nothing else)."""
    organisations = [org for org in organisations_of(person) if org.is_setting]
    audit_event_record(
        actor=None,
        action=audit_actions.PASSWORD_REFUSED_SSO_REQUIRED,
        target=person,
        organisation_pk=organisations[0].pk if organisations else None,
        data={"sign_in_method": person.sign_in_method},
        request=request,
    )
