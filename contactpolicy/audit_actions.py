"""The audit actions of the base layer: signing in (contactpolicy/signals.py), a move
the workflow refused (contactpolicy/workflow.py), a record someone may not open
(contactpolicy/refusals.py) and the sweep of uploaded files (contactpolicy/uploads/sweep.py)."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Signing in")

SIGNED_IN = actions.add("auth.signed_in", "Signed in")
SIGNED_OUT = actions.add("auth.signed_out", "Signed out")
SIGN_IN_FAILED = actions.add("auth.sign_in_failed", "Sign-in failed", refusal=True)
SIGN_IN_LIMITED = actions.add(
    "auth.sign_in_limited",
    "Sign-in refused: too many wrong passwords from one address",
    refusal=True,
)
PASSWORD_CHANGED = actions.add("auth.password_changed", "Password changed by its owner")
PASSWORD_RESET_ASKED = actions.add(
    "auth.password_reset_asked", "Link to reset the password sent to the person's address"
)
PASSWORD_RESET = actions.add("auth.password_reset", "Password reset through an emailed link")

# contactpolicy/workflow.py: any record's status, whatever the app.
workflow = ActionGroup("Workflow")

MOVE_REFUSED = workflow.add(
    "workflow.refused", "Attempt refused: the record's status does not allow it", refusal=True
)

# contactpolicy/refusals.py: whatever the app, a record or page someone may not open.
access = ActionGroup("Records refused")

ACCESS_REFUSED = access.add(
    "access.refused",
    "Refused: a record or page they may not open (they were told it was not found)",
    refusal=True,
)

# contactpolicy/uploads/sweep.py: files a failed upload left behind, whatever the app.
uploads = ActionGroup("Uploaded files")

UPLOADS_ORPHANS_REMOVED = uploads.add(
    "uploads.orphans_removed", "Left-over uploaded files removed: no record pointed at them"
)

# contactpolicy/tasks.py: the background work (emails) that did not go as it should.
background = ActionGroup("Emails and background work")

EMAIL_UNDELIVERED = background.add(
    "email.undelivered", "Email not sent after every try; the administrators were told"
)
TASK_REQUEUED = background.add(
    "task.requeued", "Background work left unfinished by a stopped worker, queued again"
)
