"""The demo's one audit action."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("People, pupils and the calendar")

DEMO_LOADED = actions.add("demo.loaded", "Demo data loaded")
