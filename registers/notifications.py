"""Emails about follow-ups, queued after the transaction commits. No subject names a
child; the body links to the app, where the reader's own permissions apply."""

from __future__ import annotations

from django.conf import settings

from contactpolicy.tasks import send_email
from registers.models import DeclarationRound, FollowUp, RoundResponse


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _follow_up(pk: int) -> FollowUp:
    return FollowUp.objects.select_related(
        "declaration", "person", "responsible", "escalated_to"
    ).get(pk=pk)


def _send(person, subject: str, body: str) -> None:
    if person is not None and person.email and person.is_active:
        send_email.enqueue(to=[person.email], subject=subject, body=body)


def due(pk: int) -> None:
    follow_up = _follow_up(pk)
    link = _link(follow_up.get_absolute_url())
    if follow_up.kind == FollowUp.Kind.REVIEW:
        _send(
            follow_up.responsible,
            "A monitoring review is due",
            f"The arrangement {follow_up.person.get_full_name()} declared "
            f"({follow_up.declaration.kind_entry.name.lower()}) is due for review on "
            f"{follow_up.due_on:%-d %B %Y}.\n\nRecord the review: {link}\n",
        )
    else:
        _send(
            follow_up.person,
            "Please confirm you have done what was agreed",
            f"By {follow_up.due_on:%-d %B %Y}: {follow_up.what}\n\nConfirm it here: {link}\n",
        )


def unconfirmed(pk: int) -> None:
    follow_up = _follow_up(pk)
    _send(
        follow_up.escalated_to,
        "An action has not been confirmed in time",
        f"{follow_up.person.get_full_name()} has not confirmed, by "
        f"{follow_up.due_on:%-d %B %Y}, what was required of them "
        f"({follow_up.declaration.kind_entry.name.lower()}).\n\n"
        f"See it here: {_link(follow_up.get_absolute_url())}\n",
    )


def confirmed(pk: int) -> None:
    follow_up = _follow_up(pk)
    _send(
        follow_up.escalated_to or follow_up.responsible,
        "An action has been confirmed",
        f"{follow_up.person.get_full_name()} has confirmed: {follow_up.what}\n\n"
        f"See it here: {_link(follow_up.get_absolute_url())}\n",
    )


def round_opened(pk: int) -> None:
    """Everyone in the round is asked to confirm their declarations (the annual round)."""
    declaration_round = DeclarationRound.objects.select_related("organisation").get(pk=pk)
    for response in declaration_round.responses.select_related("person"):
        _send(
            response.person,
            "Please confirm your declarations are up to date",
            f"{declaration_round.organisation} has opened the {declaration_round.title}. "
            f"By {declaration_round.deadline:%-d %B %Y}, please confirm that your "
            "declarations of contact with pupils and families are up to date, or that you "
            "have nothing to declare.\n\n"
            f"Answer here: {_link(response.get_absolute_url())}\n",
        )


def round_reminder(pk: int) -> None:
    response = RoundResponse.objects.select_related("round", "person").get(pk=pk)
    _send(
        response.person,
        "Reminder: please confirm your declarations",
        f"The {response.round.title} closes on {response.round.deadline:%-d %B %Y} and we "
        "have not had your answer yet.\n\n"
        f"Answer here: {_link(response.get_absolute_url())}\n",
    )


def summary_published(pk: int) -> None:
    """Tell the governors and the Chair a summary is ready: a link, never a figure."""
    from directory.models import Membership, Role
    from registers.models import SummarySnapshot

    snapshot = SummarySnapshot.objects.select_related("organisation").get(pk=pk)
    organisation = snapshot.organisation
    # The governors of the organisation and of the trust or federation above it: the
    # people who can open the link.
    governing = [organisation.pk, *([organisation.parent_id] if organisation.parent_id else [])]
    memberships = (
        Membership.objects.current()
        .filter(role__in=[Role.GOVERNOR, Role.CHAIR], organisation_id__in=governing)
        .select_related("person")
    )
    people = {membership.person_id: membership.person for membership in memberships}
    for person in people.values():
        _send(
            person,
            f"Governors' summary ready: {snapshot.title}",
            f"The governors' summary for {organisation.name}, {snapshot.title}, has been "
            f"published for the board.\n\nRead it or download the PDF here: "
            f"{_link(snapshot.get_absolute_url())}\n\n"
            "It holds only anonymised figures: nobody is named.\n",
        )
