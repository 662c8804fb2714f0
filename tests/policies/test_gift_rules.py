"""Rules on gifts per organisation (R15, R40; issue #19 item 4): a federation's or trust's
rule applies to its schools unless a school sets its own; the head or administrator sets
it, and bad input is refused, recorded and changes nothing; the declarant's form says
the rule in plain words; the decision page shows it beside the declared gift and marks
a gift over the limit, of cash or a voucher, or any gift where gifts are not allowed."""

import datetime
import decimal
import random

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest, Outcome
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.kinds import KINDS, get_kind, kinds_where
from declarations.services import declaration_submit
from directory.models import Role
from policies.exceptions import PolicyError
from policies.models import GiftRule, GiftType
from policies.selectors import gift_rule_in_force, gift_rules_by_setting
from policies.services import gift_rule_set
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory, SchoolFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory, details_json
from tests.factories.policies import GiftRuleFactory

pytestmark = pytest.mark.django_db

GIFTS_URL = reverse("policies:gifts")
GIFT = kinds_where(is_gift=True)[0]
DECLARE_URL = reverse("declarations:create", args=[GIFT.code])
FORBIDS_AT_ASH = (
    "Ash Primary School does not allow gifts of money or goods: staff must not give, "
    "receive or exchange gifts with pupils, their families or carers (policy 004)."
)
NOT_ALLOWED = "Gifts are not allowed"
CASH = "Money: cash is never allowed as a gift, whatever the amount."
VOUCHER = "A voucher: vouchers and gift cards are never allowed, whatever their value."
OVER = "Over the limit"
AGAINST = "Against the rule on gifts"


def in_page(response, text: str) -> bool:
    return escape(text) in response.content.decode()


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def tokens(organisation, limit: str) -> GiftRule:
    return GiftRuleFactory(
        organisation=organisation,
        allows=GiftRule.Allows.TOKENS,
        token_limit=decimal.Decimal(limit),
    )


def nothing(organisation) -> GiftRule:
    return GiftRuleFactory(organisation=organisation, allows=GiftRule.Allows.NOTHING)


def own_rule(organisation) -> tuple[str, decimal.Decimal | None] | None:
    rule = GiftRule.objects.filter(organisation=organisation).first()
    return None if rule is None else (rule.allows, rule.token_limit)


# Which rule applies --------------------------------------------------------------------


def test_a_school_without_its_own_rule_follows_its_federations(world):
    nothing(world.federation)

    in_force = gift_rule_in_force(world.school_b)

    assert in_force.rule.organisation == world.federation
    assert in_force.inherited
    assert in_force.forbids_gifts


def test_a_schools_own_rule_replaces_its_federations(world):
    nothing(world.federation)
    tokens(world.school_a, "10")

    ash, birch = gift_rules_by_setting([world.school_a, world.school_b])

    assert (ash.rule.organisation, ash.token_limit, ash.inherited) == (
        world.school_a,
        decimal.Decimal("10"),
        False,
    )
    assert ash.in_words == (
        "Token gifts worth up to £10 are allowed at Ash Primary School; never cash or "
        "vouchers, whatever their value."
    )
    assert birch.forbids_gifts
    assert birch.rule.organisation == world.federation


def test_a_school_alone_has_no_rule_until_it_sets_one_and_never_another_schools(world):
    nothing(world.federation)
    tokens(world.school_a, "10")

    in_force = gift_rule_in_force(world.other_school)

    assert in_force.rule is None
    assert in_force.marks(GIFT.gift_declared({"gift_type": "goods", "value": "500"})) == []
    assert "Cedar Primary School has not set its rule on gifts yet" in in_force.in_words


def test_the_rules_of_many_settings_cost_one_query(world):
    nothing(world.federation)
    tokens(world.school_a, "5")
    settings = [world.school_a, world.school_b, world.other_school] + [
        SchoolFactory(parent=world.federation) for _ in range(5)
    ]

    with CaptureQueriesContext(connection) as queries:
        rules = gift_rules_by_setting(settings)
        words = [in_force.in_words for in_force in rules]

    assert len(queries.captured_queries) == 1
    assert len(words) == len(settings)


