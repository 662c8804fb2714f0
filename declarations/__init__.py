"""Declarations: the kinds, forms and "my declarations" (issue #4)."""
