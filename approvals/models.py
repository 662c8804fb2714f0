from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from contactpolicy.models import AppendOnlyModel
from declarations.kinds import kind_choices
from declarations.models import Declaration
from directory.models import Organisation, Person


class DeciderRole(models.TextChoices):
    LINE_MANAGER = "line_manager", "Line manager"
    HEAD = "head", "Headteacher or manager of the setting"
    EXECUTIVE_HEAD = "executive_head", "Executive Headteacher"
    CHAIR = "chair", "Chair of Governors"
    VICE_CHAIR = "vice_chair", "Vice-chair or acting Chair of Governors"
    DSL = "dsl", "Designated safeguarding lead or officer"
    DEPUTY_DSL = "deputy_dsl", "Deputy designated safeguarding lead"


# Who is next when a role is missing, is the declarant, or is overdue (R21, R24). A
# referral to the DSL follows the organisation's safeguarding chain instead
# (Organisation.safeguarding_chain_roles), which never reaches a governor.
ESCALATION = {
    DeciderRole.LINE_MANAGER: DeciderRole.HEAD,
    DeciderRole.DSL: DeciderRole.HEAD,
    DeciderRole.DEPUTY_DSL: DeciderRole.HEAD,
    DeciderRole.HEAD: DeciderRole.EXECUTIVE_HEAD,
    DeciderRole.EXECUTIVE_HEAD: DeciderRole.CHAIR,
    DeciderRole.CHAIR: DeciderRole.VICE_CHAIR,
    DeciderRole.VICE_CHAIR: None,
}
# The governors who decide: only a head's or Executive Headteacher's own (001 §1.1).
GOVERNOR_DECIDERS = frozenset({DeciderRole.CHAIR, DeciderRole.VICE_CHAIR})
# The roles a routing rule may name (R21); the others are reached only along a chain.
RULE_ROLES = [
    DeciderRole.LINE_MANAGER,
    DeciderRole.HEAD,
    DeciderRole.EXECUTIVE_HEAD,
    DeciderRole.CHAIR,
    DeciderRole.DSL,
]


class RoutingRule(models.Model):
    """For one kind in one organisation: which role decides, and whether the DSL is copied."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="routing_rules",
        help_text="A rule for a trust or federation applies to its settings "
        "unless a setting has its own.",
    )
    kind = models.CharField(max_length=40, choices=kind_choices)
    decider_role = models.CharField(
        max_length=20, choices=[(role.value, role.label) for role in RULE_ROLES]
    )
    copy_dsl = models.BooleanField(
        "copy to the DSL",
        default=False,
        help_text="Safeguarding kinds (R17 to R19) are always copied to the DSL.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="routing_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_kind_display()} → {self.get_decider_role_display()}"


class Cover(models.Model):
    """Someone decides for another person for a while: absence cover or delegation (R21)."""

    class Reason(models.TextChoices):
        ABSENCE = "absence", "Absence cover"
        DELEGATION = "delegation", "Delegation"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="covered_by")
    delegate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="covering_for")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(
        "ended early",
        null=True,
        blank=True,
        editable=False,
        help_text="When it was ended by hand before its last day.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name_plural = "cover and delegation"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="cover_ends_after_it_starts",
                violation_error_message="The last day cannot be before the first day.",
            ),
            models.CheckConstraint(
                condition=~Q(person=F("delegate")),
                name="cover_not_for_oneself",
                violation_error_message="Nobody can cover for themself: choose someone else.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} for {self.person}, {self.starts_on} to {self.ends_on}"

    def is_current(self, on) -> bool:
        return self.ended_at is None and self.starts_on <= on <= self.ends_on


class ApprovalRequest(models.Model):
    """A declaration waiting for one person's decision, or copied to the DSL for information."""

    class Purpose(models.TextChoices):
        DECIDE = "decide", "To decide"
        COPY = "copy", "Copied for information"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting"
        DECIDED = "decided", "Decided"
        ESCALATED = "escalated", "Escalated"
        CANCELLED = "cancelled", "Cancelled"

    # The allowed moves: a request is settled once, one way.
    TRANSITIONS = {
        Status.OPEN: {Status.DECIDED, Status.ESCALATED, Status.CANCELLED},
        Status.DECIDED: set(),
        Status.ESCALATED: set(),
        Status.CANCELLED: set(),
    }

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="approval_requests"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.DECIDE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decider = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_requests",
        help_text="Empty when nobody could be found: the administrator is asked to act.",
    )
    decider_role = models.CharField(max_length=20, choices=DeciderRole.choices)
    on_behalf_of = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person this decider covers for, if any.",
    )
    routing_reason = models.TextField(help_text="Which rule chose the decider, and any fallback.")
    due_on = models.DateField(null=True, blank=True)
    urgent = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Due the same school day and first on the list: a concern, marked urgent "
        "by the declarant, or planned contact with no school day left before it (R39).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    escalated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    reminded_on = models.DateField(null=True, blank=True)
    late_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was flagged for passing its planned date."
    )
    read_at = models.DateTimeField(null=True, blank=True)
    safeguarding = models.BooleanField(
        "referred to the DSL",
        default=False,
        help_text="A referral: it goes along the safeguarding chain, never to a governor.",
    )
    cover = models.ForeignKey(
        Cover,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        help_text="The cover or delegation that sent it to this decider, if one did: when "
        "it ends, the request goes back.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration"],
                condition=Q(purpose="decide", status="open"),
                name="one_open_decision_request_per_declaration",
            ),
        ]
        indexes = [
            # The dashboard: what waits for a decider, its counts and the DSL's copies.
            models.Index(
                fields=["decider", "purpose", "status", "due_on"], name="request_dashboard_idx"
            ),
            models.Index(fields=["status", "due_on"], name="request_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.declaration} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("approvals:request", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_on is not None and self.due_on < today


class Outcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REFUSED = "refused", "Refused"
    MORE_INFORMATION = "more_information", "More information requested"
    NOTED = "noted", "Noted"
    REFERRED_TO_DSL = "referred_to_dsl", "Referred to the DSL"
    LADO_ADVICE_SOUGHT = "lado_advice_sought", "Advice sought from the LADO"


# Outcomes that settle the declaration; the others pass it on or back.
FINAL_OUTCOMES = frozenset(
    {Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS, Outcome.REFUSED, Outcome.NOTED}
)


# Outcomes the staff member is not told about by the app: what they are told about a
# referral or a LADO consultation is agreed first (KCSIE Part 4).
CONFIDENTIAL_OUTCOMES = frozenset({Outcome.REFERRED_TO_DSL, Outcome.LADO_ADVICE_SOUGHT})


class Decision(models.Model):
    """Exactly one per request: who decided, when, what and why (R23)."""

    request = models.OneToOneField(
        ApprovalRequest, on_delete=models.PROTECT, related_name="decision"
    )
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="decisions")
    decided_at = models.DateTimeField(default=timezone.now, editable=False)
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    reasons = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    review_on = models.DateField("review date", null=True, blank=True)
    required_action = models.TextField("action required of the staff member", blank=True)
    action_due_on = models.DateField("action to be done by", null=True, blank=True)
    plan = models.TextField("plan of involvement", blank=True)
    expected_outcomes = models.TextField(blank=True)
    timescales = models.TextField(blank=True)
    questions = models.TextField("information asked for", blank=True)
    safeguarding_flag = models.BooleanField(
        "flag as safeguarding-relevant",
        default=False,
        help_text="Copies it to the designated safeguarding lead.",
    )

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="approved_with_conditions") | ~Q(conditions=""),
                name="decision_conditions_have_text",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="refused") | ~Q(reasons=""),
                name="decision_refusal_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.decided_by}"

    @property
    def is_final(self) -> bool:
        return self.outcome in FINAL_OUTCOMES


