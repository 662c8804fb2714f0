"""Sending the invitations when an organisation goes live, and using the link in one
(#20, R36, R38).

An administrator of the organisation (or of its trust or federation) sends them from
the "Going live" page: to everyone there who has never signed in and was not sent one
in the last INVITATION_DAYS, or again to one person. Each gets the product's own email,
queued in the transaction that records it: a link to set a password, which works once
and expires, or, for someone who must sign in with their school's single sign-on
(``identity.rules``), the address of the sign-in page and the name of the
button to press, and no link. One audit row per sending, with its counts; never a token.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from contactpolicy.services import audit_event_record
from contactpolicy.tasks import enqueue, send_email, site_link
from directory.access import Access
from directory.models import Membership, Organisation, Person, Role
from identity.audit_actions import INVITATION_ACCEPTED, INVITATION_ASKED_AGAIN, INVITATIONS_SENT
from identity.exceptions import InvitationError
from identity.invitations.selectors import (
    HowTheySignIn,
    how_they_sign_in,
    invitation_days,
    not_invited_recently,
    people_not_signed_in,
)
from identity.invitations.tokens import invitation_tokens
from identity.models import Invitation

SUBJECT = "Your account on the staff contact register"


@dataclass
class Sent:
    """What one sending did: how many of each kind of email, and who could not be sent
    one because their organisation's single sign-on is not set up yet."""

    password_links: int = 0
    single_sign_on: int = 0
    not_set_up: list[Person] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.password_links + self.single_sign_on


