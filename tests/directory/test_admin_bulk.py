"""Bulk actions of the administration screens (issue #20 item 4): the line manager and
the role of a selection of roles (memberships) or people, asked for on a page of their
own, limited to the administrator's organisations, each change audited as one made on
its own page, and never a way round R37 (an administrator giving themself a powerful
role waits for a head or the Executive Headteacher)."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory import audit_actions
from directory.models import Membership, Role, RoleRequest
from tests.conftest import sign_in_with_mfa
from tests.factories import PASSWORD
from tests.mfa import clock_on

pytestmark = pytest.mark.django_db

MEMBERSHIPS = reverse("admin:directory_membership_changelist")
PEOPLE = reverse("admin:directory_person_changelist")
CONFIRM = reverse("account_reauthenticate")


def staff_role(person, organisation) -> Membership:
    return Membership.objects.get(person=person, organisation=organisation, role=Role.STAFF)


def choose(client, changelist: str, action: str, chosen):
    """Choose rows on a changelist and run the action: its page."""
    return client.post(
        changelist, {"action": action, "_selected_action": [row.pk for row in chosen], "index": 0}
    )


def apply(client, url_name: str, chosen, **answers):
    return client.post(
        reverse(url_name), {"_selected_action": [row.pk for row in chosen], **answers}, follow=True
    )


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def line_managers(*memberships) -> list[int | None]:
    return [Membership.objects.get(pk=m.pk).line_manager_id for m in memberships]


# Line managers of a selection of roles ----------------------------------------------------


def test_the_action_lists_the_chosen_roles_and_asks_for_the_line_manager_by_typing(client, world):
    chosen = [
        staff_role(world.teacher_a, world.school_a),
        staff_role(world.teacher_b, world.school_b),
    ]
    sign_in_with_mfa(client, world.administrator)

    response = choose(client, MEMBERSHIPS, "set_line_manager", chosen)

    assert response.status_code == 200
    assert "Set the line manager of the chosen roles" in response.text
    for membership in chosen:
        assert str(membership) in response.text
        assert f'name="_selected_action" value="{membership.pk}"' in response.text
    assert 'name="line_manager"' in response.text
    assert "admin-autocomplete" in response.text
    assert f'action="{reverse("admin:directory_membership_bulk_line_manager")}"' in response.text
    assert line_managers(*chosen) == [world.line_manager_a.pk, None]  # nothing changed yet


def test_the_chosen_roles_get_the_line_manager_each_change_audited(client, world):
    chosen = [
        staff_role(world.teacher_a, world.school_a),
        staff_role(world.teacher_b, world.school_b),
    ]
    sign_in_with_mfa(client, world.administrator)

    response = apply(
        client,
        "admin:directory_membership_bulk_line_manager",
        chosen,
        line_manager=world.head_a.pk,
    )

    assert response.redirect_chain[-1][0] == MEMBERSHIPS
    assert line_managers(*chosen) == [world.head_a.pk, world.head_a.pk]
    assert "Changed 2" in " ".join(shown_messages(response))
    events = AuditEvent.objects.filter(action=audit_actions.MEMBERSHIP_CHANGED)
    assert {event.target_id for event in events} == {str(m.pk) for m in chosen}
    first = events.get(target_id=str(chosen[0].pk))
    assert first.actor == world.administrator
    assert first.data["before"] == {"line_manager": world.line_manager_a.pk}
    assert first.data["after"] == {"line_manager": world.head_a.pk}
    assert first.data["bulk"] is True
    assert chosen[0].history.count() == 2  # made, then changed here


def test_a_line_manager_from_another_school_cannot_be_chosen(client, world):
    chosen = [staff_role(world.teacher_a, world.school_a)]
    sign_in_with_mfa(client, world.administrator)

    response = apply(
        client,
        "admin:directory_membership_bulk_line_manager",
        chosen,
        line_manager=world.head_other.pk,
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert line_managers(*chosen) == [world.line_manager_a.pk]
    assert not AuditEvent.objects.filter(action=audit_actions.MEMBERSHIP_CHANGED).exists()


def test_another_schools_roles_slipped_into_the_choice_are_left_alone(client, world):
    theirs = staff_role(world.teacher_other, world.other_school)
    ours = staff_role(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, world.administrator)

    apply(
        client,
        "admin:directory_membership_bulk_line_manager",
        [ours, theirs],
        line_manager=world.head_a.pk,
    )

    assert line_managers(ours, theirs) == [world.head_a.pk, None]
    assert not AuditEvent.objects.filter(target_id=str(theirs.pk)).exists()


def test_nobody_is_made_their_own_line_manager_and_the_others_are_changed(client, world):
    own = staff_role(world.head_a, world.school_a)
    other = staff_role(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, world.administrator)

    response = apply(
        client,
        "admin:directory_membership_bulk_line_manager",
        [own, other],
        line_manager=world.head_a.pk,
    )

    assert line_managers(own, other) == [None, world.head_a.pk]
    assert any(
        "nobody can be their own line manager" in text and str(own) in text
        for text in shown_messages(response)
    )


# Roles of a selection of roles --------------------------------------------------------------


def test_a_role_changed_to_one_that_decides_is_audited_and_told(
    client, world, django_capture_on_commit_callbacks
):
    chosen = staff_role(world.teacher_b, world.school_b)
    sign_in_with_mfa(client, world.administrator)

    with django_capture_on_commit_callbacks(execute=True):
        apply(client, "admin:directory_membership_bulk_role", [chosen], role=Role.LINE_MANAGER)

    assert Membership.objects.get(pk=chosen.pk).role == Role.LINE_MANAGER
    granted = AuditEvent.objects.get(action=audit_actions.POWERFUL_ROLE_GRANTED)
    assert granted.target_id == str(chosen.pk)
    assert granted.data["before"]["role"] == Role.STAFF
    assert AuditEvent.objects.filter(
        action=audit_actions.MEMBERSHIP_CHANGED, target_id=str(chosen.pk)
    ).exists()
    assert world.teacher_b.email in {address for message in mail.outbox for address in message.to}


def test_an_administrator_cannot_give_themself_a_powerful_role_in_bulk(client, world):
    own = staff_role(world.administrator, world.federation)
    sign_in_with_mfa(client, world.administrator)

    response = apply(client, "admin:directory_membership_bulk_role", [own], role=Role.HEAD)

    assert Membership.objects.get(pk=own.pk).role == Role.STAFF
    waiting = RoleRequest.objects.get(person=world.administrator)
    assert (waiting.role, waiting.status, waiting.membership_id) == (
        Role.HEAD,
        RoleRequest.Status.WAITING,
        own.pk,
    )
    assert AuditEvent.objects.filter(action=audit_actions.ROLE_REQUESTED).count() == 1
    assert not AuditEvent.objects.filter(action=audit_actions.POWERFUL_ROLE_GRANTED).exists()
    assert any("waits for a head or the" in text for text in shown_messages(response))


def test_a_role_the_person_already_holds_there_is_refused(client, world):
    staff = staff_role(world.head_a, world.school_a)
    sign_in_with_mfa(client, world.administrator)

    response = apply(client, "admin:directory_membership_bulk_role", [staff], role=Role.HEAD)

    assert Membership.objects.get(pk=staff.pk).role == Role.STAFF
    assert any("already hold the role" in text for text in shown_messages(response))


# A selection of people ----------------------------------------------------------------------


def test_the_chosen_people_are_given_a_role_each_audited_as_an_addition(client, world):
    people = [world.teacher_a, world.volunteer_a]
    sign_in_with_mfa(client, world.administrator)

    page = choose(client, PEOPLE, "give_role", people)
    response = apply(
        client,
        "admin:directory_person_bulk_role",
        people,
        organisation=world.school_b.pk,
        role=Role.VOLUNTEER,
        job_title="Reading volunteer",
        starts_on="01/12/2026",
        line_manager=world.teacher_b.pk,
    )

    assert page.status_code == 200
    assert "Give the chosen people a role" in page.text
    given = Membership.objects.filter(organisation=world.school_b, role=Role.VOLUNTEER)
    assert {m.person for m in given} == set(people)
    assert {(m.job_title, m.starts_on, m.line_manager) for m in given} == {
        ("Reading volunteer", datetime.date(2026, 12, 1), world.teacher_b)
    }
    assert AuditEvent.objects.filter(action=audit_actions.MEMBERSHIP_CREATED).count() == 2
    assert "Changed 2" in " ".join(shown_messages(response))


def test_giving_oneself_a_powerful_role_among_others_waits_for_confirmation(client, world):
    people = [world.administrator, world.teacher_a]
    sign_in_with_mfa(client, world.administrator)

    apply(
        client,
        "admin:directory_person_bulk_role",
        people,
        organisation=world.school_a.pk,
        role=Role.DSL,
        job_title="",
        starts_on="01/12/2026",
    )

    assert not Membership.objects.filter(person=world.administrator, role=Role.DSL).exists()
    assert Membership.objects.filter(person=world.teacher_a, role=Role.DSL).exists()
    assert RoleRequest.objects.get(person=world.administrator).role == Role.DSL


def test_a_role_cannot_be_given_in_another_schools_organisation(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = apply(
        client,
        "admin:directory_person_bulk_role",
        [world.teacher_a],
        organisation=world.other_school.pk,
        role=Role.STAFF,
        starts_on="01/12/2026",
    )

    assert "Select a valid choice" in response.text
    assert not Membership.objects.filter(
        person=world.teacher_a, organisation=world.other_school
    ).exists()


def test_the_chosen_peoples_roles_at_a_school_get_the_line_manager(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = apply(
        client,
        "admin:directory_person_bulk_line_manager",
        [world.teacher_a, world.volunteer_a, world.teacher_b],
        organisation=world.school_a.pk,
        line_manager=world.head_a.pk,
    )

    assert set(
        Membership.objects.filter(person__in=[world.teacher_a, world.volunteer_a]).values_list(
            "line_manager_id", flat=True
        )
    ) == {world.head_a.pk}
    assert staff_role(world.teacher_b, world.school_b).line_manager is None
    assert any(
        world.teacher_b.get_full_name() in text and "no current role at Ash" in text
        for text in shown_messages(response)
    )


# Who, and confirming it is them ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:directory_membership_bulk_line_manager",
        "admin:directory_membership_bulk_role",
        "admin:directory_person_bulk_line_manager",
        "admin:directory_person_bulk_role",
    ],
)
@pytest.mark.parametrize("who", ["teacher_a", "head_a", "head_other"])
def test_nobody_but_an_administrator_makes_a_bulk_change(client, world, url_name, who):
    chosen = staff_role(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, getattr(world, who))

    response = client.post(
        reverse(url_name),
        {
            "_selected_action": [chosen.pk, world.teacher_a.pk],
            "line_manager": world.head_a.pk,
            "role": Role.HEAD,
            "organisation": world.school_a.pk,
            "starts_on": "01/12/2026",
        },
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Membership.objects.get(pk=chosen.pk).line_manager == world.line_manager_a
    assert not Membership.objects.filter(person=world.teacher_a, role=Role.HEAD).exists()


def test_another_schools_administrator_changes_nothing_of_ash_primary(client, world):
    chosen = staff_role(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, world.administrator_other)

    response = apply(
        client,
        "admin:directory_membership_bulk_role",
        [chosen],
        role=Role.HEAD,
    )

    assert Membership.objects.get(pk=chosen.pk).role == Role.STAFF
    assert "Nothing was chosen" in " ".join(shown_messages(response))


def test_a_bulk_change_after_15_minutes_waits_until_the_administrator_confirms_it_is_them(
    client, world, time_machine
):
    chosen = staff_role(world.teacher_b, world.school_b)
    url = reverse("admin:directory_membership_bulk_role")
    sign_in_with_mfa(client, world.administrator)
    clock_on(time_machine, datetime.timedelta(minutes=16))

    asked = client.post(url, {"_selected_action": [chosen.pk], "role": Role.LINE_MANAGER})

    assert asked["Location"] == f"{CONFIRM}?next={quote(url, safe='')}"
    assert Membership.objects.get(pk=chosen.pk).role == Role.STAFF

    confirmed = client.post(f"{CONFIRM}?next={url}", {"password": PASSWORD, "next": url})

    assert confirmed.status_code == 302
    assert Membership.objects.get(pk=chosen.pk).role == Role.LINE_MANAGER
