"""The DSL's log (R41, #21 item 3): on a declaration copied or referred to the DSL, the
DSL and the deputies record what they did, when, who did it and what came of it; each
entry goes on every pupil's file the declaration belongs on, confidential, and on the
audit trail. Bad input changes nothing and loses nothing typed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.exceptions import ApprovalError
from approvals.models import ApprovalRequest, DeciderRole, DslAction, DslLogEntry
from approvals.services import decision_record, dsl_log_record
from contactpolicy.models import AuditEvent
from declarations.services import declaration_submit
from directory.models import Role
from registers.models import RegisterEntry
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, MembershipFactory, PupilFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

COPY = ApprovalRequest.Purpose.COPY
DECIDE = ApprovalRequest.Purpose.DECIDE
OUTCOME = "The LADO advised that it does not meet the harm threshold; a note is kept."


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def pupil(world):
    return PupilFactory(setting=world.school_a, given_name="Ava", family_name="Wellbeloved")


@pytest.fixture
def sibling(world, pupil):
    """The pupil's brother at the other school of the federation: their mother is
    named too (as the link of the brother to her)."""
    mother = FamilyLinkFactory(
        pupil=pupil, family_member__given_name="Rosa", family_member__family_name="Wellbeloved"
    ).family_member
    return FamilyLinkFactory(
        pupil__setting=world.school_b, pupil__given_name="Noah", family_member=mother
    )


@pytest.fixture
def concern(world, pupil, sibling, django_capture_on_commit_callbacks):
    """A concern by a teacher about a pupil and the mother of a child at the other
    school, submitted as the app does: decided by the head, copied to the DSL (R22)."""

    def make(declarant=None, setting=None, about=None, with_sibling=False):
        declarant = declarant or world.teacher_a
        declaration = DeclarationFactory(
            declarant=declarant, setting=setting or world.school_a, kind="concern"
        )
        DeclarationSubjectFactory(declaration=declaration, pupil=about or pupil)
        if with_sibling:
            DeclarationSubjectFactory(
                declaration=declaration, pupil=None, family_member=sibling.family_member
            )
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        return declaration

    return make


def copy_of(declaration) -> ApprovalRequest:
    """The DSL's copy (the head of the other school is told too, #19)."""
    return ApprovalRequest.objects.exclude(decider_role=DeciderRole.HEAD).get(
        declaration=declaration, purpose=COPY
    )


def log_url(request: ApprovalRequest) -> str:
    return reverse("approvals:request_dsl_log", args=[request.pk])


def fields(person, **changes) -> dict:
    data = {
        "log-action": DslAction.LADO_ADVICE,
        "log-done_on": today().isoformat(),
        "log-done_by": person.pk,
        "log-outcome": OUTCOME,
    }
    data.update({f"log-{name}": value for name, value in changes.items()})
    return data


def nothing_written() -> None:
    assert not DslLogEntry.objects.exists()
    assert not RegisterEntry.objects.filter(entry_kind=RegisterEntry.EntryKind.DSL_LOG).exists()
    assert not AuditEvent.objects.filter(action="approval.dsl_action_recorded").exists()


# The happy path --------------------------------------------------------------------------


def test_the_copy_page_offers_the_dsl_the_log_instead_of_nothing(client, world, concern):
    copy = copy_of(concern())
    assert (copy.decider, copy.decider_role) == (world.dsl_a, DeciderRole.DSL)
    sign_in_with_mfa(client, world.dsl_a)

    page = client.get(copy.get_absolute_url()).content.decode()

    assert "record below, in the DSL's log, what you do about it" in page
    assert "Nothing is recorded yet." in page
    assert f'action="{log_url(copy)}"' in page
    for action in DslAction:
        assert action.label.replace("'", "&#x27;") in page


