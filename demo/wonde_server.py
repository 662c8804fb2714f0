"""A local stand-in for Wonde's API on 127.0.0.1, for the tests and the demo (never
production): it answers in Wonde's format (mis/wonde.py describes it) from
data in memory, with real paging, includes, ``updated_after`` and a 401 for a wrong
token, and it misbehaves on purpose when told to: slow, a malformed answer, down.

The data is what Wonde would hold for one school, one list per endpoint, as in the
fixtures of ``tests/fixtures/wonde/`` (one JSON file per endpoint, read by
:func:`load_fixture`). Each record carries every include already wrapped in
``{"data": ...}``; the server leaves out what was not asked for. A contact's
``students`` are the students' ids with the relationship (the pivot); the server gives
each student in full, with the includes asked for after a dot
(``students.education_details``).

:func:`wonde_data_from_rows` makes that data from the canonical tables a spreadsheet
import reads, so that the demo's spreadsheet and the demo's Wonde school come from one
set of rows, and syncing after importing the spreadsheet changes nothing.

Standard library only (``http.server`` in a thread), as the local identity provider.
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
import threading
import zlib
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import tablib

from directory.models import FamilyLink, YearGroup
from onboarding.imports import values as read

ENDPOINTS = ("students", "students-leaver", "contacts", "employees", "classes")
# What each endpoint can include (anything else asked for is ignored, as Wonde does).
INCLUDES = {
    "students": {
        "education_details",
        "extended_details",
        "contact_details",
        "year",
        "registration",
        "classes",
        "contacts",
    },
    "contacts": {"contact_details", "students"},
    "employees": {"contact_details", "employment_details", "classes"},
    "classes": {"students", "employees"},
}
INCLUDES["students-leaver"] = INCLUDES["students"]
LARGEST_PAGE = 200  # Wonde's
# The demo's new school as the local Wonde server serves it (`manage.py
# run_wonde_test_server`): what its administrator enters on the connection page.
DEMO_SCHOOL_ID = "A1903010001"
DEMO_TOKEN = "meadowview0demo0wonde0token0000000000001"  # noqa: S105 (development only)
DEFAULT_PAGE = 50
FIXTURE_UPDATED_AT = datetime.datetime(2026, 1, 5, 6, 0, tzinfo=datetime.UTC)


# The server ------------------------------------------------------------------------------


class WondeTestServer:
    """Wonde for one school on 127.0.0.1. ``largest_page`` below Wonde's 200 makes a
    small school take several pages. Switches, set at any time:

    * ``slow_seconds``: wait this long before answering (longer than the client's
      read timeout is "slow");
    * ``malformed``: answer 200 with a page that is not Wonde's JSON;
    * ``misbehave_from_page``: be slow or malformed from this page of an endpoint on
      (1 by default; 2 to fail part way through);
    * ``approved = False``: answer 403, as for a school that withdrew its approval;
    * ``next_page_at``: give the next page at this other address (which a client must
      refuse: its token would go there);
    * :meth:`go_down`: stop listening, so a connection is refused.

    ``requests`` lists what was asked: (path, query, whether the token was right).
    """

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        largest_page: int = LARGEST_PAGE,
    ) -> None:
        self.data = copy.deepcopy(dict(data))
        self.school_id = self.data["school"]["id"]
        self.token = token
        self.largest_page = largest_page
        self.slow_seconds = 0.0
        self.malformed = False
        self.misbehave_from_page = 1
        self.approved = True
        self.next_page_at: str | None = None
        self.requests: list[tuple[str, dict[str, str], bool]] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}/v1.0"
        self._thread: threading.Thread | None = None

    # Running -----------------------------------------------------------------------

    def start(self) -> WondeTestServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._stopping.set()  # a slow answer waiting gives up at once
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def go_down(self) -> None:
        """Stop listening: whoever connects now is refused."""
        self.stop()

    def asked(self, endpoint: str) -> list[dict[str, str]]:
        """The queries of the requests made of ``endpoint``, in order."""
        path = f"/v1.0/schools/{self.school_id}/{endpoint}"
        return [query for asked_path, query, _ in self.requests if asked_path == path]

    # Answering ---------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str], authorisation: str) -> tuple[int, Any]:
        authorised = self._authorised(authorisation)
        with self._lock:
            self.requests.append((path, query, authorised))
        if not authorised:
            return HTTPStatus.UNAUTHORIZED, {
                "error": "unauthenticated",
                "error_message": "The access token is not valid.",
            }
        parts = [part for part in path.split("/") if part]
        if len(parts) < 3 or parts[:2] != ["v1.0", "schools"]:
            return HTTPStatus.NOT_FOUND, {"error": "not_found"}
        if parts[2] != self.school_id:
            return HTTPStatus.NOT_FOUND, {"error": "not_found", "error_message": "No school."}
        if not self.approved:
            return HTTPStatus.FORBIDDEN, {
                "error": "forbidden",
                "error_message": "Access to this school has not been approved.",
            }
        if len(parts) == 3:
            return HTTPStatus.OK, {"data": self.data["school"]}
        if len(parts) != 4 or parts[3] not in ENDPOINTS:
            return HTTPStatus.NOT_FOUND, {"error": "not_found"}
        return self._page(parts[3], query)

    def misbehaves_on(self, page: int) -> bool:
        return page >= self.misbehave_from_page

    def wait_if_slow(self, page: int) -> None:
        if self.slow_seconds and self.misbehaves_on(page):
            self._stopping.wait(self.slow_seconds)

    def _authorised(self, authorisation: str) -> bool:
        scheme, _, credentials = authorisation.partition(" ")
        if scheme.lower() == "bearer":
            return credentials.strip() == self.token
        if scheme.lower() == "basic":  # the token as the user name, no password
            try:
                decoded = base64.b64decode(credentials).decode()
            except ValueError:
                return False
            return decoded.partition(":")[0] == self.token
        return False

    def _page(self, endpoint: str, query: dict[str, str]) -> tuple[int, Any]:
        try:
            page = max(1, int(query.get("page", "1")))
            per_page = int(query.get("per_page", str(DEFAULT_PAGE)))
        except ValueError:
            return HTTPStatus.BAD_REQUEST, {"error": "page and per_page are numbers"}
        per_page = max(1, min(per_page, LARGEST_PAGE, self.largest_page))
        updated_after = query.get("updated_after", "")
        if updated_after:
            try:
                datetime.datetime.strptime(updated_after, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007
            except ValueError:
                return HTTPStatus.BAD_REQUEST, {"error": "updated_after is YYYY-MM-DD HH:MM:SS"}
        includes = [name for name in query.get("include", "").split(",") if name]
        records = [
            record
            for record in self._records(endpoint)
            if not updated_after or _updated_at(record) > updated_after
        ]
        chosen = records[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(records)
        base = f"{self.next_page_at or self.url}/schools/{self.school_id}/{endpoint}"
        kept = {key: value for key, value in query.items() if key != "page"}
        return HTTPStatus.OK, {
            "data": [self._shown(endpoint, record, includes) for record in chosen],
            "meta": {
                "pagination": {
                    "next": f"{base}?{urlencode({**kept, 'page': page + 1})}" if more else None,
                    "previous": f"{base}?{urlencode({**kept, 'page': page - 1})}"
                    if page > 1
                    else None,
                    "more": more,
                    "per_page": per_page,
                    "current_page": page,
                },
                "includes": includes,
            },
        }

    def _records(self, endpoint: str) -> list[dict[str, Any]]:
        if endpoint == "classes":
            classes: dict[str, dict[str, Any]] = {}
            for student in self._students():
                for one in (student.get("classes") or {}).get("data") or []:
                    classes.setdefault(one["id"], dict(one))
            return list(classes.values())
        return list(self.data.get(endpoint, []))

    def _students(self) -> list[dict[str, Any]]:
        return [*self.data.get("students", []), *self.data.get("students-leaver", [])]

    def _shown(self, endpoint: str, record: dict[str, Any], includes: list[str]) -> dict:
        """``record`` as Wonde answers it: without the includes not asked for."""
        top = {name.partition(".")[0] for name in includes}
        nested = {}
        for name in includes:
            first, _, rest = name.partition(".")
            if rest:
                nested.setdefault(first, []).append(rest)
        possible = INCLUDES[endpoint]
        shown = {key: copy.deepcopy(value) for key, value in record.items() if key not in possible}
        for name in top & possible:
            if endpoint == "contacts" and name == "students":
                shown["students"] = {"data": self._contact_students(record, nested.get(name, []))}
            elif endpoint.startswith("students") and name == "contacts":
                shown["contacts"] = {"data": self._student_contacts(record)}
            elif endpoint == "classes":
                shown[name] = {"data": self._class_members(record, name)}
            elif name in record:
                shown[name] = copy.deepcopy(record[name])
        return shown

    def _contact_students(self, contact: dict[str, Any], includes: list[str]) -> list[dict]:
        by_id = {student["id"]: student for student in self._students()}
        answer = []
        for link in (contact.get("students") or {}).get("data") or []:
            student = by_id.get(link["id"])
            if student is None:
                continue
            shown = self._shown("students", student, includes)
            shown["relationship"] = copy.deepcopy(link.get("relationship"))
            answer.append(shown)
        return answer

    def _student_contacts(self, student: dict[str, Any]) -> list[dict]:
        answer = []
        for contact in self.data.get("contacts", []):
            for link in (contact.get("students") or {}).get("data") or []:
                if link["id"] == student["id"]:
                    shown = self._shown("contacts", contact, [])
                    shown["relationship"] = copy.deepcopy(link.get("relationship"))
                    answer.append(shown)
        return answer

    def _class_members(self, one: dict[str, Any], name: str) -> list[dict]:
        if name != "students":
            return []
        return [
            self._shown("students", student, [])
            for student in self._students()
            if any(c["id"] == one["id"] for c in (student.get("classes") or {}).get("data") or [])
        ]


def _updated_at(record: dict[str, Any]) -> str:
    value = record.get("updated_at") or {}
    return (value.get("date") if isinstance(value, dict) else str(value))[:19]


def _handler_for(server: WondeTestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            status, body = server.answer(parts.path, query, self.headers.get("Authorization", ""))
            page = int(query.get("page", "1")) if query.get("page", "1").isdigit() else 1
            if status == HTTPStatus.OK:
                server.wait_if_slow(page)
                if server.malformed and server.misbehaves_on(page):
                    self._send(HTTPStatus.OK, b"<html><body>Bad gateway</body></html>", "text/html")
                    return
            self._send(status, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (a timeout)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# Fixtures --------------------------------------------------------------------------------


def load_fixture(directory: Path | str) -> dict[str, Any]:
    """A school's Wonde data from a folder: school.json and one file per endpoint."""
    directory = Path(directory)
    data: dict[str, Any] = {"school": json.loads((directory / "school.json").read_text())}
    for endpoint in ENDPOINTS:
        path = directory / f"{endpoint}.json"
        if path.exists():
            data[endpoint] = json.loads(path.read_text())
    return data


