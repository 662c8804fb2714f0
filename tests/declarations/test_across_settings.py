"""Naming pupils of more than one school of a federation in one declaration (#19, R1,
R35): a declarant may name the pupils and families of each setting of the trust or
federation where they work, and of no other; a forged choice is refused with a clear
message and nothing is saved; and the declaration's audit rows, which its own setting
reads, name another school's pupil only by reference."""

import uuid

import pytest
from django.urls import reverse

from contactpolicy.models import AuditEvent
from declarations.audit_actions import DECLARATION_CREATED
from declarations.exceptions import DeclarationError
from declarations.kinds import get_kind
from declarations.models import Declaration, DeclarationSubject
from declarations.selectors import settings_involved, subjects_shown_to
from declarations.services import Subject, declaration_save_draft, declaration_submit
from directory.models import Membership, Person, Role
from tests.conftest import sign_in_with_mfa
from tests.declarations.test_views import form_data, form_token, post_declaration
from tests.factories import (
    FamilyLinkFactory,
    MembershipFactory,
    PupilFactory,
    person_with_roles,
)
from tests.factories.declarations import cleaned_details
from tests.two_schools import (
    A_GIVEN,
    B_GIVEN,
    SIBLING_A,
    SIBLING_B,
    declare,
    declare_about_the_siblings,
    two_schools,
)

pytestmark = pytest.mark.django_db

KIND = "planned_social_contact"


@pytest.fixture
def ts(world):
    return two_schools(world)


def search(client, setting, query):
    response = client.get(
        reverse("declarations:people"), {"kind": KIND, "setting": setting.pk, "q": query}
    )
    assert response.status_code == 200
    return response


def test_assistant_in_both_schools_finds_and_names_a_sibling_in_each(client, ts):
    sign_in_with_mfa(client, ts.assistant)

    found = search(client, ts.world.school_a, "Pendleford")
    response = post_declaration(
        client, KIND, setting=ts.world.school_a, pupils=[ts.sibling_a, ts.sibling_b]
    )

    assert {person.pk for person in found.context["found"] if person.field == "pupils"} == {
        ts.sibling_a.pk,
        ts.sibling_b.pk,
    }
    # The picker says which school a pupil of the other school is at.
    assert f"{SIBLING_B}, Year 3, Birch Primary School" in found.text
    assert f"{SIBLING_A}, Year 3</label>" in found.text
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.setting == ts.world.school_a
    assert set(declaration.subjects.values_list("pupil", flat=True)) == {
        ts.sibling_a.pk,
        ts.sibling_b.pk,
    }
    assert [setting.name for setting in settings_involved(declaration)] == [
        "Ash Primary School",
        "Birch Primary School",
    ]


def test_a_teacher_of_one_school_cannot_name_the_other_schools_pupil_by_a_forged_id(client, ts):
    teacher = ts.world.teacher_a  # works at Ash only
    sign_in_with_mfa(client, teacher)

    found = search(client, ts.world.school_a, "Pendleford")
    token = form_token(client, KIND)
    response = client.post(
        reverse("declarations:create", args=[KIND]),
        form_data(
            KIND, token=token, setting=ts.world.school_a, pupils=[ts.sibling_a, ts.sibling_b]
        ),
    )

    assert [person.pk for person in found.context["found"] if person.field == "pupils"] == [
        ts.sibling_a.pk
    ]
    assert B_GIVEN not in found.text
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert f"{ts.sibling_b.pk} is not someone you can choose at this setting" in response.text
    assert not Declaration.objects.exists()
    assert not DeclarationSubject.objects.exists()


def test_the_service_refuses_the_other_schools_pupil_and_saves_nothing(ts):
    with pytest.raises(
        DeclarationError,
        match=r"Choose only pupils of Ash Primary School or of your other settings in "
        r"Oak Federation\.",
    ):
        declare(ts.world.teacher_a, ts.world.school_a, pupils=[ts.sibling_a, ts.sibling_b])

    assert not Declaration.objects.exists()
    assert not AuditEvent.objects.filter(action=DECLARATION_CREATED).exists()


def test_a_school_outside_the_federation_is_not_named_even_by_someone_who_works_there(world):
    assistant = person_with_roles(world.school_a, Role.STAFF)
    MembershipFactory(person=assistant, organisation=world.other_school, role=Role.STAFF)
    outsider = PupilFactory(setting=world.other_school)

    with pytest.raises(DeclarationError, match="Choose only pupils"):
        declare(assistant, world.school_a, pupils=[PupilFactory(setting=world.school_a), outsider])

    assert not Declaration.objects.exists()