# Setting the rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setter", "where"),
    [("head_a", "school_a"), ("administrator", "school_b"), ("executive_head", "federation")],
)
def test_the_head_or_administrator_sets_token_gifts_up_to_an_amount(world, client, setter, where):
    organisation = getattr(world, where)
    sign_in_with_mfa(client, getattr(world, setter))

    response = client.post(
        GIFTS_URL,
        {"organisation": organisation.pk, "allows": "tokens", "token_limit": " 7.50 "},
    )

    assert response.status_code == 302
    assert response.url == f"{GIFTS_URL}?organisation={organisation.pk}"
    assert own_rule(organisation) == ("tokens", decimal.Decimal("7.50"))
    [event] = events("policy.gift_rule_changed")
    assert event.actor == getattr(world, setter)
    assert event.organisation_pk == organisation.pk
    assert event.data == {"before": None, "after": {"allows": "tokens", "token_limit": "7.50"}}
    page = client.get(response.url)
    assert in_page(page, "Token gifts worth up to £7.50 are allowed at")


def test_changing_the_rule_is_audited_with_before_and_after_and_kept_in_its_history(world, client):
    tokens(world.school_a, "10")
    sign_in_with_mfa(client, world.head_a)

    client.post(GIFTS_URL, {"organisation": world.school_a.pk, "allows": "nothing"})

    assert own_rule(world.school_a) == ("nothing", None)
    rule = GiftRule.objects.get(organisation=world.school_a)
    assert rule.changed_by == world.head_a
    assert [record.allows for record in rule.history.order_by("history_date")] == [
        "tokens",
        "nothing",
    ]
    [event] = events("policy.gift_rule_changed")
    assert event.data == {
        "before": {"allows": "tokens", "token_limit": "10.00"},
        "after": {"allows": "nothing", "token_limit": None},
    }


def test_a_school_can_go_back_to_following_its_federations_rule(world, client):
    nothing(world.federation)
    tokens(world.school_a, "10")
    sign_in_with_mfa(client, world.head_a)
    form = client.get(GIFTS_URL, {"organisation": world.school_a.pk})
    assert in_page(form, "Follow Oak Federation's rule: no gifts of money or goods")

    response = client.post(GIFTS_URL, {"organisation": world.school_a.pk, "allows": "follow"})

    assert response.status_code == 302
    assert own_rule(world.school_a) is None
    assert gift_rule_in_force(world.school_a).rule.organisation == world.federation
    [event] = events("policy.gift_rule_changed")
    assert event.data == {"before": {"allows": "tokens", "token_limit": "10.00"}, "after": None}


def test_saving_the_same_rule_again_writes_nothing(world):
    tokens(world.school_a, "10")

    gift_rule_set(
        actor=world.head_a,
        organisation=world.school_a,
        allows="tokens",
        token_limit=decimal.Decimal("10"),
    )

    assert not events("policy.gift_rule_changed")
    assert GiftRule.history.filter(organisation=world.school_a).count() == 1


def test_following_when_there_is_nothing_of_ones_own_writes_nothing(world):
    gift_rule_set(actor=world.head_a, organisation=world.school_a, allows=None)

    assert not GiftRule.objects.exists()
    assert not events("policy.gift_rule_changed")


