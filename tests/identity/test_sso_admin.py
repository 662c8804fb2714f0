"""Setting up single sign-on in the administration screens (R36, #18): an
administrator sets their own organisation's tenant, domain and SAML service, and a change
of how a person signs in is audited with its value before and after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contactpolicy.models import AuditEvent
from directory.models import Person, SamlIdentityProvider, SignInMethod
from tests.conftest import sign_in_with_mfa
from tests.forms import change_form

pytestmark = pytest.mark.django_db


def test_changing_how_a_person_signs_in_is_audited_before_and_after(client, world):
    sign_in_with_mfa(client, world.administrator)
    url = reverse("admin:directory_person_change", args=[world.teacher_a.pk])
    data = change_form(client, url)
    assert data["sign_in_method"] == SignInMethod.AS_ORGANISATION
    data["sign_in_method"] = SignInMethod.SINGLE_SIGN_ON

    response = client.post(url, data)

    assert response.status_code == 302, response.text[:2000]
    assert Person.objects.get(pk=world.teacher_a.pk).sign_in_method == "sso"
    event = AuditEvent.objects.get(action="directory.person.sign_in_method_changed")
    assert event.actor == world.administrator
    assert event.data == {
        "before": {"sign_in_method": "organisation"},
        "after": {"sign_in_method": "sso"},
    }


def test_an_unchanged_sign_in_method_writes_no_such_row(client, world):
    sign_in_with_mfa(client, world.administrator)
    url = reverse("admin:directory_person_change", args=[world.teacher_a.pk])
    data = change_form(client, url)
    data["given_name"] = "Renamed"

    assert client.post(url, data).status_code == 302
    assert not AuditEvent.objects.filter(action="directory.person.sign_in_method_changed")


def test_administrator_sets_up_single_sign_on_for_their_school(client, world):
    sign_in_with_mfa(client, world.administrator)
    url = reverse("admin:directory_organisation_change", args=[world.school_a.pk])
    data = change_form(client, url)
    data.update(
        {
            "entra_tenant_id": "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
            "sso_required": "on",
            "saml_identity_provider-TOTAL_FORMS": "1",
            "saml_identity_provider-0-name": "LGfL USO",
            "saml_identity_provider-0-slug": "ash",
            "saml_identity_provider-0-entity_id": "https://uso.example/idp",
            "saml_identity_provider-0-sso_url": "https://uso.example/sso",
            "saml_identity_provider-0-x509_certificate": "MIIC...",
            "saml_identity_provider-0-enabled": "on",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
        [f.formset.non_form_errors() for f in response.context["inline_admin_formsets"]],
    )
    world.school_a.refresh_from_db()
    assert world.school_a.entra_tenant_id == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert SamlIdentityProvider.objects.get(organisation=world.school_a).name == "LGfL USO"
    event = AuditEvent.objects.get(action="directory.organisation.sign_in_changed")
    assert event.data["before"] == {"entra_tenant_id": "", "sso_required": False}
    assert event.data["after"]["sso_required"] is True
    assert AuditEvent.objects.filter(action="directory.samlidentityprovider.saved").exists()
    # The sign-in page now offers it.
    client.logout()
    assert "Sign in with LGfL USO" in client.get(reverse("account_login")).text


def test_a_tenant_id_that_is_not_one_is_refused(client, world):
    sign_in_with_mfa(client, world.administrator)
    url = reverse("admin:directory_organisation_change", args=[world.school_a.pk])
    data = change_form(client, url)
    data["entra_tenant_id"] = "brookfield"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "A tenant ID looks like" in response.text
    world.school_a.refresh_from_db()
    assert world.school_a.entra_tenant_id == ""


def test_another_schools_administrator_cannot_open_its_sign_in_settings(client, world):
    sign_in_with_mfa(client, world.administrator_other)
    url = reverse("admin:directory_organisation_change", args=[world.school_a.pk])

    response = client.get(url)

    assert response.status_code == 302  # Django's admin: "does not exist", to its index
    assert "entra_tenant_id" not in client.get(response["Location"]).text
