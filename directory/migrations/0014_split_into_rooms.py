"""The directory is split into rooms (#17): the school calendar (terms, closure days,
new school years) goes to the schoolcalendar app, the invitations to identity, the
imports to onboarding, and the MIS connection and its syncs to mis.

The tables are renamed, never copied: every row and its history stay as they are. The
models leave this app's state here and join the other apps' in their 0001 migrations,
which move their content types too, so that the audit events, permissions and admin
history about them still point at them.
"""

from django.db import migrations

MOVED = {
    "importrun": "onboarding",
    "importrow": "onboarding",
    "invitation": "identity",
    "misconnection": "mis",
    "missync": "mis",
    "schoolyearrollover": "schoolcalendar",
    "termdates": "schoolcalendar",
    "historicaltermdates": "schoolcalendar",
    "closureday": "schoolcalendar",
    "historicalclosureday": "schoolcalendar",
}


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0013_mis_connections"),
    ]

    operations = [
        *(migrations.AlterModelTable(model, f"{app}_{model}") for model, app in MOVED.items()),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # What points at another first: syncs, rows and the history models.
                migrations.DeleteModel("MisSync"),
                migrations.DeleteModel("ImportRow"),
                migrations.DeleteModel("ImportRun"),
                migrations.DeleteModel("MisConnection"),
                migrations.DeleteModel("Invitation"),
                migrations.DeleteModel("SchoolYearRollover"),
                migrations.DeleteModel("HistoricalTermDates"),
                migrations.DeleteModel("TermDates"),
                migrations.DeleteModel("HistoricalClosureDay"),
                migrations.DeleteModel("ClosureDay"),
            ]
        ),
    ]
