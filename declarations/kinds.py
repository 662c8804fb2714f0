"""The registry of declaration kinds (R5 to R19).

Each kind is one :class:`Kind` entry plus a details form holding its own fields, and
every rule that depends on the kind is declared on its entry: who decides it by default
in a school and in a pre-school, whether it may ever be decided below the head, whether
the DSL is copied, whether it is always urgent, what a decision on it requires, when an
approved arrangement ends and what the staff member then confirms, which of a setting's
registers list it, whether it blocks a key person, whether the annual round asks if it
continues, and example answers for the demo and the scale seeder. Everything else (the
chooser, the form page, check-your-answers, routing, decisions, the files, the registers,
the summaries) reads this registry, so adding a kind is one entry and its form, nothing
else; no module outside this one names a kind's code (tests/declarations/test_kind_registry.py).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import random
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from contactpolicy.forms import DateInput
from policies.models import Channel, DeclaredGift, GiftType

# The ways contact happens are the policy's own list (R32).
CHANNELS = Channel.choices


def today() -> datetime.date:
    return timezone.localdate()


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, widget=DateInput)


def text_field(label: str, *, required: bool = True, help_text: str = "", max_length: int = 200):
    return forms.CharField(
        label=label, required=required, help_text=help_text, max_length=max_length
    )


def long_text_field(label: str, *, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def money_field(label: str, *, required: bool = True, maximum: int = 10_000, help_text: str = ""):
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        max_digits=9,
        decimal_places=2,
        validators=[
            MinValueValidator(decimal.Decimal("0"), "The value cannot be negative."),
            MaxValueValidator(
                decimal.Decimal(maximum),
                f"The value looks too high: enter an amount up to £{maximum:,}, "
                "or talk to your line manager first.",
            ),
        ],
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


class DetailsForm(forms.Form):
    """The fields every kind shares; each kind's form adds its own."""

    channels = forms.MultipleChoiceField(
        label="How the contact happens or happened",
        help_text="Tick every way that applies: in person, by phone, online, in writing.",
        choices=CHANNELS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one way the contact happens or happened."},
    )

    def __init__(self, *args: Any, allow_past: bool = False, **kwargs: Any) -> None:
        # An amendment, or a reply to a question, may be about a date that has now passed.
        self.allow_past = allow_past
        super().__init__(*args, **kwargs)

    def check_not_past(self, field: str, message: str) -> None:
        value = self.cleaned_data.get(field)
        if value and value < today() and not self.allow_past:
            self.add_error(field, message)

    def check_not_future(self, field: str, message: str) -> None:
        value = self.cleaned_data.get(field)
        if value and value > today():
            self.add_error(field, message)

    def check_order(self, start: str, end: str, message: str) -> None:
        first, last = self.cleaned_data.get(start), self.cleaned_data.get(end)
        if first and last and last < first:
            self.add_error(end, message)


class PreExistingRelationshipForm(DetailsForm):
    relationship = forms.ChoiceField(
        label="How you know the family",
        choices=[
            ("", "Choose one"),
            ("friend", "Friends"),
            ("relative", "We are related"),
            ("neighbour", "Neighbours"),
            ("own_child", "My own child attends the setting"),
            ("community", "Through a club, faith group or community"),
            ("other", "Another way"),
        ],
    )
    description = long_text_field(
        "Describe the relationship", help_text="For example: we have been friends since school."
    )
    since = date_field("Since when", help_text="An approximate date is fine.")
    social_media = forms.BooleanField(
        label="We are connected on social media or a messaging app", required=False
    )

    def clean(self):
        cleaned = super().clean()
        self.check_not_future("since", "The relationship must have started already.")
        return cleaned


class PlannedSocialContactForm(DetailsForm):
    planned_on = date_field("Date")
    time = forms.TimeField(label="Time", required=False, widget=TimeInput)
    place = text_field("Where")
    who = long_text_field("Who will be there", help_text="Adults and children.")
    purpose = long_text_field("Why", help_text="For example: a child's birthday party.")

    def clean(self):
        cleaned = super().clean()
        self.check_not_past(
            "planned_on", "The date is in the past: planned contact is declared before it happens."
        )
        return cleaned


class RegularSocialContactForm(DetailsForm):
    nature = long_text_field(
        "What the contact is", help_text="For example: our families walk dogs together."
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=[
            ("", "Choose one"),
            ("weekly", "Weekly or more"),
            ("monthly", "About monthly"),
            ("termly", "About once a term"),
            ("occasionally", "Now and then"),
        ],
    )
    started_on = date_field("Since when", required=False)

    def clean(self):
        cleaned = super().clean()
        self.check_not_future("started_on", "Leave this empty if the contact has not started yet.")
        return cleaned


