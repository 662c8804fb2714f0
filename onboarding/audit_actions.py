"""Onboarding's audit actions: imports, the MIS sync, invitations and the new school
year. Their codes are those they had in the directory before #17 moved them here, so
that the trail already written still reads."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("People, pupils and the calendar")
accounts = ActionGroup("Accounts and roles")

# Imports from a spreadsheet or the MIS (R38, onboarding/imports/): counts and the file's
# hash, never the rows themselves (each record changed keeps its own history).
IMPORT_CHECKED = actions.add("directory.import.checked", "Import checked (preview made)")
IMPORT_APPLIED = actions.add("directory.import.applied", "Import confirmed and written")
IMPORT_FAILED = actions.add("directory.import.failed", "Import failed")
IMPORT_CANCELLED = actions.add("directory.import.cancelled", "Import cancelled before writing")
IMPORT_ROW_CORRECTED = actions.add(
    "directory.import.row_corrected", "Row of an import corrected by the administrator"
)
IMPORT_ROW_LEFT_OUT = actions.add(
    "directory.import.row_left_out", "Row of an import left out by the administrator"
)

# The new school year (R38, onboarding/school_year.py).
SCHOOL_YEAR_STARTED = actions.add(
    "onboarding.school_year.started",
    "New school year started: year groups moved up and the leaving year became former pupils",
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

# The school's MIS through Wonde (R38, #20; onboarding/imports/mis.py): never the token.
mis = ActionGroup("Syncing from the school's MIS")

MIS_CONNECTION_SET = mis.add("mis.connection_set", "Connection to the school's MIS (Wonde) set up")
MIS_CONNECTION_CHANGED = mis.add(
    "mis.connection_changed", "Connection to the school's MIS (Wonde) changed"
)
MIS_SYNC_REQUESTED = mis.add("mis.sync_requested", "Sync from the school's MIS asked for")
MIS_SYNC_FAILED = mis.add(
    "mis.sync_failed", "Sync from the school's MIS stopped before changing anything"
)
