from django.db import models
from django.db.models import Q
from django.utils import timezone

from approvals.models import Decision
from contactpolicy.models import AppendOnlyModel
from declarations.models import Declaration
from directory.models import FamilyMember, Person, Pupil


class RegisterEntry(AppendOnlyModel):
    """One line of a staff member's or a pupil's file (R25). Never changed or deleted:
    a correction is a new entry that points at the one it amends, with the reason."""

    class File(models.TextChoices):
        STAFF = "staff", "Staff file"
        PUPIL = "pupil", "Pupil file"

    class EntryKind(models.TextChoices):
        OUTCOME = "outcome", "Outcome"
        CORRECTION = "correction", "Correction"

    file = models.CharField(max_length=10, choices=File.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="register_entries"
    )
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="register_entries"
    )
    via_family_member = models.ForeignKey(
        FamilyMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="On a pupil's file because one of their family was named.",
    )
    entry_kind = models.CharField(max_length=20, choices=EntryKind.choices)
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="register_entries"
    )
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="register_entries"
    )
    text = models.TextField(help_text="What was decided, as it stood when recorded.")
    confidential = models.BooleanField(
        default=False,
        help_text="A referral or LADO consultation: not shown to the staff member themself.",
    )
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.TextField("reason for the correction", blank=True)
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name_plural = "register entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(file="staff", person__isnull=False, pupil__isnull=True)
                | Q(file="pupil", pupil__isnull=False, person__isnull=True),
                name="register_entry_on_one_file",
            ),
            models.CheckConstraint(
                condition=~Q(entry_kind="correction") | (Q(amends__isnull=False) & ~Q(reason="")),
                name="register_correction_has_target_and_reason",
            ),
            models.UniqueConstraint(
                fields=["decision", "person"],
                condition=Q(entry_kind="outcome", file="staff"),
                name="register_one_staff_entry_per_decision",
            ),
            models.UniqueConstraint(
                fields=["decision", "pupil"],
                condition=Q(entry_kind="outcome", file="pupil"),
                name="register_one_pupil_entry_per_decision",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "recorded_at"], name="register_staff_file_idx"),
            models.Index(fields=["pupil", "recorded_at"], name="register_pupil_file_idx"),
        ]

    def __str__(self) -> str:
        owner = self.person if self.file == self.File.STAFF else self.pupil
        return f"{self.get_file_display()} of {owner}: {self.get_entry_kind_display().lower()}"