class PersonalCommunicationForm(DetailsForm):
    occasion = forms.ChoiceField(
        label="Occasion",
        choices=[
            ("", "Choose one"),
            ("birthday", "Birthday"),
            ("faith", "Faith festival"),
            ("get_well", "Get well"),
            ("sympathy", "Sympathy or bereavement"),
            ("congratulations", "Congratulations"),
            ("other", "Something else"),
        ],
    )
    message_type = forms.ChoiceField(
        label="What you want to send",
        choices=[
            ("", "Choose one"),
            ("card", "Card"),
            ("letter", "Letter or note"),
            ("message", "Email, text or message"),
            ("other", "Something else"),
        ],
    )
    send_on = date_field("When you plan to send it")
    message = long_text_field("What it will say", required=False)

    def clean(self):
        cleaned = super().clean()
        self.check_not_past("send_on", "The date is in the past: agree it before sending.")
        return cleaned


class WorkOutsideForm(DetailsForm):
    activity = forms.ChoiceField(
        label="Activity",
        choices=[
            ("", "Choose one"),
            ("tuition", "Private tuition"),
            ("sports_club", "Sports club or coaching"),
            ("babysitting", "Babysitting or childcare"),
            ("home_visit", "Home visit"),
            ("other", "Something else"),
        ],
    )
    paid = forms.TypedChoiceField(
        label="Is it paid?",
        choices=[("yes", "Yes, paid"), ("no", "No, unpaid")],
        widget=forms.RadioSelect,
    )
    reasons = long_text_field(
        "Reasons", help_text="The reasons are recorded on your file and the pupil's file."
    )
    starts_on = date_field(
        "Start date", help_text="If it has already started, say so in the reasons."
    )
    ends_on = date_field("End date", required=False, help_text="Leave empty if ongoing.")
    location = text_field("Where it takes place", help_text="Say if it is in the family's home.")

    def clean(self):
        cleaned = super().clean()
        self.check_order("starts_on", "ends_on", "The end date cannot be before the start date.")
        return cleaned


class UnplannedContactForm(DetailsForm):
    occurred_on = date_field("When it happened")
    place = text_field("Where")
    what_happened = long_text_field("What happened", help_text="A brief account is enough.")

    def clean(self):
        cleaned = super().clean()
        self.check_not_future(
            "occurred_on", "Unplanned contact has already happened: check the date."
        )
        return cleaned


class CorrespondenceForm(DetailsForm):
    item = text_field("What you received", help_text="For example: a thank-you card.")
    received_on = date_field("When you received it")
    proposed_response = long_text_field(
        "Your proposed response", help_text="Write 'none' if you do not plan to reply."
    )

    def clean(self):
        cleaned = super().clean()
        self.check_not_future("received_on", "The date received cannot be in the future.")
        return cleaned


