"""Writes to the directory's own records: the school calendar (R39), and the changes to
accounts and powerful roles that must be audited and told (R37)."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from contactpolicy import workflow
from contactpolicy.services import audit_event_record
from directory import notifications
from directory.access import CONFIRMING_ROLES, POWERFUL_ROLES, Access
from directory.audit_actions import (
    EMAIL_CHANGED,
    MEMBERSHIP_CHANGED,
    MEMBERSHIP_CREATED,
    POWERFUL_ROLE_CHANGED,
    POWERFUL_ROLE_GRANTED,
    ROLE_CONFIRMED,
    ROLE_REFUSED,
    ROLE_REQUESTED,
    SESSIONS_ENDED,
)
from directory.exceptions import RoleRequestError
from directory.models import Membership, Organisation, Person, Role, RoleRequest

# Accounts and powerful roles ---------------------------------------------------------


@dataclass(frozen=True)
class RoleHeld:
    """What a membership says, before or after a change: enough to tell a role given,
    changed or lost."""

    role: str
    organisation_id: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    job_title: str = ""
    person_id: int | None = None

    @classmethod
    def of(cls, membership: Membership) -> RoleHeld:
        return cls(
            person_id=membership.person_id,
            role=membership.role,
            organisation_id=membership.organisation_id,
            starts_on=membership.starts_on,
            ends_on=membership.ends_on,
            job_title=membership.job_title,
        )

    @property
    def powerful(self) -> bool:
        return self.role in POWERFUL_ROLES

    def current(self, on: datetime.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)

    def describe(self) -> str:
        organisation = Organisation.objects.filter(pk=self.organisation_id).first()
        return f"{Role(self.role).label} at {organisation}"

    def for_audit(self) -> dict:
        held = asdict(self)
        return {
            key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in held.items()
        }


def grants_power(before: RoleHeld | None, after: RoleHeld) -> bool:
    """Whether the change gives a role that sees pupil files, decides or administers:
    a new one, another role or organisation, or a longer time to hold it."""
    if not after.powerful:
        return False
    if before is None or (before.person_id, before.role, before.organisation_id) != (
        after.person_id,
        after.role,
        after.organisation_id,
    ):
        return True
    later = datetime.date.max
    return (after.ends_on or later) > (before.ends_on or later) or after.starts_on < (
        before.starts_on
    )


def needs_confirmation(actor: Person, person: Person, before: RoleHeld | None, after: RoleHeld):
    """An administrator giving themself a powerful role waits for a head or the
    Executive Headteacher (the service's operators excepted)."""
    return actor.pk == person.pk and not actor.is_superuser and grants_power(before, after)


def sessions_end(*, person: Person, actor: Person | None, reason: str, request=None) -> None:
    """End every session of ``person`` at once: the next request of each signs out."""
    Person.objects.filter(pk=person.pk).update(session_version=F("session_version") + 1)
    person.refresh_from_db(fields=["session_version"])
    audit_event_record(
        actor=actor, action=SESSIONS_ENDED, target=person, data={"reason": reason}, request=request
    )


def is_senior(person: Person) -> bool:
    return person.memberships.current().filter(role__in=POWERFUL_ROLES).exists()


def person_email_changed(*, actor: Person, person: Person, before: str, request=None) -> None:
    """Record an email address an administrator changed in the directory (people never
    change their own): audited with both addresses, allauth's record of addresses
    follows (so neither sign-in nor a password reset reaches the old one), and both
    addresses are told, and the heads too when the person holds a powerful role."""
    EmailAddress.objects.filter(user=person).exclude(email__iexact=person.email).delete()
    senior = is_senior(person)
    audit_event_record(
        actor=actor,
        action=EMAIL_CHANGED,
        target=person,
        data={"before": before, "after": person.email, "senior": senior},
        request=request,
    )
    actor_name = actor.get_full_name()
    notifications.email_changed(
        person_pk=person.pk, before=before, actor_name=actor_name, senior=senior
    )


def person_sign_in_method_changed(*, actor: Person, person: Person, before: str) -> None:
    """After an administrator changed how a person signs in (audited with before and
    after by the administration screens): a senior person and their heads are told."""
    if not is_senior(person):
        return
    actor_name = actor.get_full_name()
    notifications.sign_in_method_changed(person_pk=person.pk, before=before, actor_name=actor_name)


def organisation_sign_in_changed(*, actor: Person, organisation: Organisation, what: list) -> None:
    """How an organisation's people sign in changed (its tenant, domain, SAML service,
    single sign-on or second-factor rules; audited with before and after by the
    administration screens): its heads and Executive Headteacher are told at once, so
    that an identity provider put in by someone else does not go unnoticed."""
    actor_name = actor.get_full_name()
    notifications.sign_in_settings_changed(
        organisation_pk=organisation.pk, actor_name=actor_name, what=what
    )


def membership_changed(
    *, actor: Person, membership: Membership, before: RoleHeld | None, request=None
) -> None:
    """After a membership was added or changed (in the administration screens): a
    powerful role given or changed is audited with before and after and told to the
    person and their heads; a role lost ends the person's sessions."""
    after = RoleHeld.of(membership)
    today = timezone.localdate()
    if (after.powerful or (before is not None and before.powerful)) and before != after:
        audit_event_record(
            actor=actor,
            action=POWERFUL_ROLE_GRANTED if grants_power(before, after) else POWERFUL_ROLE_CHANGED,
            target=membership,
            data={"before": before.for_audit() if before else None, "after": after.for_audit()},
            request=request,
        )
        described = before.describe() if before else None
        actor_name = actor.get_full_name()
        notifications.powerful_role(
            membership_pk=membership.pk, actor_name=actor_name, before=described
        )
    lost = before is not None and (
        (before.person_id, before.role, before.organisation_id)
        != (after.person_id, after.role, after.organisation_id)
        or (before.current(today) and not after.current(today))
    )
    if lost:
        sessions_end(
            person=Person.objects.get(pk=before.person_id)
            if before.person_id
            else membership.person,
            actor=actor,
            reason=f"No longer {before.describe()}",
            request=request,
        )


@transaction.atomic
def role_request_make(
    *,
    actor: Person,
    after: RoleHeld,
    line_manager: Person | None = None,
    membership: Membership | None = None,
    request=None,
) -> RoleRequest:
    """An administrator's request to give themself a powerful role, waiting for a head
    or the Executive Headteacher, who are told. Asked again while the first still waits,
    nothing new is made and nobody is told twice; the second try is audited."""
    waiting = RoleRequest.objects.filter(
        person=actor,
        organisation_id=after.organisation_id,
        role=after.role,
        status=RoleRequest.Status.WAITING,
    ).first()
    if waiting is not None:
        audit_event_record(
            actor=actor,
            action=ROLE_REQUESTED,
            target=waiting,
            data={"again": True, "after": after.for_audit()},
            request=request,
        )
        waiting.asked_again = True
        return waiting
    role_request = RoleRequest.objects.create(
        person=actor,
        organisation_id=after.organisation_id,
        role=after.role,
        job_title=after.job_title,
        line_manager=line_manager,
        starts_on=after.starts_on,
        ends_on=after.ends_on,
        membership=membership,
        requested_by=actor,
    )
    audit_event_record(
        actor=actor,
        action=ROLE_REQUESTED,
        target=role_request,
        data={
            "before": RoleHeld.of(membership).for_audit() if membership else None,
            "after": after.for_audit(),
        },
        request=request,
    )
    notifications.role_requested(role_request_pk=role_request.pk)
    return role_request


def may_confirm(person: Person, role_request: RoleRequest) -> bool:
    if person.pk == role_request.person_id:
        return False
    return Access.for_user(person).acts_as(
        *CONFIRMING_ROLES, organisation=role_request.organisation_id
    )


def role_requests_for(person: Person) -> QuerySet[RoleRequest]:
    """The requests waiting for this person: in the organisations where they are head
    or Executive Headteacher, never their own."""
    access = Access.for_user(person)
    waiting = RoleRequest.objects.filter(status=RoleRequest.Status.WAITING).exclude(person=person)
    if not access.is_superuser:
        waiting = waiting.filter(organisation_id__in=access.organisation_ids(*CONFIRMING_ROLES))
    return waiting.select_related("person", "organisation", "membership")


@workflow.atomic
def role_request_decide(
    *, actor: Person, role_request: RoleRequest, confirm: bool, request=None
) -> RoleRequest:
    """A head or the Executive Headteacher confirms or refuses a role an administrator
    asked to give themself. Confirmed, the role is given (or the membership changed)."""
    role_request = RoleRequest.objects.select_for_update().get(pk=role_request.pk)
    if not may_confirm(actor, role_request):
        raise RoleRequestError(
            "Only a head or the Executive Headteacher of that organisation, other than "
            "the person asking, can confirm or refuse this role."
        )
    status = RoleRequest.Status.CONFIRMED if confirm else RoleRequest.Status.REFUSED
    workflow.transition(role_request, status, actor=actor)
    role_request.decided_by = actor
    role_request.decided_at = timezone.now()
    role_request.save()
    audit_event_record(
        actor=actor,
        action=ROLE_CONFIRMED if confirm else ROLE_REFUSED,
        target=role_request,
        data={"person": role_request.person_id, "role": role_request.role},
        request=request,
    )
    if confirm:
        membership = role_request.membership
        if membership is not None and membership.person_id != role_request.person_id:
            raise RoleRequestError(
                "This request would change someone else's role; it cannot be confirmed."
            )
        before = RoleHeld.of(membership) if membership else None
        if membership is None:
            membership = Membership(person=role_request.person)
        membership.organisation_id = role_request.organisation_id
        membership.role = role_request.role
        membership.job_title = role_request.job_title
        membership.line_manager = role_request.line_manager
        membership.starts_on = role_request.starts_on
        membership.ends_on = role_request.ends_on
        membership.full_clean()
        membership.save()
        membership_changed(actor=actor, membership=membership, before=before, request=request)
    notifications.role_decided(role_request_pk=role_request.pk)
    return role_request


# Bulk changes from the administration screens (#20) ----------------------------------


@dataclass
class BulkOutcome:
    """What a bulk change did: each membership changed or added, each waiting for a
    head's confirmation (R37), and each left alone with the reason why."""

    changed: list[Membership]
    waiting: list[Membership]
    refused: list[tuple[str, str]]  # (who or what, why)

    @classmethod
    def empty(cls) -> BulkOutcome:
        return cls(changed=[], waiting=[], refused=[])


def administers(actor: Person, organisation_id: int) -> bool:
    return Access.for_user(actor).acts_as(Role.ADMINISTRATOR, organisation=organisation_id)


def _line_manager_refusal(actor: Person, membership: Membership, line_manager: Person) -> str:
    if line_manager.pk == membership.person_id:
        return "nobody can be their own line manager"
    ids = Access.for_user(actor).organisation_ids(Role.ADMINISTRATOR)
    if (
        not actor.is_superuser
        and not line_manager.memberships.filter(organisation_id__in=ids).exists()
    ):
        return f"{line_manager.get_full_name()} does not work in an organisation you administer"
    return ""


def _membership_save(
    *,
    actor: Person,
    membership: Membership,
    before: RoleHeld | None,
    fields: dict,
    outcome: BulkOutcome,
    who: str,
    request=None,
) -> None:
    """Save one membership of a bulk change as the administration screens save one: a
    powerful role an administrator gives themself waits for a head or the Executive
    Headteacher; otherwise saved, audited with before and after, and told (R37)."""
    try:
        membership.full_clean()
    except ValidationError as error:
        outcome.refused.append((who, " ".join(error.messages)))
        return
    after = RoleHeld.of(membership)
    if needs_confirmation(actor, membership.person, before, after):
        role_request = role_request_make(
            actor=actor,
            after=after,
            line_manager=membership.line_manager,
            membership=Membership.objects.get(pk=membership.pk) if membership.pk else None,
            request=request,
        )
        membership.asked_again = getattr(role_request, "asked_again", False)
        outcome.waiting.append(membership)
        return
    created = membership.pk is None
    membership.save()
    audit_event_record(
        actor=actor,
        action=MEMBERSHIP_CREATED if created else MEMBERSHIP_CHANGED,
        target=membership,
        data={
            "fields": list(fields),
            "before": {name: value[0] for name, value in fields.items()},
            "after": {name: value[1] for name, value in fields.items()},
            "bulk": True,
        },
        request=request,
    )
    membership_changed(actor=actor, membership=membership, before=before, request=request)
    outcome.changed.append(membership)


@transaction.atomic
def memberships_change(
    *,
    actor: Person,
    memberships: QuerySet[Membership],
    line_manager: Person | None = None,
    role: str | None = None,
    request=None,
) -> BulkOutcome:
    """Give each of ``memberships`` a new line manager or a new role (a bulk action of
    the administration screens), each change as if made on its own page: audited, told,
    and never a way round the confirmation a powerful role needs (R37)."""
    outcome = BulkOutcome.empty()
    chosen = memberships.select_related("person", "organisation").select_for_update(of=("self",))
    for membership in chosen.order_by("pk"):
        who = str(membership)
        if not administers(actor, membership.organisation_id):
            outcome.refused.append((who, "you do not administer this organisation"))
            continue
        before = RoleHeld.of(membership)
        fields = {}
        if line_manager is not None:
            if refusal := _line_manager_refusal(actor, membership, line_manager):
                outcome.refused.append((who, refusal))
                continue
            if membership.line_manager_id == line_manager.pk:
                continue
            fields["line_manager"] = (membership.line_manager_id, line_manager.pk)
            membership.line_manager = line_manager
        if role is not None and role != membership.role:
            if (
                Membership.objects.filter(
                    person_id=membership.person_id,
                    organisation_id=membership.organisation_id,
                    role=role,
                )
                .exclude(pk=membership.pk)
                .exists()
            ):
                outcome.refused.append(
                    (who, f"they already hold the role {Role(role).label} there")
                )
                continue
            fields["role"] = (membership.role, role)
            membership.role = role
        if fields:
            _membership_save(
                actor=actor,
                membership=membership,
                before=before,
                fields=fields,
                outcome=outcome,
                who=who,
                request=request,
            )
    return outcome


@transaction.atomic
def people_role_give(
    *,
    actor: Person,
    people: QuerySet[Person],
    organisation: Organisation,
    role: str,
    starts_on: datetime.date,
    job_title: str = "",
    line_manager: Person | None = None,
    request=None,
) -> BulkOutcome:
    """Give each of ``people`` a role in ``organisation`` (a bulk action of the
    administration screens), as if added one at a time: audited and told, and a powerful
    role an administrator gives themself waits for confirmation (R37)."""
    if not administers(actor, organisation.pk):
        raise RoleRequestError("You can only give roles in an organisation you administer.")
    outcome = BulkOutcome.empty()
    held = set(
        Membership.objects.filter(
            person__in=people, organisation=organisation, role=role
        ).values_list("person_id", flat=True)
    )
    for person in people.order_by("family_name", "given_name", "pk"):
        who = person.get_full_name()
        if person.pk in held:
            outcome.refused.append((who, f"they already hold the role {Role(role).label} there"))
            continue
        membership = Membership(
            person=person,
            organisation=organisation,
            role=role,
            job_title=job_title,
            starts_on=starts_on,
        )
        if line_manager is not None:
            if refusal := _line_manager_refusal(actor, membership, line_manager):
                outcome.refused.append((who, refusal))
                continue
            membership.line_manager = line_manager
        _membership_save(
            actor=actor,
            membership=membership,
            before=None,
            fields={
                "organisation": (None, organisation.pk),
                "role": (None, role),
                "job_title": (None, job_title),
                "line_manager": (None, line_manager.pk if line_manager else None),
                "starts_on": (None, starts_on.isoformat()),
            },
            outcome=outcome,
            who=who,
            request=request,
        )
    return outcome
