"""The audit actions of deciding: routing, decisions, reminders, escalation, cover, and
the administration screens of routing rules, cover and requests."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Decisions")

APPROVAL_ROUTED = actions.add("approval.routed", "Sent for decision")
APPROVAL_UNROUTABLE = actions.add("approval.unroutable", "Nobody found to decide")
APPROVAL_COPIED_TO_DSL = actions.add("approval.copied_to_dsl", "Copied to the DSL")
APPROVAL_HEAD_TOLD = actions.add(
    "approval.head_told", "Told to the head of a school whose pupils it names"
)
APPROVAL_DECIDED = actions.add("approval.decided", "Decided")
APPROVAL_DECISION_REFUSED = actions.add(
    "approval.decision_refused", "Attempt to decide refused", refusal=True
)
# What the DSL did about a declaration copied to them (R41): for the safeguarding roles
# only, in the audit history as on the files (contactpolicy/audit.py, ``confidential``).
APPROVAL_DSL_ACTION_RECORDED = actions.add(
    "approval.dsl_action_recorded", "DSL's log: what was done recorded", confidential=True
)
APPROVAL_CANCELLED = actions.add("approval.cancelled", "Request cancelled")
APPROVAL_ESCALATED = actions.add("approval.escalated", "Escalated")
APPROVAL_REMINDED = actions.add("approval.reminded", "Reminder sent")
APPROVAL_PLANNED_DATE_PASSED = actions.add(
    "approval.planned_date_passed", "Planned date passed undecided"
)
APPROVAL_REDIRECTED = actions.add("approval.redirected", "Moved to cover")
APPROVAL_PASSED_UP = actions.add(
    "approval.passed_up", "Passed up the chain: the person covering cannot decide it"
)
APPROVAL_RETURNED = actions.add("approval.returned", "Moved back when the cover ended")
COVER_ENDED = actions.add("approvals.cover.ended", "Cover (delegation) ended early")
APPROVAL_ASSIGNED = actions.add("approval.assigned", "Assigned by the administrator")

# The administration screens. These were written as "directory.<model>.<verb>" (the
# directory's admin named every model after its own app); rows written so
# are still labelled, and found by the filter, through ``formerly``.
ROUTING_RULE_CREATED = actions.add(
    "approvals.routingrule.created",
    "Routing rule added in the administration screens",
    formerly=["directory.routingrule.created"],
)
ROUTING_RULE_CHANGED = actions.add(
    "approvals.routingrule.changed",
    "Routing rule changed in the administration screens",
    formerly=["directory.routingrule.changed"],
)
COVER_CREATED = actions.add(
    "approvals.cover.created",
    "Cover (delegation) added in the administration screens",
    formerly=["directory.cover.created"],
)
COVER_CHANGED = actions.add(
    "approvals.cover.changed",
    "Cover (delegation) changed in the administration screens",
    formerly=["directory.cover.changed"],
)
APPROVAL_REQUEST_CHANGED = actions.add(
    "approvals.approvalrequest.changed",
    "Approval request changed in the administration screens",
    formerly=["directory.approvalrequest.changed"],
)
