"""The policy itself (R29 to R32): its versions, who has read and acknowledged each,
annual safeguarding training, and the ways staff may communicate with pupils and
families."""

import datetime
import decimal
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

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


# Gifts (R15, R40) -------------------------------------------------------------------------

# The most a token gift may be worth under any rule; anything more is not a token.
TOKEN_LIMIT_MOST = decimal.Decimal("1000")


class GiftType(models.TextChoices):
    """What form a gift takes: the declarant says, and the rule is checked against it."""

    GOODS = "goods", "Goods: a present, flowers, food or drink"
    VOUCHER = "voucher", "A voucher or gift card"
    CASH = "cash", "Money: cash, a cheque or a transfer"


# Never allowed as a gift, whatever the rule and the value (policy 004: no gifts of money).
NEVER_ALLOWED = frozenset({GiftType.CASH, GiftType.VOUCHER})


@dataclass(frozen=True)
class DeclaredGift:
    """What a declaration says of a gift: its form (a GiftType, or None where the
    declaration was made before the question was asked) and its value in pounds."""

    form: str | None
    value: decimal.Decimal | None


def pounds(amount: decimal.Decimal) -> str:
    """An amount in pounds as people write it: £10, £7.50, £1,000."""
    amount = decimal.Decimal(amount)
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


class GiftRule(models.Model):
    """An organisation's rule on gifts to and from pupils, their families and carers
    (R15, R40): none at all, as policy 004 says, or token gifts up to a value, never cash
    or vouchers. A federation's or trust's rule applies to its schools unless a school
    has its own."""

    class Allows(models.TextChoices):
        NOTHING = "nothing", "No gifts of money or goods at all"
        TOKENS = "tokens", "Token gifts up to a value, never cash or vouchers"

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="gift_rule"
    )
    allows = models.CharField(max_length=10, choices=Allows.choices)
    token_limit = models.DecimalField(
        "most a token gift may be worth, in pounds",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
    )
    changed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allows="nothing", token_limit__isnull=True)
                | Q(
                    allows="tokens",
                    token_limit__isnull=False,
                    token_limit__gt=0,
                    token_limit__lte=TOKEN_LIMIT_MOST,
                ),
                name="gift_rule_limit_only_for_tokens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.summary}"

    @property
    def summary(self) -> str:
        if self.allows == self.Allows.TOKENS:
            return f"token gifts up to {pounds(self.token_limit)}, never cash or vouchers"
        return "no gifts of money or goods"


LIMIT = GiftRule.token_limit.field.name  # the field a problem with the amount is placed on


def gift_rule_problems(
    *, allows: str | None, token_limit: decimal.Decimal | None, may_follow: bool
) -> dict[str, str]:
    """What is wrong with a gift rule as asked for, field by field: checked by the
    service before anything is written, and by the form to place each message.
    ``allows`` None means following the trust's or federation's rule (``may_follow``
    only for a school in one)."""
    problems: dict[str, str] = {}
    if allows is None:
        if not may_follow:
            problems["allows"] = "Choose whether gifts are allowed."
        elif token_limit is not None:
            problems[LIMIT] = (
                "Leave the amount empty when following the trust's or federation's rule."
            )
        return problems
    if allows not in GiftRule.Allows.values:
        problems["allows"] = "Choose whether gifts are allowed."
        return problems
    if allows == GiftRule.Allows.NOTHING:
        if token_limit is not None:
            problems[LIMIT] = (
                "Leave the amount empty when no gifts are allowed, or choose token gifts."
            )
        return problems
    if token_limit is None:
        problems[LIMIT] = "Give the most a token gift may be worth, in pounds."
    elif token_limit < 0:
        problems[LIMIT] = "The amount cannot be negative."
    elif token_limit == 0:
        problems[LIMIT] = "Give an amount above £0, or choose that no gifts are allowed."
    elif token_limit > TOKEN_LIMIT_MOST:
        problems[LIMIT] = (
            f"A token gift is worth at most {pounds(TOKEN_LIMIT_MOST)}: give a smaller amount."
        )
    elif token_limit != token_limit.quantize(decimal.Decimal("0.01")):
        problems[LIMIT] = "Give the amount in pounds and pence, for example 10 or 7.50."
    return problems