class DslAction(models.TextChoices):
    """What a safeguarding lead did about a declaration (R41, KCSIE Part 4)."""

    SPOKE_TO_STAFF = "spoke_to_staff", "Spoke to the staff member"
    LADO_ADVICE = "lado_advice", "Sought advice from the LADO"
    SOCIAL_CARE = "social_care_referral", "Referred to children's social care"
    EARLY_HELP = "early_help", "Early help"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


# The requests of a safeguarding lead: a copy (R22) or a referral (R23) to the DSL or
# the deputy DSL. A declaration with one is in the DSL's log (R41).
DSL_ROLES = (DeciderRole.DSL, DeciderRole.DEPUTY_DSL)


class DslLogEntry(AppendOnlyModel):
    """One line of the DSL's log (R41): what the DSL or a deputy did about a declaration
    that was copied or referred to them, when, who did it and what came of it. Written
    once, never changed; each goes on the files of the pupils the declaration is about
    as a confidential entry (registers)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="dsl_log")
    request = models.ForeignKey(
        ApprovalRequest,
        on_delete=models.PROTECT,
        related_name="dsl_log",
        help_text="The request of the person who recorded it, from whose page it was written.",
    )
    action = models.CharField("what was done", max_length=30, choices=DslAction.choices)
    done_on = models.DateField("date it was done")
    done_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name="who did it"
    )
    outcome = models.TextField()
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["done_on", "recorded_at", "pk"]
        verbose_name = "DSL's log entry"
        verbose_name_plural = "DSL's log entries"
        constraints = [
            models.CheckConstraint(condition=~Q(outcome=""), name="dsl_log_has_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on {self.done_on:%-d %B %Y} ({self.declaration})"

    def in_words(self) -> str:
        """The entry as it goes on the pupils' files, kept there for ever."""
        declaration = self.declaration
        return "\n".join(
            [
                f"{declaration.kind_entry.name} ({declaration.reference}) declared by "
                f"{declaration.declarant.get_full_name()}: {self.get_action_display()}, "
                f"{self.done_on:%-d %B %Y}, by {self.done_by.get_full_name()}.",
                f"Outcome: {self.outcome}",
            ]
        )
