"""A school's MIS through Wonde (R38, #20): the client of Wonde's published API and the
adapter that turns its answers into the canonical tables (:mod:`onboarding.imports.sources`).

Wonde's School Data Sync API (https://docs.wonde.com/docs/api/sync), as used here:

* ``GET {WONDE_API_URL}/schools/{school_id}/{endpoint}``, with the school's access token
  as a bearer token, for ``students``, ``students-leaver`` (who has left), ``contacts``
  and ``employees``; ``GET .../schools/{school_id}`` for the school itself.
* ``include=`` adds related objects, each wrapped as ``{"data": ...}``; a dotted name
  includes inside an include (``students.education_details``). Only what the register
  keeps is asked for (no addresses, medical or SEN details).
* ``updated_after=YYYY-MM-DD HH:MM:SS`` (UTC) limits the answer to what changed since;
  ``per_page`` (at most 200) sets the page size, and each page's
  ``meta.pagination.next`` is the address of the next page (null, ``more`` false, on the
  last one). A ``next`` that leads anywhere but Wonde is refused: the token goes with it.
* Dates are objects: ``{"date": "2013-04-01 00:00:00.000000", "timezone_type": 3,
  "timezone": "Europe/London"}``; a date of birth is the date as written, never moved
  to another timezone (midnight in London is the evening before in UTC).
* 401 is a token that is wrong or revoked; 403 one the school has not approved (or has
  withdrawn) for this data; 404 a school Wonde does not know for this token.

The token is only ever in the ``Authorization`` header: never in an address, a log line,
an exception or the audit trail, and the client's ``repr`` leaves it out.

Which field holds what (the register's column <- Wonde's):

* pupils: reference <- ``education_details.admission_number`` (else ``mis_id``); upn <-
  ``education_details.upn``; legal names <- ``legal_forename``/``legal_surname`` (else
  the names used); preferred names <- ``forename``/``surname`` where they differ;
  year_group <- ``year.code``; class_name <- ``registration.name`` (else the one class);
  a pupil of ``students-leaver`` is "left" on ``education_details.leaving_date``, to
  ``education_details.destination``.
* families: one row per contact (and per relationship, if it differs between the
  children), reference <- ``mis_id`` (else Wonde's id); relationship and parental
  responsibility from the contact's ``relationship`` for each of its ``students``, who
  are named by their references; email and telephone from ``contact_details``.
* staff: email <- ``contact_details.emails`` (work first); names; job title, start and
  end <- ``employment_details``; reference <- ``mis_id``; role, line manager (and a job
  title Wonde does not give): as the register already holds them at the organisation,
  else "staff" and none (Wonde does not say who is the head, nor who manages whom).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import tablib
from django.conf import settings

from directory.models import FamilyLink, Membership, Role, YearGroup
from onboarding.imports import values as read
from onboarding.imports.sources import Progress, SourceError, dataset_for

if TYPE_CHECKING:
    from directory.models import Organisation

logger = logging.getLogger(__name__)

STUDENT_INCLUDES = ("education_details", "year", "registration", "classes")
CONTACT_INCLUDES = ("contact_details", "students", "students.education_details")
EMPLOYEE_INCLUDES = ("contact_details", "employment_details")
# A school with more pages than this of one kind is an answer going round in circles.
MOST_PAGES = 5000


# Errors ----------------------------------------------------------------------------------


class WondeError(SourceError):
    """Wonde could not give the school's data; the message says why, in plain words."""


class WondeTokenRefused(WondeError):
    """401 or 403: the token is wrong, revoked, or not approved for this data."""


class WondeSchoolNotFound(WondeError):
    """404: Wonde knows no such school for this token."""


class WondeUnreachable(WondeError):
    """No connection: Wonde (or the network to it) is down."""


class WondeTimedOut(WondeError):
    """Wonde took longer to answer than the register waits."""


class WondeUnavailable(WondeError):
    """Wonde answered with a server error or asked us to slow down."""


