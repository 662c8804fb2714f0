"""The Django admin: administrators only, scoped to the organisations they administer (R35)."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.admin_site import ContactAdminSite
from directory.models import Membership, Person, Pupil, Role
from tests.conftest import sign_in_with_mfa
from tests.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("account_login")


def follow_redirects(client, url, limit=8):
    """GET ``url`` and follow redirects one at a time.

    Returns every (path, status) visited and the last response. Stops after
    ``limit`` redirects so that a redirect loop shows up as a failed assertion.
    """
    visited = []
    response = client.get(url)
    visited.append((urlsplit(url).path, response.status_code))
    while response.status_code in {301, 302} and len(visited) <= limit:
        url = response["Location"]
        response = client.get(url)
        visited.append((urlsplit(url).path, response.status_code))
    return visited, response


def listed(client, model_name):
    """The objects on the first page of a changelist, as the administrator sees it."""
    response = client.get(reverse(f"admin:directory_{model_name}_changelist"))
    assert response.status_code == 200
    return response, set(response.context["cl"].result_list)


def select_options(html, name):
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, f"no <select name={name!r}> on the page"
    return [text.strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", match.group(0))]


@pytest.fixture
def pupils(world):
    return {
        "a": [PupilFactory(setting=world.school_a) for _ in range(2)],
        "b": [PupilFactory(setting=world.school_b) for _ in range(2)],
        "other": [PupilFactory(setting=world.other_school) for _ in range(2)],
    }


def person_add_data(organisation, **overrides):
    data = {
        "email": "nia.okafor@ash.example",
        "given_name": "Nia",
        "family_name": "Okafor",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "1",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-organisation": str(organisation.pk),
        "memberships-0-role": Role.STAFF,
        "memberships-0-job_title": "Teaching assistant",
        "memberships-0-line_manager": "",
        "memberships-0-starts_on": "01/09/2025",
        "memberships-0-ends_on": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


# Who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher_a", "governor", "executive_head"])
def test_signed_in_non_administrator_is_not_let_into_the_admin(client, world, who):
    sign_in_with_mfa(client, getattr(world, who))

    visited, response = follow_redirects(client, reverse("admin:index"))

    route = " -> ".join(f"{path} ({status})" for path, status in visited)
    assert visited[0][1] == 302, route
    assert not any(path.startswith("/admin/") and status == 200 for path, status in visited)
    assert response.status_code not in {301, 302}, f"redirect loop: {route}"
    # Either refused outright, or sent to the sign-in page (or on to the home page).
    assert response.status_code == 403 or visited[-1][0] in {SIGN_IN, "/"}, route
    assert ContactAdminSite.site_header not in response.text


def test_teacher_cannot_open_the_pupil_changelist(client, world, pupils):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("admin:directory_pupil_changelist"))

    assert response.status_code == 302
    assert pupils["a"][0].family_name not in response.text


def test_anonymous_admin_sign_in_goes_to_the_rate_limited_sign_in_page(client, db):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == SIGN_IN
    assert client.get(response["Location"]).status_code == 200


def test_anonymous_admin_index_ends_on_the_sign_in_page(client, db):
    visited, response = follow_redirects(client, reverse("admin:index"))

    assert response.status_code == 200
    assert visited[-1][0] == SIGN_IN


def test_administrator_is_let_into_the_admin(client, world):
    sign_in_with_mfa(client, world.administrator)

    assert client.get(reverse("admin:index")).status_code == 200


def test_superuser_is_let_into_the_admin(client, db):
    sign_in_with_mfa(client, PersonFactory(is_superuser=True))

    assert client.get(reverse("admin:index")).status_code == 200


# Changelists are scoped ----------------------------------------------------------------


def test_federation_administrator_sees_the_people_of_both_schools_only(client, world):
    sign_in_with_mfa(client, world.administrator)

    response, people = listed(client, "person")

    assert people == {
        world.executive_head,
        world.chair,
        world.governor,
        world.administrator,
        world.head_a,
        world.dsl_a,
        world.line_manager_a,
        world.teacher_a,
        world.volunteer_a,
        world.teacher_b,
    }
    assert world.head_other.email not in response.text
    assert world.teacher_other.email not in response.text


def test_other_schools_administrator_sees_only_their_own_people(client, world):
    sign_in_with_mfa(client, world.administrator_other)

    response, people = listed(client, "person")

    assert people == {world.head_other, world.teacher_other, world.administrator_other}
    assert world.teacher_a.email not in response.text


@pytest.mark.parametrize(
    ("administrator", "visible"),
    [("administrator", ["a", "b"]), ("administrator_other", ["other"])],
)
def test_administrator_sees_only_their_own_schools_pupils(
    client, world, pupils, administrator, visible
):
    sign_in_with_mfa(client, getattr(world, administrator))

    response, shown = listed(client, "pupil")

    assert shown == {pupil for key in visible for pupil in pupils[key]}
    hidden = [pupil for key in pupils.keys() - set(visible) for pupil in pupils[key]]
    for pupil in hidden:
        assert pupil.reference not in response.text


@pytest.mark.parametrize(
    ("administrator", "organisations"),
    [
        ("administrator", ["federation", "school_a", "school_b"]),
        ("administrator_other", ["other_school"]),
    ],
)
def test_administrator_sees_only_the_memberships_of_their_own_organisations(
    client, world, administrator, organisations
):
    sign_in_with_mfa(client, getattr(world, administrator))

    _, shown = listed(client, "membership")

    expected = Membership.objects.filter(
        organisation__in=[getattr(world, name) for name in organisations]
    )
    assert shown == set(expected)
    assert expected.exists()


@pytest.mark.parametrize("model_name", ["person", "pupil", "membership", "organisation"])
def test_changelist_filters_do_not_name_organisations_the_administrator_does_not_run(
    client, world, pupils, model_name
):
    sign_in_with_mfa(client, world.administrator)

    response, _ = listed(client, model_name)

    assert world.other_school.name not in response.text, (
        f"the {model_name} changelist names {world.other_school.name}, which this "
        "administrator does not administer (an unscoped list_filter)"
    )


# Objects of another school -------------------------------------------------------------


def test_administrator_opens_the_change_page_of_their_own_pupil(client, world, pupils):
    pupil = pupils["a"][0]
    sign_in_with_mfa(client, world.administrator)

    response = client.get(reverse("admin:directory_pupil_change", args=[pupil.pk]))

    assert response.status_code == 200
    assert pupil.reference in response.text


@pytest.mark.parametrize("model_name", ["pupil", "person"])
def test_change_page_of_another_schools_record_is_not_shown(client, world, pupils, model_name):
    target = pupils["other"][0] if model_name == "pupil" else world.head_other
    sign_in_with_mfa(client, world.administrator)

    response = client.get(reverse(f"admin:directory_{model_name}_change", args=[target.pk]))

    assert response.status_code in {302, 404}
    if response.status_code == 302:
        assert response["Location"] == reverse("admin:index")
        response = client.get(response["Location"])
    assert str(target) not in response.text
    assert target.family_name not in response.text


@pytest.mark.parametrize("model_name", ["pupil", "person"])
def test_history_of_another_schools_record_is_not_shown(client, world, pupils, model_name):
    target = pupils["other"][0] if model_name == "pupil" else world.head_other
    sign_in_with_mfa(client, world.administrator)

    response = client.get(reverse(f"admin:directory_{model_name}_history", args=[target.pk]))

    assert response.status_code in {302, 403, 404}, (
        f"the history page of another school's {model_name} is shown "
        f"(status {response.status_code})"
    )
    assert str(target) not in response.text


def test_history_of_an_administrators_own_pupil_is_shown(client, world, pupils):
    pupil = pupils["a"][0]
    sign_in_with_mfa(client, world.administrator)

    response = client.get(reverse("admin:directory_pupil_history", args=[pupil.pk]))

    assert response.status_code == 200
    assert str(pupil) in response.text


def test_old_version_of_another_schools_person_cannot_be_viewed_or_reverted(client, world):
    victim = world.head_other
    version = victim.history.earliest("history_date")
    url = reverse("admin:directory_person_simple_history", args=[victim.pk, version.history_id])
    sign_in_with_mfa(client, world.administrator)

    viewed = client.get(url)
    client.post(
        url,
        {
            "email": "taken.over@ash.example",
            "given_name": victim.given_name,
            "family_name": victim.family_name,
            "is_active": "on",
        },
    )

    victim.refresh_from_db()
    assert victim.email != "taken.over@ash.example", (
        "an administrator rewrote the email of a person in a school they do not "
        "administer through the history 'revert' view"
    )
    assert viewed.status_code in {302, 403, 404}
    assert victim.email not in viewed.text


# No deletion ---------------------------------------------------------------------------


def test_delete_view_of_an_in_scope_pupil_is_refused(client, world, pupils):
    pupil = pupils["a"][0]
    url = reverse("admin:directory_pupil_delete", args=[pupil.pk])
    sign_in_with_mfa(client, world.administrator)

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_bulk_delete_action_removes_nothing(client, world, pupils):
    pupil = pupils["a"][0]
    sign_in_with_mfa(client, world.administrator)

    client.post(
        reverse("admin:directory_pupil_changelist"),
        {"action": "delete_selected", "_selected_action": [pupil.pk], "post": "yes"},
    )

    assert Pupil.objects.filter(pk=pupil.pk).exists()


# Adding a person -----------------------------------------------------------------------


def test_person_add_form_has_a_membership_inline(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = client.get(reverse("admin:directory_person_add"))

    assert response.status_code == 200
    for name in ["email", "given_name", "family_name", "memberships-TOTAL_FORMS"]:
        assert f'name="{name}"' in response.text
    for field in ["organisation", "role", "job_title", "line_manager", "starts_on", "ends_on"]:
        assert f'name="memberships-0-{field}"' in response.text
    assert 'name="password' not in response.text


def test_administrator_adds_a_person_with_an_unusable_password_and_an_audit_row(client, world):
    sign_in_with_mfa(client, world.administrator)
    client.raise_request_exception = False

    response = client.post(reverse("admin:directory_person_add"), person_add_data(world.school_a))

    assert response.status_code == 302, (
        f"adding a person through the admin failed with status {response.status_code}"
    )
    person = Person.objects.get(email="nia.okafor@ash.example")
    assert not person.has_usable_password()
    membership = person.memberships.get()
    assert (membership.organisation, membership.role) == (world.school_a, Role.STAFF)
    event = AuditEvent.objects.get(action="directory.person.created")
    assert event.actor == world.administrator
    assert event.target_id == str(person.pk)


def test_person_cannot_be_added_to_an_organisation_the_administrator_does_not_run(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        reverse("admin:directory_person_add"), person_add_data(world.other_school)
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Person.objects.filter(email="nia.okafor@ash.example").exists()
    assert not AuditEvent.objects.filter(action="directory.person.created").exists()


def test_person_cannot_be_added_without_any_membership(client, world):
    sign_in_with_mfa(client, world.administrator)
    client.raise_request_exception = False

    response = client.post(
        reverse("admin:directory_person_add"),
        person_add_data(world.school_a, **{"memberships-TOTAL_FORMS": "0"}),
    )

    assert response.status_code == 200, (
        "a person with no membership should be refused with the form shown again "
        f"(got status {response.status_code})"
    )
    assert not Person.objects.filter(email="nia.okafor@ash.example").exists()


# Dropdowns are scoped ------------------------------------------------------------------


def test_pupil_setting_dropdown_offers_only_the_administrators_schools(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = client.get(reverse("admin:directory_pupil_add"))

    options = select_options(response.text, "setting")
    assert world.school_a.name in options
    assert world.school_b.name in options
    assert world.other_school.name not in options


def test_key_person_search_finds_only_the_administrators_people(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "directory", "model_name": "pupil", "field_name": "key_person", "term": ""},
    )

    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert world.teacher_a.pk in ids
    assert world.teacher_b.pk in ids
    assert world.teacher_other.pk not in ids
    assert world.head_other.pk not in ids
