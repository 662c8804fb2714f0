"""The directory's audit actions: the administration screens (one action per model and
verb, named after the model changed), accounts and roles, and the single sign-on
settings."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("People, pupils and the calendar")

PERSON_CREATED = actions.add(
    "directory.person.created", "Person added in the administration screens"
)
PERSON_CHANGED = actions.add(
    "directory.person.changed", "Person changed in the administration screens"
)
MEMBERSHIP_CREATED = actions.add(
    "directory.membership.created", "Role (membership) added in the administration screens"
)
MEMBERSHIP_CHANGED = actions.add(
    "directory.membership.changed", "Role (membership) changed in the administration screens"
)
# Memberships added or changed on a person's page (the inline) have kept their own code.
MEMBERSHIP_SAVED = actions.add(
    "directory.membership.saved",
    "Role (membership) saved on a person's page in the administration screens",
)
ORGANISATION_CREATED = actions.add(
    "directory.organisation.created", "Organisation added in the administration screens"
)
ORGANISATION_CHANGED = actions.add(
    "directory.organisation.changed", "Organisation changed in the administration screens"
)
PUPIL_CREATED = actions.add("directory.pupil.created", "Pupil added in the administration screens")
PUPIL_CHANGED = actions.add(
    "directory.pupil.changed", "Pupil changed in the administration screens"
)
FAMILY_MEMBER_CREATED = actions.add(
    "directory.familymember.created", "Family member added in the administration screens"
)
FAMILY_MEMBER_CHANGED = actions.add(
    "directory.familymember.changed", "Family member changed in the administration screens"
)
FAMILY_MEMBER_DELETED = actions.add(
    "directory.familymember.deleted",
    "Family member whom nothing names deleted in the administration screens",
)
FAMILY_LINK_SAVED = actions.add(
    "directory.familylink.saved",
    "Link between a pupil and a family member saved in the administration screens",
)
HISTORY_POST_REFUSED = actions.add(
    "admin.history_post_refused",
    "Attempt to save an old version from a history page refused",
    refusal=True,
)

# Accounts and powerful roles (#18, R37): the changes an attacker would want.
accounts = ActionGroup("Accounts and roles")

EMAIL_CHANGED = accounts.add("account.email_changed", "Email address changed by an administrator")
POWERFUL_ROLE_GRANTED = accounts.add(
    "account.role_granted", "Role that sees pupil files, decides or administers given"
)
POWERFUL_ROLE_CHANGED = accounts.add(
    "account.role_changed", "Role that sees pupil files, decides or administers changed"
)
SESSIONS_ENDED = accounts.add(
    "account.sessions_ended", "Every session of a person ended (a role lost)"
)
ROLE_REQUESTED = accounts.add(
    "account.role_requested", "Administrator asked to give themself a role"
)
ROLE_CONFIRMED = accounts.add(
    "account.role_confirmed", "Role an administrator asked to give themself confirmed"
)
ROLE_REFUSED = accounts.add(
    "account.role_refused", "Role an administrator asked to give themself refused"
)

# Single sign-on and sign-in methods (R36, #18): identity/adapters.py, directory/admin.py.
sign_in = ActionGroup("Single sign-on")

SIGN_IN_METHOD_CHANGED = sign_in.add(
    "directory.person.sign_in_method_changed", "Person's sign-in method changed"
)
ORGANISATION_SIGN_IN_CHANGED = sign_in.add(
    "directory.organisation.sign_in_changed", "Organisation's single sign-on settings changed"
)
SAML_IDP_SAVED = sign_in.add(
    "directory.samlidentityprovider.saved",
    "SAML identity provider saved in the administration screens",
)
