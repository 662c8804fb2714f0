"""Acknowledgements and training records refuse UPDATE (and, on PostgreSQL, DELETE) in
the database itself, like the register and the audit trail (R30, R31, R35).

The PostgreSQL function contactpolicy_append_only() comes from the audit trail's
migration; SQLite keeps DELETE so that the test runner can flush between tests.
"""

from django.db import migrations

TABLES = ["policies_acknowledgement", "policies_trainingrecord"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION contactpolicy_append_only();"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END;"
            )


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_policy_versions_acknowledgements_training_channels"),
        ("contactpolicy", "0002_auditevent_append_only_trigger"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
