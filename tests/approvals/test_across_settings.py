"""One declaration about a family across two schools of a federation (#19, R21, R25,
R35): the teaching assistant who works in both schools names a sibling in each; it is
decided by someone who may decide for both schools (the Executive Headteacher), both
heads are told, each sees their own school's pupil only, and the decision lands on
both pupils' files. A declaration within one school goes as it always did."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from approvals.audit_actions import APPROVAL_HEAD_TOLD
from approvals.models import ApprovalRequest, Cover, DeciderRole, Outcome, RoutingRule
from approvals.routing import decider_problem
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.models import Declaration
from declarations.services import Subject, attachment_add, declaration_save_draft
from directory.models import Role
from registers.models import RegisterEntry
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, MembershipFactory, PersonFactory
from tests.factories.declarations import cleaned_details
from tests.two_schools import (
    A_GIVEN,
    B_GIVEN,
    SIBLING_A,
    SIBLING_B,
    declare,
    declare_about_the_siblings,
    page_text,
    submit,
    two_schools,
)

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE
COPY = ApprovalRequest.Purpose.COPY
TOLD_SUBJECT = "A declaration names pupils of your school"
WAITING_SUBJECT = "A declaration is waiting for your decision"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


@pytest.fixture
def ts(world):
    return two_schools(world)


def decision_request(declaration) -> ApprovalRequest:
    return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status="open")


def told(declaration) -> dict:
    """Who was told of their own pupils' side: person -> the request."""
    return {
        request.decider: request
        for request in ApprovalRequest.objects.filter(
            declaration=declaration, purpose=COPY, decider_role=DeciderRole.HEAD
        )
    }


def emails_to(mailoutbox, person) -> list:
    return [message for message in mailoutbox if person.email in message.to]


# Routing ----------------------------------------------------------------------------


def test_siblings_in_both_schools_are_decided_by_the_executive_headteacher(ts):
    declaration = submit(declare_about_the_siblings(ts))

    request = decision_request(declaration)
    assert request.decider == ts.world.executive_head
    assert request.decider_role == DeciderRole.EXECUTIVE_HEAD
    # The line manager and the head of Ash are passed over, and the reason says why.
    assert request.routing_reason.startswith(
        "It names pupils of Ash Primary School and Birch Primary School: it is decided by "
        "someone who may decide for each of them, never by one school's head for another's "
        "pupils."
    )
    assert "The line manager does not decide for every school it names;" in (request.routing_reason)
    assert (
        "The headteacher or manager of the setting does not decide for every school it names; "
        "it goes to the executive headteacher." in request.routing_reason
    )


def test_both_heads_are_told_and_emailed_without_the_childrens_names(ts, mailoutbox):
    declaration = submit(declare_about_the_siblings(ts))

    heads = told(declaration)
    assert set(heads) == {ts.world.head_a, ts.head_b}
    assert "As head of Birch Primary School you are told of your own pupils' side" in (
        heads[ts.head_b].routing_reason
    )
    recorded = AuditEvent.objects.filter(
        action=APPROVAL_HEAD_TOLD, target_id=str(declaration.pk)
    ).values_list("data__head", flat=True)
    assert sorted(recorded) == sorted([ts.world.head_a.pk, ts.head_b.pk])
    for head in (ts.world.head_a, ts.head_b):
        (email,) = emails_to(mailoutbox, head)
        assert email.subject == TOLD_SUBJECT
        assert heads[head].get_absolute_url() in email.body
    (waiting,) = emails_to(mailoutbox, ts.world.executive_head)
    assert waiting.subject == WAITING_SUBJECT
    for email in mailoutbox:
        for name in (A_GIVEN, B_GIVEN, "Pendleford"):
            assert name not in email.subject
            assert name not in email.body


def test_each_head_sees_their_own_schools_pupil_and_never_the_other(client, ts):
    declaration = submit(declare_about_the_siblings(ts))
    heads = told(declaration)

    own = {ts.world.head_a: (SIBLING_A, B_GIVEN), ts.head_b: (SIBLING_B, A_GIVEN)}
    for head, (theirs, other) in own.items():
        home = page_text(client, head, reverse("home"))
        assert (
            "1</span>declaration naming pupils of your school and of another, not yet read</a>"
            in home
        )
        assert other not in home
        dashboard = page_text(client, head, reverse("approvals:dashboard"))
        assert "Naming pupils of your school and of another" in dashboard
        assert heads[head].get_absolute_url() in dashboard
        assert other not in dashboard
        request_page = page_text(client, head, heads[head].get_absolute_url())
        assert theirs in request_page
        assert other not in request_page
        assert "1 pupil or family member of another school, not shown to you" in request_page
        assert "You are told of your own pupils' side" in request_page
        heads[head].refresh_from_db()
        assert heads[head].read_at is not None

    # The Executive Headteacher, over both schools, decides with both in view.
    decider_page = page_text(
        client, ts.world.executive_head, decision_request(declaration).get_absolute_url()
    )
    assert SIBLING_A in decider_page
    assert SIBLING_B in decider_page
    assert "not shown to you" not in decider_page
    dashboard = page_text(client, ts.world.executive_head, reverse("approvals:dashboard"))
    assert f"About: {SIBLING_A}, {SIBLING_B}" in dashboard


