class CalendarError(Exception):
    """Term dates that cannot be set; the message says why, in plain words."""


class DemoError(Exception):
    """A development-only demo step that cannot be done; the message says why."""