@transaction.atomic
def invitations_send(
    *,
    actor: Person,
    organisation: Organisation,
    person_ids: list[int] | None = None,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Sent:
    """Send the invitations of ``organisation``: to the people of ``person_ids`` ("send
    again"), or, without them, to everyone there who has never signed in and was not
    invited in the last INVITATION_DAYS. Raises ``InvitationError`` for an actor who
    does not administer it, or a person who is not waiting for an invitation there."""
    if not Access.for_user(actor).acts_as(Role.ADMINISTRATOR, organisation=organisation):
        raise InvitationError(
            f"Only an administrator of {organisation} sends invitations to its people."
        )
    # One sending at a time for an organisation: two administrators pressing "send to
    # everyone" together send each email once.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    now = now or timezone.now()
    people = people_not_signed_in(organisation)
    if person_ids is None:
        people = list(not_invited_recently(people, now))
    else:
        wanted = set(person_ids)
        people = list(people.filter(pk__in=wanted))
        if len(people) != len(wanted):
            raise InvitationError(
                "That person is not waiting for an invitation here: they may have signed "
                "in since the page was shown. Nothing was sent."
            )
    how = how_they_sign_in(people, organisation)
    sent = _send(people, organisation=organisation, sent_by=actor, now=now, how=how)
    target: Any = people[0] if person_ids is not None and len(people) == 1 else organisation
    audit_event_record(
        actor=actor,
        action=INVITATIONS_SENT,
        target=target,
        organisation_pk=organisation.pk,
        data={
            "organisation": str(organisation),
            "to": "chosen people" if person_ids is not None else "everyone not yet invited",
            "password_links": sent.password_links,
            "single_sign_on": sent.single_sign_on,
            "not_sent_single_sign_on_not_set_up": len(sent.not_set_up),
        },
        request=request,
    )
    return sent


def _send(
    people: list[Person],
    *,
    organisation: Organisation,
    sent_by: Person | None,
    now: datetime.datetime,
    how: dict[int, HowTheySignIn],
) -> Sent:
    """Record an invitation for each of ``people`` and queue its email."""
    sent = Sent()
    invitations = []
    for person in people:
        if not how[person.pk].can_be_invited:
            sent.not_set_up.append(person)
            continue
        password = how[person.pk].single_sign_on is None
        invitations.append(
            Invitation(
                person=person,
                organisation=organisation,
                kind=Invitation.Kind.PASSWORD if password else Invitation.Kind.SINGLE_SIGN_ON,
                sent_by=sent_by,
                sent_at=now,
                expires=now + invitation_days() if password else None,
            )
        )
    for invitation in Invitation.objects.bulk_create(invitations):
        person = invitation.person
        enqueue(
            send_email,
            to=[person.email],
            subject=SUBJECT,
            body=invitation_email(invitation, how[person.pk], sent_by=sent_by),
        )
        if invitation.kind == Invitation.Kind.PASSWORD:
            sent.password_links += 1
        else:
            sent.single_sign_on += 1
    return sent


def invitation_link(invitation: Invitation) -> str:
    """The full address of an invitation's page, with its token."""
    token = invitation_tokens.make_token(invitation)
    return site_link(reverse("invitations:accept", kwargs={"pk": invitation.pk, "token": token}))


def invitation_email(
    invitation: Invitation, how: HowTheySignIn, *, sent_by: Person | None = None
) -> str:
    """The invitation's email, in the product's words: never a child's details."""
    person = invitation.person
    single_sign_on = how.single_sign_on
    context = {
        "person": person,
        "organisation": how.works_at or invitation.organisation,
        "sent_by": sent_by,
        "sign_in_url": site_link(reverse("account_login")),
    }
    if single_sign_on is not None:
        context.update(
            providers=" or ".join(single_sign_on.provider_names),
            buttons=single_sign_on.buttons(),
        )
        return render_to_string("identity/email/invitation_single_sign_on.txt", context)
    context.update(
        link=invitation_link(invitation),
        expires=timezone.localtime(invitation.expires),
    )
    return render_to_string("identity/email/invitation_password.txt", context)


# Using the link -------------------------------------------------------------------------


class LinkState(StrEnum):
    """What a link in an invitation can do, as its page says it."""

    OPEN = "open"  # set a password now
    NOT_RIGHT = "not_right"  # not a link this site made (or copied in part)
    USED = "used"  # the password was set from it, or the person has signed in
    REPLACED = "replaced"  # a newer invitation was sent
    EXPIRED = "expired"  # too old: a new one can be asked for
    NOT_NEEDED = "not_needed"  # the person no longer works here or cannot sign in


def invitation_for_link(pk: int, token: str) -> Invitation | None:
    """The invitation a link names, if its token was made for it (else ``None``)."""
    invitation = (
        Invitation.objects.select_related("person", "organisation")
        .filter(pk=pk, kind=Invitation.Kind.PASSWORD)
        .first()
    )
    return invitation if invitation_tokens.check_token(invitation, token) else None


def link_state(invitation: Invitation | None, now: datetime.datetime | None = None) -> LinkState:
    if invitation is None:
        return LinkState.NOT_RIGHT
    person = invitation.person
    if invitation.accepted_at is not None or person.last_login is not None:
        return LinkState.USED
    if not person.is_active or not Membership.objects.current().filter(person=person).exists():
        return LinkState.NOT_NEEDED
    if Invitation.objects.filter(person=person, pk__gt=invitation.pk).exists():
        return LinkState.REPLACED
    if invitation.has_expired(now):
        return LinkState.EXPIRED
    return LinkState.OPEN


def _locked(invitation: Invitation) -> Invitation:
    """The invitation read again under a lock, with its person: two tabs posting the
    same link at once use it once."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    locked.person = Person.objects.select_for_update().get(pk=invitation.person_id)
    return locked


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    password: str,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Person:
    """Set the person's password from their invitation's link, which then works no
    more. ``InvitationError`` when the link cannot be used (its page says why)."""
    now = now or timezone.now()
    invitation = _locked(invitation)
    state = link_state(invitation, now)
    if state != LinkState.OPEN:
        raise InvitationError(LINK_MESSAGES[state])
    person = invitation.person
    validate_password(password, user=person)
    person.set_password(password)
    person.save(update_fields=["password"])
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    audit_event_record(
        actor=person,
        action=INVITATION_ACCEPTED,
        target=person,
        organisation_pk=invitation.organisation_id,
        data={"organisation": str(invitation.organisation), "how": "password set"},
        request=request,
    )
    return person


@transaction.atomic
def invitation_ask_again(
    *,
    invitation: Invitation,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Invitation:
    """From the page of an expired link: a new invitation to the same address. Only
    from the latest invitation, once it has expired, so at most one a period."""
    now = now or timezone.now()
    invitation = _locked(invitation)
    state = link_state(invitation, now)
    if state != LinkState.EXPIRED:
        raise InvitationError(LINK_MESSAGES[state])
    organisation = invitation.organisation
    people = list(people_not_signed_in(organisation).filter(pk=invitation.person_id))
    if not people:
        raise InvitationError(LINK_MESSAGES[LinkState.NOT_NEEDED])
    sent = _send(
        people,
        organisation=organisation,
        sent_by=None,
        now=now,
        how=how_they_sign_in(people, organisation),
    )
    if not sent.total:
        raise InvitationError(LINK_MESSAGES[LinkState.NOT_NEEDED])
    audit_event_record(
        actor=None,
        action=INVITATION_ASKED_AGAIN,
        target=invitation.person,
        organisation_pk=organisation.pk,
        data={
            "organisation": str(organisation),
            "password_links": sent.password_links,
            "single_sign_on": sent.single_sign_on,
        },
        request=request,
    )
    return Invitation.objects.filter(person=invitation.person).latest("pk")


def invitations_accepted_on_sign_in(
    *, person: Person, how: str, request: HttpRequest | None = None
) -> int:
    """A person who signs in (with single sign-on, or a password chosen some other way)
    has accepted their invitations. Called after every sign-in: one query when there
    is nothing to accept."""
    now = timezone.now()
    open_invitations = Invitation.objects.filter(person=person, accepted_at__isnull=True)
    organisation_ids = list(open_invitations.values_list("organisation_id", flat=True))
    if not organisation_ids:
        return 0
    with transaction.atomic():
        accepted = open_invitations.update(accepted_at=now)
        audit_event_record(
            actor=person,
            action=INVITATION_ACCEPTED,
            target=person,
            organisation_pk=organisation_ids[0],
            data={"how": how, "invitations": accepted},
            request=request,
        )
    return accepted


LINK_MESSAGES = {
    LinkState.NOT_RIGHT: (
        "This link does not work. Check that you opened the whole link from the email: "
        "some email programs break long links in two."
    ),
    LinkState.USED: (
        "This invitation has been used already: your account is set up. Sign in with your "
        "email address and the password you chose."
    ),
    LinkState.REPLACED: (
        "A newer invitation has been sent to you since this one: use the link in the most "
        "recent email, which replaces this one."
    ),
    LinkState.EXPIRED: "This invitation has expired: its link worked for a limited time only.",
    LinkState.NOT_NEEDED: (
        "This account cannot be set up from this link any more. Ask your school's administrator."
    ),
}
