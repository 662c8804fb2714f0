"""Putting a school's people in and keeping them current (R36, R38): imports from a
spreadsheet or the MIS, the MIS connection and its syncs, the invitations sent when an
organisation goes live, and the start of each new school year.

The tables were the directory's until #17 split this app off (directory 0014 renamed
them; see tests/test_migrations.py)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from directory.models import Organisation, Person, YearGroup


class Invitation(models.Model):
    """The email that tells a person they have an account, sent when their organisation
    goes live (R36, R38): a link to set a password, which expires and works once, or,
    where the organisation signs in with single sign-on, the sign-in page and the name
    of its button. Sent again, the newer one replaces it; nothing is deleted."""

    class Kind(models.TextChoices):
        PASSWORD = "password", "A link to set a password"
        SINGLE_SIGN_ON = "sso", "How to sign in with single sign-on"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="invitations")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="invitations",
        help_text="The organisation whose going live it was sent for.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        help_text="Empty when the person asked for a new one from an expired link.",
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(
        null=True, blank=True, help_text="When the link stops working (password links only)."
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["person", "-sent_at"], name="invitation_person_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="sso") | Q(expires__isnull=False),
                name="invitation_password_link_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.person} ({self.sent_at:%-d %B %Y})"

    def has_expired(self, now=None) -> bool:
        return self.expires is not None and self.expires <= (now or timezone.now())


class SchoolYearRollover(models.Model):
    """A new school year started at one setting (R38): its pupils' year groups moved up
    and its leaving year became former pupils, once for each school year. The row is the
    lock that makes a second start of the same year impossible, and the record of what
    the start did; nothing is deleted."""

    setting = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="school_year_rollovers"
    )
    year = models.PositiveSmallIntegerField(
        "school year", help_text="The year the new school year starts: 2027 for 2027 to 2028."
    )
    starts_on = models.DateField("first day of the new school year")
    left_on = models.DateField("leavers' leaving date")
    leaving_year_group = models.CharField("leaving year", max_length=2, choices=YearGroup.choices)
    destination = models.CharField("leavers' destination", max_length=200, blank=True)
    counts = models.JSONField(default=dict)
    made_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["setting__name", "-year"]
        verbose_name = "new school year"
        verbose_name_plural = "new school years"
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "year"],
                name="school_year_rollover_once_per_setting_and_year",
                violation_error_message="This school year has already been started here.",
            ),
        ]

    def __str__(self) -> str:
        return f"School year {self.year} to {self.year + 1}, {self.setting}"


class ImportRun(models.Model):
    """One import of people, pupils and families into an organisation, from a
    spreadsheet or a sync with the MIS (R38, onboarding/imports/): previewed, confirmed,
    applied, and kept for the administrator to look back at."""

    class Source(models.TextChoices):
        SPREADSHEET = "spreadsheet", "Spreadsheet"
        WONDE = "wonde", "MIS sync through Wonde"

    class Status(models.TextChoices):
        CHECKING = "checking", "Being checked"
        PREVIEW = "preview", "Ready to confirm"
        QUEUED = "queued", "Waiting to be imported"
        APPLYING = "applying", "Being imported"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    TRANSITIONS = {
        Status.CHECKING: {Status.PREVIEW, Status.FAILED},
        Status.PREVIEW: {Status.CHECKING, Status.QUEUED, Status.APPLYING, Status.CANCELLED},
        Status.QUEUED: {Status.APPLYING, Status.FAILED},
        Status.APPLYING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: {Status.QUEUED},
        Status.CANCELLED: set(),
    }

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="import_runs"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    started_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the nightly sync.",
    )
    applied_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The files read, for a spreadsheet: [{"table", "name", "size", "sha256", "ignored"}].
    files = models.JSONField(default=list, blank=True)
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(
        "rows with problems", default=0, help_text="Rows not imported until corrected."
    )
    left_out = models.PositiveIntegerField(default=0)
    # Progress of the writing, row by row: shown on the page while the worker imports.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organisation", "-started_at"], name="import_run_org_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} into {self.organisation}, {self.started_at:%-d %B %Y}"

    @property
    def is_open(self) -> bool:
        """Still waiting for the administrator: previewed, not yet imported."""
        return self.status == self.Status.PREVIEW

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.APPLYING)

    def column_label(self, table: str, column: str) -> str:
        """A column's name on the pages, with what the uploaded file called it."""
        from onboarding.imports.columns import column_label

        headers = next((f.get("headers", {}) for f in self.files if f["table"] == table), {})
        return column_label(column, headers.get(column, ""))


class ImportRow(models.Model):
    """One row of an import: its values as the source gave them, and what the import
    does or did with it (add, change, leave alone) or the problems that stop it."""

    class Table(models.TextChoices):
        STAFF = "staff", "Staff"
        PUPILS = "pupils", "Pupils"
        FAMILIES = "families", "Family members and contacts"
        LINE_MANAGEMENT = "line_management", "Line management"

    class Action(models.TextChoices):
        ADD = "add", "To add"
        CHANGE = "change", "To change"
        UNCHANGED = "unchanged", "Already up to date"
        PROBLEM = "problem", "Has a problem"
        LEFT_OUT = "left_out", "Left out"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    table = models.CharField(max_length=20, choices=Table.choices)
    number = models.PositiveIntegerField(help_text="The row in the file (the header is row 1).")
    values = models.JSONField(default=dict)
    action = models.CharField(max_length=10, choices=Action.choices)
    label = models.CharField(max_length=255, blank=True)
    # {column: [before, after]} for a change; [{"column", "message"}] for problems.
    changes = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "table", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "table", "number"], name="import_row_unique"),
        ]
        indexes = [models.Index(fields=["run", "action"], name="import_row_action_idx")]

    def __str__(self) -> str:
        return f"{self.get_table_display()}, row {self.number}"


class MisConnection(models.Model):
    """How one school's or pre-school's people, pupils and families come from its MIS,
    through an aggregator the school has approved (R38, #20): Wonde for now.

    The access token is kept encrypted under MIS_TOKEN_KEY (onboarding/imports/tokens.py),
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
