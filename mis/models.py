"""A school's MIS, through an aggregator the school has approved (R38, #20): the
connection, its encrypted token, and each sync.

The tables were the directory's until #17 (directory 0014 renamed them)."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from directory.models import Organisation, Person
from onboarding.models import ImportRun


class MisConnection(models.Model):
    """How one school's or pre-school's people, pupils and families come from its MIS,
    through an aggregator the school has approved (R38, #20): Wonde for now.

    The access token is kept encrypted under MIS_TOKEN_KEY (mis/tokens.py),
    never shown back, never in a log or the audit trail.
    """

    class Provider(models.TextChoices):
        WONDE = "wonde", "Wonde"

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="mis_connection"
    )
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.WONDE)
    school_id = models.CharField(
        "Wonde school ID",
        max_length=20,
        validators=[
            RegexValidator(
                r"^[A-Z][0-9]{3,15}$",
                "A Wonde school ID is a capital letter and digits, such as A1930499544: "
                "it is on the school's page in the Wonde dashboard.",
            )
        ],
    )
    token_encrypted = models.TextField(editable=False)
    enabled = models.BooleanField(
        "sync every night",
        default=True,
        help_text="Untick to stop the nightly sync; 'Sync now' still works.",
    )
    last_synced_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the last sync that finished began: the next asks only for what "
        "changed since.",
    )
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
    changed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "MIS connection"

    def __str__(self) -> str:
        return f"{self.get_provider_display()} for {self.organisation}"


class MisSync(models.Model):
    """One sync of an organisation from its MIS: asked for with "Sync now" or by the
    nightly job, run by the worker, its progress shown while it runs, and then the
    import it made (what changed, what could not be matched) or why it stopped."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped"

    class Trigger(models.TextChoices):
        BUTTON = "button", "Sync now"
        NIGHTLY = "nightly", "Nightly sync"

    connection = models.ForeignKey(MisConnection, on_delete=models.PROTECT, related_name="syncs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.BUTTON)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True, help_text="Why the sync stopped, in plain words.")
    since = models.DateTimeField(
        null=True, blank=True, help_text="Only what changed after this was asked for."
    )
    counts = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The import the sync handed its data to (onboarding/imports/services.py): what
    # changed, and what could not be matched.
    import_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "MIS sync"
        indexes = [
            models.Index(fields=["connection", "-requested_at"], name="mis_sync_connection_idx")
        ]

    def __str__(self) -> str:
        when = f"{timezone.localtime(self.requested_at):%-d %B %Y %H:%M}"
        return f"{self.get_trigger_display()} of {self.connection.organisation}, {when}"

    @property
    def organisation_id(self) -> int:
        """Where its audit rows are filed."""
        return self.connection.organisation_id

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
