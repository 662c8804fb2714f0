class DeclarationError(Exception):
    """A declaration cannot do what was asked; the message is for the person."""


class AttachmentRejected(DeclarationError):
    """The uploaded file is not one the product accepts."""


class AttachmentNotStored(DeclarationError):
    """The file was acceptable but could not be written (a full disk); nothing was kept."""