BAD_INPUT = [
    ({"allows": "tokens", "token_limit": "-5"}, "The amount cannot be negative."),
    (
        {"allows": "nothing", "token_limit": "10"},
        "Leave the amount empty when no gifts are allowed, or choose token gifts.",
    ),
    (
        {"allows": "tokens", "token_limit": ""},
        "Give the most a token gift may be worth, in pounds.",
    ),
    ({"allows": "tokens", "token_limit": "0"}, "Give an amount above £0"),
    ({"allows": "tokens", "token_limit": "5000"}, "A token gift is worth at most £1,000"),
    ({"allows": "tokens", "token_limit": "ten"}, "Give the amount in pounds, for example 10"),
    ({"allows": "tokens", "token_limit": "1.005"}, "no more than 2 decimal places"),
    ({"allows": "follow", "token_limit": "10"}, "Leave the amount empty when following"),
    ({"allows": "everything"}, "Select a valid choice"),
    ({}, "Choose whether gifts are allowed."),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUT)
def test_a_bad_rule_is_refused_with_a_message_changes_nothing_and_is_recorded(
    world, client, data, message
):
    tokens(world.school_a, "10")
    sign_in_with_mfa(client, world.head_a)

    response = client.post(GIFTS_URL, {"organisation": world.school_a.pk, **data})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert escape(message) in page
    assert own_rule(world.school_a) == ("tokens", decimal.Decimal("10"))
    assert not events("policy.gift_rule_changed")
    [refused] = events("policy.gift_rule_refused")
    assert refused.actor == world.head_a
    assert refused.organisation_pk == world.school_a.pk
    assert refused.data["asked"] == {
        "allows": data.get("allows", ""),
        "token_limit": data.get("token_limit", ""),
    }
    assert any(message in reason for reason in refused.data["reasons"])


def test_a_school_alone_cannot_follow_a_federation_it_is_not_in(world, client):
    sign_in_with_mfa(client, world.head_other)

    form = client.get(GIFTS_URL)
    response = client.post(GIFTS_URL, {"organisation": world.other_school.pk, "allows": "follow"})

    assert "Follow" not in form.content.decode()
    assert response.status_code == 200
    assert in_page(response, "Select a valid choice")
    assert not GiftRule.objects.exists()


@pytest.mark.parametrize(
    ("allows", "limit", "message"),
    [
        ("tokens", "-1", "cannot be negative"),
        ("nothing", "10", "Leave the amount empty"),
        ("tokens", None, "Give the most a token gift may be worth"),
        (None, "10", "Leave the amount empty when following"),
    ],
)
def test_the_service_refuses_a_bad_rule_whoever_calls_it(world, allows, limit, message):
    nothing(world.school_a)

    with pytest.raises(PolicyError, match=message):
        gift_rule_set(
            actor=world.head_a,
            organisation=world.school_a,
            allows=allows,
            token_limit=None if limit is None else decimal.Decimal(limit),
        )

    assert own_rule(world.school_a) == ("nothing", None)
    assert not events("policy.gift_rule_changed")


def test_the_database_refuses_a_limit_without_token_gifts_or_a_negative_one(world):
    with transaction.atomic(), pytest.raises(IntegrityError):
        GiftRuleFactory(organisation=world.school_a, token_limit=decimal.Decimal("10"))
    with transaction.atomic(), pytest.raises(IntegrityError):
        tokens(world.school_b, "-1")
    with transaction.atomic(), pytest.raises(IntegrityError):
        GiftRuleFactory(organisation=world.federation, allows=GiftRule.Allows.TOKENS)

    assert not GiftRule.objects.exists()


@pytest.mark.parametrize("person", ["teacher_a", "dsl_a", "governor", "chair", "line_manager_a"])
def test_nobody_but_the_head_executive_head_or_administrator_sets_the_rule(world, client, person):
    nothing(world.school_a)
    sign_in_with_mfa(client, getattr(world, person))

    assert client.get(GIFTS_URL).status_code == 404
    response = client.post(
        GIFTS_URL, {"organisation": world.school_a.pk, "allows": "tokens", "token_limit": "50"}
    )

    assert response.status_code == 404
    assert own_rule(world.school_a) == ("nothing", None)
    assert not events("policy.gift_rule_changed")


def test_the_service_refuses_someone_without_a_policy_role(world):
    with pytest.raises(PolicyError, match="Only the head, the Executive Headteacher"):
        gift_rule_set(actor=world.dsl_a, organisation=world.school_a, allows="nothing")

    assert not GiftRule.objects.exists()