def test_the_dsl_records_lado_advice_on_the_log_the_pupils_files_and_the_audit_trail(
    client, world, concern, pupil, sibling
):
    declaration = concern(with_sibling=True)
    copy = copy_of(declaration)
    sign_in_with_mfa(client, world.dsl_a)

    response = client.post(log_url(copy), fields(world.dsl_a))

    assert response.status_code == 302
    assert response["Location"] == copy.get_absolute_url()
    entry = DslLogEntry.objects.get()
    assert (entry.declaration, entry.request, entry.action) == (
        declaration,
        copy,
        DslAction.LADO_ADVICE,
    )
    assert (entry.done_on, entry.done_by, entry.recorded_by) == (
        today(),
        world.dsl_a,
        world.dsl_a,
    )
    # One confidential entry on each pupil's file it belongs on: the child named, and
    # the named mother's child at the other school of the federation.
    on_files = RegisterEntry.objects.filter(entry_kind=RegisterEntry.EntryKind.DSL_LOG)
    assert {item.pupil_id for item in on_files} == {pupil.pk, sibling.pupil_id}
    assert all(item.confidential and item.dsl_log == entry for item in on_files)
    assert on_files.get(pupil=sibling.pupil).via_family_member == sibling.family_member
    assert not on_files.filter(file=RegisterEntry.File.STAFF).exists()
    text = on_files.first().text
    assert "Sought advice from the LADO" in text
    assert OUTCOME in text
    assert world.dsl_a.get_full_name() in text
    event = AuditEvent.objects.get(action="approval.dsl_action_recorded")
    assert event.actor == world.dsl_a
    assert event.target_id == str(declaration.pk)
    assert event.organisation_pk == world.school_a.pk
    assert event.data == {
        "request": copy.pk,
        "log_entry": entry.pk,
        "action": "lado_advice",
        "done_on": today().isoformat(),
        "done_by": world.dsl_a.pk,
        "outcome": OUTCOME,
    }


def test_a_copy_acted_on_shows_its_log_on_its_page(client, world, concern):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)
    client.post(log_url(copy), fields(world.dsl_a))

    page = client.get(copy.get_absolute_url()).content.decode()

    assert "Sought advice from the LADO" in page
    assert OUTCOME.replace("'", "&#x27;") in page
    assert "Nothing is recorded yet." not in page
    assert f"Recorded by {world.dsl_a.get_full_name()}" in page


def test_the_entry_is_on_the_pupils_file_as_confidential(client, world, concern, pupil):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)
    client.post(
        log_url(copy), fields(world.dsl_a, action=DslAction.SOCIAL_CARE, outcome="Referred.")
    )

    page = client.get(reverse("registers:pupil_file", args=[pupil.pk])).content.decode()

    assert "DSL&#x27;s log: Concern" in page
    assert "Referred to children&#x27;s social care" in page
    assert "Confidential" in page


def test_the_deciders_page_shows_the_log_to_the_head_without_the_form(client, world, concern):
    declaration = concern()
    dsl_log_record(
        actor=world.dsl_a,
        request=copy_of(declaration),
        action=DslAction.SPOKE_TO_STAFF,
        done_on=today(),
        done_by=world.dsl_a,
        outcome="Spoke to them after school.",
    )
    decide = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    assert decide.decider == world.head_a
    sign_in_with_mfa(client, world.head_a)

    page = client.get(decide.get_absolute_url()).content.decode()

    assert "Spoke to them after school." in page
    assert "Record what was done" not in page


def test_the_declarant_who_is_a_head_never_reads_the_log_on_the_childs_file(
    client, world, concern, pupil
):
    declaration = concern(declarant=world.head_a)
    copy = copy_of(declaration)
    assert copy.decider == world.dsl_a
    dsl_log_record(
        actor=world.dsl_a,
        request=copy,
        action=DslAction.LADO_ADVICE,
        done_on=today(),
        done_by=world.dsl_a,
        outcome=OUTCOME,
    )
    sign_in_with_mfa(client, world.head_a)

    page = client.get(reverse("registers:pupil_file", args=[pupil.pk])).content.decode()

    assert "LADO" not in page
    assert "DSL&#x27;s log: Concern" not in page


