"""The tests' clock: every test module runs on it (tests/conftest.py ``_clock``), not on
the real today, so that a test reads the same at midnight, at a month's end and at the
end of a term as on any other day.

NOW is a Wednesday morning in the middle of the autumn term, in the middle of a month:
a test that counts in days from it is nowhere near a weekend at one day, a month's end
at a week or a term's end at a fortnight. The clock ticks on from NOW (time-machine's
``tick=True``), so what a test does happens in order, seconds apart.

A module that talks to processes the clock cannot reach (tests/production) is marked
``real_clock``."""

import datetime

import time_machine

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)  # 10:00 in London too
TODAY = NOW.date()

# The module's clock while a module runs on it (tests/conftest.py ``_clock``), None on the
# real clock: tests/demo.py moves it on when it gives a module the demo seeded earlier.
module_clock: time_machine.Traveller | None = None
