"""Putting a school's people in and keeping them current (R38): imports from a
spreadsheet or from the MIS, each with its rows.

The tables were the directory's until #17 split this app off (directory 0014 renamed
them; see tests/test_migrations.py)."""

from django.db import models
from django.utils import timezone

from directory.models import Organisation, Person


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
