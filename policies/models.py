"""The policy itself (R29 to R32): its versions, who has read and acknowledged each,
annual safeguarding training, and the ways staff may communicate with pupils and
families."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from contactpolicy.models import AppendOnlyModel
from contactpolicy.uploads import generated_path
from directory.models import Organisation, Person

# How long safeguarding training lasts before it is due again (R31, policy 004 §4).
TRAINING_VALID_FOR_YEARS = 1
# How far ahead training shows as "due soon" and a policy review is flagged.
DUE_SOON_DAYS = 30

DEFAULT_CONFIDENTIALITY_AGREEMENT = (
    "I will keep confidential what I learn about pupils, their families and colleagues "
    "through my work, in person, in writing and online. I will not share anyone's personal "
    "information with pupils, families or carers, or discuss them on social media. I "
    "understand that disciplinary procedures will be followed if I do not keep to this."
)


class Channel(models.TextChoices):
    """Ways contact happens: used by declarations and by the list of permitted modes
    of communication (R32, policy 003 §11)."""

    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LEARNING_PLATFORM = "learning_platform", "The school's learning platform"
    SOCIAL_NETWORK = "social_network", "Social network (for example Facebook, Instagram)"
    MESSAGING_APP = "messaging_app", "Messaging app (for example WhatsApp)"
    GAMING = "gaming", "Online gaming"
    LETTER_OR_CARD = "letter_or_card", "Letter or card"
    OTHER = "other", "Something else"


def policy_document_path(instance: "PolicyVersion", filename: str) -> str:
    return generated_path("policies", filename)


def training_evidence_path(instance: "TrainingRecord", filename: str) -> str:
    return generated_path("training", filename)


def one_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + TRAINING_VALID_FOR_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + TRAINING_VALID_FOR_YEARS, day=28)


def trained_since(today: datetime.date) -> datetime.date:
    """The earliest training date that is not yet overdue today: training on or after
    it is up to date (``one_year_after`` it is today or later)."""
    day = today - datetime.timedelta(days=366 * TRAINING_VALID_FOR_YEARS + 1)
    while one_year_after(day) < today:
        day += datetime.timedelta(days=1)
    return day


class PolicyVersion(models.Model):
    """One adopted version of an organisation's policy (R29). Published versions are not
    edited: a change is a new version, which everyone is asked to acknowledge (R30). A
    federation's or trust's policy applies to its schools unless a school has its own."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="policy_versions"
    )
    number = models.PositiveIntegerField(help_text="1 for the first version, and so on.")
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True, help_text="The policy's words, or attach the document.")
    document = models.FileField(upload_to=policy_document_path, max_length=200, blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    confidentiality_agreement = models.TextField(default=DEFAULT_CONFIDENTIALITY_AGREEMENT)
    adopted_on = models.DateField()
    adopted_by = models.CharField(
        max_length=200, help_text="For example: the full governing board, the committee."
    )
    signatory_name = models.CharField(max_length=200)
    signatory_role = models.CharField(max_length=200)
    next_review_on = models.DateField()
    published_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now, editable=False)
    review_reminded_on = models.DateField(
        null=True, blank=True, help_text="When the administrator and head were last reminded."
    )

    class Meta:
        ordering = ["organisation__name", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="policy_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(next_review_on__gt=F("adopted_on")),
                name="policy_review_after_adoption",
            ),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(document=""), name="policy_has_text_or_document"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}, version {self.number} ({self.organisation})"

    def get_absolute_url(self) -> str:
        return reverse("policies:version", args=[self.pk])

    def review_is_due(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.next_review_on <= today + datetime.timedelta(days=DUE_SOON_DAYS)


class Acknowledgement(AppendOnlyModel):
    """A person has read one policy version and signed its confidentiality agreement
    (R30). Never changed or deleted."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="acknowledgements")
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    confidentiality_agreed = models.BooleanField()
    acknowledged_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="acknowledged_once"),
            models.CheckConstraint(
                condition=Q(confidentiality_agreed=True), name="acknowledgement_signs_agreement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} acknowledged {self.version}"


class TrainingRecord(AppendOnlyModel):
    """One safeguarding training course a person completed (R31). Due again a year
    after the most recent one. A mistake is put right by adding the right record."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_records")
    completed_on = models.DateField()
    course = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    evidence = models.FileField(upload_to=training_evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["person", "completed_on"], name="training_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.course}, {self.completed_on:%-d %B %Y}"

    @property
    def due_on(self) -> datetime.date:
        return one_year_after(self.completed_on)


class PermittedChannel(models.Model):
    """One acceptable way for staff to communicate with pupils and families, with its
    conditions (R32). A federation's list applies to its schools unless a school has
    its own."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="permitted_channels"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    conditions = models.CharField(
        max_length=500, blank=True, help_text="For example: school account only."
    )

    class Meta:
        ordering = ["organisation__name", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "channel"], name="permitted_channel_once"
            ),
        ]

    def __str__(self) -> str:
        return self.get_channel_display()