@pytest.mark.parametrize(
    ("setter", "forged"),
    [
        ("head_a", "other_school"),
        ("head_a", "school_b"),
        ("head_a", "federation"),
        ("administrator", "other_school"),
        ("administrator_other", "school_a"),
    ],
)
def test_another_organisations_rule_is_neither_shown_nor_set(world, client, setter, forged):
    organisation = getattr(world, forged)
    tokens(organisation, "25")
    sign_in_with_mfa(client, getattr(world, setter))

    shown = client.get(GIFTS_URL, {"organisation": organisation.pk})
    response = client.post(GIFTS_URL, {"organisation": organisation.pk, "allows": "nothing"})

    assert shown.status_code == 404
    assert response.status_code == 404
    assert own_rule(organisation) == ("tokens", decimal.Decimal("25"))
    assert not events("policy.gift_rule_changed")
    assert not events("policy.gift_rule_refused")


def test_the_page_says_whose_rule_applies_now(world, client):
    nothing(world.federation)
    sign_in_with_mfa(client, world.administrator)

    response = client.get(GIFTS_URL, {"organisation": world.school_b.pk})

    assert response.status_code == 200
    assert in_page(response, "Birch Primary School does not allow gifts of money or goods")
    assert "This is Oak Federation's rule." in response.content.decode()
    assert response.context["form"]["allows"].value() == "follow"


def test_the_policy_page_says_the_rule_where_the_person_works(world, client):
    nothing(world.federation)
    tokens(world.other_school, "20")
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("policies:index"))

    assert in_page(response, FORBIDS_AT_ASH)
    assert not in_page(response, "£20")


# The declarant's form ------------------------------------------------------------------


def test_the_gift_form_says_when_gifts_are_not_allowed(world, client):
    nothing(world.federation)
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(DECLARE_URL)

    assert response.status_code == 200
    assert in_page(response, "The rule on gifts")
    assert in_page(response, FORBIDS_AT_ASH)


def test_the_gift_form_says_the_token_limit_and_never_cash_or_vouchers(world, client):
    nothing(world.federation)
    tokens(world.school_a, "10")
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(DECLARE_URL)

    assert in_page(
        response,
        "Token gifts worth up to £10 are allowed at Ash Primary School; never cash or "
        "vouchers, whatever their value.",
    )
    assert not in_page(response, "does not allow gifts")


def test_the_gift_form_says_when_no_rule_is_set(world, client):
    sign_in_with_mfa(client, world.teacher_other)

    response = client.get(DECLARE_URL)

    assert in_page(
        response,
        "Cedar Primary School has not set its rule on gifts yet. Declare every gift you are "
        "offered or want to give, and never give or accept cash or vouchers.",
    )


def test_the_gift_form_asks_whether_it_is_goods_a_voucher_or_money(world, client):
    sign_in_with_mfa(client, world.teacher_a)

    page = client.get(DECLARE_URL).content.decode()

    assert "Is it goods, a voucher or money?" in page
    for code, label in GiftType.choices:
        assert f'value="{code}"' in page
        assert escape(label) in page


def test_someone_in_two_settings_reads_each_ones_rule_and_no_other(world, client):
    tokens(world.school_a, "10")
    nothing(world.school_b)
    tokens(world.other_school, "99")
    both = person_with_roles(world.school_a, Role.STAFF)
    both.memberships.create(organisation=world.school_b, role=Role.STAFF)
    sign_in_with_mfa(client, both)

    response = client.get(DECLARE_URL)

    # One disclosure, each setting's rule named after it (#22).
    assert response.content.decode().count("<summary>The rule on gifts</summary>") == 1
    assert in_page(response, "Ash Primary School:")
    assert in_page(response, "Birch Primary School:")
    assert in_page(response, "Token gifts worth up to £10 are allowed at Ash Primary School")
    assert in_page(response, "Birch Primary School does not allow gifts of money or goods")
    assert not in_page(response, "£99")


