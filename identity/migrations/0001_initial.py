"""The invitations of going live join the identity app (directory 0014 renamed their
table)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ['invitation']


def move_content_types(apps, schema_editor, old="directory", new="identity"):
    """Permissions, admin history and audit events point at the content type: it moves
    with the model, so that they still find it."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="identity", new="directory")


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
                        'indexes': [models.Index(fields=['person', '-sent_at'], name='invitation_person_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('kind', 'sso'), ('expires__isnull', False), _connector='OR'), name='invitation_password_link_expires')],
                    },
                ),
            ]
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
