from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.utils import timezone

from contactpolicy.forms import DateInput
from policies.models import (
    DEFAULT_CONFIDENTIALITY_AGREEMENT,
    Channel,
    GiftRule,
    gift_rule_problems,
)


class PublishForm(forms.Form):
    """A new version of the policy, as adopted (R29)."""

    organisation = forms.ModelChoiceField(
        queryset=None,
        label="Whose policy",
        help_text="A federation's or trust's policy applies to its schools unless a school has "
        "its own.",
        empty_label=None,
    )
    title = forms.CharField(max_length=200, initial="Staff contact with pupils and families")
    text = forms.CharField(
        label="The policy's text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Paste the text, or attach the document below, or both.",
    )
    document = forms.FileField(
        label="The policy document",
        required=False,
        help_text="A PDF or a Word document (.docx), without macros.",
    )
    adopted_on = forms.DateField(label="Date adopted", widget=DateInput)
    adopted_by = forms.CharField(
        max_length=200,
        label="Adopted by",
        help_text="For example: the full governing board, the pre-school committee.",
    )
    signatory_name = forms.CharField(max_length=200, label="Signed by (name)")
    signatory_role = forms.CharField(
        max_length=200, label="Signatory's role", help_text="For example: Chair of Governors."
    )
    next_review_on = forms.DateField(label="Next review date", widget=DateInput)
    confidentiality_agreement = forms.CharField(
        label="Confidentiality agreement everyone signs",
        initial=DEFAULT_CONFIDENTIALITY_AGREEMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )

    def __init__(self, *args: Any, organisations, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        today = timezone.localdate()
        adopted, review = cleaned.get("adopted_on"), cleaned.get("next_review_on")
        if adopted and adopted > today:
            self.add_error("adopted_on", "The adoption date cannot be in the future.")
        if adopted and review and review <= adopted:
            self.add_error(
                "next_review_on", "The next review date must be after the adoption date."
            )
        elif review and review <= today:
            self.add_error("next_review_on", "The next review date has already passed.")
        if not cleaned.get("text", "").strip() and not cleaned.get("document"):
            self.add_error("text", "Paste the policy's text or attach the policy document.")
        return cleaned


class AcknowledgeForm(forms.Form):
    """Reading the policy and signing the confidentiality agreement (R30)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    read = forms.BooleanField(
        label="I have read and understood this policy and will follow it",
        error_messages={"required": "Tick to confirm you have read the policy."},
    )
    confidentiality_agreed = forms.BooleanField(
        label="I agree to the confidentiality agreement",
        error_messages={"required": "Tick to confirm you agree to the confidentiality agreement."},
    )


class TrainingForm(forms.Form):
    """One safeguarding training course (R31)."""

    person = forms.ModelChoiceField(queryset=None, label="Who was trained", empty_label=None)
    completed_on = forms.DateField(label="Date of the training", widget=DateInput)
    course = forms.CharField(
        max_length=200, initial="Annual safeguarding and child protection update"
    )
    provider = forms.CharField(
        max_length=200,
        label="Provided by",
        help_text="For example: the DSL, the local authority, an online course.",
    )
    evidence = forms.FileField(
        label="Certificate or evidence",
        required=False,
        help_text="Optional: a PDF, a photo or a Word document (.docx).",
    )

    def __init__(self, *args: Any, people, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda person: person.get_full_name()

    def clean_completed_on(self):
        value = self.cleaned_data["completed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(
                "The training date cannot be in the future: record it once it is done."
            )
        return value


class ChannelsForm(forms.Form):
    """The permitted ways to communicate, each with its conditions (R32)."""

    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Channel.choices:
            self.fields[f"permitted_{code}"] = forms.BooleanField(
                label=label, required=False, initial=code in current
            )
            self.fields[f"conditions_{code}"] = forms.CharField(
                label=f"Conditions for: {label}",
                required=False,
                max_length=500,
                initial=current.get(code, ""),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for code, label in Channel.choices:
            if cleaned.get(f"conditions_{code}", "").strip() and not cleaned.get(
                f"permitted_{code}"
            ):
                self.add_error(
                    f"conditions_{code}",
                    f"Tick {label} to permit it, or clear its conditions.",
                )
        return cleaned

    def rows(self):
        return [(self[f"permitted_{code}"], self[f"conditions_{code}"]) for code in Channel.values]

    def chosen(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"conditions_{code}", "")
            for code in Channel.values
            if self.cleaned_data.get(f"permitted_{code}")
        }


class GiftRuleForm(forms.Form):
    """An organisation's rule on gifts (R15, R40): none at all, or token gifts up to an
    amount, never cash or vouchers; a school in a trust or federation may follow its rule."""

    FOLLOW = "follow"

    allows = forms.ChoiceField(
        label="Gifts to and from pupils, their families and carers",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether gifts are allowed."},
    )
    token_limit = forms.DecimalField(
        label="The most a token gift may be worth, in pounds",
        required=False,
        max_digits=9,
        decimal_places=2,
        help_text="Only for token gifts: for example 10 or 7.50. Cash and vouchers are never "
        "allowed, whatever their value.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Give the amount in pounds, for example 10 or 7.50."},
    )

    def __init__(
        self, *args: Any, organisation, own: GiftRule | None, follows: str = "", **kwargs: Any
    ) -> None:
        """``own`` is the organisation's own rule; ``follows`` describes its trust's or
        federation's rule for a school in one (empty for a school alone or a group)."""
        super().__init__(*args, **kwargs)
        self.may_follow = organisation.parent_id is not None
        choices = list(GiftRule.Allows.choices)
        if self.may_follow:
            choices.insert(0, (self.FOLLOW, f"Follow {organisation.parent.name}'s rule: {follows}"))
        self.fields["allows"].choices = choices
        if own is not None:
            self.initial.setdefault("allows", own.allows)
            self.initial.setdefault("token_limit", own.token_limit)
        elif self.may_follow:
            self.initial.setdefault("allows", self.FOLLOW)

    def allows_asked(self) -> str | None:
        """The rule asked for: None to follow the trust's or federation's."""
        allows = self.cleaned_data.get("allows")
        return None if allows == self.FOLLOW else allows

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "allows" in cleaned and "token_limit" in cleaned:
            limit: decimal.Decimal | None = cleaned["token_limit"]
            for name, message in gift_rule_problems(
                allows=self.allows_asked(), token_limit=limit, may_follow=self.may_follow
            ).items():
                self.add_error(name, message)
        return cleaned

    def asked(self) -> dict[str, str]:
        """What was sent, as typed, for the record of a refusal."""
        return {name: str(self.data.get(name, ""))[:50] for name in ("allows", "token_limit")}

    def messages(self) -> list[str]:
        return [str(error) for errors in self.errors.values() for error in errors]
