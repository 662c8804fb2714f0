"""Term dates join the directory, as the school calendar (see registers 0007)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


MOVED = ['termdates', 'historicaltermdates']


def move_content_types(apps, schema_editor, old="registers", new="directory"):
    """Permissions, admin history and audit events point at the content type: it moves
    with the model, so that they still find it."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="directory", new="registers")



class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('registers', '0007_move_term_dates_and_summaries'),
        ('directory', '0002_familymember_person'),
    ]

    operations = [
        # The table was renamed by registers 0007: only the state moves here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalTermDates',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(help_text='The year the school year starts: 2026 for 2026 to 2027.', verbose_name='school year')),
                        ('term', models.CharField(choices=[('autumn', 'Autumn term'), ('spring', 'Spring term'), ('summer', 'Summer term')], max_length=10)),
                        ('starts_on', models.DateField(verbose_name='first day')),
                        ('ends_on', models.DateField(verbose_name='last day')),
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
                    name='TermDates',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(help_text='The year the school year starts: 2026 for 2026 to 2027.', verbose_name='school year')),
                        ('term', models.CharField(choices=[('autumn', 'Autumn term'), ('spring', 'Spring term'), ('summer', 'Summer term')], max_length=10)),
                        ('starts_on', models.DateField(verbose_name='first day')),
                        ('ends_on', models.DateField(verbose_name='last day')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='term_dates', to='directory.organisation')),
                    ],
                    options={
                        'verbose_name_plural': 'term dates',
                        'ordering': ['organisation__name', '-year', 'starts_on'],
                        'constraints': [models.UniqueConstraint(fields=('organisation', 'year', 'term'), name='term_dates_one_per_term'), models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='term_dates_end_after_start')],
                    },
                ),
            ]
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
