"""Wonde on 127.0.0.1 for the tests (#20): the local Wonde server
(demo/wonde_server.py) answering from the fixtures of tests/fixtures/wonde/,
Hazel Lane Primary School, with pages of three so that every endpoint takes several.
The tests talk to it over HTTP through the real client; nothing is mocked."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from django.test import override_settings

from demo.wonde_server import WondeTestServer, load_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "wonde"
SCHOOL_ID = "A1000000101"
TOKEN = "7e76896f9aca62569048c667db292d72dd84f224"  # made up, Wonde's shape
WRONG_TOKEN = "0000000000000000000000000000000000000000"
PAGE = 3
# What the tests' client waits: a slow server waits longer than that.
TIMEOUTS = {"WONDE_CONNECT_TIMEOUT_SECONDS": 2, "WONDE_READ_TIMEOUT_SECONDS": 0.5}
SLOW_SECONDS = 3


def fixture_data() -> dict:
    return load_fixture(FIXTURES)


@contextlib.contextmanager
def wonde_running(data: dict | None = None) -> Iterator[WondeTestServer]:
    """A Wonde server (Hazel Lane's, unless ``data`` says), and the settings that point
    the product at it, for as long as the block lasts. Each module that uses it makes
    it a fixture: ``with wonde_running() as server: yield server``."""
    server = WondeTestServer(data or fixture_data(), token=TOKEN, largest_page=PAGE).start()
    try:
        with override_settings(WONDE_API_URL=server.url, **TIMEOUTS):
            yield server
    finally:
        server.stop()
