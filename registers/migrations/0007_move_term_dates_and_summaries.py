"""The term dates move down to the directory (the school calendar, which the approvals
will count school days on) and the saved governors' summaries up to the oversight app.

The tables are renamed, never copied: every row, its history and the append-only
trigger on the saved summaries stay as they are. The models leave this app's state
here and join the other apps' in directory 0003 and oversight 0001.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registers", "0006_summarysnapshot_append_only_trigger"),
    ]

    operations = [
        migrations.AlterModelTable("termdates", "directory_termdates"),
        migrations.AlterModelTable("historicaltermdates", "directory_historicaltermdates"),
        migrations.AlterModelTable("summarysnapshot", "oversight_summarysnapshot"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel("HistoricalTermDates"),
                migrations.DeleteModel("TermDates"),
                migrations.DeleteModel("SummarySnapshot"),
            ]
        ),
    ]
