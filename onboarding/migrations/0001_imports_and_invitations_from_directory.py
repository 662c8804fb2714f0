"""Imports, the MIS connection and its syncs, invitations and the new school year join
the onboarding app (see directory 0014, which renamed their tables)."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ["importrun", "importrow", "invitation", "misconnection", "missync", "schoolyearrollover"]


def move_content_types(apps, schema_editor, old="directory", new="onboarding"):
    """Permissions, admin history and audit events point at the content type: it moves
    with the model, so that they still find it."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="onboarding", new="directory")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('directory', '0014_imports_and_invitations_to_onboarding'),
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
                migrations.CreateModel(
                    name='Invitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('password', 'A link to set a password'), ('sso', 'How to sign in with single sign-on')], max_length=10)),
                        ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('expires', models.DateTimeField(blank=True, help_text='When the link stops working (password links only).', null=True)),
                        ('accepted_at', models.DateTimeField(blank=True, null=True)),
                        ('organisation', models.ForeignKey(help_text='The organisation whose going live it was sent for.', on_delete=django.db.models.deletion.PROTECT, related_name='invitations', to='directory.organisation')),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invitations', to=settings.AUTH_USER_MODEL)),
                        ('sent_by', models.ForeignKey(blank=True, help_text='Empty when the person asked for a new one from an expired link.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invitations_sent', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['-sent_at', '-pk'],
                    },
                ),
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
                        ('connection', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='syncs', to='onboarding.misconnection')),
                        ('import_run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='onboarding.importrun')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'MIS sync',
                        'ordering': ['-requested_at'],
                    },
                ),
                migrations.CreateModel(
                    name='SchoolYearRollover',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(help_text='The year the new school year starts: 2027 for 2027 to 2028.', verbose_name='school year')),
                        ('starts_on', models.DateField(verbose_name='first day of the new school year')),
                        ('left_on', models.DateField(verbose_name="leavers' leaving date")),
                        ('leaving_year_group', models.CharField(choices=[('N1', 'Nursery 1 (age 2 to 3)'), ('N2', 'Nursery 2 (age 3 to 4)'), ('R', 'Reception'), ('1', 'Year 1'), ('2', 'Year 2'), ('3', 'Year 3'), ('4', 'Year 4'), ('5', 'Year 5'), ('6', 'Year 6'), ('7', 'Year 7'), ('8', 'Year 8'), ('9', 'Year 9'), ('10', 'Year 10'), ('11', 'Year 11'), ('12', 'Year 12'), ('13', 'Year 13')], max_length=2, verbose_name='leaving year')),
                        ('destination', models.CharField(blank=True, max_length=200, verbose_name="leavers' destination")),
                        ('counts', models.JSONField(default=dict)),
                        ('made_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('made_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('setting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='school_year_rollovers', to='directory.organisation')),
                    ],
                    options={
                        'verbose_name': 'new school year',
                        'verbose_name_plural': 'new school years',
                        'ordering': ['setting__name', '-year'],
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
                migrations.AddIndex(
                    model_name='invitation',
                    index=models.Index(fields=['person', '-sent_at'], name='invitation_person_idx'),
                ),
                migrations.AddConstraint(
                    model_name='invitation',
                    constraint=models.CheckConstraint(condition=models.Q(('kind', 'sso'), ('expires__isnull', False), _connector='OR'), name='invitation_password_link_expires'),
                ),
                migrations.AddIndex(
                    model_name='missync',
                    index=models.Index(fields=['connection', '-requested_at'], name='mis_sync_connection_idx'),
                ),
                migrations.AddConstraint(
                    model_name='schoolyearrollover',
                    constraint=models.UniqueConstraint(fields=('setting', 'year'), name='school_year_rollover_once_per_setting_and_year', violation_error_message='This school year has already been started here.'),
                ),
            ]
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
