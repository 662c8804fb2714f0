"""What identity refuses, in plain words."""


class InvitationError(Exception):
    """Invitations that cannot be sent, or a link that cannot be used; the message says
    why, in plain words."""
