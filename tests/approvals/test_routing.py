"""Routing: every submitted declaration reaches the right decider, who is never its subject.

R21 to R24 and issue 5; the defaults follow the federation policy (001 §1.1 and §2):
work-related contact, personal contact details and former pupils go to the Executive
Headteacher, routine social contact to the line manager, and the Executive
Headteacher's own to the Chair of Governors.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from approvals.exceptions import ApprovalError
from approvals.models import ApprovalRequest, Cover, DeciderRole, RoutingRule
from approvals.routing import resolve
from approvals.services import declaration_route, due_date_for
from contactpolicy.models import AuditEvent
from declarations.kinds import KINDS, Subjects
from declarations.models import Declaration
from declarations.services import declaration_submit, declaration_submitted, declaration_withdraw
from directory.models import Membership, Role
from tests.factories import (
    FamilyLinkFactory,
    PersonFactory,
    PreschoolFactory,
    PupilFactory,
    SchoolFactory,
    person_with_roles,
)
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    FormerPupilFactory,
)

pytestmark = pytest.mark.django_db

DECIDE = ApprovalRequest.Purpose.DECIDE
COPY = ApprovalRequest.Purpose.COPY
WAITING_SUBJECT = "A declaration is waiting for your decision"
COPIED_SUBJECT = "A safeguarding-relevant declaration has been copied to you"
UNROUTABLE_SUBJECT = "A declaration has nobody to decide it"
# A concern is always urgent (R39): its subjects say so, and still name nobody.
URGENT_SUBJECT = "Urgent: a declaration needs your decision today"
URGENT_COPIED_SUBJECT = "Urgent: a safeguarding-relevant declaration has been copied to you"

# Names no fake-data generator will produce, so finding them in an email means a leak.
PUPIL_GIVEN_NAME = "Ottoline"
PUPIL_FAMILY_NAME = "Quenby-Marchbanks"

WEDNESDAY = datetime.date(2025, 1, 8)
FRIDAY = datetime.date(2025, 1, 10)
SATURDAY = datetime.date(2025, 1, 11)
SUNDAY = datetime.date(2025, 1, 12)


# Helpers ----------------------------------------------------------------------------


def declare(declarant, setting, kind="planned_social_contact", *, pupil=None, **fields):
    """A valid draft of ``kind`` naming one pupil (a former one for R18) of ``setting``."""
    declaration = DeclarationFactory(declarant=declarant, setting=setting, kind=kind, **fields)
    if pupil is None and KINDS[kind].subjects == Subjects.FORMER_PUPIL:
        pupil = FormerPupilFactory(setting=setting)
    DeclarationSubjectFactory(declaration=declaration, **({"pupil": pupil} if pupil else {}))
    return declaration


def declare_about_nobody(declarant, setting, kind="concern"):
    """A draft of a kind that may name nobody (a concern, a trip)."""
    return DeclarationFactory(declarant=declarant, setting=setting, kind=kind)


def declare_about_family_member(declarant, setting, family_member, kind="planned_social_contact"):
    declaration = DeclarationFactory(declarant=declarant, setting=setting, kind=kind)
    DeclarationSubjectFactory(declaration=declaration, pupil=None, family_member=family_member)
    return declaration


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """Submit as the app does, let the after-commit routing run, return the decision request."""

    def _submit(declaration: Declaration) -> ApprovalRequest:
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declaration.declarant, declaration=declaration)
        return ApprovalRequest.objects.get(declaration=declaration, purpose=DECIDE)

    return _submit


@pytest.fixture
def route(django_capture_on_commit_callbacks):
    """Route an already submitted declaration on a given day, running its emails."""

    def _route(declaration: Declaration, *, today: datetime.date) -> ApprovalRequest:
        with django_capture_on_commit_callbacks(execute=True):
            return declaration_route(declaration=declaration, today=today)

    return _route


@pytest.fixture
def pupil_a(world):
    return PupilFactory(
        setting=world.school_a, given_name=PUPIL_GIVEN_NAME, family_name=PUPIL_FAMILY_NAME
    )


@pytest.fixture
def preschool(world):
    """A pre-school on its own: a manager who is also the DSO, a room leader, a practitioner."""

    setting = PreschoolFactory(name="Acorns Pre-school")
    room_leader = person_with_roles(setting, Role.LINE_MANAGER, Role.STAFF)
    practitioner = person_with_roles(setting, Role.STAFF)
    practitioner.memberships.filter(role=Role.STAFF).update(line_manager=room_leader)
    return SimpleNamespace(
        setting=setting,
        manager=person_with_roles(setting, Role.HEAD, Role.DSL, Role.STAFF),
        room_leader=room_leader,
        practitioner=practitioner,
    )


def emails_to(mailoutbox, person):
    return [message for message in mailoutbox if person.email in message.to]


def events(declaration, action):
    return AuditEvent.objects.filter(action=action, target_id=str(declaration.pk))


def school_days_between(start: datetime.date, end: datetime.date) -> int:
    """Weekdays after ``start`` up to and including ``end``."""
    days = (end - start).days
    return sum(
        1 for offset in range(1, days + 1) if (start + datetime.timedelta(offset)).weekday() < 5
    )


# Defaults for a federation school (policy 001) ----------------------------------------


def test_planned_social_contact_goes_to_the_declarants_line_manager(world, submit):
    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.line_manager_a
    assert request.decider_role == DeciderRole.LINE_MANAGER
    assert request.status == ApprovalRequest.Status.OPEN
    assert request.on_behalf_of is None
    assert "default route" in request.routing_reason.lower()


@pytest.mark.parametrize(
    "kind", ["work_outside_setting", "contact_details_shared", "former_pupil_contact"]
)
def test_work_contact_details_and_former_pupils_go_to_the_executive_headteacher(
    world, submit, kind
):
    request = submit(declare(world.teacher_a, world.school_a, kind))

    assert request.decider == world.executive_head
    assert request.decider_role == DeciderRole.EXECUTIVE_HEAD
    assert "executive headteacher" in request.routing_reason.lower()


def test_tuition_in_a_school_with_no_federation_goes_to_its_head(world, submit):
    request = submit(declare(world.teacher_other, world.other_school, "work_outside_setting"))

    assert request.decider == world.head_other
    assert request.decider_role == DeciderRole.HEAD


def test_preschool_sends_pre_existing_relationship_to_the_dso(world, preschool, submit):
    declaration = declare(preschool.practitioner, preschool.setting, "pre_existing_relationship")

    request = submit(declaration)

    assert request.decider == preschool.manager
    assert request.decider_role == DeciderRole.DSL


def test_preschool_sends_planned_social_contact_to_the_line_manager(world, preschool, submit):
    request = submit(declare(preschool.practitioner, preschool.setting))

    assert request.decider == preschool.room_leader
    assert request.decider_role == DeciderRole.LINE_MANAGER


def test_preschool_resolver_sends_tuition_to_the_manager(world, preschool):
    declaration = declare(preschool.practitioner, preschool.setting, "work_outside_setting")

    route = resolve(declaration)

    assert route.decider == preschool.manager
    assert route.role == DeciderRole.HEAD


def test_preschool_in_a_federation_prefers_its_own_dso_to_the_federations(world, submit):
    """The setting's own role holder comes before one held across the whole federation."""
    setting = PreschoolFactory(name="Conkers Pre-school", parent=world.federation)
    own_dso = person_with_roles(setting, Role.HEAD, Role.DSL, Role.STAFF, family_name="Zyman")
    person_with_roles(world.federation, Role.DSL, family_name="Abbott")
    practitioner = person_with_roles(setting, Role.STAFF)

    request = submit(declare(practitioner, setting, "pre_existing_relationship"))

    assert request.decider == own_dso


