"""The audit actions of the record: the staff and pupil files (written, corrected and
every time one is opened or exported), follow-ups, key people and the annual round."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Records and the annual round")

OUTCOME_RECORDED = actions.add("register.outcome_recorded", "Outcome put on the files")
ENTRY_CORRECTED = actions.add("register.corrected", "Entry corrected")
FOLLOW_UP_SET = actions.add("register.follow_up_set", "Follow-up set")
FOLLOW_UP_CANCELLED = actions.add("register.follow_up_cancelled", "Follow-up replaced")
FOLLOW_UP_REMINDED = actions.add("register.follow_up_reminded", "Follow-up due")
FOLLOW_UP_ESCALATED = actions.add("register.follow_up_escalated", "Follow-up not confirmed in time")
FOLLOW_UP_CONFIRMED = actions.add(
    "register.follow_up_confirmed", "Action confirmed by the staff member"
)
REVIEW_RECORDED = actions.add("register.review_recorded", "Monitoring review recorded")
KEY_PERSON_ALLOCATED = actions.add("register.key_person_allocated", "Key person allocated")
KEY_PERSON_REFUSED = actions.add("register.key_person_refused", "Key person refused (conflict)")
STAFF_FILE_VIEWED = actions.add("register.staff_file_viewed", "Staff file opened")
STAFF_FILE_EXPORTED = actions.add("register.staff_file_exported", "Staff file exported")
PUPIL_FILE_VIEWED = actions.add("register.pupil_file_viewed", "Pupil file opened")
PUPIL_FILE_EXPORTED = actions.add("register.pupil_file_exported", "Pupil file exported")
ROUND_OPENED = actions.add("round.opened", "Annual declaration round opened")
ROUND_ANSWERED = actions.add("round.answered", "Annual declaration round answered")
ROUND_REMINDED = actions.add("round.reminded", "Annual declaration round reminder sent")
ROUND_CLOSED = actions.add("round.closed", "Annual declaration round closed")
