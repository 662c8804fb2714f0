"""The declaration services: drafts, submit, withdraw, amend and attachments, with audit."""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from contactpolicy.models import AuditEvent
from contactpolicy.workflow import IllegalTransition
from declarations.exceptions import AttachmentNotStored, AttachmentRejected, DeclarationError
from declarations.kinds import get_kind
from declarations.models import Attachment, Declaration
from declarations.selectors import declaration_changes
from declarations.services import (
    Subject,
    attachment_add,
    declaration_amend,
    declaration_save_draft,
    declaration_submit,
    declaration_submitted,
    declaration_withdraw,
)
from directory.models import Membership, Role
from tests.factories import FamilyLinkFactory, PupilFactory, person_with_roles
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    FamilyMemberSubjectFactory,
    FormerPupilFactory,
    cleaned_details,
)
from tests.files import (
    DiskFillsUp,
    docx_bomb,
    docx_bytes,
    docx_with_macros,
    pdf_bytes,
    pdf_with_embedded_file,
    pdf_with_open_script,
    png_bytes,
)

pytestmark = pytest.mark.django_db


# Helpers ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files land in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pupil(world):
    return PupilFactory(setting=world.school_a, given_name="Ava", family_name="Smith")


@pytest.fixture
def declarant(world):
    return world.teacher_a


@pytest.fixture
def other_teacher(world):
    """Another teacher at the same school: not the declarant."""
    return person_with_roles(world.school_a, Role.STAFF)


def save(actor, setting, *, code="planned_social_contact", subjects=None, token=None, **kwargs):
    """Save a draft as the form page would, with valid details for the kind."""
    return declaration_save_draft(
        actor=actor,
        kind=get_kind(code),
        setting=setting,
        details=kwargs.pop("details", None) or cleaned_details(code),
        notes=kwargs.pop("notes", ""),
        subjects=subjects if subjects is not None else Subject(),
        form_token=token or uuid.uuid4(),
        **kwargs,
    )


@pytest.fixture
def draft(world, declarant, pupil):
    return save(declarant, world.school_a, subjects=Subject(pupils=[pupil]))


def audits(declaration, action=None):
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Declaration),
        target_id=str(declaration.pk),
    )
    if action:
        events = events.filter(action=action)
    return list(events.order_by("id"))


def decide(declaration):
    """Routing and decisions arrive in #5: mark it decided directly."""
    Declaration.objects.filter(pk=declaration.pk).update(status=Declaration.Status.DECIDED)
    declaration.refresh_from_db()
    return declaration


def state(declaration):
    """What must not change when a refused action is tried."""
    declaration.refresh_from_db()
    return (
        declaration.status,
        declaration.details,
        declaration.notes,
        declaration.setting_id,
        declaration.submitted_at,
        declaration.withdrawn_at,
        sorted(str(subject) for subject in declaration.subjects.all()),
        declaration.attachments.count(),
        # A refused attempt is recorded (contactpolicy.workflow), and nothing else is.
        len([event for event in audits(declaration) if event.action != "workflow.refused"]),
    )


def exe_bytes():
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500


def stored_files(media):
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# Drafts -----------------------------------------------------------------------------


def test_save_draft_creates_a_draft_with_its_subjects_and_audits_the_creation(
    world, declarant, pupil
):
    declaration = save(
        declarant, world.school_a, subjects=Subject(pupils=[pupil]), notes="Her mum invited me."
    )

    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT
    assert declaration.declarant == declarant
    assert declaration.setting == world.school_a
    assert declaration.kind == "planned_social_contact"
    assert declaration.notes == "Her mum invited me."
    assert declaration.key_date.isoformat() == declaration.details["planned_on"]
    assert [subject.pupil for subject in declaration.subjects.all()] == [pupil]
    [event] = audits(declaration)
    assert event.action == "declaration.created"
    assert event.actor == declarant
    assert event.data["after"]["status"] == "draft"
    assert event.data["after"]["details"] == declaration.details
    assert event.data["after"]["subjects"] == ["Ava Smith"]


