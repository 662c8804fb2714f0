"""Entries of the DSL's log on the pupils' files (R41)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0005_dsl_log'),
        ('declarations', '0003_declaration_marked_urgent'),
        ('directory', '0013_mis_connections'),
        ('registers', '0007_move_term_dates_and_summaries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='registerentry',
            name='dsl_log',
            field=models.ForeignKey(blank=True, help_text="What the DSL or a deputy did, for an entry of the DSL's log (R41).", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='register_entries', to='approvals.dsllogentry'),
        ),
        migrations.AlterField(
            model_name='registerentry',
            name='confidential',
            field=models.BooleanField(default=False, help_text="A referral, a LADO consultation or the DSL's log: not shown to the staff member themself."),
        ),
        migrations.AlterField(
            model_name='registerentry',
            name='entry_kind',
            field=models.CharField(choices=[('outcome', 'Decision'), ('review', 'Monitoring review'), ('confirmation', 'Confirmation'), ('correction', 'Correction'), ('dsl_log', "DSL's log")], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='registerentry',
            constraint=models.UniqueConstraint(condition=models.Q(('entry_kind', 'dsl_log')), fields=('dsl_log', 'pupil'), name='register_one_pupil_entry_per_dsl_log'),
        ),
    ]
