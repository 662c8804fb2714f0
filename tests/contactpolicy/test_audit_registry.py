"""The registry of audit actions (contactpolicy/audit.py, issue #17 item 5): every action
written anywhere is registered with its label, once; nothing else can be written."""

from __future__ import annotations

import ast
import copy
import pickle
from pathlib import Path

import pytest

from contactpolicy.audit import (
    ActionGroup,
    AuditAction,
    AuditActionRegistry,
    codes_of,
    label_of,
    registry,
)
from contactpolicy.audit_actions import SIGNED_IN
from contactpolicy.exceptions import (
    AuditActionError,
    DuplicateAuditAction,
    UnregisteredAuditAction,
)
from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record
from declarations.audit_actions import DECLARATION_SUBMITTED
from tests.project import APPS, ROOT

# The action ---------------------------------------------------------------------------


def test_an_action_is_its_code_and_carries_its_label_and_heading():
    assert DECLARATION_SUBMITTED == "declaration.submitted"
    assert DECLARATION_SUBMITTED.code == "declaration.submitted"
    assert type(DECLARATION_SUBMITTED.code) is str
    assert DECLARATION_SUBMITTED.label == "Declaration submitted"
    assert DECLARATION_SUBMITTED.group == "Declarations"
    assert {DECLARATION_SUBMITTED: 1}["declaration.submitted"] == 1


def test_an_action_cannot_be_changed():
    with pytest.raises(AttributeError):
        DECLARATION_SUBMITTED.label = "Something else"
    with pytest.raises(AttributeError):
        del DECLARATION_SUBMITTED.label

    assert DECLARATION_SUBMITTED.label == "Declaration submitted"


def test_a_copy_or_a_pickle_of_an_action_is_its_plain_code():
    for copied in (copy.deepcopy(SIGNED_IN), pickle.loads(pickle.dumps(SIGNED_IN))):  # noqa: S301
        assert copied == "auth.signed_in"
        assert type(copied) is str


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("", "Nothing"),
        ("declaration submitted", "Spaces in the code"),
        ("x" * 65, "Longer than AuditEvent.action"),
        ("test.unlabelled", "  "),
    ],
)
def test_an_action_needs_a_one_word_code_that_fits_and_a_label(code, label):
    with pytest.raises(AuditActionError):
        AuditActionRegistry().register(code, label, group="Tests")


def test_every_registered_action_fits_the_audit_table_and_has_a_heading():
    assert len(registry) > 60
    for action in registry:
        assert isinstance(action, AuditAction)
        assert len(action.code) <= AuditEvent._meta.get_field("action").max_length
        assert action.label.strip()
        assert action.group.strip()


# Registering once ---------------------------------------------------------------------


def test_registering_the_same_code_twice_is_an_error():
    actions = ActionGroup("Tests", registry=AuditActionRegistry())
    first = actions.add("test.made", "Made in a test")

    with pytest.raises(DuplicateAuditAction, match=r"test\.made"):
        actions.add("test.made", "Made in a test again")

    assert list(actions.registry) == [first]
    assert actions.registry.label_of("test.made") == "Made in a test"


def test_an_app_registering_a_code_another_app_has_is_refused_and_changes_nothing():
    before = list(registry)

    with pytest.raises(DuplicateAuditAction, match=r"'declaration\.submitted'.*Declarations"):
        ActionGroup("Another app").add("declaration.submitted", "Submitted elsewhere")

    assert list(registry) == before
    assert label_of("declaration.submitted") == "Declaration submitted"


def test_a_former_code_cannot_be_registered_again_nor_replace_two_actions():
    actions = ActionGroup("Tests", registry=AuditActionRegistry())
    actions.add("test.renamed", "Renamed in a test", formerly=["test.old"])

    with pytest.raises(DuplicateAuditAction):
        actions.add("test.old", "The old one back")
    with pytest.raises(DuplicateAuditAction):
        actions.add("test.other", "Another", formerly=["test.old"])
    with pytest.raises(DuplicateAuditAction):
        actions.add("test.itself", "Itself", formerly=["test.itself"])


