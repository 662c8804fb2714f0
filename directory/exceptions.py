class CalendarError(Exception):
    """Term dates that cannot be set; the message says why, in plain words."""


class RoleRequestError(Exception):
    """A role request that cannot be confirmed or refused by this person; the message
    says why."""


class DemoError(Exception):
    """A development-only demo step that cannot be done; the message says why."""


class SchoolYearError(Exception):
    """A new school year that cannot be started (already started, a date that does not
    fit, someone who may not); the message says why, in plain words."""


class InvitationError(Exception):
    """Invitations that cannot be sent, or a link that cannot be used; the message says
    why, in plain words."""


class MisConnectionError(Exception):
    """A connection to a school's MIS that cannot be set or used by this person; the
    message says why."""
