"""The registry of declaration kinds (R5 to R19) and each kind's details form."""

import datetime
import re

import pytest
from django import forms

from declarations import kinds
from declarations.kinds import KINDS, DetailsForm, Subjects, details_to_json, get_kind, register
from tests.factories.declarations import details_data

pytestmark = pytest.mark.django_db

# A fixed "today", so that the dates in the tests read the same every day.
TODAY = datetime.date(2029, 12, 1)

APPROVAL_KINDS = {
    "planned_social_contact",
    "regular_social_contact",
    "personal_communication",
    "work_outside_setting",
    "contact_details_shared",
    "trip_phone_sharing",
    "social_media_connection",
    "gift",
    "business_dealing",
    "will_or_attorney",
    "former_pupil_contact",
}
NOTIFICATION_KINDS = {
    "pre_existing_relationship",
    "unplanned_contact",
    "correspondence_received",
    "concern",
}
ALL_CODES = sorted(KINDS)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    monkeypatch.setattr(kinds, "today", lambda: TODAY)


def days(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def bound(code: str, **changes):
    """The kind's details form bound to valid data with ``changes`` applied."""
    data = {**details_data(code, on=TODAY), **changes}
    form = get_kind(code).form(data=data)
    form.is_valid()
    return form


# The registry -----------------------------------------------------------------------


def test_registry_has_one_kind_for_each_requirement_r5_to_r19():
    requirements = [kind.requirement for kind in KINDS.values()]

    assert len(KINDS) == 15
    assert sorted(requirements, key=lambda code: int(code[1:])) == [
        f"R{number}" for number in range(5, 20)
    ]
    assert len(set(requirements)) == len(requirements)


def test_registry_is_keyed_by_each_kinds_own_code():
    assert all(code == kind.code for code, kind in KINDS.items())
    assert get_kind("gift") is KINDS["gift"]


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_kind_has_a_name_question_and_guidance(code):
    kind = KINDS[code]

    assert kind.name.strip()
    assert kind.question.strip()
    assert kind.guidance.strip()
    assert len(kind.guidance) > len(kind.question)


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_kind_has_a_details_form_recording_the_channels(code):
    kind = KINDS[code]

    assert issubclass(kind.details_form, DetailsForm)
    assert "channels" in kind.details_form.base_fields
    if kind.key_date:
        assert isinstance(kind.details_form.base_fields[kind.key_date], forms.DateField)


def test_kinds_that_need_approval_before_they_happen():
    assert {code for code, kind in KINDS.items() if kind.needs_approval} == APPROVAL_KINDS


def test_unplanned_contact_correspondence_concern_and_relationships_are_notifications():
    notifications = {code for code, kind in KINDS.items() if kind.is_notification}

    assert notifications == NOTIFICATION_KINDS
    # Told, not asked: no notification waits on a date by which it must be decided (the
    # scheduler would flag one as passed undecided).
    assert [code for code in sorted(NOTIFICATION_KINDS) if KINDS[code].key_date] == []


def test_only_wills_former_pupils_and_concerns_are_safeguarding_relevant():
    safeguarding = {kind.requirement for kind in KINDS.values() if kind.safeguarding}

    assert safeguarding == {"R17", "R18", "R19"}


def test_whom_each_kind_must_name():
    assert KINDS["former_pupil_contact"].subjects == Subjects.FORMER_PUPIL
    assert KINDS["trip_phone_sharing"].subjects == Subjects.OPTIONAL
    assert KINDS["concern"].subjects == Subjects.OPTIONAL
    others = set(KINDS) - {"former_pupil_contact", "trip_phone_sharing", "concern"}
    assert all(KINDS[code].subjects == Subjects.REQUIRED for code in others)


def test_only_correspondence_received_needs_an_attachment():
    assert [code for code, kind in KINDS.items() if kind.attachment_required] == [
        "correspondence_received"
    ]


def test_registering_a_kind_code_twice_is_refused_and_leaves_the_registry_alone():
    before = dict(KINDS)

    with pytest.raises(ValueError, match="already registered"):
        register(KINDS["gift"])

    assert before == KINDS


def test_key_date_of_reads_the_kinds_key_date_from_stored_details():
    kind = KINDS["planned_social_contact"]

    assert kind.key_date_of({"planned_on": "2030-01-01"}) == datetime.date(2030, 1, 1)
    assert kind.key_date_of({}) is None
    assert KINDS["gift"].key_date_of({"on": "2030-01-01"}) is None


# Valid details, readable back ---------------------------------------------------------


@pytest.mark.parametrize("code", ALL_CODES)
def test_valid_details_are_accepted_by_the_kinds_form(code):
    form = bound(code)

    assert form.is_valid(), form.errors.as_json()


@pytest.mark.parametrize("code", ALL_CODES)
def test_describe_gives_readable_rows_in_the_forms_order(code):
    kind = KINDS[code]
    form = bound(code)
    assert form.is_valid(), form.errors.as_json()
    stored = details_to_json(form.cleaned_data)

    rows = kind.describe(stored)

    fields = kind.details_form.base_fields
    labels = [str(field.label) for field in fields.values()]
    shown = [label for label, _ in rows]
    assert shown == [label for label in labels if label in shown]
    filled = [name for name, value in stored.items() if value not in (None, "", [])]
    assert len(rows) == len(filled)
    for (label, value), name in zip(rows, [n for n in fields if n in filled], strict=True):
        field = fields[name]
        assert label == str(field.label)
        assert isinstance(value, str)
        assert value
        if isinstance(field, forms.DateField):
            assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", value), value
        elif isinstance(field, forms.DecimalField):
            assert re.fullmatch(r"£\d{1,3}(,\d{3})*\.\d\d", value), value
        elif isinstance(field, forms.ChoiceField):
            by_code = {code: str(text) for code, text in field.choices}
            codes = stored[name] if isinstance(stored[name], list) else [stored[name]]
            assert value == ", ".join(by_code[code] for code in codes)


def test_describe_writes_dates_in_words_and_choices_by_label():
    rows = dict(
        KINDS["planned_social_contact"].describe(
            {
                "channels": ["in_person", "messaging_app"],
                "planned_on": "2030-01-01",
                "time": "14:30",
                "place": "The village hall",
            }
        )
    )

    assert rows["Date"] == "1 January 2030"
    assert rows["Time"] == "14:30"
    assert rows["How the contact happens or happened"] == (
        "In person, Messaging app (for example WhatsApp)"
    )
    assert "Who will be there" not in rows  # empty answers are left out


def test_describe_writes_money_in_pounds_and_pence():
    form = bound("gift", value="12.5", direction="given")
    assert form.is_valid(), form.errors.as_json()

    rows = dict(KINDS["gift"].describe(details_to_json(form.cleaned_data)))

    assert rows["Estimated value in pounds"] == "£12.50"
    assert rows["Given or received"] == "I gave it or want to give it"
    assert KINDS["business_dealing"].describe({"value": "1250"}) == [
        ("Value in pounds", "£1,250.00")
    ]


def test_describe_writes_yes_and_no_and_typed_choices_by_label():
    work = dict(KINDS["work_outside_setting"].describe({"paid": "yes", "activity": "tuition"}))
    social = dict(KINDS["social_media_connection"].describe({"pre_existing_declared": False}))
    relationship = dict(KINDS["pre_existing_relationship"].describe({"social_media": True}))

    assert work == {"Is it paid?": "Yes, paid", "Activity": "Private tuition"}
    assert social == {
        "I have declared a pre-existing relationship with this family": "No",
    }
    assert relationship == {"We are connected on social media or a messaging app": "Yes"}


def test_details_to_json_stores_dates_times_and_money_as_text():
    form = bound("planned_social_contact", planned_on="2030-01-01")
    assert form.is_valid(), form.errors.as_json()

    stored = details_to_json(form.cleaned_data)

    assert stored["planned_on"] == "2030-01-01"
    assert stored["time"] == "14:30"
    assert details_to_json(bound("gift", value="12.50").cleaned_data)["value"] == "12.50"


# Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "field", "message"),
    [
        ("planned_social_contact", "planned_on", "planned contact is declared before it happens"),
        ("personal_communication", "send_on", "agree it before sending"),
        ("trip_phone_sharing", "trip_starts_on", "declare it beforehand"),
    ],
)
def test_a_planned_date_in_the_past_is_refused_with_a_message(code, field, message):
    form = bound(code, **{field: days(-1)})

    assert not form.is_valid()
    assert any(message in error for error in form.errors[field])


