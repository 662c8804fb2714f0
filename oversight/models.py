"""What the oversight app keeps of its own: the governors' summaries saved for the board
papers. Everything else it shows is read from the apps below."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone

from contactpolicy.models import AppendOnlyModel
from directory.models import Organisation, Person


class SummarySnapshot(AppendOnlyModel):
    """A governors' summary saved as it stood, so that the board papers do not change
    later (R33). It holds only the anonymised figures, after small numbers were
    suppressed: never a name, an identifier or a word a declarant wrote."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="summary_snapshots"
    )
    period = models.CharField(
        max_length=20, help_text="Which period: autumn-2026, year-2026 or custom."
    )
    title = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    data = models.JSONField(encoder=DjangoJSONEncoder)
    saved_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now, editable=False)
    published = models.BooleanField(
        default=False, help_text="Whether the governors were told it is ready."
    )

    class Meta:
        ordering = ["-saved_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "saved_at"], name="summary_organisation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("oversight:summary_snapshot", args=[self.pk])
