class RoleRequestError(Exception):
    """A role request that cannot be confirmed or refused by this person; the message
    says why."""
