class OversightError(Exception):
    """A summary that cannot be saved or published; the message says why."""