def test_tuition_that_has_already_started_can_still_be_declared():
    # Late is better than secret (R20): the reasons say it has started.
    assert bound("work_outside_setting", starts_on=days(-30)).is_valid()


def test_an_amendment_may_keep_a_planned_date_that_has_since_passed():
    data = details_data("planned_social_contact", on=TODAY)
    data["planned_on"] = days(-1)
    form = get_kind("planned_social_contact").form(data=data, allow_past=True)

    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("planned_social_contact", "planned_on"),
        ("personal_communication", "send_on"),
        ("work_outside_setting", "starts_on"),
        ("trip_phone_sharing", "trip_starts_on"),
    ],
)
def test_a_planned_date_of_today_is_accepted(code, field):
    form = bound(code, **{field: days(0)})

    assert form.is_valid(), form.errors.as_json()


def test_contact_details_shared_until_a_past_date_is_refused():
    form = bound("contact_details_shared", until=days(-1))

    assert not form.is_valid()
    assert form.errors["until"] == ["The end date is in the past."]


def test_work_outside_the_setting_ending_before_it_starts_is_refused():
    form = bound("work_outside_setting", starts_on=days(10), ends_on=days(9))

    assert not form.is_valid()
    assert form.errors["ends_on"] == ["The end date cannot be before the start date."]


