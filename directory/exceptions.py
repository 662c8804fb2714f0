class CalendarError(Exception):
    """Term dates that cannot be set; the message says why, in plain words."""
