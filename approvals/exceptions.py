class ApprovalError(Exception):
    """A decision or routing step cannot happen; the message is for the person."""


class NotYourDecision(ApprovalError):
    """The person is not the assigned decider (nor covering for them)."""


class AlreadyDecided(ApprovalError):
    """The request was decided, escalated or cancelled before this decision arrived."""
