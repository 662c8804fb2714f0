"""Emails about the governors' summaries, queued after the transaction commits."""

from __future__ import annotations

from contactpolicy.tasks import email_person, site_link
from directory.models import Membership, Role
from oversight.models import SummarySnapshot


def summary_published(pk: int) -> None:
    """Tell the governors and the Chair a summary is ready: a link, never a figure."""
    snapshot = SummarySnapshot.objects.select_related("organisation").get(pk=pk)
    organisation = snapshot.organisation
    # The governors of the organisation and of the trust or federation above it: the
    # people who can open the link.
    governing = [organisation.pk, *([organisation.parent_id] if organisation.parent_id else [])]
    memberships = (
        Membership.objects.current()
        .filter(
            role__in=[Role.GOVERNOR, Role.CHAIR, Role.VICE_CHAIR], organisation_id__in=governing
        )
        .select_related("person")
    )
    people = {membership.person_id: membership.person for membership in memberships}
    for person in people.values():
        email_person(
            person,
            f"Governors' summary ready: {snapshot.title}",
            f"The governors' summary for {organisation.name}, {snapshot.title}, has been "
            f"published for the board.\n\nRead it or download the PDF here: "
            f"{site_link(snapshot.get_absolute_url())}\n\n"
            "It holds only anonymised figures: nobody is named.\n",
        )