def test_save_draft_stores_family_members_and_someone_described(world, declarant, pupil):
    mother = FamilyLinkFactory(pupil=pupil).family_member

    declaration = save(
        declarant,
        world.school_a,
        code="pre_existing_relationship",
        subjects=Subject(
            family_members=[mother], other_name="Tom Smith", other_relationship="Ava's uncle"
        ),
    )

    subjects = list(declaration.subjects.all())
    assert [subject.family_member for subject in subjects if subject.family_member] == [mother]
    assert [str(subject) for subject in subjects if subject.other_name] == [
        "Tom Smith (Ava's uncle)"
    ]


def test_saving_again_with_the_same_form_token_changes_the_same_draft(world, declarant, pupil):
    token = uuid.uuid4()
    first = save(declarant, world.school_a, subjects=Subject(pupils=[pupil]), token=token)

    second = save(
        declarant,
        world.school_a,
        subjects=Subject(pupils=[pupil]),
        token=token,
        notes="Changed my mind about the time.",
    )

    assert second.pk == first.pk
    assert Declaration.objects.count() == 1
    second.refresh_from_db()
    assert second.notes == "Changed my mind about the time."
    [created, changed] = audits(first)
    assert created.action == "declaration.created"
    assert changed.action == "declaration.changed"
    assert changed.data["before"]["notes"] == ""
    assert changed.data["after"]["notes"] == "Changed my mind about the time."


def test_a_double_posted_form_makes_one_declaration_per_person(world, declarant, pupil):
    token = uuid.uuid4()
    save(declarant, world.school_a, subjects=Subject(pupils=[pupil]), token=token)
    save(declarant, world.school_a, subjects=Subject(pupils=[pupil]), token=token)

    assert Declaration.objects.filter(declarant=declarant).count() == 1
    assert declarant.declarations.get().subjects.count() == 1


def test_the_before_of_a_change_is_exactly_the_after_of_the_creation(world, declarant, pupil):
    second_pupil = PupilFactory(setting=world.school_a)
    token = uuid.uuid4()
    declaration = save(declarant, world.school_a, subjects=Subject(pupils=[pupil]), token=token)

    save(
        declarant,
        world.school_a,
        subjects=Subject(pupils=[second_pupil]),
        token=token,
        details=cleaned_details("planned_social_contact", place="The park"),
        notes="Moved to the park.",
    )

    created = audits(declaration, "declaration.created")[0]
    changed = audits(declaration, "declaration.changed")[0]
    assert changed.data["before"] == created.data["after"]
    assert changed.data["after"]["details"]["place"] == "The park"
    assert changed.data["after"]["subjects"] == [str(second_pupil)]
    assert changed.data["before"]["subjects"] == ["Ava Smith"]


def test_a_draft_can_be_changed_by_passing_it_in(draft, declarant, world, pupil):
    changed = save(
        declarant,
        world.school_a,
        subjects=Subject(pupils=[pupil]),
        declaration=draft,
        notes="More detail.",
    )

    assert changed.pk == draft.pk
    assert [event.action for event in audits(draft)] == [
        "declaration.created",
        "declaration.changed",
    ]


@pytest.mark.parametrize("school", ["other_school", "school_b"])
def test_save_draft_refuses_a_setting_the_actor_has_no_role_in(world, declarant, school):
    with pytest.raises(DeclarationError, match="setting where you work or volunteer"):
        save(declarant, getattr(world, school))

    assert not Declaration.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="declaration.").exists()


def test_save_draft_refuses_a_setting_whose_membership_has_ended(world, declarant):
    Membership.objects.filter(person=declarant).update(starts_on="2020-09-01", ends_on="2021-07-20")

    with pytest.raises(DeclarationError):
        save(declarant, world.school_a)

    assert not Declaration.objects.exists()


def test_someone_in_two_settings_of_a_federation_may_declare_in_either(world):
    for setting in (world.school_a, world.school_b):
        declaration = save(world.executive_head, setting, code="concern")
        assert declaration.setting == setting


