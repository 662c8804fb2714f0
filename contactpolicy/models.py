from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from contactpolicy.audit import ACTION_MAX_LENGTH
from contactpolicy.exceptions import AppendOnlyError


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset with no bulk path to change or remove rows."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A model whose rows are written once and never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    """Who did or viewed what, when and from where (R34). Append-only."""

    occurred_at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for events with no signed-in person, such as a failed sign-in.",
    )
    action = models.CharField(max_length=ACTION_MAX_LENGTH)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(
        max_length=255, blank=True, help_text="What the target was called at the time."
    )
    organisation_pk = models.PositiveBigIntegerField(
        "organisation",
        null=True,
        blank=True,
        help_text="The setting the event belongs to, for scoping the audit history (R34). "
        "A plain id: the audit trail sits below the directory.",
    )
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # NULL, not "": only the events that have one are unique by it, and SQLite adds a
    # nullable column without rebuilding the table (which would drop its trigger).
    once_key = models.CharField(  # noqa: DJ001
        max_length=255,
        null=True,
        blank=True,
        editable=False,
        help_text="For an event recorded at most once (a refusal: once per person, record "
        "and hour), what it is unique by; empty for every other event.",
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # Partial, so that SQLite adds it as an index and keeps the table (and its
            # append-only trigger) as it is.
            models.UniqueConstraint(
                fields=["once_key"],
                condition=models.Q(once_key__isnull=False),
                name="audit_once_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_occurred_idx"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_idx"),
            models.Index(fields=["organisation_pk", "occurred_at"], name="audit_organisation_idx"),
            # The DSL's audit search by what happened, in their settings (#10).
            models.Index(
                fields=["organisation_pk", "action", "occurred_at"], name="audit_org_action_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}".strip()
