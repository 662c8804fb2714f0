"""Confidential stays confidential (issue #21 item 6, R34, KCSIE Part 4): the details of
events about a concern, a referral to the DSL or LADO advice are read only by the
safeguarding roles; the administrator searching the audit history sees that each
happened, not what it said, on the page and in the export."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.audit_actions import APPROVAL_DSL_ACTION_RECORDED
from approvals.models import ApprovalRequest, DslAction
from approvals.services import decision_record, dsl_log_record
from contactpolicy.audit_details import WITHHELD
from declarations.kinds import get_kind
from declarations.services import Subject, declaration_save_draft
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory
from tests.factories.declarations import cleaned_details
from tests.two_schools import submit

pytestmark = pytest.mark.django_db

CONCERN = "She waits by the school gate for me every evening"
PLACE = "The Wolfsbane Arms, upstairs"
GIFT = "A hand-knitted Quillfeather scarf"
LOGGED = "The LADO advised a conversation with the Pendlebury family"


def declared(world, kind: str, **answers):
    pupil = PupilFactory(setting=world.school_a)
    return submit(
        declaration_save_draft(
            actor=world.teacher_a,
            kind=get_kind(kind),
            setting=world.school_a,
            details=cleaned_details(kind, **answers),
            notes="",
            subjects=Subject(pupils=[pupil], family_members=[]),
            form_token=uuid.uuid4(),
        )
    )


def decided(world, declaration, outcome: str) -> None:
    request = ApprovalRequest.objects.get(declaration=declaration, purpose="decide")
    decision_record(
        actor=request.decider,
        request=request,
        outcome=outcome,
        details={"reasons": "For the safeguarding lead to consider."},
    )


@pytest.fixture
def trail(world):
    """A concern, a planned contact referred to the DSL, one on which LADO advice was
    sought, and a gift decided in the ordinary way, all in Ash Primary School."""
    concern = declared(world, "concern", description=CONCERN)
    referred = declared(world, "planned_social_contact", place=PLACE)
    decided(world, referred, "referred_to_dsl")
    lado = declared(world, "planned_social_contact", place=f"{PLACE} (again)")
    decided(world, lado, "lado_advice_sought")
    gift = declared(world, "gift", item=GIFT, value="5.00")
    return {"concern": concern, "referred": referred, "lado": lado, "gift": gift}


def page(client, reader) -> str:
    sign_in_with_mfa(client, reader)
    response = client.get(reverse("oversight:audit"))
    assert response.status_code == 200
    return response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def exported(client, reader) -> list[list[str]]:
    sign_in_with_mfa(client, reader)
    response = client.get(reverse("oversight:audit_export"))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()[1:])))


def rows_about(rows: list[list[str]], declaration) -> list[list[str]]:
    return [row for row in rows if row[3] == str(declaration)]


def test_the_administrator_sees_a_referral_happened_but_not_what_it_said(client, world, trail):
    rows = page(client, world.administrator)

    # That each happened: who, when, what, about which declaration.
    for declaration in (trail["concern"], trail["referred"], trail["lado"]):
        assert escape(str(declaration)) in rows
    assert "Declaration started" in rows
    assert "Decided" in rows
    # Not what it said: the concern's words, the place, the outcome.
    assert escape(CONCERN) not in rows
    assert escape(PLACE) not in rows
    assert "Referred to the DSL" not in rows
    assert "Advice sought from the LADO" not in rows
    assert escape(WITHHELD) in rows
    # The gift decided the ordinary way is read in full.
    assert escape(GIFT) in rows


def test_the_administrators_export_withholds_the_same(client, world, trail):
    rows = exported(client, world.administrator)
    text = "\n".join(",".join(row) for row in rows)

    for key in ("concern", "referred", "lado"):
        about = rows_about(rows, trail[key])
        assert about, key
        assert {row[5] for row in about} == {WITHHELD}, key
    assert CONCERN not in text
    assert PLACE not in text
    assert "Referred to the DSL" not in text
    assert any(GIFT in row[5] for row in rows_about(rows, trail["gift"]))


@pytest.mark.parametrize("reader", ["dsl_a", "executive_head"])
def test_the_safeguarding_roles_read_what_it_said(client, world, trail, reader):
    rows = page(client, getattr(world, reader))
    exported_rows = exported(client, getattr(world, reader))

    assert escape(CONCERN) in rows
    assert escape(PLACE) in rows
    assert "Referred to the DSL" in rows
    assert "Advice sought from the LADO" in rows
    assert escape(WITHHELD) not in rows
    assert any(CONCERN in row[5] for row in rows_about(exported_rows, trail["concern"]))
    assert any(PLACE in row[5] for row in rows_about(exported_rows, trail["referred"]))


def test_events_written_before_the_referral_are_confidential_once_it_is_made(client, world, trail):
    """The referred declaration was submitted, with its place, before anyone referred it:
    those rows are withheld too, since they say what the referral is about."""
    rows = rows_about(exported(client, world.administrator), trail["referred"])
    actions = {row[2] for row in rows}

    assert {"Declaration started", "Declaration submitted", "Decided"} <= actions
    assert {row[5] for row in rows} == {WITHHELD}


def test_another_schools_dsl_reads_none_of_it(client, world, trail):
    head_other_rows = page(client, world.administrator_other)

    assert escape(str(trail["concern"])) not in head_other_rows
    assert escape(CONCERN) not in head_other_rows


def test_the_dsls_log_is_confidential_whatever_it_is_about(client, world, trail):
    copy = ApprovalRequest.objects.get(declaration=trail["concern"], decider=world.dsl_a)
    dsl_log_record(
        actor=world.dsl_a,
        request=copy,
        action=DslAction.LADO_ADVICE,
        done_on=timezone.localdate(),
        done_by=world.dsl_a,
        outcome=LOGGED,
    )

    assert APPROVAL_DSL_ACTION_RECORDED.confidential  # by its action, not only its record
    as_administrator = page(client, world.administrator)
    assert "DSL&#x27;s log: what was done recorded" in as_administrator
    assert escape(LOGGED) not in as_administrator
    as_dsl = page(client, world.dsl_a)
    assert escape(LOGGED) in as_dsl
    assert "Sought advice from the LADO" in as_dsl
    assert f"Done by:</span> {escape(world.dsl_a.get_full_name())}" in as_dsl.replace(
        f'<a href="/registers/staff/{world.dsl_a.pk}/">', ""
    ).replace("</a>", "")