class WondeBadAnswer(WondeError):
    """Wonde answered something that is not its API's answer."""


# The client ------------------------------------------------------------------------------


class WondeClient:
    """One school's data through Wonde's API, with its access token."""

    def __init__(
        self,
        *,
        school_id: str,
        token: str,
        base_url: str | None = None,
        timeout: tuple[float, float] | None = None,
        per_page: int | None = None,
    ) -> None:
        self.school_id = school_id.strip()
        self._token = token
        self.base_url = (base_url or settings.WONDE_API_URL).rstrip("/")
        self.timeout = timeout or (
            settings.WONDE_CONNECT_TIMEOUT_SECONDS,
            settings.WONDE_READ_TIMEOUT_SECONDS,
        )
        self.per_page = per_page or settings.WONDE_PER_PAGE
        self._origin = _origin(self.base_url)
        self._session = requests.Session()
        self._session.headers.update(
            {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        )

    def __repr__(self) -> str:
        return f"<WondeClient for school {self.school_id} at {self.base_url}>"

    @property
    def school_url(self) -> str:
        return f"{self.base_url}/schools/{self.school_id}"

    def school(self) -> dict[str, Any]:
        """The school as Wonde knows it (its name, URN, MIS)."""
        answer = self._get(self.school_url)
        school = answer["data"]
        if not isinstance(school, dict):
            raise WondeBadAnswer(self._bad("the school was not described"))
        return school

    def records(
        self,
        endpoint: str,
        *,
        include: Sequence[str] = (),
        updated_after: datetime.datetime | None = None,
        progress: Progress | None = None,
        what: str = "records",
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``endpoint``, page by page, following ``meta.pagination.next``."""
        params: dict[str, Any] | None = {"per_page": self.per_page}
        if include:
            params["include"] = ",".join(include)
        if updated_after is not None:
            params["updated_after"] = _wonde_timestamp(updated_after)
        url: str | None = f"{self.school_url}/{endpoint}"
        seen: set[str] = set()
        page = 0
        while url:
            page += 1
            if progress:
                progress(f"Reading {what} from Wonde: page {page}")
            answer = self._get(url, params=params)
            records = answer["data"]
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise WondeBadAnswer(self._bad(f"page {page} of {what} was not a list"))
            yield from records
            seen.add(url)
            url = self._next_page(answer, seen, page)
            params = None  # the next page's address carries the query

    def _next_page(self, answer: dict[str, Any], seen: set[str], page: int) -> str | None:
        meta = answer.get("meta") or {}
        pagination = meta.get("pagination") if isinstance(meta, dict) else None
        if not isinstance(pagination, dict):
            return None
        following = pagination.get("next")
        if not following:
            return None
        if not isinstance(following, str) or _origin(following) != self._origin:
            # The token would go wherever the next page is: only ever to Wonde.
            raise WondeBadAnswer(self._bad("the next page was not at Wonde's address"))
        if following in seen or page >= MOST_PAGES:
            raise WondeBadAnswer(self._bad("its pages went round in a circle"))
        return following

    def _get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        logger.info("Wonde: GET %s", urlsplit(url).path)
        try:
            response = self._session.get(
                url, params=params, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout:
            raise WondeTimedOut(
                f"Wonde did not answer within {self.timeout[1]:g} seconds, so the sync "
                "stopped and nothing was changed. Wonde may be busy: try again later."
            ) from None
        except requests.ConnectionError:
            raise WondeUnreachable(
                f"Wonde could not be reached at {urlsplit(self.base_url).netloc}, so "
                "nothing was changed. Wonde or the network may be down: try again later, "
                "and tell the service's operators if it goes on."
            ) from None
        except requests.RequestException:
            raise WondeUnreachable(
                "The register could not ask Wonde, so nothing was changed: try again later."
            ) from None
        with response:
            return self._answer(response)

    def _answer(self, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        if status == 401:
            raise WondeTokenRefused(
                "Wonde refused the access token: it is wrong, or it has been revoked. "
                "Copy the token again from the school's Wonde dashboard and save it here."
            )
        if status == 403:
            raise WondeTokenRefused(
                f"Wonde says this access token may not read the data of school "
                f"{self.school_id}: the school may not have approved the access yet, or "
                "has withdrawn it. Ask the school to approve it in Wonde."
            )
        if status == 404:
            raise WondeSchoolNotFound(
                f"Wonde knows no school {self.school_id} for this access token: check the "
                "school's Wonde id (it looks like A1930499544) and that Wonde has approved "
                "the school."
            )
        if status == 429:
            raise WondeUnavailable(
                "Wonde asked the register to slow down, so the sync stopped and nothing "
                "was changed: try again in a few minutes."
            )
        if status >= 500:
            raise WondeUnavailable(
                f"Wonde answered with an error ({status}), so nothing was changed. Wonde "
                "may be down for maintenance: try again later."
            )
        if status != 200:
            raise WondeBadAnswer(self._bad(f"it answered {status}"))
        try:
            answer = response.json()
        except ValueError:
            raise WondeBadAnswer(self._bad("it was not JSON")) from None
        if not isinstance(answer, dict) or "data" not in answer:
            raise WondeBadAnswer(self._bad("it had no data"))
        return answer

    @staticmethod
    def _bad(why: str) -> str:
        return (
            f"Wonde's answer could not be read ({why}), so the sync stopped and nothing "
            "was changed. Try again later; if it goes on, tell the service's operators."
        )


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _wonde_timestamp(moment: datetime.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# Reading Wonde's objects -----------------------------------------------------------------


def included(record: dict[str, Any], name: str) -> Any:
    """What ``include=name`` added to ``record`` (its ``data``), or None."""
    value = record.get(name)
    if isinstance(value, dict) and "data" in value:
        return value["data"]
    return None


def wonde_date(value: Any) -> str:
    """A Wonde date (an object, or text) as ISO text ("2013-04-01"), or ""."""
    if isinstance(value, dict):
        value = value.get("date")
    if not value or not isinstance(value, str):
        return ""
    return value.strip()[:10]


def _first(mapping: Any, *keys: str) -> str:
    if not isinstance(mapping, dict):
        return ""
    for key in keys:
        value = mapping.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _name(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def student_reference(student: dict[str, Any]) -> str:
    """The pupil's reference in the register: the admission number, else the MIS id."""
    return _first(included(student, "education_details"), "admission_number") or _name(
        student.get("mis_id")
    )


def pupil_row(student: dict[str, Any], *, left: bool = False) -> dict[str, str]:
    education = included(student, "education_details") or {}
    forename, surname = _name(student.get("forename")), _name(student.get("surname"))
    legal_forename = _name(student.get("legal_forename")) or forename
    legal_surname = _name(student.get("legal_surname")) or surname
    return {
        "reference": student_reference(student),
        "upn": _first(education, "upn"),
        "given_name": legal_forename,
        "family_name": legal_surname,
        "preferred_given_name": forename if forename != legal_forename else "",
        "preferred_family_name": surname if surname != legal_surname else "",
        "date_of_birth": wonde_date(student.get("date_of_birth")),
        "year_group": _year_group(included(student, "year")),
        "class_name": _class_name(student),
        "setting": "",
        "status": "left" if left else "on roll",
        "left_on": wonde_date(education.get("leaving_date")) if left else "",
        "destination": _first(education, "destination", "leaving_destination") if left else "",
    }


def _year_group(year: Any) -> str:
    if not isinstance(year, dict):
        return ""
    code = _first(year, "code")
    if code.upper() in YearGroup.values:
        return code.upper()
    return code or _first(year, "name", "description")


def _class_name(student: dict[str, Any]) -> str:
    registration = included(student, "registration")
    name = _first(registration, "name")
    if name:
        return name
    classes = included(student, "classes")
    if isinstance(classes, list) and len(classes) == 1:
        return _first(classes[0], "name")
    return ""


# Wonde's words for how a contact is related to a child, as the register's relationships.
RELATIONSHIPS: tuple[tuple[str, str], ...] = (
    ("step", FamilyLink.Relationship.STEP_PARENT),
    ("grand", FamilyLink.Relationship.GRANDPARENT),
    ("mother", FamilyLink.Relationship.MOTHER),
    ("mum", FamilyLink.Relationship.MOTHER),
    ("father", FamilyLink.Relationship.FATHER),
    ("dad", FamilyLink.Relationship.FATHER),
    ("parent", FamilyLink.Relationship.PARENT),
    ("carer", FamilyLink.Relationship.CARER),
    ("guardian", FamilyLink.Relationship.CARER),
    ("aunt", FamilyLink.Relationship.OTHER),
    ("uncle", FamilyLink.Relationship.OTHER),
    ("brother", FamilyLink.Relationship.OTHER),
    ("sister", FamilyLink.Relationship.OTHER),
    ("sibling", FamilyLink.Relationship.OTHER),
    ("cousin", FamilyLink.Relationship.OTHER),
    ("relative", FamilyLink.Relationship.OTHER),
)


def relationship_value(text: str) -> str:
    """Wonde's relationship ("Step Father", "Grandmother", "Guardian") as the register's
    (``step_parent``, ``grandparent``, ``carer``). Anything else (a childminder, a social
    worker) is passed on as Wonde says it, for the import to question."""
    try:
        return str(read.relationship(text.strip()))
    except read.CellProblem:
        pass
    lowered = text.strip().lower()
    for word, value in RELATIONSHIPS:
        if word in lowered:
            return str(value)
    return text.strip()


def _relationship_of(contact: dict[str, Any], student: dict[str, Any]) -> tuple[str, bool]:
    """How ``contact`` is related to ``student``: the relationship on the student (the
    pivot, ``contacts?include=students``), else on the contact (``students?include=contacts``)."""
    pivot = student.get("relationship")
    if not isinstance(pivot, dict):
        pivot = contact.get("relationship")
    if isinstance(pivot, str):
        return relationship_value(pivot), False
    if not isinstance(pivot, dict):
        return "", False
    return (
        relationship_value(_first(pivot, "relationship")),
        bool(pivot.get("parental_responsibility")),
    )


def family_rows(contact: dict[str, Any]) -> list[dict[str, str]]:
    """The contact's rows: one for each relationship it has (usually one, naming all
    its children), none if it belongs to no child Wonde names."""
    students = included(contact, "students")
    if not isinstance(students, list):
        return []
    groups: dict[tuple[str, bool], list[str]] = {}
    for student in students:
        if not isinstance(student, dict):
            continue
        reference = student_reference(student)
        if not reference:
            continue
        references = groups.setdefault(_relationship_of(contact, student), [])
        if reference not in references:
            references.append(reference)
    details = included(contact, "contact_details") or {}
    forename = _name(contact.get("forename")) or _name(contact.get("legal_forename"))
    surname = _name(contact.get("surname")) or _name(contact.get("legal_surname"))
    return [
        {
            "reference": _name(contact.get("mis_id")) or _name(contact.get("id")),
            "given_name": forename,
            "family_name": surname,
            "relationship": relationship,
            "parental_responsibility": "yes" if responsibility else "no",
            "pupil_references": ";".join(references),
            "email": _first(details.get("emails"), "primary", "email", "home", "work"),
            "phone": _first(details.get("phones"), "primary", "mobile", "phone", "home", "work"),
        }
        for (relationship, responsibility), references in groups.items()
    ]


def employee_email(employee: dict[str, Any]) -> str:
    details = included(employee, "contact_details") or {}
    return _first(details.get("emails"), "work", "email", "primary").lower()


def staff_row(employee: dict[str, Any], *, known: dict[str, str] | None = None) -> dict[str, str]:
    """The employee's row. ``known`` is what the register already holds for them here
    (:func:`known_memberships`): Wonde does not say who is the head or the DSL, nor who
    manages whom, so the row keeps those as they are."""
    known = known or {}
    employment = included(employee, "employment_details") or {}
    return {
        "email": employee_email(employee),
        "given_name": _name(employee.get("forename")) or _name(employee.get("legal_forename")),
        "family_name": _name(employee.get("surname")) or _name(employee.get("legal_surname")),
        "setting": "",
        "role": known.get("role", Role.STAFF),
        "job_title": _first(employment, "job_title") or known.get("job_title", ""),
        "line_manager_email": known.get("line_manager_email", ""),
        "starts_on": wonde_date(employment.get("employment_start_date")),
        "ends_on": wonde_date(employment.get("employment_end_date")),
        "reference": _name(employee.get("mis_id")),
    }


def known_memberships(organisation: Organisation, emails: Iterable[str]) -> dict[str, dict]:
    """For each address that holds a role at ``organisation``, the role a sync's row
    names (staff if it is one of them, else the first in the register's order, so that a
    sync never adds a second role beside the head's), with its job title and line
    manager. One query, whatever the number of staff."""
    order = list(Role.values)
    held: dict[str, dict[str, dict]] = {}
    for email, role, job_title, manager in (
        Membership.objects.current()
        .filter(organisation=organisation, person__email__in=sorted({e for e in emails if e}))
        .values_list("person__email", "role", "job_title", "line_manager__email")
    ):
        held.setdefault(email, {})[role] = {
            "role": role,
            "job_title": job_title,
            "line_manager_email": manager or "",
        }
    return {
        email: roles[Role.STAFF] if Role.STAFF in roles else roles[min(roles, key=order.index)]
        for email, roles in held.items()
    }


# The adapter -----------------------------------------------------------------------------


class WondeSource:
    """The canonical tables of one school, read from Wonde (a :class:`Source`)."""

    name = "wonde"
    label = "Wonde"

    def __init__(self, client: WondeClient) -> None:
        self.client = client

    def check(self) -> str:
        school = self.client.school()
        name = _name(school.get("name")) or self.client.school_id
        mis = school.get("mis")
        mis = _first(mis, "name") if isinstance(mis, dict) else _name(mis)
        return f"Wonde answered: it shares the data of {name}" + (
            f" from its MIS ({mis})." if mis else "."
        )

    def datasets(
        self,
        *,
        organisation: Organisation,
        since: datetime.datetime | None = None,
        progress: Progress | None = None,
    ) -> dict[str, tablib.Dataset]:
        client = self.client
        pupils: dict[str, dict[str, str]] = {}
        for student in client.records(
            "students",
            include=STUDENT_INCLUDES,
            updated_after=since,
            progress=progress,
            what="pupils",
        ):
            row = pupil_row(student)
            pupils.setdefault(row["reference"] or f"#{len(pupils)}", row)
        for student in client.records(
            "students-leaver",
            include=STUDENT_INCLUDES,
            updated_after=since,
            progress=progress,
            what="leavers",
        ):
            row = pupil_row(student, left=True)
            # A pupil Wonde lists both on roll and as a leaver was admitted again.
            pupils.setdefault(row["reference"] or f"#{len(pupils)}", row)
        families = [
            row
            for contact in client.records(
                "contacts",
                include=CONTACT_INCLUDES,
                updated_after=since,
                progress=progress,
                what="parents and carers",
            )
            for row in family_rows(contact)
        ]
        employees = list(
            client.records(
                "employees",
                include=EMPLOYEE_INCLUDES,
                updated_after=since,
                progress=progress,
                what="staff",
            )
        )
        known = known_memberships(organisation, [employee_email(e) for e in employees])
        staff = [staff_row(e, known=known.get(employee_email(e))) for e in employees]
        return {
            "staff": dataset_for("staff", staff),
            "pupils": dataset_for("pupils", pupils.values()),
            "families": dataset_for("families", families),
            "line_management": dataset_for("line_management"),
        }