def test_work_outside_the_setting_may_be_ongoing_with_no_end_date():
    assert bound("work_outside_setting", ends_on="").is_valid()


def test_a_trip_whose_last_day_is_before_its_first_is_refused():
    form = bound(
        "trip_phone_sharing", trip_starts_on=days(20), trip_ends_on=days(19), delete_by=days(20)
    )

    assert not form.is_valid()
    assert form.errors["trip_ends_on"] == ["The last day cannot be before the first."]


def test_trip_numbers_deleted_before_the_trip_ends_is_refused():
    form = bound(
        "trip_phone_sharing", trip_starts_on=days(20), trip_ends_on=days(22), delete_by=days(21)
    )

    assert not form.is_valid()
    assert form.errors["delete_by"] == ["Delete the numbers on or after the last day."]


def test_trip_numbers_kept_more_than_two_weeks_after_the_trip_is_refused():
    form = bound(
        "trip_phone_sharing", trip_starts_on=days(20), trip_ends_on=days(22), delete_by=days(37)
    )

    assert not form.is_valid()
    assert form.errors["delete_by"] == ["Delete the numbers within two weeks of the trip."]


@pytest.mark.parametrize("after_last_day", [0, 14])
def test_trip_numbers_deleted_on_the_last_day_or_within_two_weeks_are_accepted(after_last_day):
    form = bound(
        "trip_phone_sharing",
        trip_starts_on=days(20),
        trip_ends_on=days(22),
        delete_by=days(22 + after_last_day),
    )

    assert form.is_valid(), form.errors.as_json()


@pytest.mark.parametrize("value", ["-0.01", "-5"])
def test_a_negative_gift_value_is_refused(value):
    form = bound("gift", value=value)

    assert not form.is_valid()
    assert form.errors["value"] == ["The value cannot be negative."]


@pytest.mark.parametrize("value", ["10000.01", "250000", "9999999"])
def test_an_absurd_gift_value_is_refused(value):
    form = bound("gift", value=value)

    assert not form.is_valid()
    assert any("looks too high" in error for error in form.errors["value"])
    assert any("£10,000" in error for error in form.errors["value"])


@pytest.mark.parametrize("value", ["0", "0.50", "10000"])
def test_gift_values_from_nothing_up_to_ten_thousand_pounds_are_accepted(value):
    assert bound("gift", value=value).is_valid()


def test_a_gift_value_is_required_but_a_business_dealing_value_is_not():
    assert not bound("gift", value="").is_valid()
    assert bound("business_dealing", value="").is_valid()


def test_unplanned_contact_dated_in_the_future_is_refused():
    form = bound("unplanned_contact", occurred_on=days(1))

    assert not form.is_valid()
    assert form.errors["occurred_on"] == ["Unplanned contact has already happened: check the date."]


def test_correspondence_received_dated_in_the_future_is_refused():
    form = bound("correspondence_received", received_on=days(1))

    assert not form.is_valid()
    assert form.errors["received_on"] == ["The date received cannot be in the future."]


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("pre_existing_relationship", "since"),
        ("regular_social_contact", "started_on"),
        ("concern", "occurred_on"),
    ],
)
def test_other_dates_that_have_already_happened_cannot_be_in_the_future(code, field):
    form = bound(code, **{field: days(1)})

    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.parametrize("code", ALL_CODES)
def test_missing_channels_are_refused_with_tick_at_least_one_way(code):
    data = details_data(code, on=TODAY)
    del data["channels"]
    form = get_kind(code).form(data=data)

    assert not form.is_valid()
    assert form.errors["channels"][0].startswith("Tick at least one way")


@pytest.mark.parametrize("code", ALL_CODES)
def test_an_unknown_channel_is_refused(code):
    form = bound(code, channels=["carrier_pigeon"])

    assert not form.is_valid()
    assert "channels" in form.errors


@pytest.mark.parametrize("code", ALL_CODES)
def test_empty_details_are_refused_with_a_message_for_each_required_field(code):
    form = get_kind(code).form(data={})

    assert not form.is_valid()
    required = {name for name, field in form.fields.items() if field.required}
    assert set(form.errors) == required