def test_save_draft_refuses_a_pupil_from_a_school_the_declarant_does_not_work_in(world, declarant):
    """The service, not only the form, keeps pupils of other schools out (issue #4 item 3)."""
    stranger = PupilFactory(setting=world.other_school)

    with pytest.raises(DeclarationError):
        save(declarant, world.school_a, subjects=Subject(pupils=[stranger]))

    assert not Declaration.objects.exists()


# Submit -----------------------------------------------------------------------------


def test_submit_moves_a_draft_to_submitted_and_audits_it(draft, declarant):
    submitted = declaration_submit(actor=declarant, declaration=draft)

    submitted.refresh_from_db()
    assert submitted.status == Declaration.Status.SUBMITTED
    assert submitted.submitted_at is not None
    [event] = audits(draft, "declaration.submitted")
    assert event.actor == declarant
    assert event.data == {
        "kind": "planned_social_contact",
        "setting": draft.setting_id,
        "before": {"status": "draft"},
        "after": {"status": "submitted"},
    }


def test_submitting_twice_raises_illegal_transition_and_leaves_one_audit_row(draft, declarant):
    declaration_submit(actor=declarant, declaration=draft)
    draft.refresh_from_db()
    submitted_at = draft.submitted_at

    with pytest.raises(IllegalTransition):
        declaration_submit(actor=declarant, declaration=draft)

    draft.refresh_from_db()
    assert draft.submitted_at == submitted_at
    assert len(audits(draft, "declaration.submitted")) == 1


def test_submit_refuses_a_kind_that_needs_a_pupil_when_nobody_is_named(world, declarant):
    declaration = save(declarant, world.school_a, subjects=Subject())

    with pytest.raises(DeclarationError, match="Say which pupils or family members"):
        declaration_submit(actor=declarant, declaration=declaration)

    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT
    assert declaration.submitted_at is None
    assert not audits(declaration, "declaration.submitted")


@pytest.mark.parametrize(
    "subject_factory",
    [DeclarationSubjectFactory, FamilyMemberSubjectFactory],
    ids=["pupil", "family"],
)
def test_a_pupil_or_a_family_member_is_enough_to_submit(world, declarant, subject_factory):
    declaration = DeclarationFactory(declarant=declarant, setting=world.school_a, kind="gift")
    subject_factory(declaration=declaration)

    submitted = declaration_submit(actor=declarant, declaration=declaration)

    assert submitted.status == Declaration.Status.SUBMITTED
    assert [event.action for event in audits(declaration)] == ["declaration.submitted"]


@pytest.mark.parametrize("code", ["trip_phone_sharing", "concern"])
def test_kinds_with_optional_subjects_can_be_submitted_naming_nobody(world, declarant, code):
    declaration = save(declarant, world.school_a, code=code)

    assert declaration_submit(actor=declarant, declaration=declaration).status == "submitted"


def test_submit_refuses_details_that_are_no_longer_valid(world, declarant, pupil):
    declaration = save(declarant, world.school_a, subjects=Subject(pupils=[pupil]))
    Declaration.objects.filter(pk=declaration.pk).update(
        details={**declaration.details, "planned_on": "2020-01-01"}
    )

    with pytest.raises(DeclarationError, match="The date is in the past"):
        declaration_submit(actor=declarant, declaration=declaration)

    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT


def test_correspondence_received_cannot_be_submitted_without_an_attachment(world, declarant, pupil):
    declaration = save(
        declarant,
        world.school_a,
        code="correspondence_received",
        subjects=Subject(pupils=[pupil]),
    )

    with pytest.raises(DeclarationError, match="Attach a copy of what you received"):
        declaration_submit(actor=declarant, declaration=declaration)

    attachment_add(
        actor=declarant,
        declaration=declaration,
        upload=SimpleUploadedFile("card.png", png_bytes(), content_type="image/png"),
    )
    assert declaration_submit(actor=declarant, declaration=declaration).status == "submitted"


