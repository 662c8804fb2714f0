"""The audit actions of the oversight pages: reading the audit history is audited too,
and so is saving or publishing a governors' summary."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Governors' summaries and the audit history")

AUDIT_SEARCHED = actions.add("audit.searched", "Audit history read")
AUDIT_EXPORTED = actions.add("audit.exported", "Audit history exported")
SUMMARY_SAVED = actions.add("summary.saved", "Governors' summary saved")
SUMMARY_PUBLISHED = actions.add("summary.published", "Governors' summary published")
