class PolicyError(Exception):
    """A policy, acknowledgement or training record cannot be saved; the message says why."""
