"""The DSL's log (R41): what the DSL or a deputy did about a declaration copied or
referred to them. Append-only in the database too, like the register entries: a trigger
refuses UPDATE (and, on PostgreSQL, DELETE; SQLite keeps DELETE so that the test
runner can flush between tests)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


POSTGRES_FORWARD = """
CREATE TRIGGER approvals_dsllogentry_append_only
    BEFORE UPDATE OR DELETE ON approvals_dsllogentry
    FOR EACH ROW EXECUTE FUNCTION contactpolicy_append_only();
"""
POSTGRES_REVERSE = "DROP TRIGGER IF EXISTS approvals_dsllogentry_append_only ON approvals_dsllogentry;"
SQLITE_FORWARD = """
CREATE TRIGGER approvals_dsllogentry_append_only
BEFORE UPDATE ON approvals_dsllogentry
BEGIN
    SELECT RAISE(ABORT, 'approvals_dsllogentry is append-only: rows cannot be changed');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS approvals_dsllogentry_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0004_request_urgent'),
        ('contactpolicy', '0002_auditevent_append_only_trigger'),
        ('declarations', '0003_declaration_marked_urgent'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DslLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('spoke_to_staff', 'Spoke to the staff member'), ('lado_advice', 'Sought advice from the LADO'), ('social_care_referral', "Referred to children's social care"), ('early_help', 'Early help'), ('no_further_action', 'No further action')], max_length=30, verbose_name='what was done')),
                ('done_on', models.DateField(verbose_name='date it was done')),
                ('outcome', models.TextField()),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dsl_log', to='declarations.declaration')),
                ('done_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who did it')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('request', models.ForeignKey(help_text='The request of the person who recorded it, from whose page it was written.', on_delete=django.db.models.deletion.PROTECT, related_name='dsl_log', to='approvals.approvalrequest')),
            ],
            options={
                'verbose_name': "DSL's log entry",
                'verbose_name_plural': "DSL's log entries",
                'ordering': ['done_on', 'recorded_at', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('outcome', ''), _negated=True), name='dsl_log_has_outcome')],
            },
        ),
        migrations.RunPython(forward, reverse),
    ]
