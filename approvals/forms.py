from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole, Decision, Outcome
from declarations.kinds import KINDS, DateInput
from directory.models import Organisation
from directory.selectors import name_query

# The choices as things the decider does, in the words of the policies.
ACTIONS = {
    Outcome.APPROVED: "Approve",
    Outcome.APPROVED_WITH_CONDITIONS: "Approve with conditions",
    Outcome.REFUSED: "Refuse",
    Outcome.MORE_INFORMATION: "Ask the staff member for more information",
    Outcome.NOTED: "Note it (no approval is needed)",
    Outcome.REFERRED_TO_DSL: "Refer to the designated safeguarding lead (DSL)",
    Outcome.LADO_ADVICE_SOUGHT: (
        "Record that advice has been sought from the local authority designated officer (LADO)"
    ),
}


class DecisionForm(forms.ModelForm):
    """One form for every outcome; what each outcome needs is checked in clean()."""

    outcome = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision."},
    )

    class Meta:
        model = Decision
        fields = [
            "outcome",
            "reasons",
            "conditions",
            "review_on",
            "required_action",
            "action_due_on",
            "plan",
            "expected_outcomes",
            "timescales",
            "questions",
            "safeguarding_flag",
        ]
        labels = {
            "reasons": "Reasons (needed if you refuse, refer or record LADO advice)",
            "conditions": "Conditions (needed if you approve with conditions)",
            "review_on": "Review date (optional)",
            "required_action": "Action required of the staff member (optional)",
            "action_due_on": "Action to be done by (needed with an action)",
            "plan": "Plan of involvement (needed to approve continued contact)",
            "expected_outcomes": "Expected outcomes (needed to approve continued contact)",
            "timescales": "Timescales (needed to approve continued contact)",
            "questions": "What information do you need? (needed if you ask for more)",
            "safeguarding_flag": "Flag as safeguarding-relevant and copy to the DSL",
        }
        help_texts = {
            "reasons": "Recorded on the staff member's file.",
            "required_action": "For example: remove the social media connection.",
        }
        widgets = {
            "reasons": forms.Textarea(attrs={"rows": 3}),
            "conditions": forms.Textarea(attrs={"rows": 3}),
            "required_action": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 3}),
            "expected_outcomes": forms.Textarea(attrs={"rows": 2}),
            "timescales": forms.Textarea(attrs={"rows": 2}),
            "questions": forms.Textarea(attrs={"rows": 3}),
            "review_on": DateInput,
            "action_due_on": DateInput,
        }

    def __init__(self, *args: Any, request: ApprovalRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = KINDS[request.declaration.kind]
        self.kind = kind
        outcomes = (
            [Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS, Outcome.REFUSED]
            if kind.needs_approval
            else [Outcome.NOTED]
        )
        outcomes += [Outcome.MORE_INFORMATION]
        if request.decider_role != DeciderRole.DSL:
            outcomes.append(Outcome.REFERRED_TO_DSL)
        outcomes.append(Outcome.LADO_ADVICE_SOUGHT)
        self.fields["outcome"].choices = [(outcome.value, ACTIONS[outcome]) for outcome in outcomes]
        self.for_former_pupil = kind.code == "former_pupil_contact"
        if not self.for_former_pupil:
            for name in ("plan", "expected_outcomes", "timescales"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        today = timezone.localdate()
        text = {
            name: cleaned[name].strip()
            for name in self.fields
            if isinstance(cleaned.get(name), str)
        }
        if outcome == Outcome.APPROVED_WITH_CONDITIONS and not text.get("conditions"):
            self.add_error("conditions", "Write the conditions that come with the approval.")
        if outcome == Outcome.REFUSED and not text.get("reasons"):
            self.add_error("reasons", "Give the reasons for refusing.")
        if outcome == Outcome.MORE_INFORMATION and not text.get("questions"):
            self.add_error("questions", "Say what information you need.")
        if outcome in {Outcome.REFERRED_TO_DSL, Outcome.LADO_ADVICE_SOUGHT} and not text.get(
            "reasons"
        ):
            self.add_error("reasons", "Say why, for the record.")
        for name in ("review_on", "action_due_on"):
            value = cleaned.get(name)
            if value and value < today:
                self.add_error(name, "The date cannot be in the past.")
        if text.get("required_action") and not cleaned.get("action_due_on"):
            self.add_error("action_due_on", "Say by when the action must be done.")
        if cleaned.get("action_due_on") and not text.get("required_action"):
            self.add_error("required_action", "Say what must be done by that date.")
        approving = outcome in {Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS}
        if self.for_former_pupil and approving:
            for name, message in (
                ("plan", "Agree a plan of involvement before approving continued contact."),
                ("expected_outcomes", "Write the outcomes expected."),
                ("timescales", "Write the timescales."),
            ):
                if not text.get(name):
                    self.add_error(name, message)
        return cleaned

    def details(self) -> dict[str, Any]:
        """The decision's fields other than the outcome, for the service."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "outcome" and name in self.fields
        }


class RequestFilter(django_filters.FilterSet):
    setting = django_filters.ModelChoiceFilter(
        field_name="declaration__setting",
        label="Setting",
        queryset=Organisation.objects.none(),
        empty_label="All settings",
    )
    kind = django_filters.ChoiceFilter(
        field_name="declaration__kind",
        label="Kind",
        choices=[(kind.code, kind.name) for kind in KINDS.values()],
        empty_label="Any kind",
    )
    # Typed, not chosen from a list: an Executive Headteacher may have hundreds of
    # people waiting, and a list of them all is slow to send and to scroll (#10).
    person = django_filters.CharFilter(
        label="Person",
        method="filter_person",
        help_text="Part of the name of the person who declared.",
    )

    class Meta:
        model = ApprovalRequest
        fields = ["setting", "kind", "person"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The settings of what is waiting, read once as plain ids: as a subquery the
        # database may join every declaration of every setting (#10).
        settings = set(self.queryset.order_by().values_list("declaration__setting_id", flat=True))
        self.filters["setting"].queryset = Organisation.objects.filter(pk__in=settings)

    def filter_person(self, queryset, name: str, value: str):
        return queryset.filter(name_query(value, prefix="declaration__declarant__"))
