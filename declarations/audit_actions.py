"""The audit actions of declarations: drafting, submitting, withdrawing, amending,
attachments, and every time one is opened (R34)."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Declarations")

DECLARATION_CREATED = actions.add("declaration.created", "Declaration started")
DECLARATION_CHANGED = actions.add("declaration.changed", "Declaration changed")
DECLARATION_SUBMITTED = actions.add("declaration.submitted", "Declaration submitted")
DECLARATION_RESUBMITTED = actions.add("declaration.resubmitted", "Declaration resubmitted")
DECLARATION_AMENDED = actions.add("declaration.amended", "Declaration amended")
DECLARATION_WITHDRAWN = actions.add("declaration.withdrawn", "Declaration withdrawn")
DECLARATION_ATTACHMENT_ADDED = actions.add("declaration.attachment_added", "Attachment added")
DECLARATION_ATTACHMENT_REFUSED = actions.add(
    "declaration.attachment_refused", "Attachment refused: not a file that can be kept"
)
DECLARATION_ATTACHMENT_VIEWED = actions.add("declaration.attachment_viewed", "Attachment opened")
DECLARATION_VIEWED = actions.add("declaration.viewed", "Declaration opened")
