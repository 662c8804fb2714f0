from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from approvals.models import Decision, DslLogEntry
from contactpolicy.models import AppendOnlyModel
from declarations.models import Declaration
from directory.models import FamilyMember, Organisation, Person, Pupil
from policies.selectors import percentage


class RegisterEntry(AppendOnlyModel):
    """One line of a staff member's or a pupil's file (R25). Never changed or deleted:
    a correction is a new entry that points at the one it amends, with the reason."""

    class File(models.TextChoices):
        STAFF = "staff", "Staff file"
        PUPIL = "pupil", "Pupil file"

    class EntryKind(models.TextChoices):
        OUTCOME = "outcome", "Decision"
        REVIEW = "review", "Monitoring review"
        CONFIRMATION = "confirmation", "Confirmation"
        CORRECTION = "correction", "Correction"
        DSL_LOG = "dsl_log", "DSL's log"

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
    dsl_log = models.ForeignKey(
        DslLogEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entries",
        help_text="What the DSL or a deputy did, for an entry of the DSL's log (R41).",
    )
    text = models.TextField(help_text="What was decided, as it stood when recorded.")
    confidential = models.BooleanField(
        default=False,
        help_text="A referral, a LADO consultation or the DSL's log: not shown to the staff "
        "member themself.",
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
            models.UniqueConstraint(
                fields=["dsl_log", "pupil"],
                condition=Q(entry_kind="dsl_log"),
                name="register_one_pupil_entry_per_dsl_log",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "recorded_at"], name="register_staff_file_idx"),
            models.Index(fields=["pupil", "recorded_at"], name="register_pupil_file_idx"),
        ]

    def __str__(self) -> str:
        owner = self.person if self.file == self.File.STAFF else self.pupil
        return f"{self.get_file_display()} of {owner}: {self.get_entry_kind_display().lower()}"


class FollowUp(models.Model):
    """Something a decision leaves waiting: a monitoring review (R9, R18), an action the
    staff member must confirm (R23), or an arrangement that ends on a date (R13, R28)."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Monitoring review"
        ACTION = "action", "Required action"
        EXPIRY = "expiry", "Arrangement ending"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "No longer needed"

    class Result(models.TextChoices):
        CONTINUE = "continue", "Continue as agreed"
        CHANGE = "change", "Continue with changed conditions"
        END = "end", "End the arrangement"
        CONFIRMED = "confirmed", "Confirmed done"

    TRANSITIONS = {
        Status.OPEN: {Status.DONE, Status.CANCELLED},
        Status.DONE: set(),
        Status.CANCELLED: set(),
    }

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="follow_ups"
    )
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="follow_ups")
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The staff member the arrangement is about.",
    )
    responsible = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="follow_ups_responsible",
        help_text="The manager who reviews it, or who is told if it is not done.",
    )
    what = models.TextField(help_text="The conditions, plan or action, in words.")
    due_on = models.DateField()
    reminded_on = models.DateField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    note = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_reviews",
        help_text="The review this one was set by.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(completed_at__isnull=False) & ~Q(result="")),
                name="follow_up_done_has_result",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="follow_up_due_idx"),
            models.Index(fields=["responsible", "status"], name="follow_up_responsible_idx"),
            models.Index(fields=["person", "status"], name="follow_up_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.declaration.reference} by {self.due_on}"

    def get_absolute_url(self) -> str:
        return reverse("registers:follow_up", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


class DeclarationRound(models.Model):
    """The annual declaration round for one organisation: everyone in scope confirms
    their declarations are current, or that they have nothing to declare, by the
    deadline. The result is kept when it closes."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    TRANSITIONS = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()}

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="declaration_rounds"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField()
    opened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the round closed itself after its deadline.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(
        default=dict, blank=True, help_text="The counts when the round closed."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status="open"),
                name="declaration_round_one_open_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation})"

    def get_absolute_url(self) -> str:
        return reverse("registers:round", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def answered_percent(self) -> int:
        """With the counts of ``rounds_with_progress_for``."""
        return percentage(self.answered, self.total)

    def accepts_answers(self, today=None) -> bool:
        """Open and not past its deadline (the scheduled job closes it the day after)."""
        return self.is_open and self.deadline >= (today or timezone.localdate())


class RoundResponse(models.Model):
    """One person's answer in a declaration round."""

    class Answer(models.TextChoices):
        OUTSTANDING = "outstanding", "Not answered yet"
        DECLARED = "declared", "Declarations confirmed current"
        NOTHING = "nothing", "Nothing to declare"

    # An answer is given once (contactpolicy.workflow).
    TRANSITION_FIELD = "answer"
    TRANSITIONS = {
        Answer.OUTSTANDING: {Answer.DECLARED, Answer.NOTHING},
        Answer.DECLARED: set(),
        Answer.NOTHING: set(),
    }

    round = models.ForeignKey(DeclarationRound, on_delete=models.PROTECT, related_name="responses")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="round_responses")
    answer = models.CharField(max_length=20, choices=Answer.choices, default=Answer.OUTSTANDING)
    note = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["person__family_name", "person__given_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="round_response_once"),
            models.CheckConstraint(
                condition=Q(answer="outstanding", answered_at__isnull=True)
                | (~Q(answer="outstanding") & Q(answered_at__isnull=False)),
                name="round_response_answered_has_time",
            ),
        ]
        indexes = [models.Index(fields=["person", "answer"], name="round_response_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} in {self.round}: {self.get_answer_display().lower()}"

    def get_absolute_url(self) -> str:
        return reverse("registers:round_respond", args=[self.pk])


class RoundArrangement(models.Model):
    """In a round, whether an open arrangement (tuition, a pre-existing relationship)
    continues or has ended, as the person confirmed it."""

    class Answer(models.TextChoices):
        CONTINUES = "continues", "It continues"
        ENDED = "ended", "It has ended"

    response = models.ForeignKey(
        RoundResponse, on_delete=models.PROTECT, related_name="arrangements"
    )
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="round_answers"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    entry = models.ForeignKey(
        RegisterEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "declaration"], name="round_arrangement_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.reference}: {self.get_answer_display().lower()}"