def test_former_pupil_contact_needs_a_former_pupil(world, declarant, pupil):
    with pytest.raises(DeclarationError, match="Choose only pupils"):
        save(
            declarant,
            world.school_a,
            code="former_pupil_contact",
            subjects=Subject(pupils=[pupil]),
        )
    declaration = save(declarant, world.school_a, code="former_pupil_contact", subjects=Subject())

    with pytest.raises(DeclarationError, match="Choose the former pupil"):
        declaration_submit(actor=declarant, declaration=declaration)

    former = FormerPupilFactory(setting=world.school_a)
    save(
        declarant,
        world.school_a,
        code="former_pupil_contact",
        subjects=Subject(pupils=[former]),
        declaration=declaration,
    )
    assert declaration_submit(actor=declarant, declaration=declaration).status == "submitted"


def test_submitted_signal_is_sent_once_after_commit(
    draft, declarant, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, declaration, **kwargs):
        received.append((sender, declaration.pk, declaration.status))

    declaration_submitted.connect(receiver, dispatch_uid="test-submitted")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=draft)
            assert received == []  # not before the transaction commits
    finally:
        declaration_submitted.disconnect(dispatch_uid="test-submitted")

    assert received == [(Declaration, draft.pk, "submitted")]


def test_a_refused_submit_sends_no_signal(world, declarant, django_capture_on_commit_callbacks):
    declaration = save(declarant, world.school_a, subjects=Subject())
    received = []

    def receiver(sender, declaration, **kwargs):
        received.append(declaration.pk)

    declaration_submitted.connect(receiver, dispatch_uid="test-refused")
    try:
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(DeclarationError),
        ):
            declaration_submit(actor=declarant, declaration=declaration)
    finally:
        declaration_submitted.disconnect(dispatch_uid="test-refused")

    assert received == []
    assert callbacks == []


# Someone else's declaration -----------------------------------------------------------


def test_someone_else_cannot_change_the_declarants_draft(draft, other_teacher, world, pupil):
    before = state(draft)

    with pytest.raises(DeclarationError, match="Only the person who made a declaration"):
        save(
            other_teacher,
            world.school_a,
            subjects=Subject(pupils=[pupil]),
            declaration=draft,
            notes="Not mine to change.",
        )

    assert state(draft) == before


def test_someone_else_reusing_the_form_token_gets_their_own_draft(
    draft, other_teacher, world, pupil
):
    before = state(draft)

    theirs = save(
        other_teacher, world.school_a, subjects=Subject(pupils=[pupil]), token=draft.form_token
    )

    assert theirs.pk != draft.pk
    assert theirs.declarant == other_teacher
    assert state(draft) == before


def test_someone_else_cannot_submit_the_declarants_draft(draft, other_teacher):
    before = state(draft)

    with pytest.raises(DeclarationError, match="Only the person"):
        declaration_submit(actor=other_teacher, declaration=draft)

    assert state(draft) == before


def test_someone_else_cannot_withdraw_the_declarants_declaration(draft, declarant, other_teacher):
    declaration_submit(actor=declarant, declaration=draft)
    before = state(draft)

    with pytest.raises(DeclarationError, match="Only the person"):
        declaration_withdraw(actor=other_teacher, declaration=draft, reason="Meddling")

    assert state(draft) == before


def test_someone_else_cannot_amend_the_declarants_decided_declaration(draft, other_teacher):
    decide(draft)
    before = state(draft)

    with pytest.raises(DeclarationError, match="Only the person"):
        declaration_amend(actor=other_teacher, declaration=draft)

    assert state(draft) == before
    assert Declaration.objects.count() == 1


def test_even_the_head_cannot_act_on_a_teachers_declaration(draft, world):
    before = state(draft)

    with pytest.raises(DeclarationError):
        declaration_submit(actor=world.head_a, declaration=draft)
    with pytest.raises(DeclarationError):
        declaration_withdraw(actor=world.head_a, declaration=draft)

    assert state(draft) == before


# Withdraw ---------------------------------------------------------------------------


def test_a_draft_can_be_withdrawn_and_the_withdrawal_is_audited(draft, declarant):
    withdrawn = declaration_withdraw(
        actor=declarant, declaration=draft, reason="  The party was cancelled. "
    )

    withdrawn.refresh_from_db()
    assert withdrawn.status == Declaration.Status.WITHDRAWN
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawal_reason == "The party was cancelled."
    [event] = audits(draft, "declaration.withdrawn")
    assert event.actor == declarant
    assert event.data["before"] == {"status": "draft"}
    assert event.data["after"] == {"status": "withdrawn"}