def test_line_manager_in_the_setting_comes_before_one_in_the_federation(world, submit):
    """A teacher who also has a federation-wide role is decided by the school's own manager."""
    federation_manager = person_with_roles(world.federation, Role.LINE_MANAGER)
    Membership.objects.create(
        person=world.teacher_a,
        organisation=world.federation,
        role=Role.STAFF,
        job_title="Federation music lead",
        line_manager=federation_manager,
        starts_on=datetime.date(2020, 9, 1),
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.line_manager_a


# Routing rules an administrator sets ----------------------------------------------------


def test_federation_rule_overrides_the_default(world, submit):
    RoutingRule.objects.create(
        organisation=world.federation,
        kind="planned_social_contact",
        decider_role=DeciderRole.HEAD,
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.head_a
    assert request.decider_role == DeciderRole.HEAD
    assert "Rule for" in request.routing_reason
    assert world.federation.name in request.routing_reason


def test_setting_rule_overrides_the_federation_rule(world, submit):
    RoutingRule.objects.create(
        organisation=world.federation,
        kind="planned_social_contact",
        decider_role=DeciderRole.HEAD,
    )
    RoutingRule.objects.create(
        organisation=world.school_a,
        kind="planned_social_contact",
        decider_role=DeciderRole.EXECUTIVE_HEAD,
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.executive_head
    assert world.school_a.name in request.routing_reason


def test_rule_for_another_setting_or_kind_does_not_apply(world, submit):
    RoutingRule.objects.create(
        organisation=world.school_b,
        kind="planned_social_contact",
        decider_role=DeciderRole.EXECUTIVE_HEAD,
    )
    RoutingRule.objects.create(
        organisation=world.school_a, kind="gift", decider_role=DeciderRole.EXECUTIVE_HEAD
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.line_manager_a


def test_rule_with_copy_dsl_copies_the_dsl(world, submit, mailoutbox):
    RoutingRule.objects.create(
        organisation=world.federation,
        kind="planned_social_contact",
        decider_role=DeciderRole.LINE_MANAGER,
        copy_dsl=True,
    )

    declaration = declare(world.teacher_a, world.school_a)
    request = submit(declaration)

    assert request.decider == world.line_manager_a
    copy = ApprovalRequest.objects.get(declaration=declaration, purpose=COPY)
    assert copy.decider == world.dsl_a
    assert [message.subject for message in emails_to(mailoutbox, world.dsl_a)] == [COPIED_SUBJECT]


# Nobody decides their own --------------------------------------------------------------


def test_head_of_school_own_tuition_goes_to_the_executive_headteacher(world, submit):
    request = submit(declare(world.head_a, world.school_a, "work_outside_setting"))

    assert request.decider == world.executive_head
    assert request.decider != world.head_a


def test_rule_naming_the_head_still_sends_the_heads_own_tuition_up(world, submit):
    RoutingRule.objects.create(
        organisation=world.school_a,
        kind="work_outside_setting",
        decider_role=DeciderRole.HEAD,
    )

    request = submit(declare(world.head_a, world.school_a, "work_outside_setting"))

    assert request.decider == world.executive_head
    reason = request.routing_reason.lower()
    assert "the declarant is the headteacher" in reason
    assert "cannot decide" in reason


def test_head_of_school_own_social_contact_skips_line_manager_and_head(world, submit):
    request = submit(declare(world.head_a, world.school_a))

    assert request.decider == world.executive_head
    assert request.routing_reason.lower().count("cannot decide") == 2


def test_executive_headteacher_own_declaration_goes_to_the_chair(world, submit):
    request = submit(declare(world.executive_head, world.school_a, "work_outside_setting"))

    assert request.decider == world.chair
    assert request.decider_role == DeciderRole.CHAIR
    reason = request.routing_reason.lower()
    assert "executive headteacher cannot decide" in reason
    assert "chair of governors" in reason


def test_line_manager_own_planned_contact_goes_up_to_the_head(world, submit):
    request = submit(declare(world.line_manager_a, world.school_a))

    assert request.decider == world.head_a
    assert "line manager" in request.routing_reason.lower()


def test_dsl_named_by_a_rule_cannot_decide_their_own_declaration(world, submit):
    RoutingRule.objects.create(
        organisation=world.school_a, kind="concern", decider_role=DeciderRole.DSL
    )

    request = submit(declare(world.dsl_a, world.school_a, "concern"))

    assert request.decider == world.head_a
    assert "cannot decide their own declaration" in request.routing_reason


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_head_never_decides_own_declaration_of_any_kind(world, kind):
    route = resolve(declare(world.head_a, world.school_a, kind))

    assert route.decider == world.executive_head


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_executive_headteacher_never_decides_own_declaration_of_any_kind(world, kind):
    route = resolve(declare(world.executive_head, world.school_a, kind))

    assert route.decider == world.chair


# Nobody decides one about their own family ----------------------------------------------


def test_line_manager_who_is_the_pupils_parent_does_not_decide(world, submit, pupil_a):
    FamilyLinkFactory(pupil=pupil_a, family_member__person=world.line_manager_a)

    request = submit(declare(world.teacher_a, world.school_a, pupil=pupil_a))

    assert request.decider == world.head_a
    assert "own family" in request.routing_reason


def test_line_manager_named_as_the_family_member_does_not_decide(world, submit, pupil_a):
    link = FamilyLinkFactory(pupil=pupil_a, family_member__person=world.line_manager_a)

    request = submit(
        declare_about_family_member(world.teacher_a, world.school_a, link.family_member)
    )

    assert request.decider == world.head_a


def test_line_manager_whose_child_is_named_through_the_other_parent_does_not_decide(
    world, submit, pupil_a
):
    """The declaration names the pupil's mother; the line manager is the pupil's father."""
    FamilyLinkFactory(
        pupil=pupil_a, family_member__person=world.line_manager_a, relationship="father"
    )
    mother = FamilyLinkFactory(pupil=pupil_a, relationship="mother").family_member

    request = submit(declare_about_family_member(world.teacher_a, world.school_a, mother))

    assert request.decider == world.head_a


def test_parent_of_another_pupil_still_decides(world, submit, pupil_a):
    FamilyLinkFactory(pupil__setting=world.school_a, family_member__person=world.line_manager_a)

    request = submit(declare(world.teacher_a, world.school_a, pupil=pupil_a))

    assert request.decider == world.line_manager_a


# A missing role falls back up the chain ---------------------------------------------------


def test_teacher_with_no_line_manager_goes_to_the_head(world, submit):
    teacher = person_with_roles(world.school_a, Role.STAFF)

    request = submit(declare(teacher, world.school_a))

    assert request.decider == world.head_a
    assert request.decider_role == DeciderRole.HEAD
    assert "Nobody holds the role of line manager" in request.routing_reason


def test_teacher_with_no_line_manager_and_no_head_goes_to_the_executive_headteacher(world, submit):
    request = submit(declare(world.teacher_b, world.school_b))

    assert request.decider == world.executive_head
    reason = request.routing_reason
    assert "Nobody holds the role of line manager" in reason
    assert "Nobody holds the role of headteacher" in reason


def test_line_manager_who_cannot_sign_in_is_skipped(world, submit):
    world.line_manager_a.is_active = False
    world.line_manager_a.save()

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.head_a


def test_line_manager_who_has_left_the_school_is_skipped(world, submit):
    """Their memberships ended yesterday; they still sign in for another school."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    world.line_manager_a.memberships.update(ends_on=yesterday)
    Membership.objects.create(
        person=world.line_manager_a,
        organisation=world.other_school,
        role=Role.STAFF,
        starts_on=datetime.date(2020, 9, 1),
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.head_a


# Cover and delegation -------------------------------------------------------------------


@pytest.fixture
def deputy(world):
    return person_with_roles(world.school_a, Role.LINE_MANAGER, Role.STAFF)


@pytest.mark.parametrize("reason", [Cover.Reason.ABSENCE, Cover.Reason.DELEGATION])
def test_active_cover_redirects_to_the_delegate(world, submit, deputy, mailoutbox, reason):
    today = timezone.localdate()
    Cover.objects.create(
        person=world.line_manager_a,
        delegate=deputy,
        reason=reason,
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=3),
    )

    declaration = declare(world.teacher_a, world.school_a)
    request = submit(declaration)

    assert request.decider == deputy
    assert request.on_behalf_of == world.line_manager_a
    assert deputy.get_full_name() in request.routing_reason
    assert Cover.Reason(reason).label.lower() in request.routing_reason
    routed = events(declaration, "approval.routed").get()
    assert routed.data["decider"] == deputy.pk
    assert routed.data["on_behalf_of"] == world.line_manager_a.pk
    assert [message.subject for message in emails_to(mailoutbox, deputy)] == [WAITING_SUBJECT]
    assert emails_to(mailoutbox, world.line_manager_a) == []


def test_cover_starting_and_ending_today_applies(world, submit, deputy):
    today = timezone.localdate()
    Cover.objects.create(
        person=world.line_manager_a,
        delegate=deputy,
        reason=Cover.Reason.ABSENCE,
        starts_on=today,
        ends_on=today,
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == deputy


@pytest.mark.parametrize(("starts", "ends"), [(-10, -1), (1, 10)])
def test_cover_outside_its_dates_does_nothing(world, submit, deputy, starts, ends):
    today = timezone.localdate()
    Cover.objects.create(
        person=world.line_manager_a,
        delegate=deputy,
        reason=Cover.Reason.ABSENCE,
        starts_on=today + datetime.timedelta(days=starts),
        ends_on=today + datetime.timedelta(days=ends),
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.line_manager_a
    assert request.on_behalf_of is None


def test_cover_whose_delegate_is_the_declarant_passes_it_up_the_chain(world, submit):
    # The line manager is away and has delegated to the declarant: neither decides it.
    today = timezone.localdate()
    Cover.objects.create(
        person=world.line_manager_a,
        delegate=world.teacher_a,
        reason=Cover.Reason.DELEGATION,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=5),
    )

    request = submit(declare(world.teacher_a, world.school_a))

    assert request.decider == world.head_a
    assert request.on_behalf_of is None
    assert f"{world.teacher_a.get_full_name()} cannot decide this" in request.routing_reason


def test_head_covering_for_the_executive_headteacher_never_gets_their_own_tuition(world, submit):
    # The head's own goes past the Executive Headteacher, who is away, to the Chair.
    today = timezone.localdate()
    Cover.objects.create(
        person=world.executive_head,
        delegate=world.head_a,
        reason=Cover.Reason.ABSENCE,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=5),
    )

    request = submit(declare(world.head_a, world.school_a, "work_outside_setting"))

    assert request.decider == world.chair
    assert "is away (absence cover" in request.routing_reason


# Nobody at all: flagged to the administrator, never silently stuck -------------------------


def test_chairs_own_declaration_with_nobody_above_is_flagged_to_the_administrator(
    world, submit, mailoutbox
):
    declaration = declare_about_nobody(world.chair, world.school_a)

    request = submit(declaration)

    assert request.decider is None
    assert request.status == ApprovalRequest.Status.OPEN
    assert "Nobody can decide it" in request.routing_reason
    unroutable = events(declaration, "approval.unroutable").get()
    assert unroutable.data["decider"] is None
    assert not events(declaration, "approval.routed").exists()
    assert [message.subject for message in emails_to(mailoutbox, world.administrator)] == [
        UNROUTABLE_SUBJECT
    ]


def test_standalone_school_with_only_a_teacher_flags_the_declaration(world, submit, mailoutbox):
    school = SchoolFactory(name="Lone Oak Primary School")
    teacher = person_with_roles(school, Role.STAFF)
    administrator = person_with_roles(school, Role.ADMINISTRATOR)

    declaration = declare(teacher, school)
    request = submit(declaration)

    assert request.decider is None
    assert events(declaration, "approval.unroutable").count() == 1
    flagged = emails_to(mailoutbox, administrator)
    assert [message.subject for message in flagged] == [UNROUTABLE_SUBJECT]
    assert school.name in flagged[0].body
    assert emails_to(mailoutbox, world.administrator) == []  # another organisation's admin


# Safeguarding kinds are copied to the DSL (R22) ------------------------------------------


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("concern", URGENT_COPIED_SUBJECT),
        ("will_or_attorney", COPIED_SUBJECT),
        ("former_pupil_contact", COPIED_SUBJECT),
    ],
)
def test_safeguarding_kind_is_copied_to_the_dsl(world, submit, mailoutbox, kind, subject):
    declaration = declare(world.teacher_a, world.school_a, kind)

    request = submit(declaration)

    copy = ApprovalRequest.objects.get(declaration=declaration, purpose=COPY)
    assert copy.decider == world.dsl_a
    assert copy.decider_role == DeciderRole.DSL
    assert request.decider != world.dsl_a
    assert events(declaration, "approval.copied_to_dsl").get().data["dsl"] == world.dsl_a.pk
    assert [message.subject for message in emails_to(mailoutbox, world.dsl_a)] == [subject]


def test_non_safeguarding_kind_is_not_copied_to_the_dsl(world, submit, mailoutbox):
    declaration = declare(world.teacher_a, world.school_a)

    submit(declaration)

    assert not ApprovalRequest.objects.filter(declaration=declaration, purpose=COPY).exists()
    assert emails_to(mailoutbox, world.dsl_a) == []


def test_dsl_is_not_copied_on_their_own_declaration(world, submit, mailoutbox):
    declaration = declare(world.dsl_a, world.school_a, "concern")

    request = submit(declaration)

    assert request.decider == world.head_a
    assert not ApprovalRequest.objects.filter(declaration=declaration, purpose=COPY).exists()
    assert emails_to(mailoutbox, world.dsl_a) == []


def test_dsl_who_decides_is_not_also_sent_a_copy(world, preschool, submit):
    declaration = declare(preschool.practitioner, preschool.setting, "concern")

    request = submit(declaration)

    assert request.decider == preschool.manager
    assert not ApprovalRequest.objects.filter(declaration=declaration, purpose=COPY).exists()


# Audit and email ------------------------------------------------------------------------


def test_routing_records_decider_role_and_reason(world, submit):
    declaration = declare(world.teacher_a, world.school_a)

    request = submit(declaration)

    routed = events(declaration, "approval.routed").get()
    assert routed.actor is None
    assert routed.data["request"] == request.pk
    assert routed.data["decider"] == world.line_manager_a.pk
    assert routed.data["role"] == DeciderRole.LINE_MANAGER
    assert routed.data["reason"] == request.routing_reason
    assert routed.data["due_on"] == request.due_on.isoformat()


def test_decider_is_emailed_without_the_pupils_name(world, submit, mailoutbox, pupil_a):
    declaration = declare(world.teacher_a, world.school_a, "concern", pupil=pupil_a)

    request = submit(declaration)

    waiting = emails_to(mailoutbox, request.decider)
    assert [message.subject for message in waiting] == [URGENT_SUBJECT]
    assert request.get_absolute_url() in waiting[0].body
    assert [message.subject for message in emails_to(mailoutbox, world.dsl_a)] == [
        URGENT_COPIED_SUBJECT
    ]
    for message in mailoutbox:
        for name in (PUPIL_GIVEN_NAME, PUPIL_FAMILY_NAME):
            assert name not in message.subject
            assert name not in message.body


def test_decider_is_emailed_without_the_family_members_name(world, submit, mailoutbox):
    parent = FamilyLinkFactory(
        pupil__setting=world.school_a,
        family_member__given_name="Persephone",
        family_member__family_name="Vandersteen",
    ).family_member

    submit(declare_about_family_member(world.teacher_a, world.school_a, parent))

    assert [message.subject for message in emails_to(mailoutbox, world.line_manager_a)] == [
        WAITING_SUBJECT
    ]
    for message in mailoutbox:
        assert "Persephone" not in message.subject + message.body
        assert "Vandersteen" not in message.subject + message.body


# Due date (R24) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (WEDNESDAY, datetime.date(2025, 1, 15)),
        (FRIDAY, datetime.date(2025, 1, 17)),
        (SATURDAY, datetime.date(2025, 1, 17)),
        (SUNDAY, datetime.date(2025, 1, 17)),
    ],
)
def test_due_date_is_five_school_days_skipping_weekends(world, today, expected):
    declaration = declare(world.teacher_a, world.school_a, "contact_details_shared")
    assert declaration.key_date is None

    assert due_date_for(declaration, today) == expected


def test_due_date_is_the_day_before_planned_contact_when_sooner(world):
    declaration = declare(world.teacher_a, world.school_a, key_date=datetime.date(2025, 1, 11))

    assert due_date_for(declaration, WEDNESDAY) == FRIDAY


def test_due_date_is_five_school_days_when_planned_contact_is_later(world):
    declaration = declare(world.teacher_a, world.school_a, key_date=datetime.date(2025, 3, 1))

    assert due_date_for(declaration, WEDNESDAY) == datetime.date(2025, 1, 15)


@pytest.mark.parametrize("days_after", [-30, 0, 1])
def test_due_date_is_never_before_today(world, days_after):
    key_date = WEDNESDAY + datetime.timedelta(days=days_after)
    declaration = declare(world.teacher_a, world.school_a, key_date=key_date)

    assert due_date_for(declaration, WEDNESDAY) == WEDNESDAY


def test_number_of_school_days_is_a_setting(world, settings):
    settings.DECISION_DUE_SCHOOL_DAYS = 2
    declaration = declare(world.teacher_a, world.school_a, "contact_details_shared")

    assert due_date_for(declaration, FRIDAY) == datetime.date(2025, 1, 14)


def test_routed_request_carries_the_due_date_the_last_school_day_before_the_contact(world, route):
    """Planned for a Monday: due on the Friday before, never on the Sunday (issue #19)."""
    declaration = declare(
        world.teacher_a,
        world.school_a,
        status=Declaration.Status.SUBMITTED,
        key_date=datetime.date(2025, 1, 13),
    )

    request = route(declaration, today=WEDNESDAY)

    assert request.decider == world.line_manager_a
    assert request.due_on == FRIDAY


def test_submitted_declaration_is_due_in_five_school_days(world, submit):
    today = timezone.localdate()
    request = submit(declare(world.teacher_a, world.school_a, "contact_details_shared"))

    assert request.due_on.weekday() < 5
    assert school_days_between(today, request.due_on) == 5


def test_submitted_planned_contact_is_due_before_its_date(world, submit):
    declaration = declare(world.teacher_a, world.school_a)
    in_two_days = timezone.localdate() + datetime.timedelta(days=2)
    declaration.details["planned_on"] = in_two_days.isoformat()
    declaration.key_date = datetime.date.fromisoformat(declaration.details["planned_on"])
    declaration.save()

    request = submit(declaration)

    assert request.due_on == declaration.key_date - datetime.timedelta(days=1)


# Withdrawing, and routing twice ------------------------------------------------------


def test_withdrawing_a_submitted_declaration_cancels_its_open_request(
    world, submit, django_capture_on_commit_callbacks
):
    declaration = declare(world.teacher_a, world.school_a)
    request = submit(declaration)

    with django_capture_on_commit_callbacks(execute=True):
        declaration_withdraw(actor=world.teacher_a, declaration=declaration, reason="Cancelled")

    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.CANCELLED
    cancelled = events(declaration, "approval.cancelled").get()
    assert cancelled.data["request"] == request.pk
    assert not ApprovalRequest.objects.filter(
        declaration=declaration, status=ApprovalRequest.Status.OPEN, purpose=DECIDE
    ).exists()


def test_a_withdrawn_declaration_cannot_be_routed(
    world, submit, django_capture_on_commit_callbacks
):
    declaration = declare(world.teacher_a, world.school_a)
    submit(declaration)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_withdraw(actor=world.teacher_a, declaration=declaration)

    with pytest.raises(ApprovalError):
        declaration_route(declaration=declaration)

    assert declaration.approval_requests.filter(status=ApprovalRequest.Status.OPEN).count() == 0


def test_a_draft_cannot_be_routed(world):
    declaration = declare(world.teacher_a, world.school_a)

    with pytest.raises(ApprovalError):
        declaration_route(declaration=declaration)

    assert not declaration.approval_requests.exists()


def test_routing_twice_leaves_one_open_request(
    world, submit, mailoutbox, django_capture_on_commit_callbacks
):
    declaration = declare(world.teacher_a, world.school_a, "concern")
    first = submit(declaration)

    with django_capture_on_commit_callbacks(execute=True):
        again = declaration_route(declaration=declaration)
        declaration_submitted.send(sender=Declaration, declaration=declaration)

    assert again == first
    open_requests = ApprovalRequest.objects.filter(
        declaration=declaration, status=ApprovalRequest.Status.OPEN
    )
    assert open_requests.filter(purpose=DECIDE).count() == 1
    assert open_requests.filter(purpose=COPY).count() == 1
    assert events(declaration, "approval.routed").count() == 1
    assert events(declaration, "approval.copied_to_dsl").count() == 1
    assert len(emails_to(mailoutbox, world.head_a)) == 1
    assert len(emails_to(mailoutbox, world.dsl_a)) == 1


def test_a_senior_persons_own_declaration_is_never_handed_to_someone_junior(world, submit):
    # The Executive Headteacher delegates to a line manager; the head's own tuition waits.
    today = timezone.localdate()
    Cover.objects.create(
        person=world.executive_head,
        delegate=world.line_manager_a,
        reason=Cover.Reason.DELEGATION,
        starts_on=today,
        ends_on=today,
    )

    request = submit(declare(world.head_a, world.school_a, "work_outside_setting"))

    assert request.decider == world.chair
    assert request.on_behalf_of is None
    assert "not senior to them" in request.routing_reason


def test_nobody_to_decide_and_no_administrator_emails_the_services_operators(submit, mailoutbox):
    school = SchoolFactory(name="Lonely Primary School")
    teacher = person_with_roles(school, Role.STAFF)
    operator = PersonFactory(is_superuser=True)

    request = submit(declare(teacher, school, "planned_social_contact"))

    assert request.decider is None
    assert any(operator.email in message.to for message in mailoutbox)
