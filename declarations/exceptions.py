class DeclarationError(Exception):
    """A declaration cannot do what was asked; the message is for the person."""


class IllegalTransition(DeclarationError):
    """The declaration's status does not allow this move."""


class AttachmentRejected(DeclarationError):
    """The uploaded file is not one the product accepts."""
