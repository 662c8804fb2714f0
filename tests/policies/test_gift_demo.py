"""Issue #19's gifts on the demo, as a new user would find them: the demo follows policy
004 (no gifts of money or goods), no gift against the rule is approved in its history,
and a voucher from a family waits for the head of Brookfield, marked against the rule."""

import copy

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, Decision, Outcome
from approvals.selectors import gift_check_for
from declarations.kinds import kinds_where
from demo.people import demo_plan
from directory.models import Organisation, Person
from policies.models import GiftRule
from policies.selectors import gift_rule_in_force
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.demo import load_demo

pytestmark = pytest.mark.django_db

GIFT = kinds_where(is_gift=True)[0]
APPROVING = [Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS]
VOUCHER = "A voucher: vouchers and gift cards are never allowed, whatever their value."


@once_per_module
def demo_for_the_module():
    """The demo, loaded once for the module (tests/conftest.py ``once_per_module``)."""
    load_demo()
    plan = demo_plan(timezone.localdate())
    return {key: Person.objects.get(email=person.email) for key, person in plan.people.items()}


@pytest.fixture
def demo(demo_for_the_module, db):
    return copy.deepcopy(demo_for_the_module)


def test_every_demo_setting_follows_policy_004(demo):
    for name in (
        "Brookfield Primary School",
        "Millbrook Primary School",
        "Little Acorns Pre-school",
    ):
        in_force = gift_rule_in_force(Organisation.objects.get(name=name))
        assert in_force.forbids_gifts, name
        assert "does not allow gifts of money or goods" in in_force.in_words
    assert set(GiftRule.objects.values_list("organisation__name", flat=True)) == {
        "Brookfield and Millbrook Federation",
        "Little Acorns Pre-school",
    }


def test_no_gift_is_approved_in_the_demos_history(demo):
    decided = Decision.objects.filter(request__declaration__kind=GIFT.code)

    assert decided.filter(outcome=Outcome.REFUSED).count() >= 10
    assert not decided.filter(outcome__in=APPROVING).exists()
    for decision in decided.select_related("request__declaration__setting"):
        check = gift_check_for(decision.request)
        # Decided under the rule: it was set before the history the demo shows.
        assert check.rule.forbids_gifts
        if decision.outcome == Outcome.REFUSED:
            assert "does not allow gifts of money or goods (policy 004)" in decision.reasons


def test_the_executive_heads_own_voucher_is_refused_by_the_chair(demo):
    [decision] = Decision.objects.filter(decided_by=demo["chair"])

    assert decision.request.declaration.declarant == demo["exec"]
    assert decision.request.declaration.details["gift_type"] == "voucher"
    assert decision.outcome == Outcome.REFUSED
    assert VOUCHER in decision.reasons


def test_a_voucher_from_a_family_waits_for_the_head_marked_against_the_rule(demo, client):
    head = demo["bro_head"]
    request = ApprovalRequest.objects.get(
        decider=head,
        status=ApprovalRequest.Status.OPEN,
        declaration__kind=GIFT.code,
        declaration__details__gift_type="voucher",
    )
    sign_in_with_mfa(client, head)

    dashboard = client.get(reverse("approvals:dashboard")).content.decode()
    page = client.get(request.get_absolute_url())

    assert request.get_absolute_url() in dashboard
    assert page.status_code == 200
    assert request.declaration.declarant == demo["bro_teacher1"]
    assert request.declaration.details["other_party"] == "A parent"
    text = page.content.decode()
    assert "Against the rule on gifts" in text
    assert escape(VOUCHER) in text
    assert (
        escape(
            "Gifts are not allowed: Brookfield Primary School does not allow gifts of money or "
            "goods (policy 004)."
        )
        in text
    )
    assert "£20.00: A voucher or gift card" in text
