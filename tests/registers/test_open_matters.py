"""What the DSL sees of what is not yet decided (#21 items 2 and 3): on a pupil's file,
the declarations and concerns about the child or their family still open; on the home
page, new concerns, copies with nothing in the DSL's log, and patterns above their
thresholds. Each a link to the thing, for the DSL and the deputy only, in a fixed
number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole, DslAction
from approvals.services import decision_record, dsl_log_record
from declarations.services import declaration_submit
from directory.models import Role
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, PupilFactory, SchoolFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

OPEN_TITLE = "Open: not yet decided"
PANEL_TITLE = "Safeguarding"


@pytest.fixture
def pupil(world):
    return PupilFactory(setting=world.school_a, given_name="Ava", family_name="Pennyfeather")


@pytest.fixture
def mother(pupil):
    return FamilyLinkFactory(
        pupil=pupil, family_member__given_name="Rosa", family_member__family_name="Pennyfeather"
    ).family_member


@pytest.fixture
def submit(world, pupil, django_capture_on_commit_callbacks):
    """A declaration of ``kind`` by ``declarant`` about the pupil (or ``family_member``),
    submitted as the app does."""

    def submit(kind="concern", declarant=None, family_member=None, setting=None, about=None):
        declarant = declarant or world.teacher_a
        declaration = DeclarationFactory(
            declarant=declarant, setting=setting or world.school_a, kind=kind
        )
        if family_member is not None:
            DeclarationSubjectFactory(
                declaration=declaration, pupil=None, family_member=family_member
            )
        else:
            DeclarationSubjectFactory(declaration=declaration, pupil=about or pupil)
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        return declaration

    return submit


def dsl_copy(declaration) -> ApprovalRequest:
    return ApprovalRequest.objects.get(
        declaration=declaration, purpose=ApprovalRequest.Purpose.COPY, decider_role="dsl"
    )


def decide_request(declaration) -> ApprovalRequest:
    return ApprovalRequest.objects.get(
        declaration=declaration, purpose=ApprovalRequest.Purpose.DECIDE, status="open"
    )


def page_of(client, person, url: str) -> str:
    sign_in_with_mfa(client, person)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def file_url(pupil) -> str:
    return reverse("registers:pupil_file", args=[pupil.pk])


# Open matters on the pupil's file -------------------------------------------------------


def test_the_dsl_sees_what_is_about_the_child_and_not_yet_decided(
    client, world, pupil, mother, submit
):
    concern = submit("concern")
    planned = submit("planned_social_contact", family_member=mother)
    decided = submit("planned_social_contact")
    decision_record(
        actor=world.line_manager_a,
        request=decide_request(decided),
        outcome="approved",
        details={},
    )

    page = page_of(client, world.dsl_a, file_url(pupil))

    assert OPEN_TITLE in page
    section = page.split(OPEN_TITLE, 1)[1].split("<h2", 1)[0]
    # The concern links to the DSL's copy of it; the planned contact about the mother
    # was not sent to the DSL: it says who it waits for, and through whom.
    assert f'href="{dsl_copy(concern).get_absolute_url()}"' in section
    assert concern.reference in section
    assert planned.reference in section
    assert "through Rosa Pennyfeather" in section
    assert f"waiting for {world.line_manager_a.get_full_name()} (line manager)" in section
    assert "not sent to you" in section
    assert decided.reference not in section
    # Above the entries, the decided one among them.
    assert page.index(OPEN_TITLE) < page.index(f"({decided.reference})")


@pytest.mark.parametrize("who", ["head_a", "executive_head"])
def test_other_roles_who_open_the_file_do_not_see_open_matters(client, world, pupil, submit, who):
    submit("concern")

    page = page_of(client, getattr(world, who), file_url(pupil))

    assert OPEN_TITLE not in page


def test_the_deputy_sees_them_and_a_dsl_of_another_school_cannot_open_the_file(
    client, world, pupil, submit
):
    concern = submit("concern")
    deputy = person_with_roles(world.school_a, Role.DEPUTY_DSL)
    other_dsl = person_with_roles(SchoolFactory(), Role.DSL)

    assert concern.reference in page_of(client, deputy, file_url(pupil)).split(OPEN_TITLE)[1]
    sign_in_with_mfa(client, other_dsl)
    assert client.get(file_url(pupil)).status_code == 404


def test_a_federation_dsl_sees_the_open_matters_of_each_school(client, world, submit):
    federation_dsl = person_with_roles(world.federation, Role.DSL)
    child = PupilFactory(setting=world.school_b)
    concern = submit("concern", declarant=world.teacher_b, setting=world.school_b, about=child)

    page = page_of(client, federation_dsl, file_url(child))

    assert concern.reference in page.split(OPEN_TITLE)[1]


def test_the_head_who_is_also_the_dsl_sees_them_linked_to_the_request_they_decide(
    client, world, pupil, submit
):
    from tests.factories import MembershipFactory

    MembershipFactory(person=world.head_a, organisation=world.school_a, role=Role.DSL)
    concern = submit("concern")
    decide = decide_request(concern)
    assert decide.decider == world.head_a

    page = page_of(client, world.head_a, file_url(pupil))

    assert f'href="{decide.get_absolute_url()}"' in page.split(OPEN_TITLE)[1]


def test_the_dsl_does_not_oversee_their_own_declaration_here(client, world, pupil, submit):
    submit("planned_social_contact", declarant=world.dsl_a)

    assert OPEN_TITLE not in page_of(client, world.dsl_a, file_url(pupil))


def test_open_matters_cost_the_same_queries_for_one_as_for_five(client, world, pupil, submit):
    sign_in_with_mfa(client, world.dsl_a)
    url = file_url(pupil)

    def count() -> int:
        client.get(url)  # the content types and the like
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    none = count()
    submit("concern")
    one = count()
    for _ in range(4):
        submit("planned_social_contact")
    five = count()

    assert none == one == five


# The DSL's home -----------------------------------------------------------------------


def test_the_dsls_home_lists_a_new_concern_linked_to_the_copy(client, world, submit):
    concern = submit("concern")

    page = page_of(client, world.dsl_a, reverse("home"))

    assert PANEL_TITLE in page
    panel = page.split(f">{PANEL_TITLE}</h2>", 1)[1]
    assert f'href="{dsl_copy(concern).get_absolute_url()}"' in panel.split("Copied to you")[0]
    assert "nothing in the DSL&#x27;s log yet" in panel or "nothing in the DSL's log yet" in panel


def test_a_copy_moves_from_new_to_not_acted_on_when_decided_and_off_once_logged(
    client, world, submit
):
    concern = submit("concern")
    copy = dsl_copy(concern)
    decision_record(
        actor=world.head_a, request=decide_request(concern), outcome="noted", details={}
    )

    panel = page_of(client, world.dsl_a, reverse("home")).split(f">{PANEL_TITLE}</h2>", 1)[1]
    new, not_acted_on = panel.split("Copied to you, nothing recorded yet", 1)
    assert copy.get_absolute_url() not in new
    assert f'href="{copy.get_absolute_url()}#dsl-log"' in not_acted_on.split("Patterns")[0]

    dsl_log_record(
        actor=world.dsl_a,
        request=copy,
        action=DslAction.NO_FURTHER_ACTION,
        done_on=timezone.localdate(),
        done_by=world.dsl_a,
        outcome="Spoken to; nothing more needed.",
    )
    panel = page_of(client, world.dsl_a, reverse("home")).split(f">{PANEL_TITLE}</h2>", 1)[1]
    assert copy.get_absolute_url() not in panel
    assert "Everything copied to you has something in the DSL" in panel


def test_the_dsls_home_lists_patterns_above_their_thresholds(client, world, pupil, submit):
    for _ in range(2):  # repeated gifts from one family: two is the threshold
        submit("gift")

    panel = page_of(client, world.dsl_a, reverse("home")).split(f">{PANEL_TITLE}</h2>", 1)[1]

    patterns = panel.split('<h3 class="h5">Patterns</h3>', 1)[1]
    assert "Repeated gifts from one family" in patterns
    assert f'href="{file_url(pupil)}"' in patterns


@pytest.mark.parametrize("who", ["teacher_a", "head_a", "executive_head", "administrator"])
def test_other_roles_have_no_safeguarding_panel(client, world, submit, who):
    submit("concern")

    assert f">{PANEL_TITLE}</h2>" not in page_of(client, getattr(world, who), reverse("home"))


def test_the_deputy_has_the_panel_with_what_was_copied_to_them(client, world, submit):
    deputy = person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)
    concern = submit("concern", declarant=world.dsl_a)  # so the deputy is copied
    copy = ApprovalRequest.objects.get(
        declaration=concern, purpose="copy", decider_role=DeciderRole.DEPUTY_DSL
    )

    page = page_of(client, deputy, reverse("home"))

    assert copy.get_absolute_url() in page.split(f">{PANEL_TITLE}</h2>", 1)[1]


def test_the_dsls_home_costs_the_same_queries_for_one_concern_as_for_four(client, world, submit):
    sign_in_with_mfa(client, world.dsl_a)

    def count() -> int:
        client.get(reverse("home"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries.captured_queries)

    submit("concern")
    for _ in range(3):  # a pattern of each kind that reads its people (gifts, many)
        submit("gift")
    one = count()
    for _ in range(3):
        submit("concern")
        submit("gift", about=PupilFactory(setting=world.school_a))
        submit("gift")
    assert count() == one


def test_the_dsls_home_opens_with_counts_linked_to_where_each_is_done(client, world, submit):
    """#22: the DSL's to-do list: new concerns, copies with nothing in the log, and the
    patterns, each count a link."""
    submit("concern")
    submit("concern")
    for _ in range(2):
        submit("gift")

    panel = page_of(client, world.dsl_a, reverse("home")).split(f">{PANEL_TITLE}</h2>", 1)[1]
    todos = panel.split('<ul class="list-group mb-3 todo-list">', 1)[1].split("</ul>", 1)[0]
    dashboard = reverse("approvals:dashboard")
    badge = '<span class="badge text-bg-primary rounded-pill me-2">2</span>'
    assert f'<a href="{dashboard}">{badge}new concerns</a>' in todos
    assert f'href="{reverse("oversight:patterns")}"' in todos
    assert "patterns in the last year" in todos  # repeated gifts, and many by one person