def test_a_submitted_declaration_can_be_withdrawn_before_a_decision(draft, declarant):
    declaration_submit(actor=declarant, declaration=draft)

    declaration_withdraw(actor=declarant, declaration=draft)

    draft.refresh_from_db()
    assert draft.status == Declaration.Status.WITHDRAWN
    [event] = audits(draft, "declaration.withdrawn")
    assert event.data["before"] == {"status": "submitted"}


def test_withdrawing_twice_raises_illegal_transition(draft, declarant):
    declaration_withdraw(actor=declarant, declaration=draft)

    with pytest.raises(IllegalTransition):
        declaration_withdraw(actor=declarant, declaration=draft)

    assert len(audits(draft, "declaration.withdrawn")) == 1


def test_a_withdrawn_declaration_cannot_be_submitted_or_changed(draft, declarant, world, pupil):
    declaration_withdraw(actor=declarant, declaration=draft)
    before = state(draft)

    with pytest.raises(IllegalTransition):
        declaration_submit(actor=declarant, declaration=draft)
    with pytest.raises(IllegalTransition):
        save(declarant, world.school_a, subjects=Subject(pupils=[pupil]), declaration=draft)

    assert state(draft) == before
    refused = audits(draft, "workflow.refused")
    assert [(event.data["from"], event.data["to"]) for event in refused] == [
        ("withdrawn", "submitted"),
        ("withdrawn", "changed"),
    ]
    assert {event.actor_id for event in refused} == {declarant.pk}


def test_a_submitted_declaration_cannot_be_changed(draft, declarant, world, pupil):
    declaration_submit(actor=declarant, declaration=draft)
    before = state(draft)

    with pytest.raises(IllegalTransition):
        save(
            declarant,
            world.school_a,
            subjects=Subject(pupils=[pupil]),
            token=draft.form_token,
            notes="Too late.",
        )

    assert state(draft) == before


def test_changing_a_submitted_declaration_does_not_suggest_amending_it(
    draft, declarant, world, pupil
):
    """Only a decided declaration can be amended, so the message must not offer it."""
    declaration_submit(actor=declarant, declaration=draft)

    with pytest.raises(IllegalTransition) as refused:
        save(declarant, world.school_a, subjects=Subject(pupils=[pupil]), declaration=draft)

    assert "amend" not in str(refused.value).lower()
    with pytest.raises(IllegalTransition):
        declaration_amend(actor=declarant, declaration=draft)


# More information requested (set directly: the decider's side arrives in #5) -----------


def test_a_declaration_sent_back_for_more_information_can_be_changed_and_resubmitted(
    draft, declarant, world, pupil
):
    declaration_submit(actor=declarant, declaration=draft)
    draft.refresh_from_db()
    first = draft.first_submitted_at
    assert first == draft.submitted_at
    Declaration.objects.filter(pk=draft.pk).update(status=Declaration.Status.MORE_INFO)

    save(
        declarant,
        world.school_a,
        subjects=Subject(pupils=[pupil]),
        declaration=draft,
        notes="The party is at the hall, not at their house.",
    )
    attachment_add(
        actor=declarant,
        declaration=draft,
        upload=SimpleUploadedFile("invitation.pdf", pdf_bytes()),
    )
    declaration_submit(actor=declarant, declaration=draft)

    draft.refresh_from_db()
    assert draft.status == Declaration.Status.SUBMITTED
    assert draft.notes == "The party is at the hall, not at their house."
    # The reply is a resubmission: when it was first sent stays (the summaries count it
    # once, and time to decision runs from then).
    assert draft.first_submitted_at == first
    assert draft.submitted_at > first
    # The history reads as the declarant's own steps, not as the fields behind them.
    lines = [line for _record, lines in declaration_changes(draft) for line in lines]
    assert not [line for line in lines if "ubmitted at" in line]
    assert [event.action for event in audits(draft)] == [
        "declaration.created",
        "declaration.submitted",
        "declaration.changed",
        "declaration.attachment_added",
        "declaration.resubmitted",
    ]


