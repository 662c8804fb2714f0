class AppendOnlyError(Exception):
    """An attempt to change or delete a record that may only ever be added to."""


class UploadRejected(Exception):
    """The uploaded file is not one the product accepts; the message says why."""


class AuditActionError(Exception):
    """An audit action registered wrongly (contactpolicy/audit.py)."""


class DuplicateAuditAction(AuditActionError):
    """The code is registered already, as an action or as an action's former code."""


class UnregisteredAuditAction(AuditActionError, LookupError):
    """No app registered this code: the audit trail does not accept it."""
