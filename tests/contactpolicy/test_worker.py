"""The production worker outlives the database going away (#19): ``manage.py run_worker``
runs in a process of its own against the test database, as the compose service runs
it, sending through a real SMTP server on 127.0.0.1. Its connection is ended and the
test database refuses new ones for a while, as in a PostgreSQL restart (only this
test database's own connections: the server is shared and never restarted); the worker
waits, says so once, and sends the next email when the database is back."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from contactpolicy.tasks import enqueue, send_email

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60  # seconds: the longest any one thing may take to happen

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.real_clock,  # the worker runs on the real clock, in its own process
]


class Mailbox:
    def __init__(self) -> None:
        self.subjects: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        found = re.search(rb"^Subject: (.*)$", envelope.content, re.MULTILINE)
        with self._lock:
            self.subjects.append(found[1].decode().strip() if found else "")
        return "250 Message accepted"

    def received(self) -> list[str]:
        with self._lock:
            return list(self.subjects)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what: str, found: Callable[[], object]) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.1)
    raise AssertionError(f"Waited {WAIT} s for {what}")


def database_url() -> str:
    settings = connection.settings_dict
    credentials = urllib.parse.quote(settings["USER"] or "")
    if settings["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(settings["PASSWORD"])
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def admin(sql: str, *params: object) -> list[tuple]:
    """A statement run on the server's maintenance database, beside the test database."""
    settings = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        dbname="postgres",
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    )
    with psycopg.connect(conninfo, autocommit=True) as server:
        result = server.execute(sql, params)
        return result.fetchall() if result.description else []


def own_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def worker(settings, tmp_path):
    """``manage.py run_worker``, and the SMTP server it sends through; its log."""
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    log = tmp_path / "worker.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval=0.2",
                "--reconnect-interval=0.5",
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, mailbox, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        smtp.stop(no_assert=True)
        print(log.read_text()[-5000:])  # shown when the test failed


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_database_restart_and_runs_the_next_task(worker):
    if connection.vendor != "postgresql":
        pytest.skip("Ends PostgreSQL backends.")
    process, mailbox, log = worker
    name = connection.settings_dict["NAME"]
    enqueue(send_email, to=["dana@elm.example"], subject="Before the restart", body="-")
    wait_until("the first email", lambda: "Before the restart" in mailbox.received())

    # The restart: the test database takes no new connections and ends those it has
    # (the worker's), all but this test's own.
    admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    try:
        ended = admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s",
            name,
            own_pid(),
        )
        assert ended, "the worker had no connection to end"
        wait_until(
            "the worker to notice",
            lambda: process.poll() is not None or "lost the database" in log.read_text(),
        )
        time.sleep(1.5)  # a few of its tries fail while the database is away
        assert process.poll() is None, "the worker stopped when the database went away"
    finally:
        admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    enqueue(send_email, to=["dana@elm.example"], subject="After the restart", body="-")

    wait_until("the email after the restart", lambda: "After the restart" in mailbox.received())
    assert process.poll() is None
    text = log.read_text()
    assert text.count("lost the database") == 1  # once for the outage, not once a try
    assert "has the database again" in text
    assert mailbox.received() == ["Before the restart", "After the restart"]
