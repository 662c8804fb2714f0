"""What onboarding refuses, in plain words: each exception's message is shown as it is."""


class SchoolYearError(Exception):
    """A new school year that cannot be started (already started, a date that does not
    fit, someone who may not); the message says why, in plain words."""


class InvitationError(Exception):
    """Invitations that cannot be sent, or a link that cannot be used; the message says
    why, in plain words."""


class MisConnectionError(Exception):
    """A connection to a school's MIS that cannot be set or used by this person; the
    message says why."""
