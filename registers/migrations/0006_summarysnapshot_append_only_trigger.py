"""Saved governors' summaries refuse UPDATE (and, on PostgreSQL, DELETE) in the database itself.

The PostgreSQL function contactpolicy_append_only() comes from the audit trail's
migration; SQLite keeps DELETE so that the test runner can flush between tests.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE TRIGGER registers_summarysnapshot_append_only
    BEFORE UPDATE OR DELETE ON registers_summarysnapshot
    FOR EACH ROW EXECUTE FUNCTION contactpolicy_append_only();
"""
POSTGRES_REVERSE = (
    "DROP TRIGGER IF EXISTS registers_summarysnapshot_append_only ON registers_summarysnapshot;"
)
SQLITE_FORWARD = """
CREATE TRIGGER registers_summarysnapshot_append_only
BEFORE UPDATE ON registers_summarysnapshot
BEGIN
    SELECT RAISE(ABORT, 'registers_summarysnapshot is append-only: rows cannot be changed');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS registers_summarysnapshot_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("registers", "0005_governor_summaries"),
        ("contactpolicy", "0002_auditevent_append_only_trigger"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
