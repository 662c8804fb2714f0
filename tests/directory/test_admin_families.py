"""Family members in the administration screens (issue #20 item 4): adding one from a
pupil's page (the "+" beside a family link) works and leaves no hidden record; a family
member is held by one of the administrator's organisations from the moment they are
made, and is seen, picked and (if nothing names them) deleted by its administrators
only."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.models import FamilyLink, FamilyMember
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, FamilyMemberFactory, PupilFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory
from tests.forms import change_form

pytestmark = pytest.mark.django_db

ADD = reverse("admin:directory_familymember_add")
POPUP = {"_to_field": "id", "_popup": "1"}


def popup_url() -> str:
    return f"{ADD}?_to_field=id&_popup=1"


def select_options(html: str, name: str) -> list[str]:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, f"no <select name={name!r}> on the page"
    return [text.strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", match.group(0))]


def member_data(organisation, **overrides) -> dict:
    data = {
        "organisation": str(organisation.pk) if organisation else "",
        "reference": "",
        "given_name": "Philippa",
        "family_name": "Quenby",
        "email": "",
        "phone": "",
        "person": "",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
        **POPUP,
        "_save": "Save",
    }
    data.update(overrides)
    return data


def add_in_popup(client, organisation, **overrides):
    return client.post(popup_url(), member_data(organisation, **overrides))


def link_from_the_pupils_page(client, pupil, member):
    """Save the pupil's page with a new family link to ``member``, as the browser sends
    it once the "+" popup has put the new family member in the link's box."""
    url = reverse("admin:directory_pupil_change", args=[pupil.pk])
    data = change_form(client, url)
    total = int(data["family_links-TOTAL_FORMS"])
    data.update(
        {
            f"family_links-{total}-family_member": str(member.pk),
            f"family_links-{total}-pupil": str(pupil.pk),
            f"family_links-{total}-relationship": FamilyLink.Relationship.MOTHER,
            f"family_links-{total}-parental_responsibility": "on",
            "family_links-TOTAL_FORMS": str(total + 1),
            "_save": "Save",
        }
    )
    return client.post(url, data)


# Adding from the pupil's page --------------------------------------------------------------


