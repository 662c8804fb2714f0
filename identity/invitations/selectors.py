"""Reading who is waiting for an invitation, scoped to the administrator (R35)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from directory.access import Access
from directory.models import Membership, Organisation, Person, Role
from identity import rules
from identity.models import Invitation


def invitation_days() -> datetime.timedelta:
    return datetime.timedelta(days=settings.INVITATION_DAYS)


def invitation_organisations_for(*, user: Any) -> QuerySet[Organisation]:
    """Where the person sends invitations: the organisations they administer (a trust's
    or federation's administrator its settings too), the trust or federation first."""
    return (
        Access.for_user(user)
        .organisations(Role.ADMINISTRATOR)
        .order_by(F("parent_id").asc(nulls_first=True), "name")
    )


def _places(organisation: Organisation) -> Q:
    """An organisation's memberships: its own, and for a trust or federation its
    settings' too."""
    return Q(organisation=organisation) | Q(organisation__parent=organisation)


def _latest(field: str) -> Subquery:
    return Subquery(
        Invitation.objects.filter(person=OuterRef("pk"))
        .order_by("-sent_at", "-pk")
        .values(field)[:1]
    )


def people_not_signed_in(organisation: Organisation) -> QuerySet[Person]:
    """The people with a current role in ``organisation`` (or in one of its settings)
    who have never signed in, each with their latest invitation (``invitation_sent_at``,
    ``invitation_expires``, ``invitation_kind``) and their current roles
    (``current_memberships``, every organisation's, for the sign-in rule)."""
    return (
        Person.objects.filter(
            pk__in=Membership.objects.current().filter(_places(organisation)).values("person_id"),
            last_login__isnull=True,
            is_active=True,
        )
        .annotate(
            invitation_sent_at=_latest("sent_at"),
            invitation_expires=_latest("expires"),
            invitation_kind=_latest("kind"),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.current()
                .select_related("organisation__parent")
                .order_by("organisation__name", "role"),
                to_attr="current_memberships",
            )
        )
        .order_by("family_name", "given_name", "pk")
    )


def not_invited_recently(people: QuerySet[Person], now: datetime.datetime) -> QuerySet[Person]:
    """Those of ``people`` not sent an invitation in the last INVITATION_DAYS."""
    return people.filter(
        Q(invitation_sent_at__isnull=True) | Q(invitation_sent_at__lte=now - invitation_days())
    )


@dataclass(frozen=True)
class HowTheySignIn:
    """How a person waiting for an invitation will sign in, and where they work."""

    single_sign_on: rules.SingleSignOnOnly | None
    works_at: Organisation | None  # their setting inside the organisation, first

    @property
    def can_be_invited(self) -> bool:
        return self.single_sign_on is None or self.single_sign_on.is_set_up

    @property
    def in_words(self) -> str:
        if self.single_sign_on is None:
            return "Chooses a password from the link in the invitation"
        if not self.single_sign_on.is_set_up:
            return (
                f"Single sign-on, not set up yet for {self.single_sign_on.organisation}: "
                "no invitation can be sent until it is"
            )
        return f"Signs in with {' or '.join(self.single_sign_on.provider_names)}"


def how_they_sign_in(
    people: Iterable[Person], organisation: Organisation
) -> dict[int, HowTheySignIn]:
    """For people read with :func:`people_not_signed_in`: how each signs in. One query
    (the SAML services of their organisations), however many people."""
    people = list(people)
    organisations_of: dict[int, list[Organisation]] = {}
    ids: set[int] = set()
    for person in people:
        found: dict[int, Organisation] = {}
        for membership in person.current_memberships:
            place = membership.organisation
            found.setdefault(place.pk, place)
            if place.parent is not None:
                found.setdefault(place.parent.pk, place.parent)
        organisations_of[person.pk] = list(found.values())
        ids |= set(found)
    saml_names = rules.saml_names_of(ids) if ids else {}
    names: dict[int, list[str]] = {}

    def provider_names(place: Organisation) -> list[str]:
        if place.pk not in names:
            names[place.pk] = rules.organisation_provider_names(place, saml_names=saml_names)
        return names[place.pk]

    answers = {}
    for person in people:
        here = [
            membership.organisation
            for membership in person.current_memberships
            if membership.organisation_id == organisation.pk
            or membership.organisation.parent_id == organisation.pk
        ]
        answers[person.pk] = HowTheySignIn(
            single_sign_on=rules.single_sign_on_only(
                person, organisations=organisations_of[person.pk], provider_names=provider_names
            ),
            works_at=next((place for place in here if place.is_setting), here[0] if here else None),
        )
    return answers


def invitation_status(person: Person, now: datetime.datetime | None = None) -> str:
    """The latest invitation of a person read with :func:`people_not_signed_in`, in words."""
    now = now or timezone.now()
    if person.invitation_sent_at is None:
        return "Not sent yet"
    sent = f"Sent {timezone.localtime(person.invitation_sent_at):%-d %B %Y}"
    if person.invitation_kind == Invitation.Kind.SINGLE_SIGN_ON:
        return f"{sent}, with how to sign in"
    expires = timezone.localtime(person.invitation_expires)
    if person.invitation_expires <= now:
        return f"{sent}; the link expired on {expires:%-d %B %Y}"
    return f"{sent}; the link works until {expires:%-d %B %Y}"


def invitations_waiting_count(organisation_ids: Iterable[int]) -> int:
    """How many people of these organisations were invited and have not yet signed in
    (the administrator's to-do list). One query."""
    return (
        Person.objects.filter(
            pk__in=Membership.objects.current()
            .filter(organisation_id__in=list(organisation_ids))
            .values("person_id"),
            last_login__isnull=True,
            is_active=True,
        )
        .filter(pk__in=Invitation.objects.filter(accepted_at__isnull=True).values("person_id"))
        .count()
    )


def never_invited_count(organisation_ids: Iterable[int]) -> int:
    """How many people of these organisations have never signed in and were never sent
    an invitation (the administrator's to-do list). One query."""
    return (
        Person.objects.filter(
            pk__in=Membership.objects.current()
            .filter(organisation_id__in=list(organisation_ids))
            .values("person_id"),
            last_login__isnull=True,
            is_active=True,
        )
        .exclude(pk__in=Invitation.objects.values("person_id"))
        .count()
    )