def test_another_kinds_form_says_nothing_of_gifts(world, client):
    nothing(world.federation)
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("declarations:create", args=["planned_social_contact"]))

    assert response.status_code == 200
    assert not in_page(response, "The rule on gifts")


def test_the_form_refuses_a_gift_without_saying_what_form_it_takes():
    details = {**details_json(GIFT.code)}
    del details["gift_type"]

    form = GIFT.form(data=details)

    assert not form.is_valid()
    assert form.errors["gift_type"] == ["Choose whether the gift is goods, a voucher or money"]


def test_a_gift_declared_before_the_question_still_reads_whole():
    details = {**details_json(GIFT.code)}
    del details["gift_type"]

    rows = dict(GIFT.describe(details))

    assert rows["What the gift is"] == "A box of chocolates"
    assert rows["Estimated value in pounds"] == "£12.50"
    assert "Is it goods, a voucher or money?" not in rows
    assert GIFT.gift_declared(details).form is None


def test_only_gift_kinds_say_what_a_gift_is():
    assert [kind.code for kind in KINDS.values() if kind.is_gift] == [GIFT.code]
    assert get_kind("planned_social_contact").gift_declared({"value": "10"}) is None


def test_the_examples_never_call_a_voucher_goods():
    rng = random.Random(3)
    seen = set()
    for _ in range(60):
        answers = GIFT.example_answers(timezone.localdate(), rng)
        seen.add((answers["item"], answers["gift_type"]))
        assert GIFT.form(data=answers).is_valid()

    assert ("Voucher", "voucher") in seen
    assert all(form == "voucher" for item, form in seen if item == "Voucher")
    assert all(form == "goods" for item, form in seen if item != "Voucher")


# The decision page ---------------------------------------------------------------------


@pytest.fixture
def declared_gift(world, django_capture_on_commit_callbacks):
    """A gift declared at ``setting`` with these answers, submitted and routed: the
    request of the person who decides it."""

    def declared_gift(setting=None, declarant=None, **answers) -> ApprovalRequest:
        setting = setting or world.school_a
        declarant = declarant or world.teacher_a
        details = {**details_json(GIFT.code), **answers}
        declaration = DeclarationFactory(
            declarant=declarant, setting=setting, kind=GIFT.code, details=details
        )
        DeclarationSubjectFactory(declaration=declaration, pupil=PupilFactory(setting=setting))
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=declarant, declaration=declaration)
        return ApprovalRequest.objects.get(
            declaration=declaration,
            purpose=ApprovalRequest.Purpose.DECIDE,
            status=ApprovalRequest.Status.OPEN,
        )

    return declared_gift


