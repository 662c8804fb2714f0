"""The MIS sync's audit actions: never the token."""

from contactpolicy.audit import ActionGroup

# The school's MIS through Wonde (R38, #20; mis/services.py): never the token.
mis = ActionGroup("Syncing from the school's MIS")

MIS_CONNECTION_SET = mis.add("mis.connection_set", "Connection to the school's MIS (Wonde) set up")
MIS_CONNECTION_CHANGED = mis.add(
    "mis.connection_changed", "Connection to the school's MIS (Wonde) changed"
)
MIS_SYNC_REQUESTED = mis.add("mis.sync_requested", "Sync from the school's MIS asked for")
MIS_SYNC_FAILED = mis.add(
    "mis.sync_failed", "Sync from the school's MIS stopped before changing anything"
)
