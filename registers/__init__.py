"""Append-only staff and pupil files, monitoring and audit history (issue #6)."""
