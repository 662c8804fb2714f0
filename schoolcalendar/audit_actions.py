"""The school calendar's audit actions. Their codes are those they had before #17
moved them here, so that the trail already written still reads."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("People, pupils and the calendar")

TERM_DATES_SET = actions.add("summary.term_dates_set", "Term dates set")
# The school calendar in the administration screens (R39): named after the app the
# models now live in; events written before #17 moved them keep their old codes.
TERM_DATES_CREATED = actions.add(
    "schoolcalendar.termdates.created",
    "Term dates added in the administration screens",
    formerly=["directory.termdates.created"],
)
TERM_DATES_CHANGED = actions.add(
    "schoolcalendar.termdates.changed",
    "Term dates changed in the administration screens",
    formerly=["directory.termdates.changed"],
)
CLOSURE_DAY_CREATED = actions.add(
    "schoolcalendar.closureday.created",
    "Closure day (INSET or other) added in the administration screens",
    formerly=["directory.closureday.created"],
)
CLOSURE_DAY_CHANGED = actions.add(
    "schoolcalendar.closureday.changed",
    "Closure day (INSET or other) changed in the administration screens",
    formerly=["directory.closureday.changed"],
)

# The new school year (R38, schoolcalendar/school_year.py).
SCHOOL_YEAR_STARTED = actions.add(
    "onboarding.school_year.started",
    "New school year started: year groups moved up and the leaving year became former pupils",
)
