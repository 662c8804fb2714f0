"""Production as it really runs (#17): the services' own commands, from deploy/run.

docker-compose cannot run here, so this starts what its services start, with the same
script: ``deploy/run migrate`` against a fresh PostgreSQL database, ``deploy/run web``
(gunicorn, the production settings, HTTPS as behind the proxy), ``deploy/run worker``
and one ``deploy/run scheduler-once``, with email going to a real SMTP server on
127.0.0.1. Then, over plain HTTP as the proxy passes it on, a teacher signs in,
declares a planned social contact, and submits it; the line manager follows the link
in the email, approves it; the teacher reads her staff file; and the production error
pages are asked for. Nothing here goes through Django's test client or test database.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet

from tests.production.browser import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "deploy" / "run"
HOST = "contact.example.org"
PASSWORD = "contact-demo-2026"  # the demo's, from the README
TEACHER = "terry.kelly@brookfield.example"
LINE_MANAGER = "nigel.power@brookfield.example"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
WAIT = 60  # seconds: the longest any one thing may take to happen

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.real_clock,  # the services run on the real clock, in their own processes
    pytest.mark.run_first,  # half a minute on its own: beside the other tests, not after them
    pytest.mark.skipif(
        urllib.parse.urlsplit(DATABASE_URL).scheme not in {"postgres", "postgresql"},
        reason="The production stack runs on PostgreSQL (set DATABASE_URL).",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what: str, found: Callable[[], object], timeout: float = WAIT) -> object:
    """Poll ``found`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"Waited {timeout} s for {what}")


# The SMTP server ---------------------------------------------------------------------


@dataclass
class Mail:
    sender: str
    to: list[str]
    subject: str
    body: str


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Mail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        mail = Mail(
            sender=envelope.mail_from,
            to=list(envelope.rcpt_tos),
            subject=str(message["Subject"]),
            body=message.get_body(("plain",)).get_content(),
        )
        with self._lock:
            self.messages.append(mail)
        return "250 Message accepted for delivery"

    def received(self) -> list[Mail]:
        with self._lock:
            return list(self.messages)

    def wait_for(self, to: str, subject: str) -> Mail:
        def matching() -> list[Mail]:
            return [m for m in self.received() if to in m.to and m.subject == subject]

        return wait_until(f"an email to {to}: {subject!r}", matching)[0]


# The database ------------------------------------------------------------------------


class Database:
    """A fresh database of this process's own on the server DATABASE_URL names."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.name = f"contactpolicy_stack_{os.getpid()}"
        self.url = parts._replace(path=f"/{self.name}", query="").geturl()
        self._server = parts._replace(path="/postgres", query="").geturl()

    def admin(self, sql: str, *params: object) -> None:
        with psycopg.connect(self._server, autocommit=True) as connection:
            connection.execute(sql, params)

    def create(self) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.url) as connection:
            return connection.execute(sql, params).fetchall()

    def go_away(self) -> None:
        """As when the database server is lost: no connection kept, none accepted."""
        self.admin(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false')
        self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            self.name,
        )


# The services, started as their compose services start them --------------------------


class Services:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen]] = []

    def run(
        self, command: str, env: dict[str, str], *, script: list[str] | None = None
    ) -> subprocess.CompletedProcess:
        """A one-off command, to its end; a failure fails the test."""
        result = subprocess.run(  # noqa: S603 (our own script)
            script or [str(RUN), command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT * 2,
            check=False,
        )
        assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def start(self, command: str, env: dict[str, str]) -> subprocess.Popen:
        log = (self.logs / f"{command}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 (our own script)
            [str(RUN), command],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as one below
        )
        log.close()
        self.started.append((command, process))
        return process

    def log(self, command: str) -> str:
        path = self.logs / f"{command}.log"
        return path.read_text() if path.exists() else ""

    def alive(self, process: subprocess.Popen, command: str) -> None:
        assert process.poll() is None, f"{command} stopped:\n{self.log(command)[-3000:]}"

    def stop(self) -> None:
        for _, process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for command, process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
            # Shown by pytest only when the test failed.
            print(f"--- {command} (exit {process.returncode})\n{self.log(command)[-5000:]}")


@dataclass
class Stack:
    database: Database
    mailbox: Mailbox
    services: Services
    production: dict[str, str]
    web: subprocess.Popen
    worker: subprocess.Popen
    port: int

    def browser(self) -> Browser:
        return Browser(self.port, HOST)


def environment(database: Database, smtp_port: int, web_port: int, folder: Path) -> dict:
    """The production service's environment, as the .env file and compose give it."""
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MIS_TOKEN_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": database.url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DEFAULT_FROM_EMAIL": f"Staff contact register <noreply@{HOST}>",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "VAR_DIR": str(folder / "var"),
        "WEB_BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
    }


def healthy(port: int) -> bool:
    try:
        return Browser(port, HOST).get("/health/").status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("production")
    database = Database(DATABASE_URL)
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    services = Services(folder)
    web_port = free_port()
    production = environment(database, smtp.port, web_port, folder)
    try:
        database.create()
        smtp.start()
        # The static files are collected as the image build collects them, meanwhile the
        # database is migrated and the demo people loaded, as in development (seed_demo
        # refuses production).
        static = services.start("static", production)
        services.run("migrate", production)
        development = {**production, "DJANGO_ENV": "development"}
        services.run(
            "seed_demo", development, script=[sys.executable, "manage.py", "seed_demo", "-v0"]
        )
        assert static.wait(timeout=WAIT * 2) == 0, services.log("static")
        web = services.start("web", production)
        worker = services.start("worker", production)

        def serving() -> bool:
            services.alive(web, "web")
            return healthy(web_port)

        wait_until("gunicorn to answer /health/", serving)
        yield Stack(database, mailbox, services, production, web, worker, web_port)
    finally:
        services.stop()
        smtp.stop(no_assert=True)
        database.drop()


# What the pages must never show in production ------------------------------------------

INTERNALS = (
    "Traceback",
    "DEBUG = True",
    "seeing this error because",
    "settings.py",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DisallowedHost",
    "OperationalError",
    "psycopg",
    "site-packages",
    "contactpolicy_stack_",
)


def assert_no_internals(page: Page) -> None:
    shown = [word for word in INTERNALS if word in page.text]
    assert shown == [], f"{page.path} ({page.status}) shows {shown}"


def sign_in(browser: Browser, email_address: str) -> Page:
    page = browser.get("/accounts/login/")
    assert page.status == 200
    form = page.form("/accounts/login/")
    page = browser.submit(form, {"login": email_address, "password": PASSWORD}, "Sign in")
    assert page.status == 200, page.text
    assert page.path == "/", f"Not signed in: ended on {page.path}"
    return page


def test_the_production_stack_takes_a_declaration_from_sign_in_to_the_staff_file(stack):
    teacher = stack.browser()

    # Plain HTTP (no X-Forwarded-Proto) is sent to HTTPS; HTTPS pages carry HSTS.
    plain = teacher.get("/declarations/", forwarded_proto=None, follow=False)
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://{HOST}/declarations/"
    page = teacher.get("/")
    assert page.path.startswith("/accounts/login/")
    assert "max-age=" in page.headers["Strict-Transport-Security"]

    # The static files are the collected ones, under hashed names, served by WhiteNoise
    # to be kept for good, compressed.
    linked = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert {re.sub(r"\.[0-9a-f]{12}\.", ".", path) for path in linked} >= {
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/css/app.css",
    }, linked
    for path in linked:
        asset = teacher.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert asset.status == 200, path
        assert "immutable" in asset.headers["Cache-Control"], path
        assert asset.headers["Content-Encoding"] in {"br", "gzip"}, path

    # The teacher signs in; signed-in pages are not kept by the browser.
    home = sign_in(teacher, TEACHER)
    assert "no-store" in home.headers["Cache-Control"]

    # She declares a planned social contact: what is planned, who, the details, check, submit.
    choose = teacher.get(home.link("Declare contact"))
    kinds = choose.form("What has happened")
    page = teacher.submit(kinds, {"kind": kinds.choice("kind", "I plan to meet")}, "Continue")
    assert page.path == "/declarations/new/planned_social_contact/"
    form = page.form("Save and continue")
    page = teacher.submit(form, {"q": "an"}, "Search")
    form = page.form("Save and continue")
    pupil = form.choices("pupils")[0]
    # The real today: the services run on the real clock, beyond time-machine's reach.
    planned_on = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=21)
    answers = {
        "pupils": pupil.value,
        "details-channels": form.choice("details-channels", "In person"),
        "details-planned_on": planned_on.isoformat(),
        "details-place": "The village hall",
        "details-who": "The family and other children from the class",
        "details-purpose": "A birthday party my daughter is invited to",
    }
    review = teacher.submit(form, answers, "Save and continue")
    assert re.fullmatch(r"/declarations/\d+/review/", review.path), review.text
    declaration = teacher.submit(review.form("/submit/"), {}, "Submit declaration")
    assert "Your declaration has been submitted" in declaration.text

    # The worker sends the line manager the request, through the SMTP server.
    waiting = stack.mailbox.wait_for(LINE_MANAGER, "A declaration is waiting for your decision")
    assert waiting.sender == f"noreply@{HOST}"
    link = re.search(rf"https://{re.escape(HOST)}(/decisions/\d+/)", waiting.body)
    assert link, waiting.body

    # The line manager follows the link, signs in and approves it.
    manager = stack.browser()
    sign_in(manager, LINE_MANAGER)
    request = manager.get(link[1])
    assert request.status == 200
    decision = request.form("Your decision")
    approve = {"outcome": decision.choice("outcome", "Approve")}
    page = manager.submit(decision, approve, "Record the decision")
    assert "Your decision is recorded" in page.text

    decided = stack.mailbox.wait_for(TEACHER, "Your declaration has been decided")
    reference = re.search(r"planned social contact, ([^)]+)\)", decided.body)
    assert reference, decided.body

    # The teacher reads her staff file: the approval is on it.
    staff_file = teacher.get(teacher.get("/").link("Your staff file"))
    assert staff_file.status == 200
    assert reference[1] in staff_file.text
    assert "Approved" in staff_file.text

    # Every cookie the site gave either of them is Secure, out of reach of scripts and
    # not sent by other sites.
    given = teacher.set_cookies + manager.set_cookies
    assert {"sessionid", "csrftoken", "messages"} <= {cookie.key for cookie in given}
    for cookie in given:
        assert cookie["secure"] is True, cookie.key
        assert cookie["httponly"] is True, cookie.key
        assert cookie["samesite"] == "Lax", cookie.key

    # One pass of the scheduler, then every email queued has gone through the SMTP
    # server, and no subject names a child.
    scheduled = stack.services.run("scheduler-once", stack.production)
    assert "failed, see the log" not in scheduled.stderr, scheduled.stderr
    wait_until(
        "the worker to send every email queued",
        lambda: (
            not stack.database.query(
                "SELECT 1 FROM django_tasks_database_dbtaskresult "
                "WHERE status IN ('READY', 'RUNNING')"
            )
        ),
    )
    tasks = dict(
        stack.database.query(
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
        )
    )
    assert set(tasks) == {"SUCCESSFUL"}, tasks
    stack.services.alive(stack.worker, "worker")
    sent = stack.mailbox.received()
    assert len(sent) == tasks["SUCCESSFUL"]
    assert len(sent) > 2, "The scheduler sent nothing (the demo has follow-ups due)"
    pupils = stack.database.query("SELECT given_name, family_name FROM directory_pupil")
    names = {part for row in pupils for part in row if part}
    assert len(names) > 100
    for mail in sent:
        assert not [name for name in names if re.search(rf"\b{re.escape(name)}\b", mail.subject)]
    child = pupil.label.split(",")[0]
    assert child not in waiting.body
    assert child not in decided.body

    # The access log names each page but not the search typed for a pupil, nor the
    # page searched from: search terms are children's and families' names.
    access_log = stack.services.log("web")
    assert "/declarations/new/planned_social_contact/ HTTP" in access_log
    assert "q=an" not in access_log
    assert "?" not in "".join(re.findall(r'"[A-Z]+ ([^ ]+) HTTP', access_log))
    assert "camera=()" in home.headers["Permissions-Policy"]

    # The production error pages: a page that is not there, a host that is not the
    # site's, a form without its CSRF token, and the database gone: plain words, no trace.
    missing = teacher.get("/no-such-page/")
    assert missing.status == 404
    assert "Page not found" in missing.text
    assert_no_internals(missing)

    wrong_host = Browser(stack.port, "evil.example").get("/accounts/login/")
    assert wrong_host.status == 400
    assert "Bad Request" in wrong_host.text
    assert_no_internals(wrong_host)

    forged = stack.browser().request(
        "POST", "/accounts/login/", data=[("login", TEACHER), ("password", PASSWORD)]
    )
    assert forged.status == 403
    assert "Reason given for failure" not in forged.text
    assert_no_internals(forged)

    stack.database.go_away()
    broken = stack.browser().get("/health/")
    assert broken.status == 500
    assert "Sorry, something went wrong" in broken.text
    assert_no_internals(broken)
    stack.services.alive(stack.web, "web")
