"""Changes made in the administration screens are audited under actions named after the
model changed (issue #17 item 5): one per administered model and verb, registered."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from contactpolicy.audit import registry
from directory.admin import AuditedAdmin
from tests.factories import PersonFactory
from tests.project import APPS

ADMINS = [
    pytest.param(model, model_admin, id=model._meta.label)
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, AuditedAdmin)
]


def code(model, verb: str) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}.{verb}"


def test_every_model_of_the_project_in_the_administration_screens_is_audited():
    project_apps = set(APPS)
    administered = {
        model._meta.label for model in admin.site._registry if model._meta.app_label in project_apps
    }
    assert administered == {param.id for param in ADMINS}
    assert {
        "directory.Person",
        "approvals.RoutingRule",
        "approvals.ApprovalRequest",
    } <= administered


@pytest.mark.parametrize(("model", "model_admin"), ADMINS)
def test_a_change_is_audited_under_the_models_own_action(model, model_admin):
    action = model_admin.audit_changed

    assert action == code(model, "changed")
    assert action in registry
    assert model._meta.verbose_name.split()[0].lower() in action.label.lower()
    assert "administration screens" in action.label


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), ADMINS)
def test_an_addition_is_audited_under_the_models_own_action_wherever_adding_is_possible(
    model, model_admin
):
    request = RequestFactory().get("/admin/")
    request.user = PersonFactory(is_superuser=True)

    if model_admin.audit_created is None:
        assert not model_admin.has_add_permission(request)
    else:
        assert model_admin.audit_created == code(model, "created")
        assert model_admin.audit_created in registry


@pytest.mark.parametrize(("model", "model_admin"), ADMINS)
def test_rows_saved_with_an_inline_are_audited_under_the_inline_models_action(model, model_admin):
    for inline in model_admin.inlines:
        assert inline.audit_saved == code(inline.model, "saved")
        assert inline.audit_saved in registry