# Decided declarations and amendments --------------------------------------------------


def test_a_decided_declaration_cannot_be_withdrawn_or_changed(draft, declarant, world, pupil):
    decide(draft)
    before = state(draft)

    with pytest.raises(IllegalTransition):
        declaration_withdraw(actor=declarant, declaration=draft)
    with pytest.raises(IllegalTransition, match="You can amend it"):
        save(
            declarant,
            world.school_a,
            subjects=Subject(pupils=[pupil]),
            declaration=draft,
            notes="Sneaky change.",
        )

    assert state(draft) == before


def test_amending_a_decided_declaration_makes_a_second_version_as_a_draft(world, declarant, pupil):
    mother = FamilyLinkFactory(pupil=pupil).family_member
    original = save(
        declarant,
        world.school_a,
        subjects=Subject(
            pupils=[pupil],
            family_members=[mother],
            other_name="Tom Smith",
            other_relationship="Uncle",
        ),
        notes="First version.",
    )
    declaration_submit(actor=declarant, declaration=original)
    decide(original)
    before = state(original)

    amendment = declaration_amend(actor=declarant, declaration=original)

    amendment.refresh_from_db()
    assert amendment.pk != original.pk
    assert amendment.version == 2
    assert amendment.previous_version == original
    assert amendment.status == Declaration.Status.DRAFT
    assert amendment.declarant == declarant
    assert amendment.setting == original.setting
    assert amendment.kind == original.kind
    assert amendment.details == original.details
    assert amendment.notes == "First version."
    assert amendment.key_date == original.key_date
    assert amendment.submitted_at is None
    assert amendment.form_token != original.form_token

    def people(declaration):
        return sorted(
            (s.pupil_id or 0, s.family_member_id or 0, s.other_name, s.other_relationship)
            for s in declaration.subjects.all()
        )

    assert people(amendment) == people(original)
    assert len(people(amendment)) == 3
    [event] = audits(amendment, "declaration.amended")
    assert event.actor == declarant
    assert event.data["amends"] == original.pk
    assert event.data["version"] == 2
    assert event.data["after"]["details"] == original.details
    assert state(original) == before
    assert original.status == Declaration.Status.DECIDED


def test_amending_twice_returns_the_same_new_version(draft, declarant):
    decide(draft)

    first = declaration_amend(actor=declarant, declaration=draft)
    second = declaration_amend(actor=declarant, declaration=draft)

    assert second.pk == first.pk
    assert Declaration.objects.count() == 2
    assert len(audits(first, "declaration.amended")) == 1


def test_the_amended_version_can_be_changed_and_submitted(draft, declarant, world, pupil):
    decide(draft)
    amendment = declaration_amend(actor=declarant, declaration=draft)

    save(
        declarant,
        world.school_a,
        subjects=Subject(pupils=[pupil]),
        declaration=amendment,
        notes="Now at the park.",
    )
    declaration_submit(actor=declarant, declaration=amendment)

    amendment.refresh_from_db()
    draft.refresh_from_db()
    assert amendment.status == Declaration.Status.SUBMITTED
    assert amendment.notes == "Now at the park."
    assert draft.status == Declaration.Status.DECIDED
    assert draft.notes == ""


def test_after_withdrawing_an_amendment_the_decision_can_be_amended_again(draft, declarant):
    """Withdrawing a new version must not leave the decided one impossible to amend."""
    decide(draft)
    first = declaration_amend(actor=declarant, declaration=draft)
    declaration_withdraw(actor=declarant, declaration=first, reason="Started it by mistake.")

    again = declaration_amend(actor=declarant, declaration=draft)

    again.refresh_from_db()
    assert again.is_editable, f"amend returned a {again.status} version that cannot be changed"


