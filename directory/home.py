"""The home page is made of panels that each app contributes (an explicit hook).

An app registers a function in its ``AppConfig.ready``; the function gets the
request and the person's :class:`~directory.access.Access` and returns a
:class:`Panel` or ``None`` when it has nothing for this person. Apps higher up
the layering add their panels here without the directory knowing about them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse

from directory.access import CONFIRMING_ROLES, Access
from directory.models import Membership, Organisation, Person, Role
from directory.selectors import without_line_manager
from directory.services import role_requests_for


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelFunction = Callable[[HttpRequest, Access], Panel | None]
_panels: list[PanelFunction] = []


def register_panel(function: PanelFunction) -> None:
    if function not in _panels:
        _panels.append(function)


def panels_for(request: HttpRequest, access: Access) -> list[Panel]:
    panels = [panel for function in _panels if (panel := function(request, access))]
    return sorted(panels, key=lambda panel: panel.order)


# The administrator's to-do list (#20): each app counts what waits for an administrator
# in its own records, through the same kind of hook, and says where it is resolved.


@dataclass(frozen=True)
class Todo:
    """One line of a to-do list: how many wait, what they are (the words after the
    number, for that number), and the page where they are resolved; how many of them are
    overdue, said in words beside it (never by colour alone), and where those are."""

    count: int
    text: str
    url: str
    order: int = 100
    overdue: int = 0
    overdue_url: str = ""


def plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


# Gets the request and the ids of the organisations the person administers (a trust's
# or federation's with its settings'); returns its lines, a fixed number of queries.
TodoFunction = Callable[[HttpRequest, frozenset[int]], list[Todo]]
_todos: list[TodoFunction] = []


def register_todo(function: TodoFunction) -> None:
    if function not in _todos:
        _todos.append(function)


def todos_for(request: HttpRequest, organisation_ids: frozenset[int]) -> list[Todo]:
    """Every app's lines with something waiting, in their order."""
    todos = [todo for function in _todos for todo in function(request, organisation_ids)]
    return sorted((todo for todo in todos if todo.count), key=lambda todo: todo.order)


def todo_panel(request: HttpRequest, access: Access) -> Panel | None:
    """For an administrator: what waits to be done in their organisations, each count a
    link to where it is done."""
    if not (access.is_superuser or access.has_role(Role.ADMINISTRATOR)):
        return None
    organisation_ids = (
        frozenset(Organisation.objects.values_list("pk", flat=True))
        if access.is_superuser
        else access.organisation_ids(Role.ADMINISTRATOR)
    )
    return Panel(
        title="Your to-do list",
        template="directory/panels/todo.html",
        context={"todos": todos_for(request, organisation_ids)},
        order=2,
    )


def directory_todos(request: HttpRequest, organisation_ids: frozenset[int]) -> list[Todo]:
    """People without a line manager."""
    no_manager = (
        without_line_manager(Membership.objects.filter(organisation_id__in=organisation_ids))
        .values("person_id")
        .distinct()
        .count()
    )
    return [
        Todo(
            no_manager,
            plural(
                no_manager,
                "member of staff or volunteer without a line manager",
                "staff and volunteers without a line manager",
            ),
            f"{reverse('admin:directory_membership_changelist')}?no_line_manager=yes",
            order=20,
        ),
    ]


def roles_panel(request: HttpRequest, access: Access) -> Panel | None:
    """Where the person works, in which roles, and who they report to or manage."""
    memberships = (
        Membership.objects.current()
        .filter(person_id=access.person_id)
        .select_related("organisation", "organisation__parent", "line_manager")
        .order_by("organisation__name", "role")
    )
    managed = (
        Person.objects.filter(pk__in=access.managed_people().values("pk"))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.current().select_related("organisation"),
                to_attr="current_memberships",
            )
        )
        .order_by("family_name", "given_name")
    )
    return Panel(
        title="Your roles",
        template="directory/panels/roles.html",
        context={"places": places_of(memberships), "managed": managed_with_titles(managed)},
        order=10,
    )


@dataclass(frozen=True)
class Place:
    """One organisation where the person works: its name once, their job titles and roles
    there, each once, and who they report to there."""

    organisation: Organisation
    job_titles: list[str]
    roles: list[str]
    line_managers: list[str]


def _once(values) -> list:
    return list(dict.fromkeys(value for value in values if value))


def places_of(memberships) -> list[Place]:
    by_organisation: dict[int, list[Membership]] = {}
    for membership in memberships:
        by_organisation.setdefault(membership.organisation_id, []).append(membership)
    return [
        Place(
            organisation=held[0].organisation,
            job_titles=_once(membership.job_title for membership in held),
            roles=_once(membership.get_role_display() for membership in held),
            line_managers=_once(
                membership.line_manager.get_full_name()
                for membership in held
                if membership.line_manager
            ),
        )
        for held in by_organisation.values()
    ]


def managed_with_titles(people) -> list[tuple[Person, list[str]]]:
    """Each person managed once, with each of their job titles once (#22: a teaching
    assistant in two schools is not "Teaching assistant, Teaching assistant")."""
    return [
        (person, _once(membership.job_title for membership in person.current_memberships))
        for person in people
    ]


def administration_panel(request: HttpRequest, access: Access) -> Panel | None:
    if not (access.is_superuser or access.has_role(Role.ADMINISTRATOR)):
        return None
    return Panel(
        title="Administration",
        template="directory/panels/administration.html",
        context={"organisations": access.organisations(Role.ADMINISTRATOR)},
        order=90,
    )


def role_requests_panel(request: HttpRequest, access: Access) -> Panel | None:
    """For a head or the Executive Headteacher: roles administrators asked to give
    themselves, waiting for confirmation (R37)."""
    if not (access.is_superuser or access.has_role(*CONFIRMING_ROLES)):
        return None
    count = role_requests_for(request.user).count()
    if not count:
        return None
    return Panel(
        title="Roles waiting for your confirmation",
        template="directory/panels/role_requests.html",
        context={"count": count},
        order=5,
    )
