"""Onboarding's audit actions: imports from a spreadsheet or the MIS. Their codes are
those they had in the directory before #17 moved them here, so that the trail already
written still reads."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("People, pupils and the calendar")

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