def write_fixture(data: Mapping[str, Any], directory: Path | str) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in data.items():
        (directory / f"{name}.json").write_text(
            json.dumps(value, indent=2, ensure_ascii=False) + "\n"
        )


# From the canonical tables ---------------------------------------------------------------


def wonde_id(kind: str, key: str) -> str:
    """A Wonde-like id ("A1930499544"), the same every time for the same record."""
    return f"A{zlib.crc32(f'{kind}:{key}'.encode()):010d}"


def wonde_date(value: Any) -> dict[str, Any] | None:
    """A date as the canonical tables hold it (ISO, or day first: 03/04/2026 is 3 April)
    as a Wonde date."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    day = value if isinstance(value, datetime.date) else read.date(str(value or "").strip())
    if day is None:
        return None
    return {
        "date": f"{day.isoformat()} 00:00:00.000000",
        "timezone_type": 3,
        "timezone": "Europe/London",
    }


def _relationship_word(text: str) -> str:
    """The register's relationship (a value, a label or a word the import knows) as
    Wonde's word for it; anything else as it is."""
    try:
        return FamilyLink.Relationship(read.relationship(str(text or "").strip())).label
    except read.CellProblem:
        return str(text or "").strip()


def _year_group(text: str) -> str:
    try:
        return read.year_group(str(text or "").strip())
    except read.CellProblem:
        return str(text or "").strip()


