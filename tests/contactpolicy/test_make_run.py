"""`make run PORT=N` serves on port N and the links in its emails point there (#22):
the Makefile itself is run, with its set-up left out and a stand-in for Python that
writes down what each command was given."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.project import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

STAND_IN = """#!/bin/sh
printf '%s\\n' "{\\"args\\": \\"$*\\", \\"site_url\\": \\"$SITE_URL\\"}" >> "$RECORD"
"""


def make_run(tmp_path: Path, *arguments: str) -> list[dict]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(STAND_IN)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    record = tmp_path / "record"
    subprocess.run(  # noqa: S603 (make, on our own Makefile)
        ["make", "--no-print-directory", "-o", "demo", "run", f"BIN={bin_dir}", *arguments],  # noqa: S607
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "RECORD": str(record)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_make_run_on_another_port_links_its_emails_to_that_port(tmp_path):
    commands = make_run(tmp_path, "PORT=8102")
    server = next(command for command in commands if "runserver" in command["args"])
    assert server["args"] == "manage.py runserver 127.0.0.1:8102"
    assert server["site_url"] == "http://127.0.0.1:8102"
    # The local identity provider and Wonde started beside it have the same address.
    assert {command["site_url"] for command in commands} == {"http://127.0.0.1:8102"}


def test_a_site_url_given_is_kept(tmp_path):
    commands = make_run(tmp_path, "SITE_URL=https://contact.example.org")
    assert {command["site_url"] for command in commands} == {"https://contact.example.org"}


def test_a_server_on_every_address_is_linked_at_127_0_0_1(tmp_path):
    commands = make_run(tmp_path, "HOST=0.0.0.0", "PORT=8200")
    server = next(command for command in commands if "runserver" in command["args"])
    assert (server["args"], server["site_url"]) == (
        "manage.py runserver 0.0.0.0:8200",
        "http://127.0.0.1:8200",
    )
