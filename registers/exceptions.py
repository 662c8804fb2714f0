class RegisterError(Exception):
    """A register entry cannot be written as asked; the message is for the person."""


class FollowUpError(RegisterError):
    """A review or confirmation cannot be recorded as asked."""


class KeyPersonConflict(RegisterError):
    """The adult has a declared relationship with the child's family (R26)."""


class RoundError(RegisterError):
    """A declaration round cannot be opened, answered or closed as asked."""
