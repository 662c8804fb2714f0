"""The decider's dashboard and request page (issue 5, item 3): what waits, for whom, and why."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, DeciderRole, Decision
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.kinds import get_kind
from declarations.services import declaration_submit
from directory.models import Role
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, PupilFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/decisions/"
DECIDE = ApprovalRequest.Purpose.DECIDE
COPY = ApprovalRequest.Purpose.COPY
OPEN = ApprovalRequest.Status.OPEN


# Helpers ----------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def waiting(
    decider,
    *,
    declarant,
    setting,
    kind="planned_social_contact",
    due_in=5,
    pupil=None,
    purpose=DECIDE,
    status=OPEN,
    **request_fields,
) -> ApprovalRequest:
    """A submitted declaration with one pupil, waiting for ``decider`` (straight into the DB)."""
    declaration = DeclarationFactory(
        declarant=declarant, setting=setting, kind=kind, status="submitted"
    )
    if pupil is not None:
        DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
    else:
        DeclarationSubjectFactory(declaration=declaration)
    return ApprovalRequest.objects.create(
        declaration=declaration,
        purpose=purpose,
        status=status,
        decider=decider,
        decider_role=DeciderRole.DSL if purpose == COPY else DeciderRole.LINE_MANAGER,
        routing_reason="Default route: line manager decides.",
        due_on=today() + datetime.timedelta(days=due_in) if purpose == DECIDE else None,
        **request_fields,
    )


@pytest.fixture
def mine(world):
    """A request waiting for the line manager, from the teacher they manage."""

    def mine(**fields) -> ApprovalRequest:
        fields.setdefault("declarant", world.teacher_a)
        fields.setdefault("setting", world.school_a)
        return waiting(world.line_manager_a, **fields)

    return mine


def listed(response) -> list[ApprovalRequest]:
    return list(response.context["requests"])


def in_page(response, text: str) -> bool:
    return escape(text) in response.text


def position(response, request: ApprovalRequest) -> int:
    return response.text.index(f'href="{request.get_absolute_url()}"')


# The list ----------------------------------------------------------------------------


def test_dashboard_lists_waiting_items_most_urgent_first(client, world, mine):
    later = mine(due_in=10)
    soonest = mine(due_in=1)
    middle = mine(due_in=4)
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert listed(response) == [soonest, middle, later]
    assert position(response, soonest) < position(response, middle) < position(response, later)


def test_with_the_same_due_date_the_earlier_planned_date_comes_first(client, world, mine):
    later_party = mine(due_in=3)
    sooner_party = mine(due_in=3)
    sooner_party.declaration.key_date = today() + datetime.timedelta(days=4)
    sooner_party.declaration.save()
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD)

    assert listed(response) == [sooner_party, later_party]


def test_each_row_shows_declarant_kind_pupils_and_deadline(client, world, mine):
    pupil = PupilFactory(setting=world.school_a, given_name="Ava", family_name="Smith")
    request = mine(due_in=6, pupil=pupil)
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD)

    assert in_page(response, world.teacher_a.get_full_name())
    assert in_page(response, get_kind("planned_social_contact").name)
    assert "Ava Smith" in response.text
    assert f"decide by {dateformat.format(request.due_on, 'j M Y')}" in response.text
    planned = dateformat.format(request.declaration.key_date, "j M Y")
    assert f"planned for {planned}" in response.text
    assert in_page(response, world.school_a.name)


def test_dashboard_counts_waiting_and_overdue_items(client, world, mine):
    mine(due_in=-2)
    mine(due_in=3)
    mine(due_in=20)
    decided = mine(status=ApprovalRequest.Status.DECIDED)
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD)

    counts = response.context["counts"]
    assert counts["waiting"] == 3
    assert counts["overdue"] == 1
    assert counts["due_this_week"] == 1
    assert counts["decided"] == 1
    assert "<strong>3</strong> waiting" in response.text
    assert "<strong>1</strong> overdue" in response.text
    assert response.text.count(">Overdue</span>") == 1
    assert decided not in listed(response)


# Filters, with and without htmx ------------------------------------------------------------


@pytest.fixture
def three(world, mine):
    """Two settings, two kinds, two people, all waiting for the line manager."""
    return {
        "party_a": mine(),
        "party_b": mine(declarant=world.teacher_b, setting=world.school_b),
        "meeting_a": mine(kind="unplanned_contact"),
    }


FILTERS = [
    pytest.param("setting", "school_a", ["party_a", "meeting_a"], id="setting"),
    pytest.param("setting", "school_b", ["party_b"], id="other-setting"),
    pytest.param("kind", "unplanned_contact", ["meeting_a"], id="kind"),
    pytest.param("person", "teacher_b", ["party_b"], id="person"),
]


def filter_value(world, name: str, value: str) -> str:
    if name == "person":
        return getattr(world, value).get_full_name()  # typed, not chosen from a list
    return value if name == "kind" else str(getattr(world, value).pk)


@pytest.mark.parametrize(("name", "value", "expected"), FILTERS)
def test_filters_narrow_the_list(client, world, three, name, value, expected):
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD, {name: filter_value(world, name, value)})

    assert {request.pk for request in listed(response)} == {three[key].pk for key in expected}
    assert "<h1>Decisions</h1>" in response.text  # the whole page, without JavaScript
    for key, request in three.items():
        assert (f'href="{request.get_absolute_url()}"' in response.text) == (key in expected)


@pytest.mark.parametrize(("name", "value", "expected"), FILTERS)
def test_an_htmx_filter_returns_only_the_results(client, world, three, name, value, expected):
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(
        DASHBOARD, {name: filter_value(world, name, value)}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "<h1>" not in response.text
    assert "<html" not in response.text
    assert "<form" not in response.text
    assert "waiting-title" not in response.text
    for key, request in three.items():
        assert (f'href="{request.get_absolute_url()}"' in response.text) == (key in expected)


def test_filters_that_match_nothing_say_so(client, world, three):
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD, {"kind": "gift"}, HTTP_HX_REQUEST="true")

    assert listed(response) == []
    assert "Nothing is waiting for your decision with these filters." in response.text


def test_a_filter_naming_someone_elses_setting_shows_nothing_of_theirs(client, world, three):
    theirs = waiting(world.head_other, declarant=world.teacher_other, setting=world.other_school)
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD, {"setting": world.other_school.pk, "person": "nonsense"})

    assert response.status_code == 200
    assert theirs not in listed(response)
    assert theirs.get_absolute_url() not in response.text


# Whose requests ------------------------------------------------------------------------


def test_other_peoples_requests_never_appear(client, world, mine):
    own = mine()
    for_head = waiting(world.head_a, declarant=world.teacher_a, setting=world.school_a)
    elsewhere = waiting(world.head_other, declarant=world.teacher_other, setting=world.other_school)
    escalated = mine(status=ApprovalRequest.Status.ESCALATED)
    cancelled = mine(status=ApprovalRequest.Status.CANCELLED)
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD)

    assert listed(response) == [own]
    for request in (for_head, elsewhere, escalated, cancelled):
        assert f'href="{request.get_absolute_url()}"' not in response.text
    assert response.context["counts"]["waiting"] == 1
    for request in (for_head, elsewhere):
        assert client.get(request.get_absolute_url()).status_code == 404


def test_someone_with_nothing_waiting_is_told_so(client, world, mine):
    mine()
    sign_in_with_mfa(client, world.teacher_b)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert listed(response) == []
    assert "Nothing is waiting for your decision." in response.text
    assert response.context["counts"]["waiting"] == 0


def test_a_signed_out_visitor_is_sent_to_sign_in(client, world, mine):
    request = mine()

    for url in (DASHBOARD, request.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


# Safeguarding copies -----------------------------------------------------------------------


@pytest.fixture
def concern(world, django_capture_on_commit_callbacks):
    """A concern by the teacher: the line manager decides, the DSL gets a copy."""
    declaration = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="concern"
    )
    DeclarationSubjectFactory(declaration=declaration)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    return declaration


def test_a_dsl_sees_safeguarding_copies_listed(client, world, concern):
    copy = ApprovalRequest.objects.get(declaration=concern, purpose=COPY)
    assert copy.decider == world.dsl_a
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(DASHBOARD)

    assert list(response.context["copies"]) == [copy]
    # A copy needs no decision: it is not in the list of what waits for one.
    assert listed(response) == []
    assert "Nothing is waiting for your decision." in response.text
    assert "Copied to you as designated safeguarding lead" in response.text
    assert f'href="{copy.get_absolute_url()}"' in response.text
    assert "Not read" in response.text


def test_opening_a_copy_marks_it_read_and_records_the_view(client, world, concern):
    copy = ApprovalRequest.objects.get(declaration=concern, purpose=COPY)
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(copy.get_absolute_url())

    assert response.status_code == 200
    assert "This was copied to you as designated safeguarding lead" in response.text
    assert response.context["form"] is None
    copy.refresh_from_db()
    assert copy.read_at is not None
    event = AuditEvent.objects.get(action="declaration.viewed")
    assert event.actor == world.dsl_a
    assert event.target_id == str(concern.pk)
    assert event.data == {"request": copy.pk}
    assert "Not read" not in client.get(DASHBOARD).text


def test_a_dsl_cannot_decide_a_copy(client, world, concern):
    copy = ApprovalRequest.objects.get(declaration=concern, purpose=COPY)
    sign_in_with_mfa(client, world.dsl_a)

    response = client.post(copy.get_absolute_url(), {"outcome": "noted"}, follow=True)

    assert "This is not waiting for your decision any more." in response.text
    assert not Decision.objects.exists()
    assert concern.approval_requests.get(purpose=DECIDE).status == OPEN


# The request page ------------------------------------------------------------------------


@pytest.fixture
def routed(world, django_capture_on_commit_callbacks):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    return ApprovalRequest.objects.get(declaration=declaration)


def test_request_page_shows_the_declaration_its_history_and_why_it_came(client, world, routed):
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(routed.get_absolute_url())

    assert response.status_code == 200
    assert response.context["form"] is not None
    assert in_page(response, get_kind("planned_social_contact").name)
    assert in_page(response, world.teacher_a.get_full_name())
    assert "The village hall" in response.text  # an answer from the declaration
    assert "Why this came to you" in response.text
    assert in_page(response, routed.routing_reason)
    assert "Default route: line manager decides." in routed.routing_reason
    assert "History of the declaration" in response.text
    assert list(response.context["changes"])  # the submission is in the history
    assert list(response.context["trail"]) == [routed]
    assert f"<strong>{dateformat.format(routed.due_on, 'j F Y')}</strong>" in response.text
    assert AuditEvent.objects.filter(
        action="declaration.viewed",
        actor=world.line_manager_a,
        target_id=str(routed.declaration_id),
    ).exists()


def test_request_page_shows_earlier_decisions_in_the_trail(client, world, routed):
    decision_record(
        actor=world.line_manager_a,
        request=routed,
        outcome="approved_with_conditions",
        details={"reasons": "Known family.", "conditions": "No photographs of pupils."},
    )
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(routed.get_absolute_url())

    assert response.context["form"] is None
    assert in_page(response, f"Approved with conditions by {world.line_manager_a.get_full_name()}")
    assert "Conditions: No photographs of pupils." in response.text
    assert "Reasons: Known family." in response.text


@pytest.fixture
def related_world(world):
    """One declaration about a pupil, and others around it."""
    pupil = PupilFactory(setting=world.school_a)
    other_pupil = PupilFactory(setting=world.school_a)
    mother = FamilyLinkFactory(pupil=pupil).family_member
    colleague = person_with_roles(world.school_a, Role.STAFF)

    def declared(declarant, kind, status="submitted", **subject):
        declaration = DeclarationFactory(
            declarant=declarant, setting=world.school_a, kind=kind, status=status
        )
        DeclarationSubjectFactory(declaration=declaration, **subject)
        return declaration

    return {
        "main": declared(world.teacher_a, "planned_social_contact", pupil=pupil),
        "own_other": declared(world.teacher_a, "gift", pupil=other_pupil),
        "own_draft": declared(world.teacher_a, "business_dealing", "draft", pupil=pupil),
        "same_pupil": declared(colleague, "regular_social_contact", pupil=pupil),
        "same_family": declared(
            colleague, "contact_details_shared", pupil=None, family_member=mother
        ),
        "unrelated": declared(colleague, "will_or_attorney", pupil=other_pupil),
    }


def test_a_line_manager_sees_the_declarants_other_declarations_that_came_to_them(
    client, world, related_world
):
    for key in ("main", "own_other"):
        ApprovalRequest.objects.create(
            declaration=related_world[key],
            decider=world.line_manager_a,
            decider_role=DeciderRole.LINE_MANAGER,
            routing_reason="Test route.",
            due_on=today() + datetime.timedelta(days=5),
            status=ApprovalRequest.Status.OPEN if key == "main" else ApprovalRequest.Status.DECIDED,
        )
    request = ApprovalRequest.objects.get(declaration=related_world["main"])
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(request.get_absolute_url())

    assert [declaration.pk for declaration in response.context["related"]] == [
        related_world["own_other"].pk
    ]


@pytest.mark.parametrize(
    ("who", "purpose", "expected"),
    [
        # A line manager sees only the declarant's others that came to them (none here).
        pytest.param("line_manager_a", DECIDE, set(), id="line-manager"),
        pytest.param(
            "head_a", DECIDE, {"own_other", "same_pupil", "same_family"}, id="head-of-setting"
        ),
        pytest.param("dsl_a", COPY, {"own_other", "same_pupil", "same_family"}, id="dsl"),
    ],
)
def test_related_declarations_by_others_are_shown_only_to_heads_and_dsls(
    client, world, related_world, who, purpose, expected
):
    request = ApprovalRequest.objects.create(
        declaration=related_world["main"],
        purpose=purpose,
        decider=getattr(world, who),
        decider_role=DeciderRole.DSL if purpose == COPY else DeciderRole.HEAD,
        routing_reason="Test route.",
        due_on=today() + datetime.timedelta(days=5),
    )
    sign_in_with_mfa(client, getattr(world, who))

    response = client.get(request.get_absolute_url())

    assert {declaration.pk for declaration in response.context["related"]} == {
        related_world[key].pk for key in expected
    }
    gift = f"{get_kind('gift').name} by {world.teacher_a.get_full_name()}"
    assert in_page(response, gift) == ("own_other" in expected)
    same_pupil = f"{get_kind('regular_social_contact').name} by "
    assert (same_pupil in response.text) == ("same_pupil" in expected)


# Queries -------------------------------------------------------------------------------


def dashboard_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return len(queries)


def add_waiting(world, count: int) -> None:
    for number in range(count):
        waiting(
            world.line_manager_a,
            declarant=world.teacher_a if number % 2 else world.teacher_b,
            setting=world.school_a if number % 3 else world.school_b,
            kind="unplanned_contact" if number % 4 else "planned_social_contact",
            due_in=number - 3,
            on_behalf_of=world.head_a if number % 5 == 0 else None,
        )
        waiting(
            world.line_manager_a,
            declarant=world.teacher_a,
            setting=world.school_a,
            purpose=COPY,
        )


def test_dashboard_costs_the_same_queries_with_5_or_500_waiting_items(client, world):
    sign_in_with_mfa(client, world.line_manager_a)
    client.get(DASHBOARD)  # the first page of a session warms caches
    add_waiting(world, 5)
    with_5 = dashboard_queries(client)
    with_5_filtered = dashboard_queries(client, setting=world.school_a.pk, kind="unplanned_contact")

    add_waiting(world, 495)
    with_500 = dashboard_queries(client)
    with_500_filtered = dashboard_queries(
        client, setting=world.school_a.pk, kind="unplanned_contact"
    )

    assert (
        ApprovalRequest.objects.filter(decider=world.line_manager_a, purpose=DECIDE).count() == 500
    )
    assert with_5 == with_500, (with_5, with_500)
    assert with_5_filtered == with_500_filtered


def test_a_long_list_comes_50_at_a_time_most_urgent_first(client, world, mine):
    """A trust's Executive Headteacher may have hundreds waiting (#10): the page holds
    the 50 most urgent, the counts still cover them all, and the next page the rest."""
    made = [mine(due_in=1 + number % 20) for number in range(60)]
    urgent = sorted(made, key=lambda item: (item.due_on, item.created_at, item.pk))
    sign_in_with_mfa(client, world.line_manager_a)

    first = client.get(DASHBOARD)
    second = client.get(DASHBOARD, {"page": "2"})

    assert listed(first) == urgent[:50]
    assert listed(second) == urgent[50:]
    assert first.context["counts"]["waiting"] == 60
    assert "Page 1 of 2" in first.text
    assert "page=2" in first.text


def test_the_next_page_keeps_the_filter(client, world, mine):
    for _ in range(55):
        mine(due_in=3)
    sign_in_with_mfa(client, world.line_manager_a)

    response = client.get(DASHBOARD, {"kind": "planned_social_contact"})

    assert "kind=planned_social_contact&amp;page=2" in response.text


def test_related_declarations_link_to_where_the_reader_may_open_them(client, world, related_world):
    """#21: the head reads the declarant's other gift, which came to her too, through its
    request; one that never came to her is named with its reference, not linked."""
    main = ApprovalRequest.objects.create(
        declaration=related_world["main"],
        decider=world.head_a,
        decider_role=DeciderRole.HEAD,
        routing_reason="Test route.",
        due_on=today() + datetime.timedelta(days=5),
    )
    gift = ApprovalRequest.objects.create(
        declaration=related_world["own_other"],
        decider=world.head_a,
        decider_role=DeciderRole.HEAD,
        routing_reason="Test route.",
        due_on=today() + datetime.timedelta(days=5),
        status=ApprovalRequest.Status.DECIDED,
    )
    sign_in_with_mfa(client, world.head_a)

    response = client.get(main.get_absolute_url())

    opened = f'<a href="{gift.get_absolute_url()}"><span class="visually-hidden">Open </span>'
    assert f"{opened}{related_world['own_other'].reference}</a>" in response.text
    same_pupil = related_world["same_pupil"].reference
    assert f"· {same_pupil}</li>" in response.text
