"""The syncs' links to the imports they made and to who asked, in the state only (the
columns were there before)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from contactpolicy.model_moves import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('mis', '0001_initial'),
        ('onboarding', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables were renamed by directory 0014: only the state moves here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='missync',
                    name='import_run',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='onboarding.importrun'),
                ),
                migrations.AddField(
                    model_name='missync',
                    name='requested_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddIndex(
                    model_name='missync',
                    index=models.Index(fields=['connection', '-requested_at'], name='mis_sync_connection_idx'),
                ),
            ]
        ),
        content_types_follow(['misconnection', 'missync'], old="directory", new="mis"),
    ]
