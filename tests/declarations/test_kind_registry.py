"""Every rule that depends on the kind of declaration is declared on its entry in
``declarations/kinds.py`` (#17): no other module names a kind's code, and a kind added
to the registry alone is declared, routed, decided, filed and summarised."""

from __future__ import annotations

import ast
import datetime
import random
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, DeciderRole, RoutingRule
from approvals.routing import default_role, rule_for
from declarations import kinds as registry
from declarations.kinds import KINDS, Decider, DetailsForm, Kind, Register, codes_on_register
from declarations.models import Declaration
from directory.models import Organisation
from oversight.summaries import summary_build
from registers.models import RegisterEntry
from schoolcalendar.periods import custom_period
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory, SchoolFactory
from tests.project import APPS, ROOT

pytestmark = pytest.mark.django_db

REGISTRY = ROOT / "declarations" / "kinds.py"


def _app_files(suffix: str):
    for app in APPS:
        for path in (ROOT / app).rglob(f"*{suffix}"):
            if "migrations" not in path.parts and path != REGISTRY:
                yield path


def _strings(tree: ast.AST):
    """Every string in the code but the docstrings (prose may say "a gift")."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node


def _names_a_kind(text: str) -> str | None:
    for code in KINDS:
        # A one-word code ("gift") only as the whole string; one with an underscore
        # wherever it stands, for example in a path.
        if text == code or ("_" in code and re.search(rf"(?<![a-z_]){code}(?![a-z_])", text)):
            return code
    return None


def test_no_module_outside_the_registry_names_a_kind():
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {code}"
        for path in _app_files(".py")
        for node in _strings(ast.parse(path.read_text()))
        if (code := _names_a_kind(node.value))
    ]
    for path in _app_files(".html"):
        text = path.read_text()
        found += [
            f"{path.relative_to(ROOT)}: {code}"
            for code in KINDS
            if re.search(rf"""["']{code}["']|/{code}/""", text)
        ]
    assert found == []


def test_the_scan_finds_a_kind_named_in_code():
    tree = ast.parse('if declaration.kind == "gift":\n    url = "/declarations/new/gift_x/"\n')
    assert [_names_a_kind(node.value) for node in _strings(tree)] == ["gift", None]
    tree = ast.parse('"""A gift from a family."""\nKINDS = ("trip_phone_sharing",)\n')
    assert [_names_a_kind(node.value) for node in _strings(tree)] == ["trip_phone_sharing"]


@pytest.mark.parametrize("code", list(KINDS))
def test_each_kinds_example_answers_pass_its_own_form(code):
    kind = KINDS[code]
    answers = kind.example_answers(timezone.localdate(), random.Random(7))
    form = kind.form(data=answers)
    assert form.is_valid(), form.errors
    assert set(answers) <= set(kind.details_form.base_fields)


@pytest.mark.parametrize("code", list(KINDS))
def test_each_kinds_default_deciders_are_roles_the_approvals_know(code):
    kind = KINDS[code]
    assert DeciderRole(kind.decider_in_school) in DeciderRole
    assert DeciderRole(kind.decider_in_pre_school) in DeciderRole


def test_registers_list_the_kinds_their_entries_name():
    assert set(codes_on_register(Register.CORRESPONDENCE)) == {
        kind.code for kind in KINDS.values() if Register.CORRESPONDENCE in kind.registers
    }
    # Every kind with an end date is on the contact-details register (R28).
    assert {kind.code for kind in KINDS.values() if kind.expiry} <= set(
        codes_on_register(Register.CONTACT_DETAILS)
    )


@pytest.mark.parametrize("decider", [DeciderRole.LINE_MANAGER, DeciderRole.DSL])
def test_a_rule_cannot_put_a_head_or_above_kind_below_the_head(world, decider):
    kind = next(kind for kind in KINDS.values() if kind.head_or_above)
    RoutingRule.objects.create(organisation=world.school_a, kind=kind.code, decider_role=decider)
    declaration = Declaration(declarant=world.teacher_a, setting=world.school_a, kind=kind.code)

    role, _copy, reason = rule_for(declaration)

    assert role == DeciderRole.HEAD
    assert "never decided below the head" in reason


