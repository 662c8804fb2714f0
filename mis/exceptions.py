"""What the MIS connection refuses, in plain words."""


class MisConnectionError(Exception):
    """A connection to a school's MIS that cannot be set or used by this person; the
    message says why."""
