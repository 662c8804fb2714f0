from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.html import format_html

from approvals.models import ApprovalRequest, Decision, DslAction, DslLogEntry, Outcome
from approvals.rules import (
    boxes_for,
    decision_problems,
    declared_on,
    dsl_log_problems,
    outcomes_for,
    outcomes_using,
)
from approvals.selectors import dsl_log_people
from contactpolicy.forms import check_date_range
from declarations.kinds import KINDS, DateInput, kind_choices
from directory.models import Organisation, Person
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
    """One form for every outcome. Each box belongs to the outcomes that use it
    (``approvals.rules.BOXES``): with JavaScript the form shows only the chosen outcome's
    boxes; without, all of them in order, each saying which decisions it is for. The
    boxes of other outcomes are ignored here as in the service (#22)."""

    outcome = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision."},
    )

    class Meta:
        model = Decision
        fields = [
            "outcome",
            "conditions",
            "reasons",
            "questions",
            "plan",
            "expected_outcomes",
            "timescales",
            "review_on",
            "required_action",
            "action_due_on",
            "safeguarding_flag",
        ]
        labels = {
            "reasons": "Reasons",
            "conditions": "Conditions",
            "review_on": "Review date (optional)",
            "required_action": "Action required of the staff member (optional)",
            "action_due_on": "Action to be done by (needed with an action)",
            "plan": "Plan of involvement",
            "expected_outcomes": "Expected outcomes",
            "timescales": "Timescales",
            "questions": "What information do you need?",
            "safeguarding_flag": "Flag as safeguarding-relevant and copy to the DSL",
        }
        help_texts = {
            "reasons": "Needed to refuse, to refer it to the DSL or to record that LADO "
            "advice was sought. Recorded on the staff member's file.",
            "conditions": "What the staff member must keep to. Recorded on their file.",
            "questions": "The staff member is asked this and can answer by changing the "
            "declaration.",
            "plan": "Needed to approve continued contact with a former pupil.",
            "review_on": "When the arrangement is looked at again. It will be on your list.",
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
        self.decider_role = request.decider_role
        self.referred = request.safeguarding
        offered = outcomes_for(kind, self.decider_role, referred=self.referred)
        self.fields["outcome"].choices = [(outcome.value, ACTIONS[outcome]) for outcome in offered]
        # Which outcomes each box is for; a box no outcome offered here uses is not shown.
        # Without JavaScript each box's hint starts with the decisions it is for (the
        # script hides that part and the boxes of the other decisions).
        self.outcomes_of = {}
        for name in list(self.fields):
            if name != "outcome":
                self.outcomes_of[name] = outcomes_using(kind, name, offered)
                if not self.outcomes_of[name]:
                    del self.fields[name]
                    continue
                field = self.fields[name]
                field.help_text = format_html(
                    '<span class="decision-box-for">For: {}.</span> {}',
                    "; ".join(ACTIONS[Outcome(outcome)] for outcome in self.outcomes_of[name]),
                    field.help_text,
                )

    def boxes(self) -> list[tuple[Any, str]]:
        """Each box with the values of the outcomes it is for, for the script."""
        return [
            (self[name], " ".join(self.outcomes_of[name]))
            for name in self.fields
            if name != "outcome"
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        # What the boxes of other outcomes hold is ignored, even a date typed wrong; with
        # no decision chosen, choosing one is the only thing to put right.
        used = boxes_for(self.kind, outcome) if outcome else ()
        for name in [name for name in self.fields if name != "outcome"]:
            if name not in used:
                self.errors.pop(name, None)
                cleaned.pop(name, None)
        if outcome:
            # The service's own rules (approvals.rules), each message beside its field.
            for name, message in decision_problems(
                kind=self.kind,
                decider_role=self.decider_role,
                outcome=outcome,
                details={name: cleaned.get(name) for name in self.fields if name != "outcome"},
                today=timezone.localdate(),
                referred=self.referred,
            ).items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def details(self) -> dict[str, Any]:
        """The boxes of the outcome chosen (clean() left no other), for the service."""
        return {name: value for name, value in self.cleaned_data.items() if name != "outcome"}


class DslLogForm(forms.ModelForm):
    """What the DSL or a deputy did about a declaration copied or referred to them (R41);
    what each field must hold is the service's rule (approvals.rules.dsl_log_problems)."""

    # Its own prefix: the decision form may be on the same page.
    prefix = "log"

    class Meta:
        model = DslLogEntry
        fields = ["action", "done_on", "done_by", "outcome"]
        labels = {
            "action": "What was done",
            "done_on": "Date it was done",
            "done_by": "Who did it",
            "outcome": "Outcome",
        }
        help_texts = {
            "outcome": "What came of it: the advice given, what was agreed, what happens next.",
        }
        widgets = {
            "action": forms.RadioSelect,
            "done_on": DateInput,
            "outcome": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "action": {"required": "Choose what was done."},
            "done_on": {
                "required": "Enter the date it was done.",
                "invalid": "Enter the date as day, month and year.",
            },
            "done_by": {
                "required": "Choose who did it.",
                "invalid_choice": "Choose who did it from the list.",
            },
            "outcome": {"required": "Write what came of it (the outcome)."},
        }

    def __init__(self, *args: Any, request: ApprovalRequest, actor: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("done_by", actor.pk)
        super().__init__(*args, **kwargs)
        self.declaration = request.declaration
        self.fields["action"].choices = DslAction.choices  # with no empty choice
        done_by = self.fields["done_by"]
        done_by.queryset = dsl_log_people(self.declaration, actor=actor)
        done_by.label_from_instance = lambda person: person.get_full_name()
        done_by.empty_label = None
        today = timezone.localdate()
        self.fields["done_on"].widget.attrs.update(
            min=declared_on(self.declaration).isoformat(), max=today.isoformat()
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, message in dsl_log_problems(
            declaration=self.declaration,
            action=cleaned.get("action") or "",
            done_on=cleaned.get("done_on"),
            outcome=cleaned.get("outcome") or "",
            today=timezone.localdate(),
        ).items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


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
        choices=kind_choices,
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


class DecidedFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        check_date_range(self, "decided_from", "decided_to")
        return cleaned


class DecidedFilter(django_filters.FilterSet):
    """The filters of "Decided by me" (#22): dates in the future or back to front are
    refused with a message, and left out of the filtering."""

    outcome = django_filters.ChoiceFilter(
        label="Decision", choices=Outcome.choices, empty_label="Any decision"
    )
    kind = django_filters.ChoiceFilter(
        field_name="request__declaration__kind",
        label="Kind",
        choices=kind_choices,
        empty_label="Any kind",
    )
    person = django_filters.CharFilter(
        label="Person", method="filter_person", help_text="Part of the name of who declared."
    )
    decided_from = django_filters.DateFilter(
        field_name="decided_at__date", lookup_expr="gte", label="Decided from", widget=DateInput
    )
    decided_to = django_filters.DateFilter(
        field_name="decided_at__date", lookup_expr="lte", label="Decided to", widget=DateInput
    )

    class Meta:
        model = Decision
        fields = ["outcome", "kind", "person", "decided_from", "decided_to"]
        form = DecidedFilterForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in (
            ("outcome", "Choose one of the decisions listed."),
            ("kind", "Choose one of the kinds listed."),
        ):
            self.form.fields[name].error_messages["invalid_choice"] = message
        for name in ("decided_from", "decided_to"):
            self.form.fields[name].error_messages["invalid"] = (
                "Enter the date as day, month and year."
            )

    def filter_person(self, queryset, name: str, value: str):
        return queryset.filter(name_query(value, prefix="request__declaration__declarant__"))


class WaitingFilter(django_filters.FilterSet):
    """The filters of what waits on others in a head's settings (#22)."""

    decider = django_filters.ModelChoiceFilter(
        label="Waiting on", queryset=Person.objects.none(), empty_label="Anyone"
    )
    kind = django_filters.ChoiceFilter(
        field_name="declaration__kind", label="Kind", choices=kind_choices, empty_label="Any kind"
    )

    class Meta:
        model = ApprovalRequest
        fields = ["decider", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        deciders = set(self.queryset.order_by().values_list("decider_id", flat=True))
        field = self.filters["decider"]
        field.queryset = Person.objects.filter(pk__in=deciders).order_by(
            "family_name", "given_name"
        )
        self.form.fields["decider"].label_from_instance = lambda person: person.get_full_name()
        self.form.fields["decider"].error_messages["invalid_choice"] = (
            "Choose someone from the list."
        )
