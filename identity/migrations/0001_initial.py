"""The invitations of going live join the identity app (directory 0014 renamed their
table)."""

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
        content_types_follow(['invitation'], old="directory", new="identity"),
    ]