@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn"])
def test_only_a_decided_declaration_can_be_amended(draft, declarant, status):
    Declaration.objects.filter(pk=draft.pk).update(status=status)

    with pytest.raises(IllegalTransition, match="Only a decided declaration"):
        declaration_amend(actor=declarant, declaration=draft)

    assert Declaration.objects.count() == 1


# Attachments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("card.pdf", pdf_bytes(), "application/pdf"),
        ("Photo of the card.PNG", png_bytes(), "image/png"),
        (
            "letter.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
    ids=["pdf", "png", "docx"],
)
def test_pdf_image_and_word_files_are_attached_and_audited(
    draft, declarant, media, name, content, content_type
):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    attachment = attachment_add(actor=declarant, declaration=draft, upload=upload)

    attachment.refresh_from_db()
    assert attachment.declaration == draft
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.uploaded_by == declarant
    assert attachment.original_name.lower() == name.lower().replace(" ", "_")
    [path] = stored_files(media)
    assert path.read_bytes() == content
    assert name.split(".")[0] not in path.name  # stored under a generated name
    [event] = audits(draft, "declaration.attachment_added")
    assert event.actor == declarant
    assert event.data == {
        "attachment": attachment.pk,
        "name": attachment.original_name,
        "size": len(content),
        "before": {"attachments": 0},
        "after": {"attachments": 1},
    }


