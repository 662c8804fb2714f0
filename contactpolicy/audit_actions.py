"""The audit actions of signing in (contactpolicy/signals.py)."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Signing in")

SIGNED_IN = actions.add("auth.signed_in", "Signed in")
SIGNED_OUT = actions.add("auth.signed_out", "Signed out")
SIGN_IN_FAILED = actions.add("auth.sign_in_failed", "Sign-in failed")
