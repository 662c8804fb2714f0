"""The audit actions of the base layer: signing in (contactpolicy/signals.py), a move
the workflow refused (contactpolicy/workflow.py) and the sweep of uploaded files
(contactpolicy/uploads/sweep.py)."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Signing in")

SIGNED_IN = actions.add("auth.signed_in", "Signed in")
SIGNED_OUT = actions.add("auth.signed_out", "Signed out")
SIGN_IN_FAILED = actions.add("auth.sign_in_failed", "Sign-in failed")
SIGN_IN_LIMITED = actions.add(
    "auth.sign_in_limited", "Sign-in refused: too many wrong passwords from one address"
)
PASSWORD_CHANGED = actions.add("auth.password_changed", "Password changed by its owner")
PASSWORD_RESET = actions.add("auth.password_reset", "Password reset through an emailed link")

# contactpolicy/workflow.py: any record's status, whatever the app.
workflow = ActionGroup("Workflow")

MOVE_REFUSED = workflow.add(
    "workflow.refused", "Attempt refused: the record's status does not allow it"
)

# contactpolicy/uploads/sweep.py: files a failed upload left behind, whatever the app.
uploads = ActionGroup("Uploaded files")

UPLOADS_ORPHANS_REMOVED = uploads.add(
    "uploads.orphans_removed", "Left-over uploaded files removed: no record pointed at them"
)
