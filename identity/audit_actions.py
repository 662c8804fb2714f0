"""Identity's audit actions: the second factor, signing in with single sign-on, idle
sign-outs and the invitations of going live. Their codes are those they had before #17
moved them here, so that the trail already written still reads."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("People, pupils and the calendar")
accounts = ActionGroup("Accounts and roles")
sign_in = ActionGroup("Single sign-on")

# The second factor (R37, identity/mfa.py): never a code or a secret in the data.
MFA_SET_UP = actions.add("mfa.set_up", "Second factor set up (authenticator app or key)")
MFA_REMOVED = actions.add("mfa.removed", "Second factor removed")
MFA_RECOVERY_CODES_GENERATED = actions.add(
    "mfa.recovery_codes_generated", "Recovery codes for the second factor made"
)
MFA_RECOVERY_CODE_USED = actions.add("mfa.recovery_code_used", "Recovery code used")
MFA_CODE_REFUSED = actions.add("mfa.code_refused", "Wrong second-factor code refused", refusal=True)
MFA_REAUTHENTICATED = actions.add(
    "mfa.reauthenticated", "Confirmed it was them again before a sensitive step"
)

SSO_SIGNED_IN = sign_in.add("auth.sso_signed_in", "Signed in with single sign-on")
SSO_REFUSED = sign_in.add("auth.sso_refused", "Single sign-on refused", refusal=True)
PASSWORD_REFUSED_SSO_REQUIRED = sign_in.add(
    "auth.password_refused_sso_required",
    "Password refused: the organisation signs in with single sign-on",
    refusal=True,
)
SIGNED_OUT_IDLE = accounts.add(
    "account.signed_out_idle",
    "Signed out after a while without using the register, or at the working day's end",
)

# Going live (#20, R36, R38): never a token in the data.
INVITATIONS_SENT = accounts.add(
    "account.invitations_sent", "Invitations sent to set a password or to sign in (going live)"
)
INVITATION_ASKED_AGAIN = accounts.add(
    "account.invitation_asked_again",
    "New invitation sent to a person who opened an expired one",
)
INVITATION_ACCEPTED = accounts.add(
    "account.invitation_accepted", "Invitation accepted: a password set, or a first sign-in"
)