class ContactDetailsForm(DetailsForm):
    details_given = forms.MultipleChoiceField(
        label="Which details",
        choices=[
            ("mobile", "Personal mobile number"),
            ("home_phone", "Home phone number"),
            ("email", "Personal email address"),
            ("address", "Home address"),
            ("social", "Social media or messaging account"),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    to_whom = text_field("To whom")
    reason = long_text_field("Why they need them")
    until = date_field(
        "Until when", required=False, help_text="Leave empty if there is no end date."
    )

    def clean(self):
        cleaned = super().clean()
        self.check_not_past("until", "The end date is in the past.")
        return cleaned


class PhoneSharingForm(DetailsForm):
    trip_name = text_field("Trip or event", help_text="For example: Year 6 residential to Wales.")
    trip_starts_on = date_field("First day")
    trip_ends_on = date_field("Last day")
    parents_or_carers = long_text_field("The parents or carers who will have your number")
    delete_by = date_field(
        "When you will delete their numbers", help_text="On or soon after the last day of the trip."
    )

    def clean(self):
        cleaned = super().clean()
        self.check_not_past(
            "trip_starts_on", "The trip has already started: declare it beforehand."
        )
        self.check_order(
            "trip_starts_on", "trip_ends_on", "The last day cannot be before the first."
        )
        self.check_order(
            "trip_ends_on", "delete_by", "Delete the numbers on or after the last day."
        )
        start, delete_by = self.cleaned_data.get("trip_ends_on"), self.cleaned_data.get("delete_by")
        if start and delete_by and (delete_by - start).days > 14:
            self.add_error("delete_by", "Delete the numbers within two weeks of the trip.")
        return cleaned


class SocialMediaForm(DetailsForm):
    platform = text_field("Platform", help_text="For example: Facebook, Instagram, WhatsApp.")
    account = text_field("Their name or account on it")
    pre_existing_declared = forms.BooleanField(
        label="I have declared a pre-existing relationship with this family",
        required=False,
        help_text="Connections are only allowed where there is one (policy on social media).",
    )


class GiftForm(DetailsForm):
    direction = forms.ChoiceField(
        label="Given or received",
        choices=[("received", "I received it"), ("given", "I gave it or want to give it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you received the gift or gave it"},
    )
    item = text_field("What the gift is")
    gift_type = forms.ChoiceField(
        label="Is it goods, a voucher or money?",
        choices=GiftType.choices,
        widget=forms.RadioSelect,
        help_text="Cash and vouchers are never allowed as gifts, whatever their value.",
        error_messages={"required": "Choose whether the gift is goods, a voucher or money"},
    )
    value = money_field("Estimated value in pounds", maximum=10_000)
    other_party = text_field("From or to whom")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Said as what to do (#22), where the label alone would not read as a sentence.
        self.fields["value"].error_messages["required"] = "Enter what the gift is worth, in pounds"
        self.fields["other_party"].error_messages["required"] = (
            "Enter who gave the gift, or who it is for"
        )

    on = date_field("Date", required=False)


class BusinessDealingForm(DetailsForm):
    nature = forms.ChoiceField(
        label="What kind of dealing",
        choices=[
            ("", "Choose one"),
            ("buying", "Buying from them"),
            ("selling", "Selling to them"),
            ("lending", "Lending to them"),
            ("borrowing", "Borrowing from them"),
            ("business", "A business or service arrangement"),
        ],
    )
    description = long_text_field("Describe it")
    value = money_field("Value in pounds", required=False, maximum=1_000_000)


class WillOrAttorneyForm(DetailsForm):
    document = forms.ChoiceField(
        label="Document",
        choices=[
            ("", "Choose one"),
            ("will", "Will"),
            ("legacy", "Legacy or bequest"),
            ("epa", "Enduring Power of Attorney (EPA)"),
            ("lpa", "Lasting Power of Attorney (LPA)"),
        ],
    )
    role = forms.ChoiceField(
        label="Your part in it",
        choices=[
            ("", "Choose one"),
            ("witness", "Asked to witness it"),
            ("beneficiary", "Named as a beneficiary"),
            ("executor", "Named as executor"),
            ("attorney", "Named as attorney"),
        ],
    )
    description = long_text_field("What happened")


class FormerPupilForm(DetailsForm):
    current_age_or_setting = text_field(
        "Their age now or where they are now", help_text="For example: 19, at university."
    )
    nature_of_contact = long_text_field("The contact so far")
    proposed_plan = long_text_field(
        "What you propose",
        help_text="If contact is to continue: the plan of involvement, "
        "the outcomes expected and the timescales.",
    )


class ConcernForm(DetailsForm):
    concern_type = forms.ChoiceField(
        label="What the concern is",
        choices=[
            ("", "Choose one"),
            ("infatuation", "A child may be becoming infatuated with me"),
            ("dependence", "A parent or carer is coming to depend on me"),
            ("contact_attempts", "Someone is trying to make contact beyond the professional"),
            ("risk", "A situation that may place a child at risk"),
            ("other", "Something else"),
        ],
    )
    description = long_text_field("What happened", help_text="Facts, dates and what was said.")
    occurred_on = date_field("When it happened or started", required=False)

    def clean(self):
        cleaned = super().clean()
        self.check_not_future("occurred_on", "The date cannot be in the future.")
        return cleaned


class Subjects(enum.StrEnum):
    """Whom a declaration must name."""

    REQUIRED = "required"  # at least one current pupil or family member
    OPTIONAL = "optional"  # may name nobody (for example a trip's parents as free text)
    FORMER_PUPIL = "former_pupil"  # at least one former pupil


class Decider(enum.StrEnum):
    """Who decides a kind by default: the values of the approvals app's DeciderRole."""

    LINE_MANAGER = "line_manager"
    HEAD = "head"
    EXECUTIVE_HEAD = "executive_head"
    DSL = "dsl"


class Register(enum.StrEnum):
    """The registers of a setting that list a kind's declarations."""

    CORRESPONDENCE = "correspondence"  # R27: item, response, who saw it
    CONTACT_DETAILS = "contact_details"  # R28: personal communications and details, expiry


@dataclass(frozen=True)
class GiftAnswers:
    """The answers of a gift kind that the setting's rule on gifts is checked against
    (R15, R40): what form the gift takes and what it is worth. A declaration made before
    the form was asked has no form: it reads as not said."""

    form: str
    value: str

    def of(self, details: Mapping[str, Any]) -> DeclaredGift:
        form = details.get(self.form)
        raw = details.get(self.value)
        try:
            value = decimal.Decimal(str(raw)) if raw not in (None, "") else None
        except decimal.InvalidOperation:
            value = None
        return DeclaredGift(form=form if form in GiftType.values else None, value=value)


@dataclass(frozen=True)
class Expiry:
    """An approved arrangement that ends on a date given in the answers (R12, R13, R28):
    the staff member confirms by then that it has ended. ``confirm`` may name answers
    in braces; ``missing`` gives the words for an answer left empty."""

    field: str
    confirm: str
    missing: Mapping[str, str] = field(default_factory=dict)

    def ends_on(self, details: dict[str, Any]) -> datetime.date | None:
        value = details.get(self.field)
        return datetime.date.fromisoformat(value) if value else None

    def what(self, details: dict[str, Any]) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(self.confirm) if name}
        return self.confirm.format(
            **{name: details.get(name) or self.missing.get(name, "") for name in names}
        )


# Example dates: the day the example is for, and a day one to three weeks after it.
DAY = object()
LATER = object()


class OneOf(tuple):
    """An example answer chosen among these."""

    __slots__ = ()

    def __new__(cls, *choices: Any) -> OneOf:
        return super().__new__(cls, choices)


WAITING_ADVICE = "Do not go ahead until it is approved."


def gift_while_waiting(details: Mapping[str, Any]) -> str:
    if details.get("direction") == "received":
        return (
            "Keep the gift aside, unused, until it is decided whether you may keep it: you "
            "may be asked to return it or to pass it to the school."
        )
    return "Do not give the gift until it is approved."


@dataclass(frozen=True)
class Kind:
    code: str
    requirement: str
    name: str
    question: str
    guidance: str
    details_form: type[DetailsForm]
    needs_approval: bool
    # Copied to the DSL whoever decides it (R22).
    safeguarding: bool = False
    # Always urgent: due the same school day, first on the decider's and the DSL's lists,
    # and the emails say so (R39: concerns, R19).
    urgent: bool = False
    subjects: Subjects = Subjects.REQUIRED
    attachment_required: bool = False
    key_date: str | None = None  # the details field by which the decision is needed
    # An arrangement that goes on until it ends (tuition, a relationship): the annual
    # declaration round asks whether it continues.
    ongoing: bool = False
    # Who decides it when the organisation has no routing rule of its own (R21): in a
    # school (the Executive Headteacher only where the school is in a federation or
    # trust, else its head) and in a pre-school (002: the line manager or the DSO).
    decider_in_school: Decider = Decider.LINE_MANAGER
    decider_in_pre_school: Decider = Decider.LINE_MANAGER
    # Never decided below the head of setting, whatever a routing rule says (R9, R17).
    head_or_above: bool = False
    # A decision to let the contact continue needs a plan of involvement (R18).
    decision_needs_plan: bool = False
    # The approved arrangement ends on a date in the answers (R12, R13).
    expiry: Expiry | None = None
    registers: frozenset[Register] = frozenset()
    # The answers an entry on a staff or pupil file carries (R25, #21): what an inspector
    # reads to know what happened, in this order. None: every answer the form has.
    on_file: tuple[str, ...] | None = None
    # A declared personal relationship with the family: not the child's key person (R26).
    blocks_key_person: bool = False
    # A gift (R15): the answers checked against the setting's rule on gifts (R40), shown
    # to the declarant and marked for the decider; counted in the DSL's "repeated gifts
    # from one family" pattern.
    gift: GiftAnswers | None = None
    # What the declarant is told to do while they wait for the decision, from their
    # answers (#22: a gift already received cannot be "not gone ahead with"). None: the
    # same for every answer (WAITING_ADVICE), and nothing for a kind that needs no decision.
    while_waiting: Callable[[Mapping[str, Any]], str] | None = None
    # How common the kind is, as a weight (the demo and the scale seeder draw by it), and
    # whether it is one of the everyday kinds the demo's background history is made of.
    share: int = 1
    everyday: bool = False
    # A key may be a tuple of field names whose answers are chosen together, as a OneOf
    # of tuples (a gift and the form it takes).
    example: Mapping[str | tuple[str, ...], Any] = field(default_factory=dict)

    @property
    def is_notification(self) -> bool:
        return not self.needs_approval

    @property
    def is_gift(self) -> bool:
        return self.gift is not None

    def advice_while_waiting(self, details: Mapping[str, Any] | None) -> str:
        """What to do until it is decided, in words that fit what was answered."""
        if not self.needs_approval:
            return ""
        if self.while_waiting is None:
            return WAITING_ADVICE
        return self.while_waiting(details or {})

    def gift_declared(self, details: Mapping[str, Any]) -> DeclaredGift | None:
        """What the answers say of the gift; None for a kind that is not a gift."""
        return self.gift.of(details) if self.gift else None

    def form(self, *args: Any, **kwargs: Any) -> DetailsForm:
        return self.details_form(*args, **kwargs)

    def describe(self, details: dict[str, Any]) -> list[tuple[str, str]]:
        """The details as (label, readable value) pairs, in the form's order."""
        rows = []
        for name, form_field in self.details_form.base_fields.items():
            value = details.get(name)
            if value in (None, "", []):
                continue
            rows.append((str(form_field.label), readable(form_field, value)))
        return rows

    def on_file_answers(self, details: dict[str, Any]) -> list[tuple[str, str]]:
        """The answers an entry on a file carries (``on_file``), as :meth:`describe`."""
        if self.on_file is None:
            return self.describe(details)
        fields = self.details_form.base_fields
        return [
            (str(fields[name].label), readable(fields[name], details[name]))
            for name in self.on_file
            if details.get(name) not in (None, "", [])
        ]

    def key_date_of(self, details: dict[str, Any]) -> datetime.date | None:
        if not self.key_date or not details.get(self.key_date):
            return None
        return datetime.date.fromisoformat(details[self.key_date])

    def example_answers(
        self, day: datetime.date, rng: random.Random, later: datetime.date | None = None
    ) -> dict[str, Any]:
        """Plausible answers for a declaration made on ``day`` (the demo, the scale); the
        dates ahead are ``later``, one to three weeks on unless given."""
        later = later or day + datetime.timedelta(days=rng.randint(8, 20))

        def resolve(value: Any) -> Any:
            if isinstance(value, OneOf):
                return resolve(rng.choice(value))
            if value is DAY:
                return day.isoformat()
            if value is LATER:
                return later.isoformat()
            return value

        answers: dict[str, Any] = {}
        for name, value in self.example.items():
            if isinstance(name, tuple):  # answers chosen together: a gift and its form
                answers.update(zip(name, resolve(value), strict=True))
            else:
                answers[name] = resolve(value)
        return answers


def readable(field: forms.Field, value: Any) -> str:
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(item, item)) for item in value)
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else "No"
    if isinstance(field, forms.DateField):
        return datetime.date.fromisoformat(value).strftime("%-d %B %Y")
    if isinstance(field, forms.DecimalField):
        return f"£{decimal.Decimal(value):,.2f}"
    return str(choices.get(value, value))


def details_to_json(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Cleaned form data as JSON-safe values (dates ISO, money as text)."""
    result: dict[str, Any] = {}
    for name, value in cleaned.items():
        if isinstance(value, datetime.time):
            result[name] = value.isoformat(timespec="minutes")
        elif isinstance(value, datetime.date):
            result[name] = value.isoformat()
        elif isinstance(value, decimal.Decimal):
            result[name] = str(value)
        else:
            result[name] = value
    return result


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.code in KINDS:
        raise ValueError(f"A declaration kind {kind.code!r} is already registered.")
    KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> Kind:
    return KINDS[code]


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.name) for kind in KINDS.values()]


def kind_questions() -> list[tuple[str, str]]:
    """The chooser's questions: what is always urgent (a concern about a child) first,
    set apart from the rest on the page (#22), then the others in the registry's order."""
    kinds = sorted(KINDS.values(), key=lambda kind: not kind.urgent)
    return [(kind.code, kind.question) for kind in kinds]


def set_apart_codes() -> frozenset[str]:
    """The kinds the chooser puts first, apart from the others: the always urgent."""
    return frozenset(kind.code for kind in KINDS.values() if kind.urgent)


def any_kind_choices() -> list[tuple[str, str]]:
    """For a filter: any kind, or one of them."""
    return [("", "Any kind"), *kind_choices()]


def kinds_where(**flags: Any) -> list[Kind]:
    """The kinds whose entries have these values, in the registry's order."""
    return [
        kind
        for kind in KINDS.values()
        if all(getattr(kind, name) == value for name, value in flags.items())
    ]


def codes_where(**flags: Any) -> tuple[str, ...]:
    return tuple(kind.code for kind in kinds_where(**flags))


def codes_on_register(register: Register) -> tuple[str, ...]:
    return tuple(kind.code for kind in KINDS.values() if register in kind.registers)


register(
    Kind(
        code="pre_existing_relationship",
        requirement="R5",
        name="Pre-existing relationship with a family",
        question="I knew a pupil's family before they joined, or I am related to them",
        guidance=(
            "Tell your manager about any relationship with a parent or family that goes "
            "beyond the professional, such as a friendship from before their child joined, "
            "being related or being neighbours. It is recorded so that nothing looks secret, "
            "and so you are not made the child's key person. You may only connect with a "
            "family on social media where such a relationship exists."
        ),
        details_form=PreExistingRelationshipForm,
        on_file=("relationship", "description", "since", "social_media", "channels"),
        needs_approval=False,
        ongoing=True,
        decider_in_pre_school=Decider.DSL,
        blocks_key_person=True,
        share=7,
        everyday=True,
        example={
            "channels": ["in_person", "phone"],
            "relationship": OneOf("friend", "neighbour", "community"),
            "description": "We knew each other before their child joined",
            "since": "2019-06-01",
        },
    )
)
register(
    Kind(
        code="planned_social_contact",
        requirement="R6",
        name="Planned social contact",
        question="I plan to meet a pupil or their family socially (a party, a meal, an outing)",
        guidance=(
            "Always have planned social contact with children or parents approved by senior "
            "staff before it happens: say who will be there, when, where and why. It must be "
            "decided before the date."
        ),
        details_form=PlannedSocialContactForm,
        on_file=("planned_on", "time", "place", "who", "purpose", "channels"),
        needs_approval=True,
        key_date="planned_on",
        share=16,
        everyday=True,
        example={
            "channels": ["in_person"],
            "planned_on": LATER,
            "place": "A children's birthday party at a family's home",
            "who": "The family and other parents from the class",
            "purpose": "Invited as a friend of the family",
        },
    )
)
register(
    Kind(
        code="regular_social_contact",
        requirement="R7",
        name="Regular or ongoing social contact",
        question="I see a pupil's family socially on a regular basis",
        guidance=(
            "Advise senior management of regular social contact outside work with a child or "
            "their family: what it is and how often. It is reviewed from time to time."
        ),
        details_form=RegularSocialContactForm,
        on_file=("nature", "frequency", "started_on", "channels"),
        needs_approval=True,
        ongoing=True,
        share=7,
        everyday=True,
        example={
            "channels": ["in_person"],
            "nature": "Our children play in the same football team",
            "frequency": "weekly",
        },
    )
)
register(
    Kind(
        code="personal_communication",
        requirement="R8",
        name="Personal communication (cards, letters, messages)",
        question="I want to send a pupil or family a card or personal message",
        guidance=(
            "Agree with your line manager before sending a personal communication, such as a "
            "birthday or faith card, outside work. It is recorded."
        ),
        details_form=PersonalCommunicationForm,
        on_file=("occasion", "message_type", "send_on", "channels"),
        needs_approval=True,
        key_date="send_on",
        registers=frozenset({Register.CONTACT_DETAILS}),
        share=12,
        everyday=True,
        example={
            "channels": ["letter_or_card"],
            "occasion": OneOf("birthday", "get_well", "sympathy", "congratulations"),
            "message_type": "card",
            "send_on": LATER,
        },
    )
)
register(
    Kind(
        code="work_outside_setting",
        requirement="R9",
        name="Tuition, clubs, babysitting or home visits",
        question="I have been asked to tutor, coach, babysit or visit a pupil at home",
        guidance=(
            "Work-related contact outside the normal working environment, such as private "
            "tuition, sports clubs, babysitting or home visits, must be agreed in advance by "
            "the Executive Headteacher or head. The reasons are recorded on your file and the "
            "pupil's file, and the contact is monitored by your line manager or the head."
        ),
        details_form=WorkOutsideForm,
        on_file=("activity", "paid", "starts_on", "ends_on", "location", "channels"),
        needs_approval=True,
        ongoing=True,
        key_date="starts_on",
        decider_in_school=Decider.EXECUTIVE_HEAD,
        decider_in_pre_school=Decider.HEAD,
        head_or_above=True,
        share=7,
        everyday=True,
        example={
            "channels": ["in_person"],
            "activity": OneOf("tuition", "babysitting", "sports_club"),
            "paid": "yes",
            "reasons": "The family asked for help in the evenings",
            "starts_on": LATER,
            "location": "The family's home",
        },
    )
)
register(
    Kind(
        code="unplanned_contact",
        requirement="R10",
        name="Unplanned contact",
        question="I met a pupil or their family by chance outside work",
        guidance=(
            "Unexpected contact is inevitable at times, for example a brief greeting in the "
            "street. Keep it minimal and make a brief record so that your manager can "
            "discuss it with you. No approval is needed."
        ),
        details_form=UnplannedContactForm,
        on_file=("occurred_on", "place", "what_happened", "channels"),
        needs_approval=False,
        share=10,
        everyday=True,
        example={
            "channels": ["in_person"],
            "occurred_on": DAY,
            "place": OneOf("Supermarket", "Swimming pool", "Park", "Railway station"),
            "what_happened": "Said hello and talked briefly about the weekend",
        },
    )
)
register(
    Kind(
        code="correspondence_received",
        requirement="R11",
        name="Correspondence received",
        question="I received a card, letter, email or message from a pupil or family",
        guidance=(
            "Draw any correspondence you receive to the attention of your line manager or "
            "the Executive Headteacher, with a copy attached (a photo is fine). It is filed "
            "together with any response."
        ),
        details_form=CorrespondenceForm,
        on_file=("item", "received_on", "proposed_response", "channels"),
        needs_approval=False,
        attachment_required=True,
        registers=frozenset({Register.CORRESPONDENCE}),
        share=11,
        everyday=True,
        example={
            "channels": ["letter_or_card"],
            "item": "A thank-you card",
            "received_on": DAY,
            "proposed_response": "Thank the family at the school gate",
        },
    )
)
register(
    Kind(
        code="contact_details_shared",
        requirement="R12",
        name="Personal contact details shared",
        question="I need to give a pupil or family my personal number, email or address",
        guidance=(
            "Do not give your personal phone number, email or address to pupils or families "
            "unless it has been agreed. Any contact beyond what was agreed must be reported "
            "straight away."
        ),
        details_form=ContactDetailsForm,
        on_file=("details_given", "to_whom", "reason", "until", "channels"),
        needs_approval=True,
        decider_in_school=Decider.EXECUTIVE_HEAD,
        decider_in_pre_school=Decider.HEAD,
        expiry=Expiry(
            "until",
            "The agreement to share your contact details with {to_whom} ends: stop using "
            "them for contact, and confirm that you have.",
            missing={"to_whom": "them"},
        ),
        registers=frozenset({Register.CONTACT_DETAILS}),
        share=3,
        example={
            "channels": ["phone"],
            "details_given": ["mobile"],
            "to_whom": "A parent helping to run the school's football club",
            "reason": "To arrange lifts to matches",
            "until": LATER,
        },
    )
)
register(
    Kind(
        code="trip_phone_sharing",
        requirement="R13",
        name="Phone number shared for a trip",
        question="I will share my mobile number with parents for a trip or event",
        guidance=(
            "On a trip it can be right to share your mobile number with parents for a short "
            "time. The numbers are kept only for the trip: say when you will delete them, and "
            "you will be asked to confirm you did. Use a school phone where you can."
        ),
        details_form=PhoneSharingForm,
        on_file=(
            "trip_name",
            "trip_starts_on",
            "trip_ends_on",
            "parents_or_carers",
            "delete_by",
            "channels",
        ),
        needs_approval=True,
        subjects=Subjects.OPTIONAL,
        key_date="trip_starts_on",
        expiry=Expiry(
            "delete_by",
            "Delete the parents' and carers' phone numbers you were given for {trip_name}, "
            "and confirm that you have.",
            missing={"trip_name": "the trip"},
        ),
        registers=frozenset({Register.CONTACT_DETAILS}),
        share=5,
        example={
            "channels": ["phone", "text"],
            "trip_name": "Year 6 residential",
            "trip_starts_on": LATER,
            "trip_ends_on": LATER,
            "parents_or_carers": "The parents of the children on the trip",
            "delete_by": LATER,
        },
    )
)
register(
    Kind(
        code="social_media_connection",
        requirement="R14",
        name="Social media connection",
        question="I am, or want to be, connected with a parent on social media",
        guidance=(
            "If there is no pre-existing personal relationship with a parent, they must not "
            "be added to your social networks (Facebook, Instagram, WhatsApp, gaming and the "
            "rest). Declare the relationship first, then the connection."
        ),
        details_form=SocialMediaForm,
        on_file=("platform", "account", "pre_existing_declared", "channels"),
        needs_approval=True,
        ongoing=True,
        decider_in_pre_school=Decider.DSL,
        share=3,
        example={
            "channels": ["social_network"],
            "platform": "Facebook",
            "account": "A parent I have known since school",
            "pre_existing_declared": True,
        },
    )
)
register(
    Kind(
        code="gift",
        requirement="R15",
        name="Gift given or received",
        question="I was offered or gave a gift",
        guidance=(
            "Giving, receiving or exchanging gifts of money or goods with pupils, families or "
            "carers needs a decision: your setting may allow small tokens or forbid them. Say "
            "what it is and what it is worth."
        ),
        details_form=GiftForm,
        on_file=("direction", "item", "gift_type", "value", "other_party", "on", "channels"),
        needs_approval=True,
        decider_in_school=Decider.HEAD,
        decider_in_pre_school=Decider.HEAD,
        gift=GiftAnswers(form="gift_type", value="value"),
        while_waiting=gift_while_waiting,
        share=12,
        everyday=True,
        example={
            "channels": ["in_person"],
            "direction": "received",
            ("item", "gift_type"): OneOf(
                ("Flowers", GiftType.GOODS.value),
                ("Box of chocolates", GiftType.GOODS.value),
                ("Voucher", GiftType.VOUCHER.value),
                ("Bottle of wine", GiftType.GOODS.value),
            ),
            "value": OneOf("10.00", "15.00", "25.00", "40.00"),
            "other_party": "A parent",
        },
    )
)
register(
    Kind(
        code="business_dealing",
        requirement="R16",
        name="Buying, selling, lending or business",
        question="I want to buy, sell, lend, borrow or do business with a family",
        guidance=(
            "Staff must not sell, buy, exchange, lend or borrow goods or services with pupils, "
            "their families or carers. Declare any such dealing: it is usually refused."
        ),
        details_form=BusinessDealingForm,
        on_file=("nature", "description", "value", "channels"),
        needs_approval=True,
        ongoing=True,
        decider_in_school=Decider.HEAD,
        decider_in_pre_school=Decider.HEAD,
        share=1,
        example={
            "channels": ["in_person"],
            "nature": "selling",
            "description": "A parent asked to buy my old car",
            "value": "1500.00",
        },
    )
)
register(
    Kind(
        code="will_or_attorney",
        requirement="R17",
        name="Will, legacy or power of attorney",
        question="I was asked to witness or was named in a will or power of attorney",
        guidance=(
            "Staff must not witness or benefit from the wills, legacies, Enduring or Lasting "
            "Powers of Attorney of pupils, their families or carers. This always goes to "
            "senior staff and the designated safeguarding lead."
        ),
        details_form=WillOrAttorneyForm,
        on_file=("document", "role", "description", "channels"),
        needs_approval=True,
        safeguarding=True,
        decider_in_school=Decider.EXECUTIVE_HEAD,
        decider_in_pre_school=Decider.HEAD,
        head_or_above=True,
        share=1,
        example={
            "channels": ["in_person"],
            "document": "will",
            "role": "witness",
            "description": "A grandparent asked me to witness their will",
        },
    )
)
register(
    Kind(
        code="former_pupil_contact",
        requirement="R18",
        name="Contact with a former pupil",
        question="A former pupil has been in touch, or I want to stay in contact",
        guidance=(
            "Former pupils, even those now adults, may get in touch. Discuss any significant "
            "contact with your line manager or the Executive Headteacher. If contact is to "
            "continue, a plan of involvement with expected outcomes and timescales is agreed, "
            "with supervision, and other agencies involved where needed."
        ),
        details_form=FormerPupilForm,
        on_file=("current_age_or_setting", "nature_of_contact", "proposed_plan", "channels"),
        needs_approval=True,
        safeguarding=True,
        subjects=Subjects.FORMER_PUPIL,
        decider_in_school=Decider.EXECUTIVE_HEAD,
        decider_in_pre_school=Decider.HEAD,
        decision_needs_plan=True,
        share=2,
        example={
            "channels": ["social_network"],
            "current_age_or_setting": "19, at university",
            "nature_of_contact": "They messaged to ask for a reference",
            "proposed_plan": "Reply once through the school's email and keep it to that",
        },
    )
)
register(
    Kind(
        code="concern",
        requirement="R19",
        name="Concern",
        question="I am worried about a child's or parent's contact with me",
        guidance=(
            "Tell senior staff if a child may be becoming infatuated with you, a parent comes "
            "to depend on you, someone tries to make contact beyond the professional, or "
            "anything may place a child at risk. It also goes to the designated safeguarding "
            "lead. If a child is in immediate danger, act now and speak to the DSL in person."
        ),
        details_form=ConcernForm,
        on_file=("concern_type", "occurred_on", "description", "channels"),
        needs_approval=False,
        safeguarding=True,
        urgent=True,
        subjects=Subjects.OPTIONAL,
        decider_in_school=Decider.HEAD,
        decider_in_pre_school=Decider.DSL,
        share=3,
        example={
            "channels": ["in_person"],
            "concern_type": "dependence",
            "description": "A parent has started waiting for me after school every day",
            "occurred_on": DAY,
        },
    )
)