def test_the_popup_asks_which_of_the_administrators_organisations_holds_the_record(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = client.get(popup_url())

    assert response.status_code == 200
    options = select_options(response.text, "organisation")
    assert set(options) - {"---------", "- Select an option -"} == {
        world.federation.name,
        world.school_a.name,
        world.school_b.name,
    }
    assert world.other_school.name not in response.text
    assert "required" in re.search(r'<select name="organisation"[^>]*>', response.text).group(0)


def test_a_family_member_added_from_the_pupils_page_is_linked_and_stays_visible(client, world):
    pupil = PupilFactory(setting=world.school_a)
    sign_in_with_mfa(client, world.administrator)

    popup = add_in_popup(client, world.school_a)
    member = FamilyMember.objects.get(family_name="Quenby")
    saved = link_from_the_pupils_page(client, pupil, member)

    assert popup.status_code == 200
    response_data = re.search(r'data-popup-response="([^"]*)"', popup.text).group(1)
    assert json.loads(html.unescape(response_data))["value"] == str(member.pk)
    assert saved.status_code == 302, "the pupil's page refused the new family member"
    link = FamilyLink.objects.get(pupil=pupil, family_member=member)
    assert link.parental_responsibility
    assert member.organisation == world.school_a
    listed = client.get(reverse("admin:directory_familymember_changelist"))
    assert member in listed.context["cl"].result_list
    assert (
        client.get(reverse("admin:directory_familymember_change", args=[member.pk])).status_code
        == 200
    )
    event = AuditEvent.objects.get(action="directory.familymember.created")
    assert (event.actor, event.organisation_pk) == (world.administrator, world.school_a.pk)


def test_a_family_member_not_yet_linked_to_any_pupil_is_visible_to_their_administrator(
    client, world
):
    sign_in_with_mfa(client, world.administrator)

    add_in_popup(client, world.school_b)

    member = FamilyMember.objects.get(family_name="Quenby")
    listed = client.get(reverse("admin:directory_familymember_changelist"))
    assert member in listed.context["cl"].result_list


def test_a_family_member_without_an_organisation_is_refused_and_nothing_is_made(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = add_in_popup(client, None)

    assert response.status_code == 200
    assert "This field is required" in response.text
    assert not FamilyMember.objects.filter(family_name="Quenby").exists()


def test_a_family_member_cannot_be_given_to_another_schools_organisation(client, world):
    sign_in_with_mfa(client, world.administrator)

    response = add_in_popup(client, world.other_school)

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not FamilyMember.objects.filter(family_name="Quenby").exists()


def test_a_single_schools_administrator_finds_their_school_already_chosen(client, world):
    sign_in_with_mfa(client, world.administrator_other)

    form = client.get(popup_url()).context["adminform"].form

    assert form["organisation"].value() == world.other_school.pk


# Another school's administrator -------------------------------------------------------------


@pytest.fixture
def new_member(client, world):
    """A family member Ash Primary's administrator has just added, linked to no pupil."""
    sign_in_with_mfa(client, world.administrator)
    add_in_popup(client, world.school_a)
    client.logout()
    return FamilyMember.objects.get(family_name="Quenby")


def test_another_schools_administrator_neither_sees_nor_opens_a_new_family_member(
    client, world, new_member
):
    sign_in_with_mfa(client, world.administrator_other)

    listed = client.get(reverse("admin:directory_familymember_changelist"))
    opened = client.get(reverse("admin:directory_familymember_change", args=[new_member.pk]))

    assert new_member not in listed.context["cl"].result_list
    assert "Quenby" not in listed.text
    assert opened.status_code == 302
    assert "Quenby" not in client.get(opened["Location"]).text


def test_another_schools_administrator_cannot_pick_a_new_family_member(client, world, new_member):
    theirs = PupilFactory(setting=world.other_school)
    sign_in_with_mfa(client, world.administrator_other)

    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "directory",
            "model_name": "familylink",
            "field_name": "family_member",
            "term": "Quenby",
        },
    )
    linked = link_from_the_pupils_page(client, theirs, new_member)

    assert found.status_code == 200
    assert found.json()["results"] == []
    assert linked.status_code == 200
    assert "Select a valid choice" in linked.text
    assert not FamilyLink.objects.filter(family_member=new_member).exists()


# Deleting one made by mistake -----------------------------------------------------------------


def test_the_administrator_deletes_a_family_member_whom_nothing_names(client, world):
    member = FamilyLinkFactory(
        pupil=PupilFactory(setting=world.school_a),
        family_member=FamilyMemberFactory(organisation=world.school_a, family_name="Quenby"),
    ).family_member
    url = reverse("admin:directory_familymember_delete", args=[member.pk])
    sign_in_with_mfa(client, world.administrator)

    page = client.get(url)
    deleted = client.post(url, {"post": "yes"})

    assert page.status_code == 200
    assert deleted.status_code == 302
    assert not FamilyMember.objects.filter(pk=member.pk).exists()
    event = AuditEvent.objects.get(action="directory.familymember.deleted")
    assert event.actor == world.administrator
    assert event.organisation_pk == world.school_a.pk
    assert event.data["name"] == str(member)
    assert FamilyMember.history.filter(id=member.pk, history_type="-").exists()


def test_a_family_member_named_in_a_declaration_cannot_be_deleted(client, world):
    member = FamilyMemberFactory(organisation=world.school_a)
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration, pupil=None, family_member=member)
    url = reverse("admin:directory_familymember_delete", args=[member.pk])
    sign_in_with_mfa(client, world.administrator)

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert FamilyMember.objects.filter(pk=member.pk).exists()
    assert not AuditEvent.objects.filter(action="directory.familymember.deleted").exists()


def test_another_schools_administrator_cannot_delete_a_family_member(client, world, new_member):
    sign_in_with_mfa(client, world.administrator_other)

    client.post(
        reverse("admin:directory_familymember_delete", args=[new_member.pk]), {"post": "yes"}
    )

    assert FamilyMember.objects.filter(pk=new_member.pk).exists()


def test_family_members_are_never_deleted_in_bulk(client, world, new_member):
    sign_in_with_mfa(client, world.administrator)

    client.post(
        reverse("admin:directory_familymember_changelist"),
        {"action": "delete_selected", "_selected_action": [new_member.pk], "post": "yes"},
    )

    assert FamilyMember.objects.filter(pk=new_member.pk).exists()
