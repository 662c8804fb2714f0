class CalendarError(Exception):
    """Term dates that cannot be set; the message says why, in plain words."""


class RoleRequestError(Exception):
    """A role request that cannot be confirmed or refused by this person; the message
    says why."""
