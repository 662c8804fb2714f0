"""Reading the directory."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404

from contactpolicy.refusals import Refused
from directory.access import POLICY_ROLES, Access
from directory.models import Membership, Organisation, Role

# The one name search, read by the apps above from here.
from directory.search import name_query as name_query

# The roles that report to a line manager; a head or Executive Headteacher answers to
# the chain above them (approvals.routing) instead.
LINE_MANAGED_ROLES = (Role.STAFF, Role.VOLUNTEER)
ABOVE_LINE_MANAGEMENT = (Role.HEAD, Role.EXECUTIVE_HEAD)


def organisations_run_by(*, user: Any) -> QuerySet[Organisation]:
    """Where the person is head, Executive Headteacher or administrator: a trust or
    federation first, as what is set there usually covers its schools."""
    return (
        Access.for_user(user)
        .organisations(*POLICY_ROLES)
        .order_by(F("parent_id").asc(nulls_first=True), "name")
    )


def chosen_organisation(
    organisations: QuerySet[Organisation], value: str | None
) -> Organisation | None:
    """The organisation picked on a report page, among those allowed; the first if none
    was given, and a 404 for one that is not allowed (a refusal on the audit trail of
    that organisation) or not an id."""
    if not value:
        return organisations.first()
    if not (value.isascii() and value.isdigit()):
        raise Http404
    chosen = organisations.filter(pk=int(value)).first()
    if chosen is None:
        other = Organisation.objects.filter(pk=int(value)).first()
        raise Refused(other) if other is not None else Http404
    return chosen


def without_line_manager(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """Of ``memberships``, the current staff and volunteer roles with no line manager,
    of people who are not the head or Executive Headteacher of that organisation."""
    senior = Membership.objects.current().filter(
        person_id=OuterRef("person_id"),
        organisation_id=OuterRef("organisation_id"),
        role__in=ABOVE_LINE_MANAGEMENT,
    )
    return memberships.current().filter(
        ~Exists(senior), role__in=LINE_MANAGED_ROLES, line_manager__isnull=True
    )