# Bad input ------------------------------------------------------------------------------


def test_a_date_in_the_future_is_refused_and_what_was_typed_stays(client, world, concern):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)
    tomorrow = today() + datetime.timedelta(days=1)

    response = client.post(log_url(copy), fields(world.dsl_a, done_on=tomorrow.isoformat()))

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The date cannot be in the future" in page
    assert OUTCOME.replace("'", "&#x27;") in page  # the outcome as typed
    assert f'value="{tomorrow.isoformat()}"' in page
    assert 'value="lado_advice"  id="id_log-action_1" required checked' in page
    nothing_written()


def test_missing_fields_each_get_a_message_and_nothing_is_written(client, world, concern):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)

    response = client.post(
        log_url(copy), {"log-done_by": world.dsl_a.pk, "log-outcome": "  Half-typed note  "}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose what was done." in page
    assert "Enter the date it was done." in page
    assert "Half-typed note" in page
    nothing_written()


def test_an_empty_outcome_is_refused(client, world, concern):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)

    response = client.post(log_url(copy), fields(world.dsl_a, outcome="   "))

    assert "Write what came of it (the outcome)." in response.content.decode()
    nothing_written()


def test_a_date_before_the_declaration_is_refused(client, world, concern):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)
    before = today() - datetime.timedelta(days=3)

    response = client.post(log_url(copy), fields(world.dsl_a, done_on=before.isoformat()))

    assert "The date cannot be before the declaration was made" in response.content.decode()
    nothing_written()


def test_who_did_it_must_be_of_the_safeguarding_team_here(client, world, concern):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)

    for outsider in (world.teacher_b, world.head_other, world.teacher_a):  # teacher_a declared
        response = client.post(log_url(copy), fields(outsider))
        assert "Choose who did it from the list." in response.content.decode()
    nothing_written()


def test_someone_elses_request_is_not_found_and_nothing_is_written(client, world, concern):
    declaration = concern()
    decide = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    sign_in_with_mfa(client, world.dsl_a)

    assert client.post(log_url(decide), fields(world.dsl_a)).status_code == 404
    assert client.post(reverse("approvals:request_dsl_log", args=[999999])).status_code == 404
    nothing_written()


def test_a_declaration_never_sent_to_the_dsl_keeps_no_log(client, world, pupil):
    """The DSL's own request on a declaration that was not copied or referred to a
    safeguarding lead (here the DSL decides a planned contact as line manager): 404."""
    declaration = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, status="submitted"
    )
    DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
    request = ApprovalRequest.objects.create(
        declaration=declaration,
        decider=world.dsl_a,
        decider_role=DeciderRole.LINE_MANAGER,
        routing_reason="By hand, for the test.",
        due_on=today(),
    )
    sign_in_with_mfa(client, world.dsl_a)

    assert client.post(log_url(request), fields(world.dsl_a)).status_code == 404
    page = client.get(request.get_absolute_url()).content.decode()
    assert "The DSL&#x27;s log" not in page
    nothing_written()


def test_the_head_who_is_not_the_dsl_is_refused(client, world, concern):
    decide = ApprovalRequest.objects.get(declaration=concern(), purpose=DECIDE)
    sign_in_with_mfa(client, world.head_a)

    response = client.post(log_url(decide), fields(world.head_a))

    assert response.status_code == 403
    with pytest.raises(ApprovalError, match="Only the designated safeguarding lead"):
        dsl_log_record(
            actor=world.head_a,
            request=decide,
            action=DslAction.NO_FURTHER_ACTION,
            done_on=today(),
            done_by=world.head_a,
            outcome="None.",
        )
    nothing_written()


def test_a_get_of_the_log_address_is_not_allowed(client, world, concern):
    copy = copy_of(concern())
    sign_in_with_mfa(client, world.dsl_a)

    assert client.get(log_url(copy)).status_code == 405


