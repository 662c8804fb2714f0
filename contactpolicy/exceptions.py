class AppendOnlyError(Exception):
    """An attempt to change or delete a record that may only ever be added to."""


class UploadRejected(Exception):
    """The uploaded file is not one the product accepts; the message says why."""
