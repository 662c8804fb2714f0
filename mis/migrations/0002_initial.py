"""The syncs' links to the imports they made and to who asked, in the state only (the
columns were there before)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ['misconnection', 'missync']


def move_content_types(apps, schema_editor, old="directory", new="mis"):
    """Permissions, admin history and audit events point at the content type: it moves
    with the model, so that they still find it."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="mis", new="directory")


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
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
