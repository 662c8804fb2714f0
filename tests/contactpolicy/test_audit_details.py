"""How the audit history reads an event's data (contactpolicy/audit_details.py, #21):
keys by their labels, ids by the names of what they name, values by their labels,
changes as before and after; the narrowest declaration of a key wins; a confidential
action's details are withheld from those who may not read them."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from contactpolicy import audit_details
from contactpolicy.audit import AuditAction, registry
from contactpolicy.audit_details import WITHHELD, Key, KeyVocabulary, describe_events, details_text
from contactpolicy.exceptions import AuditActionError
from contactpolicy.models import AuditEvent
from declarations.models import Declaration
from directory.models import Person, Role
from tests.factories.declarations import DeclarationFactory

pytestmark = pytest.mark.django_db


def event(action: str, data: dict, target=None, **fields) -> AuditEvent:
    """An event as the audit history reads it (not written: the trail is append-only)."""
    return AuditEvent(
        action=action,
        data=data,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target) if target is not None else "",
        organisation_pk=getattr(target, "setting_id", None),
        **fields,
    )


def read(*events: AuditEvent, reader, confidential_ok: bool = True) -> list[AuditEvent]:
    return describe_events(
        events, reader=reader, may_read_confidential=lambda event: confidential_ok
    )


def lines(described: AuditEvent) -> dict[str, str]:
    return {line.label: line.text().split(": ", 1)[1] for line in described.details}


# Keys --------------------------------------------------------------------------------


def test_the_narrowest_declaration_of_a_key_wins():
    vocabulary = KeyVocabulary()
    vocabulary.add("status", "Status everywhere")
    vocabulary.add("status", "Status of a pupil", group="People")
    own = AuditAction("test.own", "Own", group="People", keys={"status": Key("Its own status")})
    grouped = AuditAction("test.grouped", "Grouped", group="People")
    elsewhere = AuditAction("test.elsewhere", "Elsewhere", group="Declarations")

    assert vocabulary.key_for(own, "status").label == "Its own status"
    assert vocabulary.key_for(grouped, "status").label == "Status of a pupil"
    assert vocabulary.key_for(elsewhere, "status").label == "Status everywhere"
    assert vocabulary.key_for(None, "nobody_declared_it") == Key()


def test_a_key_is_declared_once_at_each_level():
    vocabulary = KeyVocabulary()
    vocabulary.add("reason", "Reason")
    vocabulary.add("reason", "Why", group="Decisions")

    with pytest.raises(AuditActionError, match="declared already"):
        vocabulary.add("reason", "Again")
    with pytest.raises(AuditActionError, match="under 'Decisions'"):
        vocabulary.add("reason", "Again", group="Decisions")


def test_an_undeclared_key_reads_as_its_name_in_words_and_a_date_as_a_date(world):
    described = read(
        event("auth.signed_in", {"some_new_key": "2026-11-04", "count_of_things": 3}),
        reader=world.dsl_a,
    )[0]

    assert lines(described) == {"Some new key": "4 November 2026", "Count of things": "3"}


# Values ------------------------------------------------------------------------------


def test_ids_read_as_the_names_of_the_people_and_organisations_they_name(world):
    data = {"decider": world.head_a.pk, "role": "head", "of": world.school_a.pk, "urgent": ""}

    described = read(event("approval.routed", data), reader=world.dsl_a)[0]

    assert lines(described) == {
        "Asked of": world.head_a.get_full_name(),
        "Deciding as": "Headteacher or manager of the setting",
        "Of": "Ash Primary School",
    }
    text = details_text(described)
    assert str(world.head_a.pk) not in text.replace("Ash", "")
    assert "{" not in text


def test_a_status_change_reads_as_before_and_after_by_its_labels(world):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    data = {"before": {"status": "submitted"}, "after": {"status": "withdrawn"}, "reason": "x"}

    described = read(event("declaration.withdrawn", data, declaration), reader=world.dsl_a)[0]

    (status, reason) = described.details
    assert status.changed
    assert status.text() == "Status: Submitted \u2192 Withdrawn"
    assert reason.text() == "Reason: x"
    assert details_text(described) == "Status: Submitted \u2192 Withdrawn; Reason: x"


def test_a_change_shows_only_what_changed_and_the_answers_by_the_forms_labels(world):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    before = {"status": "draft", "notes": "", "details": {"location": "The park", "channels": []}}
    after = {
        "status": "draft",
        "notes": "",
        "details": {"location": "The library", "channels": ["in_person"]},
    }

    described = read(
        event("declaration.changed", {"before": before, "after": after}, declaration),
        reader=world.dsl_a,
    )[0]

    (answers,) = described.details
    assert answers.label == "Answers"
    texts = [line.text() for line in answers.lines]
    assert "How the contact happens or happened: none \u2192 In person" in texts
    assert any(text.endswith("The park \u2192 The library") for text in texts)
    assert not any("Status" in text for text in texts)


def test_a_record_made_reads_as_what_it_was_made_with(world):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    data = {"after": {"status": "draft", "urgent": False, "setting": world.school_a.pk}}

    described = read(event("declaration.created", data, declaration), reader=world.dsl_a)[0]

    assert lines(described) == {"Status": "Draft", "Urgent": "no", "Made at": "Ash Primary School"}


def test_a_hidden_key_is_not_shown_and_an_id_of_nothing_says_so(world):
    data = {"method": "GET", "decider": 987654}

    described = read(event("approval.reminded", data), reader=world.dsl_a)[0]

    assert lines(described) == {"Asked of": "person 987654 (not found)"}


def test_who_and_the_record_link_where_the_reader_may_open_them(world):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    viewed = event("declaration.viewed", {}, declaration, actor=world.teacher_a)

    as_dsl = read(viewed, reader=world.dsl_a)[0]
    assert as_dsl.who.text == world.teacher_a.get_full_name()
    assert as_dsl.who.url == f"/registers/staff/{world.teacher_a.pk}/"
    assert as_dsl.record.text == str(declaration)
    assert as_dsl.record.url == ""  # nothing about it reached the DSL

    as_declarant = read(viewed, reader=world.teacher_a)[0]
    assert as_declarant.record.url == declaration.get_absolute_url()

    as_other_school = read(viewed, reader=world.administrator_other)[0]
    assert as_other_school.who.url == ""


def test_a_pupil_of_a_school_the_reader_has_no_role_in_is_not_named(world):
    from tests.factories import PupilFactory

    pupil = PupilFactory(setting=world.school_a, given_name="Xanthe", family_name="Ashgrove")
    data = {"pupils": [pupil.pk]}

    shown_to_dsl = lines(read(event("register.outcome_recorded", data), reader=world.dsl_a)[0])
    shown_elsewhere = lines(
        read(event("register.outcome_recorded", data), reader=world.administrator_other)[0]
    )

    assert shown_to_dsl == {"Pupils": "Xanthe Ashgrove"}
    assert shown_elsewhere == {"Pupils": "A pupil of another school"}


# Confidential -------------------------------------------------------------------------


def test_an_action_registered_confidential_is_withheld_from_who_may_not_read_it(world, monkeypatch):
    """The mechanism another action (the DSL's log) is registered with: its events'
    details are for the readers ``may_read_confidential`` lets through."""
    dsl_log = AuditAction("test.dsl_log", "DSL's log entry", group="Tests", confidential=True)
    monkeypatch.setattr(
        audit_details, "find_action", lambda code: dsl_log if code == dsl_log else None
    )
    logged = event("test.dsl_log", {"what_the_dsl_did": "Sought advice from the LADO"})

    (withheld,) = read(logged, reader=world.administrator, confidential_ok=False)
    assert withheld.confidential
    assert withheld.withheld
    assert withheld.details == []
    assert details_text(withheld) == WITHHELD
    assert withheld.label == "DSL's log entry"

    (shown,) = read(logged, reader=world.dsl_a, confidential_ok=True)
    assert not shown.withheld
    assert details_text(shown) == "What the dsl did: Sought advice from the LADO"


def test_an_event_about_a_concern_is_confidential_whatever_its_action(world):
    concern = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a, kind="concern")
    gift = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a, kind="gift")

    about_concern, about_gift = read(
        event("declaration.viewed", {"request": 1}, concern),
        event("declaration.viewed", {"request": 1}, gift),
        reader=world.administrator,
        confidential_ok=False,
    )

    assert about_concern.withheld
    assert not about_gift.withheld


def test_every_version_of_a_referred_declaration_is_confidential(world):
    from approvals.models import ApprovalRequest, DeciderRole, Decision, Outcome

    first = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    second = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, previous_version=first, version=2
    )
    third = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, previous_version=second, version=3
    )
    unrelated = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    request = ApprovalRequest.objects.create(
        declaration=second, decider=world.line_manager_a, decider_role=DeciderRole.LINE_MANAGER
    )
    Decision.objects.create(
        request=request, decided_by=world.line_manager_a, outcome=Outcome.REFERRED_TO_DSL
    )

    described = read(
        *(event("declaration.viewed", {}, d) for d in (first, second, third, unrelated)),
        reader=world.administrator,
        confidential_ok=False,
    )

    assert [e.withheld for e in described] == [True, True, True, False]


def test_every_registered_action_reads_with_the_vocabulary_without_error(world):
    person = Person.objects.filter(memberships__role=Role.DSL).first()
    samples = [
        event(action.code, {"before": {"status": "draft"}, "after": {"status": "submitted"}})
        for action in registry
    ]

    for described in read(*samples, reader=person):
        assert details_text(described)
    assert Declaration.Status.DRAFT.label == "Draft"