def decision_page(client, request: ApprovalRequest) -> str:
    sign_in_with_mfa(client, request.decider)
    response = client.get(request.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def gift_box(page: str) -> str:
    """The part of the decision page about the rule on gifts."""
    start = page.index('aria-labelledby="gift-rule-title"')
    return page[start : page.index("</section>", start)]


def section_tag(page: str) -> str:
    end = page.index('aria-labelledby="gift-rule-title"')
    return page[page.rindex("<section", 0, end) : end]


def test_a_voucher_is_marked_against_the_token_rule(world, client, declared_gift):
    tokens(world.school_a, "10")
    request = declared_gift(gift_type="voucher", value="5", item="A £5 book token")

    box = gift_box(decision_page(client, request))

    assert AGAINST in box
    assert "alert-warning" in section_tag(decision_page(client, request))
    assert escape(VOUCHER) in box
    assert "£5.00: A voucher or gift card" in box
    assert escape("Token gifts worth up to £10 are allowed at Ash Primary School") in box
    assert OVER not in box


def test_cash_is_marked_against_the_token_rule(world, client, declared_gift):
    tokens(world.school_a, "10")
    request = declared_gift(gift_type="cash", value="5")

    box = gift_box(decision_page(client, request))

    assert AGAINST in box
    assert escape(CASH) in box
    assert "Money: cash, a cheque or a transfer" in box


def test_goods_over_the_limit_are_marked_with_the_value_and_the_limit(world, client, declared_gift):
    tokens(world.school_a, "10")
    request = declared_gift(gift_type="goods", value="25")

    box = gift_box(decision_page(client, request))

    assert AGAINST in box
    assert (
        escape("Over the limit: worth £25.00, more than the £10 a token gift may be worth.") in box
    )
    assert escape(VOUCHER) not in box


@pytest.mark.parametrize("value", ["10", "3.50"])
def test_goods_within_the_limit_are_not_marked(world, client, declared_gift, value):
    tokens(world.school_a, "10")
    request = declared_gift(gift_type="goods", value=value)

    page = decision_page(client, request)
    box = gift_box(page)

    assert AGAINST not in page
    assert "Within the rule." in box
    assert "alert-warning" not in section_tag(page)
    assert escape("Token gifts worth up to £10 are allowed at Ash Primary School") in box


def test_any_gift_is_marked_where_gifts_are_not_allowed(world, client, declared_gift):
    nothing(world.federation)
    request = declared_gift(gift_type="goods", value="3")

    box = gift_box(decision_page(client, request))

    assert AGAINST in box
    assert (
        escape(
            f"{NOT_ALLOWED}: Ash Primary School does not allow gifts of money or goods "
            "(policy 004)."
        )
        in box
    )
    assert escape(FORBIDS_AT_ASH) in box


def test_a_voucher_where_gifts_are_not_allowed_is_marked_both_ways(world, client, declared_gift):
    nothing(world.federation)
    request = declared_gift(gift_type="voucher", value="20")

    box = gift_box(decision_page(client, request))

    assert NOT_ALLOWED in box
    assert escape(VOUCHER) in box


def test_the_decision_page_shows_the_declarations_own_settings_rule(world, client, declared_gift):
    nothing(world.federation)
    tokens(world.school_a, "50")
    tokens(world.other_school, "99")
    request = declared_gift(setting=world.school_b, declarant=world.teacher_b, value="30")

    page = decision_page(client, request)
    box = gift_box(page)

    assert escape("Birch Primary School does not allow gifts of money or goods") in box
    assert "£50" not in page
    assert "£99" not in page


def test_a_gift_declared_before_the_question_is_shown_and_said_so(world, client, declared_gift):
    tokens(world.school_a, "10")
    request = declared_gift(value="4")
    declaration = request.declaration
    del declaration.details["gift_type"]
    declaration.save(update_fields=["details"])

    page = decision_page(client, request)
    box = gift_box(page)

    assert "does not say whether the gift is goods, a voucher or money" in box
    assert "£4.00" in box
    assert AGAINST not in page
    assert "A box of chocolates" in page


def test_a_decided_gift_is_shown_beside_the_rule_it_was_decided_under(
    world, client, declared_gift, time_machine
):
    tokens(world.school_a, "10")
    request = declared_gift(gift_type="goods", value="8")
    decision_record(actor=request.decider, request=request, outcome=Outcome.APPROVED, details={})
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=2))
    gift_rule_set(actor=world.head_a, organisation=world.school_a, allows="nothing")

    box = gift_box(decision_page(client, request))

    assert "The rule at Ash Primary School when it was decided" in box
    assert escape("Token gifts worth up to £10 are allowed at Ash Primary School") in box
    assert "does not allow gifts" not in box
    assert "Within the rule." in box


def test_another_kind_has_no_gift_rule_on_its_decision_page(
    world, client, django_capture_on_commit_callbacks
):
    nothing(world.federation)
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    request = declaration.approval_requests.get(status=ApprovalRequest.Status.OPEN)

    page = decision_page(client, request)

    assert "gift-rule-title" not in page
    assert "The rule on gifts" not in page
