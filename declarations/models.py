import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from contactpolicy import workflow
from contactpolicy.uploads import generated_path
from declarations.kinds import get_kind, kind_choices
from directory.models import FamilyMember, Organisation, Person, Pupil


class Declaration(models.Model):
    """One declaration of contact, by one adult, in one setting (R5 to R20)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        MORE_INFO = "more_info_requested", "More information requested"
        DECIDED = "decided", "Decided"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # The allowed moves (contactpolicy.workflow); anything else raises IllegalTransition.
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.MORE_INFO, Status.DECIDED, Status.WITHDRAWN},
        Status.MORE_INFO: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.DECIDED: set(),
        Status.WITHDRAWN: set(),
    }
    EDITABLE = frozenset({Status.DRAFT, Status.MORE_INFO})

    declarant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="declarations")
    setting = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="declarations")
    kind = models.CharField(max_length=40, choices=kind_choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    details = models.JSONField(default=dict, blank=True)
    notes = models.TextField("anything else the decider should know", blank=True)
    key_date = models.DateField(
        null=True, blank=True, help_text="The date by which a decision is needed, if any."
    )
    urgent = models.BooleanField(
        "marked urgent by the declarant",
        default=False,
        db_default=False,
        help_text="Due the same school day, first on the decider's list (R39).",
    )
    version = models.PositiveIntegerField(default=1)
    previous_version = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_versions",
        help_text="The decided declaration this one amends.",
    )
    form_token = models.UUIDField(
        default=uuid.uuid4, help_text="Makes a double-posted form create one declaration."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    first_submitted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was first sent to be decided; a reply to a request for more "
        "information does not change it.",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declarant", "form_token"], name="declaration_one_per_form"
            ),
            # One live amendment per version; a withdrawn amendment leaves room for another.
            models.UniqueConstraint(
                fields=["previous_version"],
                condition=Q(previous_version__isnull=False) & ~Q(status="withdrawn"),
                name="declaration_one_live_amendment",
            ),
        ]
        indexes = [
            models.Index(fields=["declarant", "status"], name="declaration_declarant_idx"),
            models.Index(fields=["setting", "status"], name="declaration_setting_idx"),
            models.Index(fields=["kind", "created_at"], name="declaration_kind_idx"),
            models.Index(
                fields=["setting", "first_submitted_at"], name="declaration_submitted_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_entry.name} ({self.reference})"

    def get_absolute_url(self) -> str:
        return reverse("declarations:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        suffix = f" v{self.version}" if self.version > 1 else ""
        return f"D{self.pk:06d}{suffix}" if self.pk else "new"

    @property
    def kind_entry(self):
        return get_kind(self.kind)

    @property
    def advice_while_waiting(self) -> str:
        """What the declarant does until it is decided, fitting their answers (#22)."""
        return self.kind_entry.advice_while_waiting(self.details)

    @property
    def is_urgent(self) -> bool:
        """Marked urgent by the declarant, or of a kind that always is (a concern, R19)."""
        return self.urgent or self.kind_entry.urgent

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def can_withdraw(self) -> bool:
        return workflow.allows(self, self.Status.WITHDRAWN)


class DeclarationSubject(models.Model):
    """Whom a declaration concerns: a pupil, a family member, or someone described."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="subjects")
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    family_member = models.ForeignKey(
        FamilyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    other_name = models.CharField("name", max_length=200, blank=True)
    other_relationship = models.CharField("relationship to the pupil", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(pupil__isnull=False, family_member__isnull=True, other_name="")
                    | Q(pupil__isnull=True, family_member__isnull=False, other_name="")
                    | (Q(pupil__isnull=True, family_member__isnull=True) & ~Q(other_name=""))
                ),
                name="subject_is_exactly_one_person",
            ),
            models.UniqueConstraint(
                fields=["declaration", "pupil"],
                condition=Q(pupil__isnull=False),
                name="subject_pupil_once",
            ),
            models.UniqueConstraint(
                fields=["declaration", "family_member"],
                condition=Q(family_member__isnull=False),
                name="subject_family_member_once",
            ),
        ]

    def __str__(self) -> str:
        if self.pupil_id:
            return str(self.pupil)
        if self.family_member_id:
            return str(self.family_member)
        return (
            f"{self.other_name} ({self.other_relationship})"
            if self.other_relationship
            else self.other_name
        )


def attachment_path(instance: "Attachment", filename: str) -> str:
    return generated_path("attachments", filename)


class Attachment(models.Model):
    """A copy of a card, letter or screenshot, kept outside static files (R11)."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("declarations:attachment", args=[self.pk])