def test_two_actions_cannot_read_alike_in_the_filter():
    actions = ActionGroup("Tests", registry=AuditActionRegistry())
    actions.add("test.one", "Reminder sent")

    with pytest.raises(DuplicateAuditAction, match="label"):
        actions.add("test.two", "reminder sent")


def test_choices_are_grouped_by_heading_in_the_order_registered():
    tests = AuditActionRegistry()
    first, second = ActionGroup("First", registry=tests), ActionGroup("Second", registry=tests)
    first.add("test.a", "A")
    second.add("test.b", "B")
    first.add("test.c", "C")

    assert tests.choices() == [
        ("First", [("test.a", "A"), ("test.c", "C")]),
        ("Second", [("test.b", "B")]),
    ]


# Labels and codes of stored rows ------------------------------------------------------


def test_a_stored_code_that_was_replaced_keeps_its_label_and_is_filtered_with_its_successor():
    assert label_of("directory.routingrule.changed") == (
        "Routing rule changed in the administration screens"
    )
    assert codes_of("approvals.routingrule.changed") == [
        "approvals.routingrule.changed",
        "directory.routingrule.changed",
    ]


def test_a_code_nobody_registers_is_shown_as_it_is():
    assert label_of("retired.long_ago") == "retired.long_ago"
    assert codes_of("retired.long_ago") == ["retired.long_ago"]


# Writing only what is registered ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["test.made_up", "", None, "directory.routingrule.changed"])
def test_recording_an_unregistered_action_is_refused_and_writes_nothing(person, action):
    before = AuditEvent.objects.count()

    with pytest.raises(UnregisteredAuditAction):
        audit_event_record(actor=person, action=action, target=person)

    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_replaced_code_is_refused_with_the_code_to_use_instead(person):
    with pytest.raises(UnregisteredAuditAction, match=r"approvals\.routingrule\.changed"):
        audit_event_record(actor=person, action="directory.routingrule.changed")


@pytest.mark.django_db
def test_a_registered_action_is_stored_as_its_plain_code(person):
    event = audit_event_record(actor=person, action=SIGNED_IN, target=person)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == "auth.signed_in"
    assert type(stored.action) is str


# No action written as a string in the app code ----------------------------------------


def app_modules() -> list[tuple[Path, ast.Module]]:
    """Every module of the apps' own code: not the tests, not the migrations."""
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                modules.append((path, ast.parse(path.read_text(), filename=str(path))))
    return modules


def called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def test_the_scan_finds_a_string_action_where_there_is_one():
    tree = ast.parse(
        'audit_event_record(actor=None, action="demo.loaded")\n'
        'services.audit_event_record(actor=x, action=f"directory.{name}.saved")\n'
        'audit_event_record(actor=x, action=A if y else "approval.routed")\n'
        "audit_event_record(actor=x, action=APPROVAL_ROUTED)\n"
    )
    assert len(string_actions(tree)) == 3


def string_actions(tree: ast.Module) -> list[int]:
    """Lines where audit_event_record is given an action written as a string."""
    return [
        keyword.value.lineno
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and called_name(call) == "audit_event_record"
        for keyword in call.keywords
        if keyword.arg == "action"
        and any(
            isinstance(node, ast.JoinedStr)
            or (isinstance(node, ast.Constant) and isinstance(node.value, str))
            for node in ast.walk(keyword.value)
        )
    ]


def test_no_app_passes_audit_event_record_an_action_written_as_a_string():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, tree in app_modules()
        for line in string_actions(tree)
    ]
    assert not found, f"pass the app's constant from its audit_actions.py: {found}"


def test_no_app_writes_a_registered_code_as_a_string_outside_its_audit_actions():
    codes = {code for action in registry for code in (action.code, *action.formerly)}
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
        for path, tree in app_modules()
        if path.name != "audit_actions.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in codes
    ]
    assert not found, f"use the constant from the app's audit_actions.py: {found}"


def test_every_app_names_its_audit_actions_in_its_own_audit_actions_module():
    for app in APPS:
        assert (ROOT / app / "audit_actions.py").exists(), app