def _rows(table: tablib.Dataset | Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    if isinstance(table, tablib.Dataset):
        return [dict(zip(table.headers, row, strict=False)) for row in table]
    return [dict(row) for row in table]


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def wonde_data_from_rows(
    tables: Mapping[str, tablib.Dataset | Iterable[Mapping[str, Any]]],
    *,
    school_id: str,
    school_name: str,
    urn: str = "",
    mis: str = "SIMS",
    updated_at: datetime.datetime = FIXTURE_UPDATED_AT,
) -> dict[str, Any]:
    """What Wonde would hold for a school whose MIS has the canonical ``tables``
    (``pupils``, ``families``, ``staff``; datasets or lists of dicts by header): feed it
    the rows a spreadsheet is made from and the two agree."""
    stamp = {
        "date": updated_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.000000"),
        "timezone_type": 3,
        "timezone": "UTC",
    }
    data: dict[str, Any] = {
        "school": {
            "id": school_id,
            "name": school_name,
            "urn": int(urn) if urn.isdigit() else None,
            "mis": mis,
            "timezone": "Europe/London",
        },
        "students": [],
        "students-leaver": [],
        "contacts": [],
        "employees": [],
    }
    for row in _rows(tables.get("pupils")):
        left = _text(row, "status").lower() in {"left", "former", "leaver", "off roll"}
        data["students-leaver" if left else "students"].append(
            _student(row, left=left, stamp=stamp)
        )
    contacts: dict[str, dict[str, Any]] = {}
    for row in _rows(tables.get("families")):
        key = _text(row, "reference") or f"{_text(row, 'given_name')} {_text(row, 'family_name')}"
        contact = contacts.get(key)
        if contact is None:
            contact = contacts[key] = _contact(row, key=key, stamp=stamp)
        links = contact["students"]["data"]
        for reference in filter(
            None, (r.strip() for r in _text(row, "pupil_references").split(";"))
        ):
            links.append(
                {
                    "id": wonde_id("student", reference),
                    "relationship": {
                        "relationship": _relationship_word(_text(row, "relationship")),
                        "parental_responsibility": read.yes_no(
                            _text(row, "parental_responsibility") or "no"
                        ),
                        "priority": len(links) + 1,
                        "lives_with_pupil": None,
                        "bill_payer": None,
                        "court_order": False,
                        "correspondence": None,
                        "pupil_report": None,
                        "email_bills": None,
                        "copy_bills": None,
                    },
                }
            )
    data["contacts"] = list(contacts.values())
    data["employees"] = [_employee(row, stamp=stamp) for row in _rows(tables.get("staff"))]
    return data


def _person(row: Mapping[str, Any], wonde: str, mis_id: str | None, stamp: dict) -> dict:
    given, family = _text(row, "given_name"), _text(row, "family_name")
    return {
        "id": wonde,
        "upi": hashlib.md5(wonde.encode(), usedforsecurity=False).hexdigest(),
        "mis_id": mis_id or None,
        "initials": f"{given[:1]}{family[:1]}",
        "title": None,
        "surname": family,
        "forename": given,
        "middle_names": None,
        "legal_surname": family,
        "legal_forename": given,
        "gender": None,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _student(row: Mapping[str, Any], *, left: bool, stamp: dict) -> dict[str, Any]:
    reference = _text(row, "reference")
    student = _person(row, wonde_id("student", reference), reference, stamp)
    student["surname"] = _text(row, "preferred_family_name") or student["legal_surname"]
    student["forename"] = _text(row, "preferred_given_name") or student["legal_forename"]
    student["date_of_birth"] = wonde_date(row.get("date_of_birth"))
    code = _year_group(_text(row, "year_group"))
    label = dict(YearGroup.choices).get(code, code)
    class_name = _text(row, "class_name")
    one_class = {
        "id": wonde_id("class", class_name),
        "mis_id": class_name,
        "name": class_name,
        "code": class_name,
        "description": class_name,
    }
    student.update(
        {
            "education_details": {
                "data": {
                    "admission_number": reference,
                    "upn": _text(row, "upn") or None,
                    "former_upn": None,
                    "admission_date": None,
                    "leaving_date": wonde_date(row.get("left_on")) if left else None,
                    "destination": (_text(row, "destination") or None) if left else None,
                }
            },
            "year": {
                "data": {
                    "id": wonde_id("year", code),
                    "code": code,
                    "name": label,
                    "description": label,
                    "type": "YEAR",
                }
                if code
                else None
            },
            "registration": {
                "data": {"id": one_class["id"], "name": class_name, "description": class_name}
                if class_name
                else None
            },
            "classes": {"data": [one_class] if class_name else []},
        }
    )
    return student


def _contact(row: Mapping[str, Any], *, key: str, stamp: dict) -> dict[str, Any]:
    contact = _person(row, wonde_id("contact", key), _text(row, "reference"), stamp)
    email, phone = _text(row, "email") or None, _text(row, "phone") or None
    contact["contact_details"] = {
        "data": {
            "emails": {"email": email, "primary": email, "home": None, "work": None},
            "phones": {
                "phone": phone,
                "primary": phone,
                "home": None,
                "work": None,
                "mobile": None,
            },
        }
    }
    contact["students"] = {"data": []}
    return contact


def _employee(row: Mapping[str, Any], *, stamp: dict) -> dict[str, Any]:
    reference, email = _text(row, "reference"), _text(row, "email").lower()
    employee = _person(row, wonde_id("employee", reference or email), reference, stamp)
    employee["contact_details"] = {
        "data": {
            "emails": {
                "work": email or None,
                "email": email or None,
                "primary": None,
                "home": None,
            },
            "phones": {"phone": None, "primary": None, "home": None, "work": None, "mobile": None},
        }
    }
    employee["employment_details"] = {
        "data": {
            "current": True,
            "teaching_staff": None,
            "job_title": _text(row, "job_title") or None,
            "employment_start_date": wonde_date(row.get("starts_on")),
            "employment_end_date": wonde_date(row.get("ends_on")),
        }
    }
    return employee
