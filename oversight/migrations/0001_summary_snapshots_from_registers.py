"""Saved governors' summaries join the oversight app (see registers 0007)."""

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ['summarysnapshot']


def move_content_types(apps, schema_editor, old="registers", new="oversight"):
    """Permissions, admin history and audit events point at the content type: it moves
    with the model, so that they still find it."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="oversight", new="registers")



class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('registers', '0007_move_term_dates_and_summaries'),
        ('directory', '0003_term_dates_from_registers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table was renamed by registers 0007: only the state moves here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SummarySnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period', models.CharField(help_text='Which period: autumn-2026, year-2026 or custom.', max_length=20)),
                        ('title', models.CharField(max_length=200)),
                        ('starts_on', models.DateField()),
                        ('ends_on', models.DateField()),
                        ('data', models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder)),
                        ('saved_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ('published', models.BooleanField(default=False, help_text='Whether the governors were told it is ready.')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='summary_snapshots', to='directory.organisation')),
                        ('saved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['-saved_at', '-pk'],
                        'indexes': [models.Index(fields=['organisation', 'saved_at'], name='summary_organisation_idx')],
                    },
                ),
            ]
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
