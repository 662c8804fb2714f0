"""Imports, the MIS connection and its syncs, invitations and the new school year leave
the directory for the onboarding app (#17: one room each).

The tables are renamed, never copied: every row stays as it is. The models leave this
app's state here and join onboarding's in onboarding 0001, which moves their content
types too, so that the audit events about them still point at them.
"""

from django.db import migrations

MOVED = ["importrun", "importrow", "invitation", "misconnection", "missync", "schoolyearrollover"]


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0013_mis_connections"),
    ]

    operations = [
        *(migrations.AlterModelTable(model, f"onboarding_{model}") for model in MOVED),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # The syncs and rows first: they point at the connection and the run.
                migrations.DeleteModel("MisSync"),
                migrations.DeleteModel("ImportRow"),
                migrations.DeleteModel("ImportRun"),
                migrations.DeleteModel("MisConnection"),
                migrations.DeleteModel("Invitation"),
                migrations.DeleteModel("SchoolYearRollover"),
            ]
        ),
    ]
