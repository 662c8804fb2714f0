"""Routing that holds for the roles real schools combine (#19, R21, R22, R24): the head
who is also the DSL, the Chair whose own family is named, a delegate who may not decide
everything, and a cover that ends."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from approvals.audit_actions import APPROVAL_PASSED_UP, APPROVAL_RETURNED, COVER_ENDED
from approvals.models import ApprovalRequest, Cover, DeciderRole, Outcome, RoutingRule
from approvals.rules import outcomes_for
from approvals.services import cover_apply, decision_record, scheduled_work
from contactpolicy.models import AuditEvent
from declarations.kinds import KINDS, Subjects
from declarations.services import declaration_submit
from directory.models import FamilyLink, FamilyMember, Membership, Role
from tests.conftest import sign_in_with_mfa
from tests.factories import MembershipFactory, PupilFactory, person_with_roles
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    FormerPupilFactory,
)

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE
GOVERNORS = (Role.CHAIR, Role.VICE_CHAIR, Role.GOVERNOR)


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    def _submit(declarant, setting, kind, *, pupil=None, family_member=None):
        declaration = DeclarationFactory(declarant=declarant, setting=setting, kind=kind)
        if family_member is not None:
            DeclarationSubjectFactory(
                declaration=declaration, pupil=None, family_member=family_member
            )
        elif pupil is not None or KINDS[kind].subjects != Subjects.OPTIONAL:
            if pupil is None:
                former = KINDS[kind].subjects == Subjects.FORMER_PUPIL
                pupil = (FormerPupilFactory if former else PupilFactory)(setting=setting)
            DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        return declaration

    return _submit


@pytest.fixture
def decide(django_capture_on_commit_callbacks):
    def _decide(request, outcome, **details):
        with django_capture_on_commit_callbacks(execute=True):
            return decision_record(
                actor=request.decider,
                request=request,
                outcome=outcome,
                details={"reasons": "For the record.", **details},
            )

    return _decide


def waiting(declaration) -> ApprovalRequest:
    return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE, status="open")


def is_governor(person, world) -> bool:
    return Membership.objects.filter(person=person, role__in=GOVERNORS).exists()


@pytest.fixture
def head_who_is_dsl(world):
    """The head of Ash is also its DSL; Ash has a deputy DSL; the old DSL has left."""
    Membership.objects.filter(person=world.dsl_a, role=Role.DSL).delete()
    MembershipFactory(person=world.head_a, organisation=world.school_a, role=Role.DSL)
    return person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)


# The head who is also the DSL ---------------------------------------------------------------


def test_the_head_who_is_dsl_s_concern_referred_to_the_dsl_reaches_the_deputy(
    world, head_who_is_dsl, submit, decide
):
    deputy = head_who_is_dsl
    declaration = submit(world.head_a, world.school_a, "concern")
    first = waiting(declaration)
    assert first.decider == world.executive_head

    decide(first, Outcome.REFERRED_TO_DSL)

    referral = waiting(declaration)
    assert referral.decider == deputy
    assert referral.decider_role == DeciderRole.DEPUTY_DSL
    assert referral.safeguarding
    assert "Referred to the DSL by" in referral.routing_reason
    assert not any(
        is_governor(request.decider, world)
        for request in declaration.approval_requests.exclude(decider=None)
    )


def test_whoever_a_referral_reaches_cannot_refer_it_back(world, head_who_is_dsl, submit, decide):
    declaration = submit(world.head_a, world.school_a, "concern")
    decide(waiting(declaration), Outcome.REFERRED_TO_DSL)
    referral = waiting(declaration)

    kind = KINDS["concern"]
    assert Outcome.REFERRED_TO_DSL not in outcomes_for(
        kind, referral.decider_role, referred=referral.safeguarding
    )
    assert Outcome.REFERRED_TO_DSL not in outcomes_for(kind, DeciderRole.HEAD, referred=True)


def test_the_referral_page_offers_no_referral_back(client, world, head_who_is_dsl, submit, decide):
    declaration = submit(world.head_a, world.school_a, "concern")
    decide(waiting(declaration), Outcome.REFERRED_TO_DSL)
    referral = waiting(declaration)
    sign_in_with_mfa(client, referral.decider)

    page = client.get(reverse("approvals:request", args=[referral.pk]))

    assert page.status_code == 200
    assert 'value="referred_to_dsl"' not in page.text


def test_a_referral_with_no_safeguarding_lead_left_goes_to_the_administrator_not_a_governor(
    world, submit, decide
):
    # The head is the DSL and there is no deputy: the Executive Headteacher referred it.
    Membership.objects.filter(person=world.dsl_a, role=Role.DSL).delete()
    MembershipFactory(person=world.head_a, organisation=world.school_a, role=Role.DSL)
    declaration = submit(world.head_a, world.school_a, "concern")

    decide(waiting(declaration), Outcome.REFERRED_TO_DSL)

    referral = waiting(declaration)
    assert referral.decider is None
    assert "administrator is asked" in referral.routing_reason
    assert [m.to for m in mail.outbox if world.chair.email in m.to] == []


def test_an_overdue_referral_goes_along_the_safeguarding_chain_never_to_a_governor(
    world, submit, decide, django_capture_on_commit_callbacks
):
    # A teacher's concern: the head refers it; the DSL lets it go overdue.
    declaration = submit(world.teacher_a, world.school_a, "concern")
    decide(waiting(declaration), Outcome.REFERRED_TO_DSL)
    referral = waiting(declaration)
    assert referral.decider == world.dsl_a
    deputy = person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)
    today = timezone.localdate()
    ApprovalRequest.objects.filter(pk=referral.pk).update(due_on=today - datetime.timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        scheduled_work(today=today)

    escalated = waiting(declaration)
    assert escalated.decider == deputy
    assert escalated.safeguarding
    assert escalated.escalated_from_id == referral.pk


def test_an_organisation_sets_its_own_safeguarding_chain(world, submit, decide):
    # Ash skips its deputy: after the DSL, the Executive Headteacher.
    world.school_a.safeguarding_chain = ["dsl", "executive_head"]
    world.school_a.save()
    person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)
    Membership.objects.filter(person=world.dsl_a, role=Role.DSL).delete()
    MembershipFactory(person=world.teacher_b, organisation=world.school_a, role=Role.DSL)
    declaration = submit(world.teacher_b, world.school_a, "concern")

    decide(waiting(declaration), Outcome.REFERRED_TO_DSL)

    assert waiting(declaration).decider == world.executive_head


def test_a_federation_s_chain_applies_to_its_schools_unless_a_school_sets_its_own(world):
    world.federation.safeguarding_chain = ["dsl", "head"]
    world.federation.save()
    world.school_b.safeguarding_chain = ["deputy_dsl"]
    world.school_b.save()

    assert world.school_a.safeguarding_chain_roles() == ["dsl", "head"]
    assert world.school_b.safeguarding_chain_roles() == ["deputy_dsl"]
    assert world.other_school.safeguarding_chain_roles() == [
        "dsl",
        "deputy_dsl",
        "head",
        "executive_head",
    ]


def organisation_form(client, organisation, **changes):
    from tests.forms import change_form

    url = reverse("admin:directory_organisation_change", args=[organisation.pk])
    data = change_form(client, url)
    data.pop("csrfmiddlewaretoken", None)
    data.update(changes)
    return url, data


@pytest.mark.parametrize(
    ("chain", "message"),
    [
        (["head", "executive_head"], "must reach a designated safeguarding lead"),
        (["dsl", "chair"], "Select a valid choice"),
    ],
)
def test_a_safeguarding_chain_without_a_lead_or_with_a_governor_is_refused(
    client, world, chain, message
):
    sign_in_with_mfa(client, world.administrator)
    url, data = organisation_form(client, world.school_a, safeguarding_chain=chain)

    response = client.post(url, data)

    assert response.status_code == 200
    assert message in response.text
    world.school_a.refresh_from_db()
    assert world.school_a.safeguarding_chain == []


# The Chair's own family: the vice-chair ----------------------------------------------------


@pytest.fixture
def chair_is_a_parent(world):
    pupil = PupilFactory(setting=world.school_a)
    parent = FamilyMember.objects.create(
        given_name=world.chair.given_name, family_name=world.chair.family_name, person=world.chair
    )
    FamilyLink.objects.create(pupil=pupil, family_member=parent, relationship="parent")
    return pupil


def test_the_executive_headteacher_s_declaration_about_the_chair_s_family_goes_to_the_vice_chair(
    world, chair_is_a_parent, submit
):
    vice_chair = person_with_roles(world.federation, Role.VICE_CHAIR, Role.GOVERNOR)

    declaration = submit(
        world.executive_head, world.school_a, "planned_social_contact", pupil=chair_is_a_parent
    )

    request = waiting(declaration)
    assert request.decider == vice_chair
    assert request.decider_role == DeciderRole.VICE_CHAIR
    assert "chair of governors cannot decide this (their own family" in request.routing_reason


def test_without_a_vice_chair_the_administrator_is_asked(world, chair_is_a_parent, submit):
    declaration = submit(
        world.executive_head, world.school_a, "planned_social_contact", pupil=chair_is_a_parent
    )

    assert waiting(declaration).decider is None


def test_the_vice_chair_decides_the_chair_s_own_declaration(world, submit):
    vice_chair = person_with_roles(world.federation, Role.VICE_CHAIR, Role.GOVERNOR)

    # Governors name no pupil: the Chair's own is, say, the parents' numbers on a trip.
    declaration = submit(world.chair, world.school_a, "trip_phone_sharing")

    assert waiting(declaration).decider == vice_chair


def test_the_vice_chair_never_decides_a_member_of_staff_s_declaration(world, submit):
    person_with_roles(world.federation, Role.VICE_CHAIR, Role.GOVERNOR)
    Membership.objects.filter(role__in=[Role.HEAD, Role.EXECUTIVE_HEAD, Role.LINE_MANAGER]).delete()
    Membership.objects.filter(person=world.teacher_a).update(line_manager=None)

    declaration = submit(world.teacher_a, world.school_a, "planned_social_contact")

    assert waiting(declaration).decider is None


# Delegation: only what the delegate may decide --------------------------------------------


def cover(person, delegate, *, days=5, reason=Cover.Reason.DELEGATION, starts=0):
    today = timezone.localdate()
    return Cover.objects.create(
        person=person,
        delegate=delegate,
        reason=reason,
        starts_on=today + datetime.timedelta(days=starts),
        ends_on=today + datetime.timedelta(days=starts + days),
    )


def test_a_chair_acting_for_the_executive_headteacher_never_receives_a_teacher_s_former_pupil(
    world, submit
):
    cover(world.executive_head, world.chair, reason=Cover.Reason.ABSENCE)

    declaration = submit(world.teacher_a, world.school_a, "former_pupil_contact")

    request = waiting(declaration)
    assert request.decider != world.chair
    assert request.decider is None  # nobody above may: the administrator is asked
    assert "governors decide only" in request.routing_reason
    assert request.cover is not None


def test_the_chair_acting_for_the_executive_headteacher_takes_a_head_s_own(world, submit):
    cover(world.executive_head, world.chair, reason=Cover.Reason.ABSENCE)

    declaration = submit(world.head_a, world.school_a, "work_outside_setting")

    request = waiting(declaration)
    assert request.decider == world.chair
    assert request.on_behalf_of == world.executive_head


def test_a_delegate_below_the_head_receives_the_gift_but_not_the_will(world, submit):
    RoutingRule.objects.create(
        organisation=world.school_a, kind="will_or_attorney", decider_role=DeciderRole.HEAD
    )
    cover(world.head_a, world.line_manager_a)

    gift = waiting(submit(world.teacher_a, world.school_a, "gift"))
    will = waiting(submit(world.teacher_a, world.school_a, "will_or_attorney"))

    assert gift.decider == world.line_manager_a
    assert gift.on_behalf_of == world.head_a
    assert will.decider == world.executive_head
    assert "decided by the head or someone more senior" in will.routing_reason


def test_cover_that_begins_passes_up_what_the_delegate_cannot_take(
    world, submit, django_capture_on_commit_callbacks
):
    gift = waiting(submit(world.teacher_a, world.school_a, "gift"))
    assert gift.decider == world.head_a
    delegation = cover(world.head_a, world.teacher_a)  # the declarant themself

    with django_capture_on_commit_callbacks(execute=True):
        moved = cover_apply(actor=world.administrator, cover=delegation)

    gift.refresh_from_db()
    assert moved == 1
    assert gift.decider == world.executive_head
    assert gift.cover == delegation
    event = AuditEvent.objects.get(action=APPROVAL_PASSED_UP.code)
    assert event.data["before"] == {"decider": world.head_a.pk}
    assert event.data["after"]["decider"] == world.executive_head.pk


# When cover ends ------------------------------------------------------------------------


def test_when_cover_ends_on_its_date_what_it_moved_goes_back_recorded_and_emailed(
    world, submit, django_capture_on_commit_callbacks
):
    absence = cover(world.head_a, world.line_manager_a, days=2)
    gift = waiting(submit(world.teacher_a, world.school_a, "gift"))
    assert gift.decider == world.line_manager_a
    after_it = absence.ends_on + datetime.timedelta(days=1)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        counts = scheduled_work(today=after_it)

    gift.refresh_from_db()
    assert counts["returned"] == 1
    assert gift.decider == world.head_a
    assert gift.on_behalf_of is None
    assert gift.cover is None
    assert AuditEvent.objects.filter(action=APPROVAL_RETURNED.code).count() == 1
    assert [world.head_a.email] in [m.to for m in mail.outbox]

    with django_capture_on_commit_callbacks(execute=True):
        again = scheduled_work(today=after_it)
    assert again["returned"] == 0


def test_cover_ended_early_in_the_administration_screens_gives_back_what_it_moved(
    client, world, submit, django_capture_on_commit_callbacks
):
    RoutingRule.objects.create(
        organisation=world.school_a, kind="will_or_attorney", decider_role=DeciderRole.HEAD
    )
    absence = cover(world.head_a, world.line_manager_a, days=10)
    gift = waiting(submit(world.teacher_a, world.school_a, "gift"))
    will = waiting(submit(world.teacher_a, world.school_a, "will_or_attorney"))
    assert (gift.decider, will.decider) == (world.line_manager_a, world.executive_head)
    sign_in_with_mfa(client, world.administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:approvals_cover_changelist"),
            {"action": "end_now", "_selected_action": [absence.pk]},
            follow=True,
        )

    assert "2 waiting request(s) moved back" in response.text
    gift.refresh_from_db()
    will.refresh_from_db()
    absence.refresh_from_db()
    assert absence.ended_at is not None
    assert gift.decider == world.head_a
    assert will.decider == world.head_a
    assert AuditEvent.objects.filter(action=COVER_ENDED.code, actor=world.administrator).exists()

    # A new declaration now goes to the head herself.
    assert waiting(submit(world.teacher_a, world.school_a, "gift")).decider == world.head_a


def test_a_cover_ending_before_it_starts_is_refused_with_a_message(client, world):
    sign_in_with_mfa(client, world.administrator)
    today = timezone.localdate()

    response = client.post(
        reverse("admin:approvals_cover_add"),
        {
            "person": world.head_a.pk,
            "delegate": world.line_manager_a.pk,
            "reason": Cover.Reason.DELEGATION,
            "starts_on": today.isoformat(),
            "ends_on": (today - datetime.timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "The last day cannot be before the first day." in response.text
    assert not Cover.objects.exists()


def test_a_routing_rule_cannot_name_a_role_reached_only_along_a_chain(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        reverse("admin:approvals_routingrule_add"),
        {"organisation": world.school_a.pk, "kind": "gift", "decider_role": "vice_chair"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
