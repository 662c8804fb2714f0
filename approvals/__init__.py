"""Routing rules, approval requests, decisions and the dashboard (issue #5)."""
