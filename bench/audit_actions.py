"""The bench's one audit action: the last thing ``seed_scale`` writes (development only)."""

from contactpolicy.audit import ActionGroup

actions = ActionGroup("Test data (development only)")

SCALE_LOADED = actions.add("scale.loaded", "Scale test data loaded")
