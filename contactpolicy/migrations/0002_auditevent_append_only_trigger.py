"""The audit trail refuses UPDATE and DELETE in the database itself, not only in the app.

PostgreSQL: a row trigger raises on UPDATE or DELETE (TRUNCATE, which only an
operator or the test runner issues, is not a row operation). SQLite: a trigger
aborts UPDATE; DELETE stays possible there so that the test runner can flush.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION contactpolicy_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows cannot be changed or deleted', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contactpolicy_auditevent_append_only
    BEFORE UPDATE OR DELETE ON contactpolicy_auditevent
    FOR EACH ROW EXECUTE FUNCTION contactpolicy_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS contactpolicy_auditevent_append_only ON contactpolicy_auditevent;
"""
SQLITE_FORWARD = """
CREATE TRIGGER contactpolicy_auditevent_append_only
BEFORE UPDATE ON contactpolicy_auditevent
BEGIN
    SELECT RAISE(ABORT, 'contactpolicy_auditevent is append-only: rows cannot be changed');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS contactpolicy_auditevent_append_only;"


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
    dependencies = [("contactpolicy", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