def test_an_uploaded_name_never_reaches_the_file_system(draft, declarant, media):
    upload = SimpleUploadedFile("../../etc/evil name.pdf", pdf_bytes())

    attachment = attachment_add(actor=declarant, declaration=draft, upload=upload)

    assert attachment.original_name == "evil_name.pdf"
    [path] = stored_files(media)
    assert path.is_relative_to(media / "attachments")
    assert "evil" not in str(path.relative_to(media))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("timetable.pdf", exe_bytes(), "Only PDF files, photos"),
        ("timetable.exe", exe_bytes(), "Only PDF files, photos"),
        ("card.pdf", png_bytes(), "its content is PNG"),
        ("notes.txt", b"Just some plain text, not a document.", "Only PDF files, photos"),
        ("empty.pdf", b"", "The file is empty"),
    ],
    ids=["renamed-exe", "exe", "png-named-pdf", "text", "empty"],
)
def test_files_that_are_not_what_they_claim_are_rejected(
    draft, declarant, media, name, content, message
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    with pytest.raises(AttachmentRejected, match=message):
        attachment_add(actor=declarant, declaration=draft, upload=upload)

    assert not Attachment.objects.exists()
    assert not audits(draft, "declaration.attachment_added")
    assert stored_files(media) == []


def test_a_file_over_the_configured_size_limit_is_rejected(draft, declarant, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 2_000_000

    with pytest.raises(AttachmentRejected, match="MB") as refused:
        attachment_add(
            actor=declarant,
            declaration=draft,
            upload=SimpleUploadedFile("scan.pdf", pdf_bytes(2_000_001)),
        )

    assert "smaller" in str(refused.value)
    assert not Attachment.objects.exists()
    assert not audits(draft, "declaration.attachment_added")
    assert stored_files(media) == []


def test_a_file_exactly_at_the_size_limit_is_accepted(draft, declarant, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024

    attachment = attachment_add(
        actor=declarant,
        declaration=draft,
        upload=SimpleUploadedFile("scan.pdf", pdf_bytes(1024)),
    )

    assert attachment.size == 1024


def test_files_cannot_be_added_to_a_submitted_declaration(draft, declarant, media):
    declaration_submit(actor=declarant, declaration=draft)

    with pytest.raises(IllegalTransition, match="Files can be added while"):
        attachment_add(
            actor=declarant,
            declaration=draft,
            upload=SimpleUploadedFile("card.pdf", pdf_bytes()),
        )

    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_someone_else_cannot_attach_a_file_to_the_declarants_draft(draft, other_teacher, media):
    with pytest.raises(DeclarationError, match="Only the person"):
        attachment_add(
            actor=other_teacher,
            declaration=draft,
            upload=SimpleUploadedFile("card.pdf", pdf_bytes()),
        )

    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_amending_carries_the_attached_copies_over_to_the_new_version(draft, declarant, media):
    attachment_add(
        actor=declarant,
        declaration=draft,
        upload=SimpleUploadedFile("card.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    decide(draft)

    amendment = declaration_amend(actor=declarant, declaration=draft)

    copied = amendment.attachments.get()
    original = draft.attachments.get()
    assert copied.pk != original.pk
    assert copied.file.name == original.file.name
    assert copied.original_name == "card.pdf"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("invitation.pdf", pdf_with_open_script(), "a script that runs when it is opened"),
        ("invitation.pdf", pdf_with_embedded_file(), "other files hidden inside it"),
        ("letter.docx", docx_with_macros(), "contains macros"),
        ("letter.docx", docx_bomb(), "would grow to 100.0\xa0MB when opened"),
    ],
    ids=["pdf-script", "pdf-embedded-file", "word-macros", "word-zip-bomb"],
)
def test_a_hostile_file_is_refused_nothing_is_kept_and_the_attempt_is_audited(
    draft, declarant, media, name, content, says
):
    with pytest.raises(AttachmentRejected, match=says) as refused:
        attachment_add(actor=declarant, declaration=draft, upload=SimpleUploadedFile(name, content))

    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert not audits(draft, "declaration.attachment_added")
    [event] = audits(draft, "declaration.attachment_refused")
    assert event.actor == declarant
    assert event.data == {"name": name, "size": len(content), "reason": str(refused.value)}


def test_a_refusal_for_the_type_is_audited_too(draft, declarant):
    with pytest.raises(AttachmentRejected):
        attachment_add(
            actor=declarant,
            declaration=draft,
            upload=SimpleUploadedFile("timetable.pdf", exe_bytes()),
        )

    [event] = audits(draft, "declaration.attachment_refused")
    assert event.data["reason"].startswith("Only PDF files, photos")


def test_a_refusal_of_someone_elses_attempt_writes_no_refusal_of_the_file(draft, other_teacher):
    """Not their declaration: refused before the file is looked at (and not as a file)."""
    with pytest.raises(DeclarationError, match="Only the person"):
        attachment_add(
            actor=other_teacher,
            declaration=draft,
            upload=SimpleUploadedFile("invitation.pdf", pdf_with_open_script()),
        )

    assert not audits(draft, "declaration.attachment_refused")


@pytest.fixture
def full_disk(settings, media):
    """The uploads' storage on a disk that fills up half-way through writing a file."""
    DiskFillsUp.left_behind.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.files.DiskFillsUp"},
    }
    return DiskFillsUp.left_behind


def test_a_full_disk_mid_write_leaves_no_partial_file_and_says_so(
    draft, declarant, media, full_disk
):
    content = pdf_bytes(5000)

    with pytest.raises(AttachmentNotStored, match="could not be saved just now"):
        attachment_add(
            actor=declarant, declaration=draft, upload=SimpleUploadedFile("card.pdf", content)
        )

    [(name, size)] = full_disk.items()  # the write began and left part of the file
    assert name.startswith("attachments/")
    assert 0 < size < len(content)
    assert stored_files(media) == []
    assert not Attachment.objects.exists()
    assert not audits(draft, "declaration.attachment_added")
    assert not audits(draft, "declaration.attachment_refused")  # the file was not at fault


@pytest.fixture
def database_refuses_attachments(db):
    """A trigger in the database itself that refuses every new attachment row: the file
    is written, then the INSERT fails, as on a lost connection or a full database."""
    table = Attachment._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_attachment() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'the database refused the row'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_attachment BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_attachment()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_attachment BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the database refused the row'); END"
            )
    # Made inside the test's transaction: rolled back with it.


def test_a_database_error_while_saving_the_row_removes_the_file_already_written(
    draft, declarant, media, database_refuses_attachments
):
    with pytest.raises(DatabaseError, match="the database refused the row"):
        attachment_add(
            actor=declarant,
            declaration=draft,
            upload=SimpleUploadedFile("card.pdf", pdf_bytes()),
        )

    assert stored_files(media) == []
    assert not Attachment.objects.exists()
    assert not audits(draft, "declaration.attachment_added")