def test_a_shared_parent_is_seen_by_both_heads_a_parent_of_one_school_only_by_its_head(client, ts):
    father_of_b = FamilyLinkFactory(
        pupil=ts.sibling_b,
        family_member__given_name="Fitzgerald",
        family_member__family_name="Oddie",
    ).family_member
    declaration = submit(
        declare(
            ts.assistant,
            ts.world.school_a,
            pupils=[ts.sibling_a],
            family_members=[ts.mother, father_of_b],
        )
    )
    heads = told(declaration)
    assert set(heads) == {ts.world.head_a, ts.head_b}

    ash = page_text(client, ts.world.head_a, heads[ts.world.head_a].get_absolute_url())
    assert "Philippa Pendleford" in ash
    assert SIBLING_A in ash
    assert "Fitzgerald" not in ash
    birch = page_text(client, ts.head_b, heads[ts.head_b].get_absolute_url())
    assert "Philippa Pendleford" in birch
    assert "Fitzgerald Oddie" in birch
    assert A_GIVEN not in birch


def test_the_decision_lands_on_both_pupils_files_which_each_head_opens_for_their_own(
    client, ts, mailoutbox
):
    declaration = submit(declare_about_the_siblings(ts))
    sign_in_with_mfa(client, ts.world.executive_head)

    response = client.post(
        decision_request(declaration).get_absolute_url(), {"outcome": Outcome.APPROVED}
    )

    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DECIDED
    files = RegisterEntry.objects.filter(declaration=declaration)
    assert set(files.filter(file=RegisterEntry.File.PUPIL).values_list("pupil", flat=True)) == {
        ts.sibling_a.pk,
        ts.sibling_b.pk,
    }
    assert files.filter(file=RegisterEntry.File.STAFF, person=ts.assistant).count() == 1
    for head, own, other in (
        (ts.world.head_a, ts.sibling_a, ts.sibling_b),
        (ts.head_b, ts.sibling_b, ts.sibling_a),
    ):
        sign_in_with_mfa(client, head)
        own_file = client.get(reverse("registers:pupil_file", args=[own.pk]))
        assert own_file.status_code == 200
        assert declaration.reference in own_file.text
        assert other.given_name not in own_file.text
        assert client.get(reverse("registers:pupil_file", args=[other.pk])).status_code == 404
        # The assistant's staff file: the entry, at both schools, naming no child.
        staff_file = client.get(reverse("registers:staff_file", args=[ts.assistant.pk]))
        assert declaration.reference in staff_file.text
        assert other.given_name not in staff_file.text
    for email in mailoutbox:
        assert A_GIVEN not in email.body
        assert B_GIVEN not in email.body


def test_a_told_head_cannot_open_the_attached_card(client, ts):
    draft = declare_about_the_siblings(ts)
    attachment = attachment_add(
        actor=ts.assistant,
        declaration=draft,
        upload=SimpleUploadedFile("card.jpg", JPEG, content_type="image/jpeg"),
    )
    declaration = submit(draft)
    own_copy = told(declaration)[ts.head_b]
    decider_request = decision_request(declaration)
    sign_in_with_mfa(client, ts.head_b)

    request_page = client.get(own_copy.get_absolute_url())
    download = client.get(
        reverse("approvals:request_attachment", args=[own_copy.pk, attachment.pk])
    )

    assert "card.jpg" not in request_page.text
    assert "They are for the person deciding" in request_page.text
    assert download.status_code == 404
    sign_in_with_mfa(client, ts.world.executive_head)
    assert (
        client.get(
            reverse("approvals:request_attachment", args=[decider_request.pk, attachment.pk])
        ).status_code
        == 200
    )


