class RegisterError(Exception):
    """A register entry cannot be written as asked; the message is for the person."""
