"""Helpers for the multi-factor tests: a TOTP worked out here from RFC 6238 (not by the
code under test), and a clock moved to the start of a 30-second step, so that a code
worked out is still the current one when the server checks it."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import struct
import time

import time_machine

STEP = 30


def totp(secret: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for ``secret`` (base32) at ``at``."""
    counter = int((time.time() if at is None else at) // STEP)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def at_the_start_of_a_step(traveller: time_machine.TimeMachineFixture) -> None:
    """Move the (ticking) clock on to one second into the next 30-second step: a code
    worked out now has 29 seconds before it changes, whatever a test does meanwhile."""
    now = time.time()
    start = (int(now) // STEP + 1) * STEP + 1
    traveller.move_to(datetime.datetime.fromtimestamp(start, tz=datetime.UTC), tick=True)


def secret_on_page(html: str) -> str:
    """The authenticator secret as the set-up page shows it for typing in by hand."""
    match = re.search(r'id="authenticator-secret"[^>]*>\s*([A-Z2-7 ]+?)\s*<', html)
    assert match, "the set-up page shows the secret"
    return match.group(1).replace(" ", "")


def clock_on(traveller: time_machine.TimeMachineFixture, by: datetime.timedelta) -> None:
    """Move the (ticking) clock on by ``by``."""
    now = datetime.datetime.fromtimestamp(time.time(), tz=datetime.UTC)
    traveller.move_to(now + by, tick=True)