def test_a_head_of_both_schools_decides_for_both_and_is_not_told_as_well(ts, mailoutbox):
    MembershipFactory(person=ts.world.head_a, organisation=ts.world.school_b, role=Role.HEAD)
    RoutingRule.objects.create(
        organisation=ts.world.federation,
        kind="planned_social_contact",
        decider_role=DeciderRole.HEAD,
    )

    declaration = submit(declare_about_the_siblings(ts))

    request = decision_request(declaration)
    assert request.decider == ts.world.head_a
    assert request.decider_role == DeciderRole.HEAD
    # Birch's other head is told; the head of both decides and is not told twice.
    assert set(told(declaration)) == {ts.head_b}
    assert [m.subject for m in emails_to(mailoutbox, ts.world.head_a)] == [WAITING_SUBJECT]


def test_the_most_senior_rule_of_the_schools_named_applies(ts):
    MembershipFactory(person=ts.world.head_a, organisation=ts.world.school_b, role=Role.HEAD)
    RoutingRule.objects.create(
        organisation=ts.world.school_a, kind="planned_social_contact", decider_role="head"
    )
    RoutingRule.objects.create(
        organisation=ts.world.school_b,
        kind="planned_social_contact",
        decider_role=DeciderRole.EXECUTIVE_HEAD,
    )

    request = decision_request(submit(declare_about_the_siblings(ts)))

    assert request.decider == ts.world.executive_head
    assert "Rule for planned social contact in Birch Primary School" in request.routing_reason


def test_a_line_manager_over_the_federation_decides_for_both_schools(ts):
    manager = PersonFactory()
    MembershipFactory(person=manager, organisation=ts.world.federation, role=Role.LINE_MANAGER)
    ts.assistant.memberships.update(line_manager=manager)

    request = decision_request(submit(declare_about_the_siblings(ts)))

    assert request.decider == manager
    assert request.decider_role == DeciderRole.LINE_MANAGER


def test_one_schools_head_covering_for_the_executive_headteacher_does_not_take_it(ts):
    today = timezone.localdate()
    Cover.objects.create(
        person=ts.world.executive_head,
        delegate=ts.world.head_a,
        reason=Cover.Reason.ABSENCE,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=5),
    )

    request = decision_request(submit(declare_about_the_siblings(ts)))

    # Past the delegate, up the chain: nobody above decides a member of staff's, so
    # the administrator is asked, and may not give it to Ash's head either (below).
    assert request.decider is None
    assert request.on_behalf_of is None
    assert (
        f"{ts.world.head_a.get_full_name()} cannot decide this: they do not decide for every "
        "school it names;" in request.routing_reason
    )
    assert "Nobody can decide it: the administrator is asked to act." in request.routing_reason


def test_one_schools_head_cannot_be_given_it_to_decide(ts):
    declaration = submit(declare_about_the_siblings(ts))

    problem = decider_problem(ts.world.head_a.pk, declaration, timezone.localdate())

    assert problem == (
        "This person cannot decide it: it names pupils of Ash Primary School and Birch "
        "Primary School, and they do not decide for all of them."
    )
    assert decider_problem(ts.world.executive_head.pk, declaration, timezone.localdate()) is None


def test_a_reply_that_names_the_other_schools_pupil_goes_past_the_line_manager(ts):
    declaration = submit(declare(ts.assistant, ts.world.school_a, pupils=[ts.sibling_a]))
    asked = decision_request(declaration)
    assert asked.decider == ts.world.line_manager_a
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision_record(
            actor=ts.world.line_manager_a,
            request=asked,
            outcome=Outcome.MORE_INFORMATION,
            details={"questions": "Is there a brother or sister at Birch?"},
        )
    declaration_save_draft(
        actor=ts.assistant,
        kind=declaration.kind_entry,
        setting=ts.world.school_a,
        details=cleaned_details("planned_social_contact"),
        notes="Her brother is at Birch.",
        subjects=Subject(pupils=[ts.sibling_a, ts.sibling_b]),
        form_token=declaration.form_token,
        declaration=declaration,
    )

    request = decision_request(submit(declaration))

    assert request.decider == ts.world.executive_head
    assert set(told(declaration)) == {ts.world.head_a, ts.head_b}


# Within one school, as before ---------------------------------------------------------


def test_a_declaration_within_one_school_is_routed_and_shown_as_before(client, ts, mailoutbox):
    declaration = submit(declare(ts.assistant, ts.world.school_a, pupils=[ts.sibling_a]))

    request = decision_request(declaration)
    assert request.decider == ts.world.line_manager_a
    assert request.routing_reason == "Default route: line manager decides."
    assert not ApprovalRequest.objects.filter(declaration=declaration, purpose=COPY).exists()
    assert [m.subject for m in mailoutbox] == [WAITING_SUBJECT]
    decider_page = page_text(client, ts.world.line_manager_a, request.get_absolute_url())
    assert SIBLING_A in decider_page
    assert "not shown to you" not in decider_page
