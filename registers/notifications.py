"""Emails about follow-ups, queued in the transaction that causes them. No subject names a
child; the body links to the app, where the reader's own permissions apply."""

from __future__ import annotations

from contactpolicy.tasks import email_person, site_link
from registers.models import DeclarationRound, FollowUp, RoundResponse


def _follow_up(pk: int) -> FollowUp:
    return FollowUp.objects.select_related(
        "declaration", "person", "responsible", "escalated_to"
    ).get(pk=pk)


def due(pk: int) -> None:
    follow_up = _follow_up(pk)
    link = site_link(follow_up.get_absolute_url())
    if follow_up.kind == FollowUp.Kind.REVIEW:
        email_person(
            follow_up.responsible,
            "A monitoring review is due",
            f"The arrangement {follow_up.person.get_full_name()} declared "
            f"({follow_up.declaration.kind_entry.name.lower()}) is due for review on "
            f"{follow_up.due_on:%-d %B %Y}.\n\nRecord the review: {link}\n",
        )
    else:
        email_person(
            follow_up.person,
            "Please confirm you have done what was agreed",
            f"By {follow_up.due_on:%-d %B %Y}: {follow_up.what}\n\nConfirm it here: {link}\n",
        )


def unconfirmed(pk: int) -> None:
    follow_up = _follow_up(pk)
    email_person(
        follow_up.escalated_to,
        "An action has not been confirmed in time",
        f"{follow_up.person.get_full_name()} has not confirmed, by "
        f"{follow_up.due_on:%-d %B %Y}, what was required of them "
        f"({follow_up.declaration.kind_entry.name.lower()}).\n\n"
        f"See it here: {site_link(follow_up.get_absolute_url())}\n",
    )


def confirmed(pk: int) -> None:
    follow_up = _follow_up(pk)
    email_person(
        follow_up.escalated_to or follow_up.responsible,
        "An action has been confirmed",
        f"{follow_up.person.get_full_name()} has confirmed: {follow_up.what}\n\n"
        f"See it here: {site_link(follow_up.get_absolute_url())}\n",
    )


def round_opened(pk: int) -> None:
    """Everyone in the round is asked to confirm their declarations (the annual round)."""
    declaration_round = DeclarationRound.objects.select_related("organisation").get(pk=pk)
    for response in declaration_round.responses.select_related("person"):
        email_person(
            response.person,
            "Please confirm your declarations are up to date",
            f"{declaration_round.organisation} has opened the {declaration_round.title}. "
            f"By {declaration_round.deadline:%-d %B %Y}, please confirm that your "
            "declarations of contact with pupils and families are up to date, or that you "
            "have nothing to declare.\n\n"
            f"Answer here: {site_link(response.get_absolute_url())}\n",
        )


def round_reminder(pk: int) -> None:
    response = RoundResponse.objects.select_related("round", "person").get(pk=pk)
    email_person(
        response.person,
        "Reminder: please confirm your declarations",
        f"The {response.round.title} closes on {response.round.deadline:%-d %B %Y} and we "
        "have not had your answer yet.\n\n"
        f"Answer here: {site_link(response.get_absolute_url())}\n",
    )
