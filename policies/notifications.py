"""Emails about the policy, queued in the transaction that causes them."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from contactpolicy.tasks import enqueue, send_email, site_link
from directory.models import Membership, Role
from policies.models import PolicyVersion
from policies.selectors import people_asked


def version_published(pk: int) -> None:
    """Ask everyone the new version applies to to read and acknowledge it (R30)."""
    version = PolicyVersion.objects.select_related("organisation").get(pk=pk)
    link = site_link(reverse("policies:acknowledge"))
    for email in people_asked(version).exclude(email="").values_list("email", flat=True):
        enqueue(
            send_email,
            to=[email],
            subject="Please read and acknowledge the updated policy",
            body=(
                f"{version.organisation} has adopted a new version of "
                f'"{version.title}" (version {version.number}, adopted '
                f"{version.adopted_on:%-d %B %Y}).\n\n"
                f"Please read it and acknowledge it, with the confidentiality agreement: "
                f"{link}\n"
            ),
        )


def review_due(pk: int) -> None:
    """Tell the administrators and head that the policy is due for review (R29)."""
    version = PolicyVersion.objects.select_related("organisation").get(pk=pk)
    roles = [Role.ADMINISTRATOR, Role.HEAD, Role.EXECUTIVE_HEAD]
    where = Q(organisation=version.organisation)
    if version.organisation.parent_id:  # a school's policy: the federation's people too
        where |= Q(organisation_id=version.organisation.parent_id)
    emails = set(
        Membership.objects.current()
        .filter(where, role__in=roles, person__is_active=True)
        .exclude(person__email="")
        .values_list("person__email", flat=True)
    )
    for email in sorted(emails):
        enqueue(
            send_email,
            to=[email],
            subject="A policy is due for review",
            body=(
                f'"{version.title}" (version {version.number}) for {version.organisation} '
                f"is due for review on {version.next_review_on:%-d %B %Y}.\n\n"
                f"When the reviewed policy is adopted, publish it as a new version: "
                f"{site_link(reverse('policies:version_new'))}\n"
            ),
        )
