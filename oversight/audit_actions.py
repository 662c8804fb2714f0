"""The audit actions of the oversight pages: reading the audit history is audited too,
and so is saving, publishing, reading or downloading a governors' summary."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Governors' summaries and the audit history")

AUDIT_SEARCHED = actions.add("audit.searched", "Audit history read")
AUDIT_EXPORTED = actions.add("audit.exported", "Audit history exported")
SUMMARY_SAVED = actions.add("summary.saved", "Governors' summary saved")
SUMMARY_PUBLISHED = actions.add("summary.published", "Governors' summary published")
# Every read of a summary, on the page or saved, and every download of one (#22).
SUMMARY_READ = actions.add("summary.read", "Governors' summary read")
SUMMARY_DOWNLOADED = actions.add("summary.downloaded", "Governors' summary downloaded")
