class AppendOnlyError(Exception):
    """An attempt to change or delete a record that may only ever be added to."""