def test_the_administration_screen_refuses_such_a_rule(world, client):
    kind = next(kind for kind in KINDS.values() if kind.head_or_above)
    sign_in_with_mfa(client, world.administrator)
    response = client.post(
        reverse("admin:approvals_routingrule_add"),
        {
            "organisation": world.school_a.pk,
            "kind": kind.code,
            "decider_role": DeciderRole.LINE_MANAGER,
        },
    )
    assert response.status_code == 200
    assert "is never decided below the head of the setting" in response.content.decode()
    assert not RoutingRule.objects.exists()


# A kind added to the registry alone ------------------------------------------------------


class LiftHomeForm(DetailsForm):
    given_on = forms.DateField(label="When you gave the lift")
    reason = forms.CharField(label="Why a lift was needed", max_length=200)


EXTRA = Kind(
    code="lift_home",
    requirement="R99",
    name="Lift home in your car",
    question="I gave, or was asked to give, a pupil a lift home",
    guidance="Giving a pupil a lift home is agreed with the head and recorded.",
    details_form=LiftHomeForm,
    needs_approval=True,
    decider_in_school=Decider.HEAD,
    decider_in_pre_school=Decider.HEAD,
    registers=frozenset({Register.CONTACT_DETAILS}),
    example={"channels": ["in_person"], "given_on": registry.DAY, "reason": "It was raining"},
)


@pytest.fixture
def extra_kind():
    registry.register(EXTRA)
    yield EXTRA
    del KINDS[EXTRA.code]


def test_an_extra_kind_is_declared_routed_decided_filed_and_summarised(
    world, client, extra_kind, django_capture_on_commit_callbacks
):
    pupil = PupilFactory(setting=world.school_a, given_name="Ava", family_name="Quintero")
    sign_in_with_mfa(client, world.teacher_a)
    # Declared: it is offered, its form asks its own questions, the draft is submitted.
    assert extra_kind.question in client.get(reverse("declarations:choose")).content.decode()
    page = client.get(reverse("declarations:create", args=[extra_kind.code]))
    assert "Why a lift was needed" in page.content.decode()
    response = client.post(
        reverse("declarations:create", args=[extra_kind.code]),
        {
            "form_token": str(page.context["form"].initial["form_token"]),
            "setting": world.school_a.pk,
            "pupils": [pupil.pk],
            "notes": "",
            "action": "save",
            "details-channels": ["in_person"],
            "details-given_on": timezone.localdate().isoformat(),
            "details-reason": "It was raining and her mother was held up.",
        },
    )
    assert response.status_code == 302
    declaration = Declaration.objects.get(kind=extra_kind.code)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("declarations:submit", args=[declaration.pk]))
    # Routed by its entry: the head decides it.
    request = ApprovalRequest.objects.get(declaration=declaration)
    assert (request.decider, request.decider_role) == (world.head_a, DeciderRole.HEAD)
    assert default_role(extra_kind.code, world.school_a) == DeciderRole.HEAD
    # Decided by the head.
    sign_in_with_mfa(client, world.head_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            request.get_absolute_url(), {"outcome": "approved", "reasons": "No other way home."}
        )
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DECIDED
    # Filed on the staff file and the pupil's file, and listed on its register.
    entries = RegisterEntry.objects.filter(declaration=declaration)
    assert {(entry.person_id, entry.pupil_id) for entry in entries} == {
        (world.teacher_a.pk, None),
        (None, pupil.pk),
    }
    pupil_file = client.get(reverse("registers:pupil_file", args=[pupil.pk])).content.decode()
    assert extra_kind.name in pupil_file
    register = client.get(reverse("registers:contact_details")).content.decode()
    assert declaration.reference in register
    # Summarised for the governors: a line of its own in the table by kind.
    today = timezone.localdate()
    report = summary_build(
        organisation=world.school_a,
        period=custom_period(today - datetime.timedelta(days=7), today),
    )
    labels = [row["label"] for row in report["tables"]["kinds"]["rows"]]
    assert extra_kind.name in labels


def test_an_extra_kind_defaults_to_the_line_manager_when_its_entry_says_nothing(world, extra_kind):
    plain = Kind(
        code="plain_extra",
        requirement="R98",
        name="Plain",
        question="Plain",
        guidance="",
        details_form=DetailsForm,
        needs_approval=True,
    )
    registry.register(plain)
    try:
        assert default_role("plain_extra", world.school_a) == DeciderRole.LINE_MANAGER
        pre_school = SchoolFactory(kind=Organisation.Kind.PRESCHOOL)
        assert default_role("plain_extra", pre_school) == DeciderRole.LINE_MANAGER
    finally:
        del KINDS["plain_extra"]