def test_the_log_cannot_be_changed_or_deleted(world, concern):
    entry = dsl_log_record(
        actor=world.dsl_a,
        request=copy_of(concern()),
        action=DslAction.EARLY_HELP,
        done_on=today(),
        done_by=world.dsl_a,
        outcome="Early help assessment offered to the family.",
    )
    from contactpolicy.exceptions import AppendOnlyError

    entry.outcome = "Changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


# The roles that keep it -----------------------------------------------------------------


def test_the_head_who_is_also_the_dsl_records_from_the_request_they_decide(client, world, concern):
    MembershipFactory(person=world.head_a, organisation=world.school_a, role=Role.DSL)
    declaration = concern()
    decide = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    assert decide.decider == world.head_a
    # Deciding it, the head is not copied too: the other DSL is.
    assert copy_of(declaration).decider == world.dsl_a
    sign_in_with_mfa(client, world.head_a)
    assert "Record what was done" in client.get(decide.get_absolute_url()).content.decode()

    response = client.post(log_url(decide), fields(world.head_a, action="spoke_to_staff"))

    assert response.status_code == 302
    assert DslLogEntry.objects.get().recorded_by == world.head_a
    # ... and, decided afterwards, the request still shows the log.
    decision_record(actor=world.head_a, request=decide, outcome="noted", details={})
    page = client.get(decide.get_absolute_url()).content.decode()
    assert "Spoke to the staff member" in page


def test_the_deputy_keeps_the_log_of_the_dsls_own_concern_and_the_dsl_never_reads_it(
    client, world, concern, pupil
):
    deputy = person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)
    declaration = concern(declarant=world.dsl_a)
    copy = copy_of(declaration)
    assert (copy.decider, copy.decider_role) == (deputy, DeciderRole.DEPUTY_DSL)
    sign_in_with_mfa(client, deputy)
    page = client.get(copy.get_absolute_url()).content.decode()
    assert "copied to you as deputy designated safeguarding lead" in page
    # The DSL who declared it is not someone who did something about it.
    assert "Choose who did it from the list." in (
        client.post(log_url(copy), fields(world.dsl_a)).content.decode()
    )

    assert client.post(log_url(copy), fields(deputy)).status_code == 302

    sign_in_with_mfa(client, world.dsl_a)
    page = client.get(reverse("registers:pupil_file", args=[pupil.pk])).content.decode()
    assert "LADO" not in page


def test_a_federation_dsl_keeps_the_log_of_either_school(client, world, concern):
    federation_dsl = person_with_roles(world.federation, Role.DSL)
    child = PupilFactory(setting=world.school_b)
    declaration = concern(declarant=world.teacher_b, setting=world.school_b, about=child)
    copy = copy_of(declaration)
    assert copy.decider == federation_dsl
    sign_in_with_mfa(client, federation_dsl)

    assert client.post(log_url(copy), fields(federation_dsl)).status_code == 302

    entry = RegisterEntry.objects.get(entry_kind=RegisterEntry.EntryKind.DSL_LOG)
    assert entry.pupil == child
    # School_a's own DSL was never sent it, and is not let in.
    sign_in_with_mfa(client, world.dsl_a)
    assert client.post(log_url(copy), fields(world.dsl_a)).status_code == 404


def test_a_referral_to_the_dsl_is_in_the_log_too(
    client, world, pupil, django_capture_on_commit_callbacks
):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    request = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            actor=request.decider,
            request=request,
            outcome="referred_to_dsl",
            details={"reasons": "Worrying."},
        )
    referral = ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status="open")
    assert referral.decider == world.dsl_a
    sign_in_with_mfa(client, world.dsl_a)

    assert client.post(log_url(referral), fields(world.dsl_a)).status_code == 302
    assert RegisterEntry.objects.filter(
        entry_kind=RegisterEntry.EntryKind.DSL_LOG, pupil=pupil, confidential=True
    ).exists()
