"""What the school calendar refuses, in plain words."""


class CalendarError(Exception):
    """Term dates that cannot be set; the message says why, in plain words."""


class SchoolYearError(Exception):
    """A new school year that cannot be started (already started, a date that does not
    fit, someone who may not); the message says why, in plain words."""
