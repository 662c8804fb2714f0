"""The MIS connection and its syncs join the mis app (directory 0014 renamed their
tables); 0002 adds what points at onboarding's imports."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('directory', '0014_split_into_rooms'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables were renamed by directory 0014: only the state moves here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MisConnection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(choices=[('wonde', 'Wonde')], default='wonde', max_length=20)),
                        ('school_id', models.CharField(max_length=20, validators=[django.core.validators.RegexValidator('^[A-Z][0-9]{3,15}$', "A Wonde school ID is a capital letter and digits, such as A1930499544: it is on the school's page in the Wonde dashboard.")], verbose_name='Wonde school ID')),
                        ('token_encrypted', models.TextField(editable=False)),
                        ('enabled', models.BooleanField(default=True, help_text="Untick to stop the nightly sync; 'Sync now' still works.", verbose_name='sync every night')),
                        ('last_synced_at', models.DateTimeField(blank=True, editable=False, help_text='When the last sync that finished began: the next asks only for what changed since.', null=True)),
                        ('changed_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ('changed_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='mis_connection', to='directory.organisation')),
                    ],
                    options={
                        'verbose_name': 'MIS connection',
                    },
                ),
                migrations.CreateModel(
                    name='MisSync',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('trigger', models.CharField(choices=[('button', 'Sync now'), ('nightly', 'Nightly sync')], default='button', max_length=10)),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Running'), ('done', 'Finished'), ('failed', 'Stopped')], default='queued', max_length=10)),
                        ('progress', models.CharField(blank=True, max_length=200)),
                        ('message', models.TextField(blank=True, help_text='Why the sync stopped, in plain words.')),
                        ('since', models.DateTimeField(blank=True, help_text='Only what changed after this was asked for.', null=True)),
                        ('counts', models.JSONField(blank=True, default=dict)),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('connection', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='syncs', to='mis.misconnection')),
                    ],
                    options={
                        'verbose_name': 'MIS sync',
                        'ordering': ['-requested_at'],
                    },
                ),
            ]
        ),
    ]
