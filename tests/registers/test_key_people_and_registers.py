"""Key people (R26), the correspondence and contact-details registers (R27, R28) and the
DSL's patterns (issue #6 items 5 to 7)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, Outcome
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record
from declarations.models import Declaration
from declarations.services import declaration_submit
from oversight.selectors import patterns_for
from registers.exceptions import RegisterError
from registers.models import FollowUp
from registers.services import follow_up_confirm, key_person_allocate
from tests.clock import TODAY  # the clock every test module runs on
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, PupilFactory
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    details_json,
)

pytestmark = pytest.mark.django_db

Status = Declaration.Status
RELATIONSHIP = "pre_existing_relationship"
LETTER = "correspondence_received"
KEY_PEOPLE = reverse("registers:key_people")
CORRESPONDENCE = reverse("registers:correspondence")
CONTACT_DETAILS = reverse("registers:contact_details")
PATTERNS = reverse("oversight:patterns")


# registers/selectors.py key_person_conflicts_with still calls
# relationship_declarations(person_ids=..., pupil_ids=...), a signature commit d5cae18
# removed: allocating anyone who works at the setting raises TypeError (a 500).
def declare(
    declarant,
    setting,
    kind="unplanned_contact",
    *,
    status=Status.SUBMITTED,
    days_ago=1,
    pupils=(),
    members=(),
    **details,
):
    """A declaration straight into the database, submitted ``days_ago`` days ago."""
    made = DeclarationFactory(
        declarant=declarant,
        setting=setting,
        kind=kind,
        status=status,
        submitted_at=None
        if status == Status.DRAFT
        else timezone.now() - datetime.timedelta(days=days_ago),
        details={**details_json(kind), **details},
    )
    for pupil in pupils:
        DeclarationSubjectFactory(declaration=made, pupil=pupil)
    for member in members:
        DeclarationSubjectFactory(declaration=made, pupil=None, family_member=member)
    return made


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def audit(action):
    return list(AuditEvent.objects.filter(action=action))


# Allocating a key person (R26) ------------------------------------------------------------


@pytest.fixture
def child(world):
    """A school_a pupil with a mother on the roll of family members."""
    return FamilyLinkFactory(pupil__setting=world.school_a).pupil


def allocate(client, actor, pupil, person):
    sign_in_with_mfa(client, actor)
    return client.post(
        reverse("registers:key_person", args=[pupil.pk]), {"person": person.pk if person else ""}
    )


@pytest.mark.parametrize("actor", ["head_a", "executive_head", "administrator"])
def test_manager_allocates_a_member_of_staff_as_key_person_and_it_is_audited(
    client, world, child, actor
):
    response = allocate(client, getattr(world, actor), child, world.teacher_a)

    assert response.status_code == 302
    assert response["Location"] == KEY_PEOPLE
    child.refresh_from_db()
    assert child.key_person == world.teacher_a
    [event] = audit("register.key_person_allocated")
    assert event.actor == getattr(world, actor)
    assert event.target_id == str(child.pk)
    assert event.data == {
        "before": {"key_person": None},
        "after": {"key_person": world.teacher_a.pk},
    }


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.MORE_INFO, Status.DECIDED])
@pytest.mark.parametrize("about", ["pupil", "mother"])
def test_key_person_with_a_declared_relationship_with_the_family_is_refused(
    client, world, child, status, about
):
    subjects = (
        {"pupils": [child]} if about == "pupil" else {"members": [child.family_members.get()]}
    )
    declared = declare(world.teacher_a, world.school_a, RELATIONSHIP, status=status, **subjects)

    response = allocate(client, world.head_a, child, world.teacher_a)

    assert response.status_code == 200
    assert "pre-existing relationship" in response.text
    assert declared.reference in response.text
    assert response.context["form"].errors["person"]
    child.refresh_from_db()
    assert child.key_person is None
    assert not audit("register.key_person_allocated")


def test_refusing_a_key_person_does_not_replace_the_current_one(client, world, child):
    child.key_person = world.head_a
    child.save()
    declare(world.teacher_a, world.school_a, RELATIONSHIP, pupils=[child])

    allocate(client, world.head_a, child, world.teacher_a)

    child.refresh_from_db()
    assert child.key_person == world.head_a


def test_a_refused_key_person_leaves_an_audit_row(client, world, child):
    declare(world.teacher_a, world.school_a, RELATIONSHIP, pupils=[child])

    allocate(client, world.head_a, child, world.teacher_a)

    [event] = audit("register.key_person_refused")
    assert event.actor == world.head_a
    assert event.target_id == str(child.pk)
    assert event.data["person"] == world.teacher_a.pk


def test_a_member_of_staff_who_is_the_childs_parent_is_refused(client, world, child):
    FamilyLinkFactory(pupil=child, family_member__person=world.teacher_a)

    response = allocate(client, world.head_a, child, world.teacher_a)

    assert response.status_code == 200
    assert "is one of" in response.text
    child.refresh_from_db()
    assert child.key_person is None


@pytest.mark.parametrize("status", [Status.DRAFT, Status.WITHDRAWN])
def test_a_draft_or_withdrawn_relationship_does_not_block(client, world, child, status):
    declare(world.teacher_a, world.school_a, RELATIONSHIP, status=status, pupils=[child])

    allocate(client, world.head_a, child, world.teacher_a)

    child.refresh_from_db()
    assert child.key_person == world.teacher_a


def test_a_relationship_with_another_family_or_by_someone_else_does_not_block(client, world, child):
    other_child = PupilFactory(setting=world.school_a)
    declare(world.teacher_a, world.school_a, RELATIONSHIP, pupils=[other_child])
    declare(world.line_manager_a, world.school_a, RELATIONSHIP, pupils=[child])
    declare(world.teacher_a, world.school_a, "gift", pupils=[child])

    allocate(client, world.head_a, child, world.teacher_a)

    child.refresh_from_db()
    assert child.key_person == world.teacher_a


@pytest.mark.parametrize("person", ["teacher_other", "teacher_b", "governor"])
def test_someone_who_does_not_work_at_the_setting_cannot_be_key_person(
    client, world, child, person
):
    response = allocate(client, world.head_a, child, getattr(world, person))

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["person"][0]
    child.refresh_from_db()
    assert child.key_person is None
    assert not audit("register.key_person_allocated")


@pytest.mark.parametrize(
    ("actor", "person", "message"),
    [
        ("head_a", "teacher_other", "does not work at"),
        ("teacher_a", "teacher_a", "Only the manager or administrator"),
    ],
)
def test_service_refuses_an_outsider_or_an_allocation_by_a_teacher(
    world, child, actor, person, message
):
    with pytest.raises(RegisterError, match=message):
        key_person_allocate(actor=getattr(world, actor), pupil=child, person=getattr(world, person))

    child.refresh_from_db()
    assert child.key_person is None


def test_clearing_the_key_person_is_saved_and_audited(client, world, child):
    child.key_person = world.teacher_a
    child.save()

    response = allocate(client, world.head_a, child, None)

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.key_person is None
    [event] = audit("register.key_person_allocated")
    assert event.data == {
        "before": {"key_person": world.teacher_a.pk},
        "after": {"key_person": None},
    }


@pytest.mark.parametrize(
    "who", ["teacher_a", "dsl_a", "line_manager_a", "volunteer_a", "governor", "head_other"]
)
def test_key_person_page_is_not_found_for_anyone_but_the_settings_managers(
    client, world, child, who
):
    sign_in_with_mfa(client, getattr(world, who))
    url = reverse("registers:key_person", args=[child.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"person": world.teacher_a.pk}).status_code == 404
    child.refresh_from_db()
    assert child.key_person is None


def test_admin_pupil_form_cannot_set_the_key_person(client, world, child):
    sign_in_with_mfa(client, world.administrator)
    url = reverse("admin:directory_pupil_change", args=[child.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert "key_person" not in response.context["adminform"].form.fields
    assert 'name="key_person"' not in response.text
    response = client.post(
        url,
        {
            "setting": world.school_a.pk,
            "reference": child.reference,
            "given_name": child.given_name,
            "family_name": child.family_name,
            "date_of_birth": child.date_of_birth.strftime("%d/%m/%Y"),
            "class_name": child.class_name,
            "status": "current",
            "key_person": world.teacher_a.pk,
            "family_links-TOTAL_FORMS": "0",
            "family_links-INITIAL_FORMS": "0",
            "family_links-MIN_NUM_FORMS": "0",
            "family_links-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.key_person is None


# The key-person conflicts page -------------------------------------------------------------


def conflicted(setting, key_person, declarant=None, *, through_mother=False):
    """A pupil of ``setting`` whose key person declared a relationship with the family."""
    link = FamilyLinkFactory(pupil__setting=setting, pupil__key_person=key_person)
    subjects = {"members": [link.family_member]} if through_mother else {"pupils": [link.pupil]}
    declare(declarant or key_person, setting, RELATIONSHIP, **subjects)
    return link.pupil


@pytest.mark.parametrize("who", ["head_a", "executive_head", "administrator"])
def test_conflicts_page_lists_pupils_whose_key_person_has_a_relationship_with_the_family(
    client, world, who
):
    direct = conflicted(world.school_a, world.teacher_a)
    via_mother = conflicted(world.school_a, world.teacher_a, through_mother=True)
    parent = FamilyLinkFactory(
        pupil__setting=world.school_a,
        pupil__key_person=world.line_manager_a,
        family_member__person=world.line_manager_a,
    ).pupil
    fine = PupilFactory(setting=world.school_a, key_person=world.dsl_a)
    someone_else = conflicted(world.school_a, world.dsl_a, declarant=world.teacher_a)
    draft = PupilFactory(setting=world.school_a, key_person=world.teacher_a)
    declare(world.teacher_a, world.school_a, RELATIONSHIP, status=Status.DRAFT, pupils=[draft])
    elsewhere = conflicted(world.other_school, world.teacher_other)
    sign_in_with_mfa(client, getattr(world, who))

    response = client.get(KEY_PEOPLE)

    assert response.status_code == 200
    listed = set(response.context["conflicts"])
    assert listed == {direct, via_mother, parent}
    assert not listed & {fine, someone_else, draft, elsewhere}
    assert str(direct) in response.text


@pytest.mark.parametrize("who", ["teacher_a", "governor", "dsl_a"])
def test_conflicts_page_is_not_found_for_others(client, world, who):
    sign_in_with_mfa(client, getattr(world, who))

    assert client.get(KEY_PEOPLE).status_code == 404


def test_conflicts_page_query_count_does_not_grow_with_conflicts(client, world):
    sign_in_with_mfa(client, world.head_a)
    for _ in range(2):
        conflicted(world.school_a, world.teacher_a)
    few = queries(client, KEY_PEOPLE)
    for _ in range(13):
        conflicted(world.school_a, world.line_manager_a)

    assert queries(client, KEY_PEOPLE) == few
    assert len(client.get(KEY_PEOPLE).context["conflicts"]) == 15


# The correspondence and contact-details registers (R27, R28) ------------------------------


def seen_by(viewer, declaration, action="declaration.viewed"):
    audit_event_record(actor=viewer, action=action, target=declaration)


def rows(response):
    return {declaration.pk: declaration for declaration in response.context["page"].object_list}


def test_correspondence_register_lists_live_declarations_with_item_response_and_viewers(
    client, world
):
    pupil = PupilFactory(setting=world.school_a)
    card = declare(
        world.teacher_a,
        world.school_a,
        LETTER,
        pupils=[pupil],
        item="A hand-drawn card",
        proposed_response="A thank-you note home",
    )
    decided = declare(
        world.teacher_b,
        world.school_b,
        LETTER,
        status=Status.DECIDED,
        item="A pot plant",
    )
    for status in (Status.DRAFT, Status.WITHDRAWN):
        declare(world.teacher_a, world.school_a, LETTER, status=status)
    declare(world.teacher_other, world.other_school, LETTER)
    declare(world.teacher_a, world.school_a, "contact_details_shared")
    seen_by(world.dsl_a, card)
    seen_by(world.head_a, card, "declaration.attachment_viewed")
    seen_by(world.line_manager_a, card, "declaration.changed")
    seen_by(world.dsl_a, decided, "declaration.submitted")
    sign_in_with_mfa(client, world.executive_head)

    response = client.get(CORRESPONDENCE)

    assert response.status_code == 200
    listed = rows(response)
    assert set(listed) == {card.pk, decided.pk}
    assert sorted(listed[card.pk].viewers) == sorted(
        [world.dsl_a.get_full_name(), world.head_a.get_full_name()]
    )
    assert listed[decided.pk].viewers == []
    for text in (
        world.teacher_a.get_full_name(),
        "A hand-drawn card",
        "A thank-you note home",
        world.dsl_a.get_full_name(),
        str(pupil),
    ):
        assert escape(text) in response.text  # a name like O'Connor is escaped
    assert escape(world.line_manager_a.get_full_name()) not in response.text


@pytest.mark.parametrize("url", [CORRESPONDENCE, CONTACT_DETAILS])
@pytest.mark.parametrize("who", ["head_a", "dsl_a", "administrator"])
def test_registers_show_the_settings_declarations_to_managers(client, world, url, who):
    kind = LETTER if url == CORRESPONDENCE else "personal_communication"
    ours = declare(world.teacher_a, world.school_a, kind)
    theirs = declare(world.teacher_other, world.other_school, kind)
    sign_in_with_mfa(client, getattr(world, who))

    response = client.get(url)

    assert response.status_code == 200
    assert ours.pk in rows(response)
    assert theirs.pk not in rows(response)


@pytest.mark.parametrize("url", [CORRESPONDENCE, CONTACT_DETAILS])
@pytest.mark.parametrize("who", ["teacher_a", "line_manager_a", "governor", "volunteer_a"])
def test_registers_are_not_found_for_staff_and_governors(client, world, url, who):
    declare(world.teacher_a, world.school_a, LETTER)
    sign_in_with_mfa(client, getattr(world, who))

    assert client.get(url).status_code == 404


def test_contact_details_register_lists_its_three_kinds_only(client, world):
    listed_kinds = ("personal_communication", "contact_details_shared", "trip_phone_sharing")
    wanted = {declare(world.teacher_a, world.school_a, kind).pk for kind in listed_kinds}
    declare(world.teacher_a, world.school_a, LETTER)
    declare(world.teacher_a, world.school_a, "contact_details_shared", status=Status.DRAFT)
    declare(world.teacher_a, world.school_a, "trip_phone_sharing", status=Status.WITHDRAWN)
    declare(world.teacher_other, world.other_school, "contact_details_shared")
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(CONTACT_DETAILS)

    assert set(rows(response)) == wanted
    assert "Mrs Jones, Ava&#x27;s mother" in response.text  # to_whom, when nobody is named


def approve(declaration, capture):
    with capture(execute=True):
        declaration_submit(actor=declaration.declarant, declaration=declaration)
    request = ApprovalRequest.objects.get(declaration=declaration, purpose="decide")
    with capture(execute=True):
        decision_record(
            actor=request.decider, request=request, outcome=Outcome.APPROVED, details={}
        )
    return FollowUp.objects.get(declaration=declaration, kind=FollowUp.Kind.EXPIRY)


def test_contact_details_register_shows_whether_the_end_was_confirmed(
    client, world, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    pupil = PupilFactory(setting=world.school_a)
    confirmed, waiting = (
        approve(
            declare(world.teacher_a, world.school_a, kind, status=Status.DRAFT, pupils=[pupil]),
            capture,
        )
        for kind in ("contact_details_shared", "trip_phone_sharing")
    )
    with capture(execute=True):
        follow_up_confirm(actor=world.teacher_a, follow_up=confirmed)
    sign_in_with_mfa(client, world.head_a)

    response = client.get(CONTACT_DETAILS)

    listed = rows(response)
    assert set(listed) == {confirmed.declaration_id, waiting.declaration_id}
    assert f"Yes, {timezone.localdate():%-d %b %Y}" in response.text
    assert "Not yet" in response.text
    assert response.text.count("Approved") >= 2


@pytest.mark.parametrize(
    ("url", "kind"),
    [(CORRESPONDENCE, LETTER), (CONTACT_DETAILS, "contact_details_shared")],
)
def test_register_query_count_does_not_grow_with_rows(client, world, url, kind):
    def add(count):
        for _ in range(count):
            link = FamilyLinkFactory(pupil__setting=world.school_a)
            made = declare(
                world.teacher_a,
                world.school_a,
                kind,
                pupils=[link.pupil],
                members=[link.family_member],
            )
            seen_by(world.dsl_a, made)

    sign_in_with_mfa(client, world.head_a)
    add(2)
    few = queries(client, url)
    add(18)

    assert queries(client, url) == few
    assert len(rows(client.get(url))) == 20


# Patterns for the DSL ---------------------------------------------------------------------


SINCE = TODAY - datetime.timedelta(days=30)
NOTHING = {"several_staff": [], "repeated_gifts": [], "many_declarations": []}


def found(world, user="dsl_a", **thresholds):
    return patterns_for(user=getattr(world, user), since=SINCE, until=TODAY, **thresholds)


def flagged(result, name):
    return {(item.pupil.pk, item.count) for item in result[name]}


@pytest.fixture
def family(world):
    """A school_a pupil and their mother."""
    return FamilyLinkFactory(pupil__setting=world.school_a)


def test_three_staff_declaring_about_one_pupil_flag_several_staff(world, family):
    for person in (world.teacher_a, world.line_manager_a, world.head_a):
        declare(person, world.school_a, pupils=[family.pupil])

    [item] = found(world)["several_staff"]

    assert (item.pupil, item.people, item.count) == (family.pupil, 3, 3)


def test_declarations_about_the_mother_count_towards_her_childs_family(world, family):
    declare(world.teacher_a, world.school_a, pupils=[family.pupil])
    for person in (world.line_manager_a, world.head_a):
        declare(person, world.school_a, members=[family.family_member])

    result = found(world)

    assert [(item.pupil, item.people) for item in result["several_staff"]] == [(family.pupil, 3)]


def test_two_gifts_from_one_family_flag_repeated_gifts(world, family):
    declare(world.teacher_a, world.school_a, "gift", pupils=[family.pupil])
    declare(world.line_manager_a, world.school_a, "gift", members=[family.family_member])

    assert flagged(found(world), "repeated_gifts") == {(family.pupil.pk, 2)}


def test_three_declarations_by_one_person_about_one_pupil_flag_many_declarations(world, family):
    for _ in range(3):
        declare(world.teacher_a, world.school_a, pupils=[family.pupil])

    [item] = found(world)["many_declarations"]

    assert (item.declarant, item.pupil, item.count) == (world.teacher_a, family.pupil, 3)


def test_below_the_thresholds_nothing_is_flagged(world, family):
    declare(world.teacher_a, world.school_a, "gift", pupils=[family.pupil])
    declare(world.teacher_a, world.school_a, pupils=[family.pupil])
    declare(world.line_manager_a, world.school_a, members=[family.family_member])

    assert found(world) == NOTHING
    assert flagged(found(world, staff_threshold=2), "several_staff") == {(family.pupil.pk, 3)}


def test_declarations_outside_the_period_are_not_counted(world, family):
    declare(world.teacher_a, world.school_a, "gift", pupils=[family.pupil], days_ago=31)
    declare(world.teacher_a, world.school_a, "gift", pupils=[family.pupil], days_ago=0)
    for person in (world.line_manager_a, world.head_a):
        declare(person, world.school_a, pupils=[family.pupil], days_ago=45)

    assert found(world) == NOTHING


@pytest.mark.parametrize("status", [Status.DRAFT, Status.WITHDRAWN])
def test_drafts_and_withdrawn_declarations_are_not_counted(world, family, status):
    declare(world.teacher_a, world.school_a, "gift", pupils=[family.pupil])
    declare(world.teacher_a, world.school_a, "gift", pupils=[family.pupil], status=status)
    declare(world.line_manager_a, world.school_a, pupils=[family.pupil], status=status)
    declare(world.head_a, world.school_a, pupils=[family.pupil], status=status)

    assert found(world) == NOTHING


def test_another_schools_declarations_are_not_counted(world):
    theirs = PupilFactory(setting=world.other_school)
    sibling_school = PupilFactory(setting=world.school_b)
    for person in (world.teacher_other, world.head_other, world.administrator_other):
        declare(person, world.other_school, "gift", pupils=[theirs])
    for person in (world.teacher_b, world.executive_head, world.administrator):
        declare(person, world.school_b, "gift", pupils=[sibling_school])

    assert found(world) == NOTHING  # the DSL of school_a
    federation = found(world, "executive_head")
    assert flagged(federation, "several_staff") == {(sibling_school.pk, 3)}
    assert flagged(federation, "repeated_gifts") == {(sibling_school.pk, 3)}


@pytest.mark.parametrize("who", ["head_a", "teacher_a", "administrator", "governor"])
def test_patterns_page_is_not_found_without_a_safeguarding_role(client, world, who):
    sign_in_with_mfa(client, getattr(world, who))

    assert client.get(PATTERNS).status_code == 404


def pattern_query(**changes):
    return {
        "date_from": SINCE.isoformat(),
        "date_to": TODAY.isoformat(),
        "staff_threshold": "3",
        "gift_threshold": "2",
        "declaration_threshold": "3",
        **changes,
    }


@pytest.mark.parametrize("who", ["dsl_a", "executive_head"])
def test_patterns_page_shows_a_flagged_family_and_the_search_is_audited(client, world, family, who):
    declare(world.teacher_a, world.school_a, "gift", pupils=[family.pupil])
    declare(world.line_manager_a, world.school_a, "gift", members=[family.family_member])
    sign_in_with_mfa(client, getattr(world, who))

    response = client.get(PATTERNS, pattern_query())

    assert response.status_code == 200
    assert str(family.pupil) in response.text
    assert [item.pupil for item in response.context["found"]["repeated_gifts"]] == [family.pupil]
    [event] = audit("audit.searched")
    assert event.data["filters"]["patterns"] is True


def test_patterns_page_with_no_query_uses_the_last_year(client, world):
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(PATTERNS)

    assert response.status_code == 200
    assert response.context["found"] is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"date_from": TODAY.isoformat(), "date_to": SINCE.isoformat()},
            "date_to",
            "The end date is before the start date.",
        ),
        ({"staff_threshold": "1"}, "staff_threshold", "greater than or equal to 2"),
        ({"gift_threshold": "abc"}, "gift_threshold", "Enter a whole number."),
        ({"declaration_threshold": "0"}, "declaration_threshold", "greater than or equal to 2"),
        ({"date_to": (TODAY + datetime.timedelta(days=1)).isoformat()}, "date_to", "future"),
        ({"date_from": "not a date"}, "date_from", "Enter a valid date."),
    ],
)
def test_patterns_page_explains_bad_input_without_looking(client, world, changes, field, message):
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(PATTERNS, pattern_query(**changes))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "There is a problem" in response.text
    assert response.context["found"] is None
    assert not audit("audit.searched")