def test_naming_only_the_other_schools_pupil_says_where_to_declare(client, ts):
    sign_in_with_mfa(client, ts.assistant)

    response = post_declaration(client, KIND, setting=ts.world.school_a, pupils=[ts.sibling_b])

    assert response.status_code == 200
    assert (
        "Nobody you named is at Ash Primary School. Make the declaration at their school "
        "instead, or name someone at Ash Primary School as well." in response.text
    )
    assert not Declaration.objects.exists()
    # At Birch, the same is fine.
    assert (
        post_declaration(client, KIND, setting=ts.world.school_b, pupils=[ts.sibling_b]).status_code
        == 302
    )


def test_a_shared_mother_alone_involves_both_schools(ts):
    declaration = declare(ts.assistant, ts.world.school_a, family_members=[ts.mother])

    assert [setting.name for setting in settings_involved(declaration)] == [
        "Ash Primary School",
        "Birch Primary School",
    ]


def test_leaving_the_other_school_before_submitting_stops_naming_its_pupil(ts):
    draft = declare_about_the_siblings(ts)
    Membership.objects.filter(person=ts.assistant, organisation=ts.world.school_b).update(
        ends_on="2020-12-31"
    )

    assistant = Person.objects.get(pk=ts.assistant.pk)  # as the next request reads them

    with pytest.raises(DeclarationError, match="Choose only pupils"):
        declaration_submit(actor=assistant, declaration=draft)

    draft.refresh_from_db()
    assert draft.status == Declaration.Status.DRAFT


def test_the_audit_row_names_the_other_schools_pupil_by_reference_only(ts):
    declaration = declare_about_the_siblings(ts)

    (created,) = AuditEvent.objects.filter(
        action=DECLARATION_CREATED, target_id=str(declaration.pk)
    )

    assert created.organisation_pk == ts.world.school_a.pk
    assert created.data["after"]["subjects"] == [
        SIBLING_A,
        f"a pupil of Birch Primary School (MIS reference {ts.sibling_b.reference})",
    ]
    assert B_GIVEN not in str(created.data)


def test_within_one_school_the_audit_row_names_everyone_as_before(ts):
    grandfather = FamilyLinkFactory(
        pupil=ts.sibling_a, family_member__given_name="Ambrose", family_member__family_name="Vane"
    ).family_member
    declaration = declare(
        ts.assistant, ts.world.school_a, pupils=[ts.sibling_a], family_members=[grandfather]
    )

    (created,) = AuditEvent.objects.filter(
        action=DECLARATION_CREATED, target_id=str(declaration.pk)
    )

    assert created.data["after"]["subjects"] == ["Ambrose Vane", SIBLING_A]
    # The shared mother is a parent at Ash too: named, though her son is at Birch.
    with_mother = declare(ts.assistant, ts.world.school_a, family_members=[ts.mother])
    (created,) = AuditEvent.objects.filter(
        action=DECLARATION_CREATED, target_id=str(with_mother.pk)
    )
    assert created.data["after"]["subjects"] == ["Philippa Pendleford"]


def test_subjects_are_shown_to_each_reader_by_the_schools_they_work_in(ts):
    declaration = declare_about_the_siblings(ts)

    def shown(person) -> set[str]:
        loaded = Declaration.objects.select_related("setting").prefetch_related(
            "subjects__pupil", "subjects__family_member"
        )
        item = loaded.get(pk=declaration.pk)
        subjects_shown_to(user=person, declarations=[item])
        return {str(subject) for subject in item.shown_subjects}

    assert shown(ts.assistant) == {SIBLING_A, SIBLING_B}
    assert shown(ts.world.executive_head) == {SIBLING_A, SIBLING_B}
    assert shown(ts.world.head_a) == {SIBLING_A}
    assert shown(ts.head_b) == {SIBLING_B}
    assert shown(ts.world.dsl_a) == {SIBLING_A}
    assert shown(ts.world.head_other) == set()


def test_the_declarant_sees_everyone_they_named_on_their_own_pages(client, ts):
    declaration = declare_about_the_siblings(ts)
    sign_in_with_mfa(client, ts.assistant)

    for name in ("declarations:review", "declarations:detail"):
        text = client.get(reverse(name, args=[declaration.pk])).text
        assert SIBLING_A in text
        assert SIBLING_B in text
        assert "not shown to you" not in text
    assert A_GIVEN in client.get(reverse("declarations:list")).text


def test_a_double_posted_form_still_makes_one_declaration_across_schools(ts):
    token = uuid.uuid4()
    for _ in range(2):
        declaration_save_draft(
            actor=ts.assistant,
            kind=get_kind(KIND),
            setting=ts.world.school_a,
            details=cleaned_details(KIND),
            notes="",
            subjects=Subject(pupils=[ts.sibling_a, ts.sibling_b]),
            form_token=token,
        )

    assert Declaration.objects.count() == 1
    assert DeclarationSubject.objects.count() == 2
