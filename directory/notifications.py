"""Emails about accounts and powerful roles (R37), queued with the change.

Each names what changed, who changed it and when, so that a person whose account is
being taken over, and the head who answers for the school, hear of it at once.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from contactpolicy.tasks import enqueue, send_email, site_link
from directory.access import CONFIRMING_ROLES
from directory.models import Membership, Organisation, Person, Role, RoleRequest, SignInMethod

FOOTER = (
    "\n\nIf this was not expected, tell your headteacher or your school's IT support today."
    "\n\nStaff contact register\n"
)


def senior_addresses(organisation: Organisation, *, leaving_out: Person | None = None) -> list:
    """The heads and Executive Headteachers who answer for ``organisation``: its own,
    its trust's or federation's, and, for a trust, those of its schools' heads too."""
    organisations = Q(organisation=organisation)
    if organisation.parent_id:
        organisations |= Q(organisation_id=organisation.parent_id)
    if not organisation.is_setting:
        organisations |= Q(organisation__parent=organisation)
    people = (
        Membership.objects.current()
        .filter(organisations, role__in=CONFIRMING_ROLES)
        .exclude(person=leaving_out)
        .values_list("person__email", flat=True)
        .distinct()
    )
    return sorted(set(people))


def administrators_for(addresses: list[str]) -> list[str]:
    """The administrators of the organisations, and of the trust or federation above,
    where the people at ``addresses`` work: they are told when an email to them could
    not be sent (contactpolicy.tasks, registered in DirectoryConfig.ready)."""
    organisations: set[int] = set()
    worked_in = Membership.objects.current().filter(person__email__in=addresses)
    for organisation_id, parent_id in worked_in.values_list(
        "organisation_id", "organisation__parent_id"
    ):
        organisations |= {organisation_id, parent_id} - {None}
    administrators = (
        Membership.objects.current()
        .filter(role=Role.ADMINISTRATOR, organisation_id__in=organisations, person__is_active=True)
        .exclude(person__email="")
        .values_list("person__email", flat=True)
    )
    return sorted(set(administrators))


def _send(to: list[str], subject: str, body: str) -> None:
    to = sorted({address for address in to if address})
    if to:
        enqueue(send_email, to=to, subject=subject, body=body)


def _tell_their_heads(person: Person, subject: str, body: str) -> None:
    """The heads and Executive Headteacher of each organisation the person works in
    (``subject`` names it in place of ``{}``)."""
    for membership in person.memberships.current().select_related("organisation"):
        _send(
            senior_addresses(membership.organisation, leaving_out=person),
            subject.format(membership.organisation),
            body + FOOTER,
        )


def _when() -> str:
    now = timezone.localtime()
    return f"{now:%-d %B %Y} at {now:%H:%M}"


def email_changed(*, person_pk: int, before: str, actor_name: str, senior: bool) -> None:
    person = Person.objects.get(pk=person_pk)
    body = (
        f"The email address {person.get_full_name()} signs in to the staff contact register "
        f"with was changed on {_when()} by {actor_name}, from {before} to {person.email}. "
        f"Emails from the register now go to the new address."
    )
    # Both addresses: the old one is where the real person still reads their email.
    _send([before, person.email], "Your email address for signing in was changed", body + FOOTER)
    if senior:
        _tell_their_heads(person, "A senior person's email address was changed at {}", body)


def sign_in_method_changed(*, person_pk: int, before: str, actor_name: str) -> None:
    """A senior person's way of signing in changed: they and their heads are told."""
    person = Person.objects.get(pk=person_pk)
    body = (
        f"How {person.get_full_name()} signs in to the staff contact register was changed "
        f"on {_when()} by {actor_name}, from \u201c{SignInMethod(before).label}\u201d to "
        f"\u201c{person.get_sign_in_method_display()}\u201d."
    )
    _send([person.email], "How you sign in was changed", body + FOOTER)
    _tell_their_heads(person, "How a senior person signs in was changed at {}", body)


def sign_in_settings_changed(*, organisation_pk: int, actor_name: str, what: list) -> None:
    organisation = Organisation.objects.get(pk=organisation_pk)
    _send(
        senior_addresses(organisation),
        f"How people sign in at {organisation} was changed",
        f"{actor_name} changed how the people of {organisation} sign in to the staff "
        f"contact register, on {_when()}: {', '.join(what)}. Whoever controls the "
        f"identity provider named there can sign in as the people it names." + FOOTER,
    )


def powerful_role(*, membership_pk: int, actor_name: str, before: str | None) -> None:
    membership = Membership.objects.select_related("person", "organisation").get(pk=membership_pk)
    person, organisation = membership.person, membership.organisation
    now = f"{membership.get_role_display()} at {organisation}"
    if before is None:
        what = f"{person.get_full_name()} was given the role {now}"
    else:
        what = f"{person.get_full_name()}'s role {before} was changed to {now}"
    if membership.ends_on:
        what += f", until {membership.ends_on:%-d %B %Y}"
    body = (
        f"{what}, on {_when()} by {actor_name}. The role sees pupils' files, decides "
        f"declarations or administers the register."
    )
    _send([person.email], "A role was given to you in the staff contact register", body + FOOTER)
    _send(
        senior_addresses(organisation, leaving_out=person),
        f"A role was given at {organisation}",
        body + FOOTER,
    )


def role_requested(*, role_request_pk: int) -> None:
    role_request = RoleRequest.objects.select_related("person", "organisation").get(
        pk=role_request_pk
    )
    person = role_request.person
    _send(
        senior_addresses(role_request.organisation, leaving_out=person),
        f"An administrator asked to give themself a role at {role_request.organisation}",
        f"{person.get_full_name()}, an administrator, asked on {_when()} to give "
        f"themself the role {role_request.get_role_display()} at "
        f"{role_request.organisation}. It waits for a head or the Executive "
        f"Headteacher to confirm it; until then they do not have it.\n\n"
        f"Confirm or refuse it: {site_link(reverse('directory:role_requests'))}" + FOOTER,
    )


def role_decided(*, role_request_pk: int) -> None:
    role_request = RoleRequest.objects.select_related("person", "organisation", "decided_by").get(
        pk=role_request_pk
    )
    verdict = "confirmed" if role_request.status == RoleRequest.Status.CONFIRMED else "refused"
    _send(
        [role_request.person.email],
        f"The role you asked for was {verdict}",
        f"{role_request.decided_by.get_full_name()} {verdict} the role "
        f"{role_request.get_role_display()} at {role_request.organisation} that you asked "
        f"to give yourself." + FOOTER,
    )
