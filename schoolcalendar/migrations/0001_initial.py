"""Term dates, closure days (with their history) and new school years join the
schoolcalendar app (directory 0014 renamed their tables)."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
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
                    name='HistoricalClosureDay',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('starts_on', models.DateField(verbose_name='first day')),
                        ('ends_on', models.DateField(blank=True, help_text='Leave empty when the closure is one day.', verbose_name='last day')),
                        ('reason', models.CharField(choices=[('inset', 'INSET (staff training) day'), ('closure', 'Other closure')], default='inset', max_length=10)),
                        ('note', models.CharField(blank=True, help_text='For example: staff training on safeguarding.', max_length=200)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.organisation')),
                    ],
                    options={
                        'verbose_name': 'historical closure day (INSET or other)',
                        'verbose_name_plural': 'historical closure days (INSET or other)',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalTermDates',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(help_text='The year the school year starts: 2026 for 2026 to 2027.', verbose_name='school year')),
                        ('term', models.CharField(choices=[('autumn', 'Autumn term'), ('spring', 'Spring term'), ('summer', 'Summer term')], max_length=10)),
                        ('starts_on', models.DateField(verbose_name='first day')),
                        ('ends_on', models.DateField(verbose_name='last day')),
                        ('half_term_starts_on', models.DateField(blank=True, help_text='The first weekday with no school, usually a Monday.', null=True, verbose_name='half-term: first day of the break')),
                        ('half_term_ends_on', models.DateField(blank=True, help_text='The last weekday with no school, usually a Friday.', null=True, verbose_name='half-term: last day of the break')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.organisation')),
                    ],
                    options={
                        'verbose_name': 'historical term dates',
                        'verbose_name_plural': 'historical term dates',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='ClosureDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_on', models.DateField(verbose_name='first day')),
                        ('ends_on', models.DateField(blank=True, help_text='Leave empty when the closure is one day.', verbose_name='last day')),
                        ('reason', models.CharField(choices=[('inset', 'INSET (staff training) day'), ('closure', 'Other closure')], default='inset', max_length=10)),
                        ('note', models.CharField(blank=True, help_text='For example: staff training on safeguarding.', max_length=200)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='closure_days', to='directory.organisation')),
                    ],
                    options={
                        'verbose_name': 'closure day (INSET or other)',
                        'verbose_name_plural': 'closure days (INSET or other)',
                        'ordering': ['organisation__name', '-starts_on'],
                        'indexes': [models.Index(fields=['organisation', 'starts_on'], name='closure_day_organisation_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='closure_day_ends_after_it_starts')],
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
                        'constraints': [models.UniqueConstraint(fields=('setting', 'year'), name='school_year_rollover_once_per_setting_and_year', violation_error_message='This school year has already been started here.')],
                    },
                ),
                migrations.CreateModel(
                    name='TermDates',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(help_text='The year the school year starts: 2026 for 2026 to 2027.', verbose_name='school year')),
                        ('term', models.CharField(choices=[('autumn', 'Autumn term'), ('spring', 'Spring term'), ('summer', 'Summer term')], max_length=10)),
                        ('starts_on', models.DateField(verbose_name='first day')),
                        ('ends_on', models.DateField(verbose_name='last day')),
                        ('half_term_starts_on', models.DateField(blank=True, help_text='The first weekday with no school, usually a Monday.', null=True, verbose_name='half-term: first day of the break')),
                        ('half_term_ends_on', models.DateField(blank=True, help_text='The last weekday with no school, usually a Friday.', null=True, verbose_name='half-term: last day of the break')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='term_dates', to='directory.organisation')),
                    ],
                    options={
                        'verbose_name_plural': 'term dates',
                        'ordering': ['organisation__name', '-year', 'starts_on'],
                        'constraints': [models.UniqueConstraint(fields=('organisation', 'year', 'term'), name='term_dates_one_per_term'), models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='term_dates_end_after_start'), models.CheckConstraint(condition=models.Q(models.Q(('half_term_ends_on__isnull', True), ('half_term_starts_on__isnull', True)), models.Q(('half_term_ends_on__gte', models.F('half_term_starts_on')), ('half_term_ends_on__lt', models.F('ends_on')), ('half_term_starts_on__gt', models.F('starts_on'))), _connector='OR'), name='term_dates_half_term_inside_the_term')],
                    },
                ),
            ]
        ),
        content_types_follow(['termdates', 'historicaltermdates', 'closureday', 'historicalclosureday', 'schoolyearrollover'], old="directory", new="schoolcalendar"),
    ]
