"""The imports and their rows join the onboarding app (directory 0014 renamed their
tables)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from contactpolicy.model_moves import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('directory', '0014_split_into_rooms'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables were renamed by directory 0014: only the state moves here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(choices=[('spreadsheet', 'Spreadsheet'), ('wonde', 'MIS sync through Wonde')], max_length=20)),
                        ('status', models.CharField(choices=[('checking', 'Being checked'), ('preview', 'Ready to confirm'), ('queued', 'Waiting to be imported'), ('applying', 'Being imported'), ('done', 'Imported'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='checking', max_length=10)),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('applied_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('files', models.JSONField(blank=True, default=list)),
                        ('added', models.PositiveIntegerField(default=0)),
                        ('changed', models.PositiveIntegerField(default=0)),
                        ('unchanged', models.PositiveIntegerField(default=0)),
                        ('problem_count', models.PositiveIntegerField(default=0, help_text='Rows not imported until corrected.', verbose_name='rows with problems')),
                        ('left_out', models.PositiveIntegerField(default=0)),
                        ('done', models.PositiveIntegerField(default=0)),
                        ('total', models.PositiveIntegerField(default=0)),
                        ('failure', models.CharField(blank=True, max_length=500)),
                        ('applied_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='import_runs', to='directory.organisation')),
                        ('started_by', models.ForeignKey(blank=True, help_text='Empty for the nightly sync.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('table', models.CharField(choices=[('staff', 'Staff'), ('pupils', 'Pupils'), ('families', 'Family members and contacts'), ('line_management', 'Line management')], max_length=20)),
                        ('number', models.PositiveIntegerField(help_text='The row in the file (the header is row 1).')),
                        ('values', models.JSONField(default=dict)),
                        ('action', models.CharField(choices=[('add', 'To add'), ('change', 'To change'), ('unchanged', 'Already up to date'), ('problem', 'Has a problem'), ('left_out', 'Left out')], max_length=10)),
                        ('label', models.CharField(blank=True, max_length=255)),
                        ('changes', models.JSONField(blank=True, default=dict)),
                        ('problems', models.JSONField(blank=True, default=list)),
                        ('applied', models.BooleanField(default=False)),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='onboarding.importrun')),
                    ],
                    options={
                        'ordering': ['run', 'table', 'number'],
                    },
                ),
                migrations.AddIndex(
                    model_name='importrun',
                    index=models.Index(fields=['organisation', '-started_at'], name='import_run_org_idx'),
                ),
                migrations.AddIndex(
                    model_name='importrow',
                    index=models.Index(fields=['run', 'action'], name='import_row_action_idx'),
                ),
                migrations.AddConstraint(
                    model_name='importrow',
                    constraint=models.UniqueConstraint(fields=('run', 'table', 'number'), name='import_row_unique'),
                ),
            ]
        ),
        content_types_follow(['importrun', 'importrow'], old="directory", new="onboarding"),
    ]
