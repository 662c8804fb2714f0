"""The large trust for load tests (#10): ``seed_scale`` and its command. The same plan
gives the same rows; what it writes has the shape and proportions asked for and obeys
the rules an auditor checks (one decision each, nobody deciding their own, outcomes on
the files, every step in the audit history); the pages work on it; the ORM can carry on
after it; and the command refuses what it should."""

import collections
import copy
import datetime
import hashlib
import html
import io
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from approvals.models import FINAL_OUTCOMES, ApprovalRequest, DeciderRole, Decision, Outcome
from bench.scale import (
    KIND_WEIGHTS,
    LOADED,
    SCALE_PASSWORD,
    ScalePlan,
    loaded_plan,
    seed_scale,
)
from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record
from declarations.audit_actions import DECLARATION_VIEWED
from declarations.kinds import KINDS, get_kind
from declarations.models import Declaration, DeclarationSubject
from directory.models import FamilyLink, Membership, Organisation, Person, Pupil, Role
from policies.models import Acknowledgement, PolicyVersion, TrainingRecord
from registers.models import FollowUp, RegisterEntry
from tests.conftest import once_per_module, sign_in_with_mfa
from tests.factories import MembershipFactory, PersonFactory, PupilFactory
from tests.factories.declarations import DeclarationFactory

pytestmark = pytest.mark.django_db

UNTIL = datetime.date(2025, 3, 14)  # a Friday, long past: nothing is cut off by "now"
# Ten settings (so the tenth is a pre-school) over two years: about a second to load.
PLAN = {
    "schools": 10,
    "years": 2,
    "declarations": 600,
    "staff_per_school": 25,
    "pupils_per_school": 40,
    "until": UNTIL,
}
SMALL = {**PLAN, "schools": 2, "years": 1, "declarations": 300}
DECIDE, COPY = ApprovalRequest.Purpose.DECIDE, ApprovalRequest.Purpose.COPY
STATUS = Declaration.Status
WAITING_AT_MOST = 31  # days before the last one that a declaration may still be waiting
SCHOOL_ROLES = (Role.STAFF, Role.VOLUNTEER)
COMMAND = [
    "--schools=2",
    "--years=1",
    "--declarations=150",
    "--staff-per-school=20",
    "--pupils-per-school=10",
    f"--until={UNTIL.isoformat()}",
]
# Everything the command writes, counted to show that a refused run wrote nothing.
TABLES = (
    Organisation,
    Person,
    Membership,
    Pupil,
    FamilyLink,
    PolicyVersion,
    Acknowledgement,
    TrainingRecord,
    Declaration,
    DeclarationSubject,
    ApprovalRequest,
    Decision,
    RegisterEntry,
    FollowUp,
    AuditEvent,
)


# Helpers -------------------------------------------------------------------------------


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def day_after(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of ``day``: the first moment after it."""
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(0), tzinfo=timezone.get_current_timezone()
    )


def load(**changes) -> SimpleNamespace:
    """Load a trust to ``PLAN`` with ``changes``; the trust, its settings and logins."""
    plan = ScalePlan(**{**PLAN, **changes})
    logins = seed_scale(plan)
    trust = Organisation.objects.get(name=plan.name)
    settings = list(Organisation.objects.filter(parent=trust).order_by("pk"))
    return SimpleNamespace(plan=plan, logins=logins, trust=trust, settings=settings)


def login(trust: SimpleNamespace, label: str) -> Person:
    """The person printed against the first login whose label starts with ``label``."""
    email = next(email for each, email in trust.logins if each.startswith(label))
    return Person.objects.get(email=email)


def digest() -> dict[str, str]:
    """A fingerprint of what was written, table by table, in the order of the keys."""
    tables = {
        "declarations": Declaration.objects.values_list(
            "pk", "declarant", "setting", "kind", "status", "created_at", "first_submitted_at"
        ),
        "decisions": Decision.objects.values_list("pk", "outcome", "decided_at"),
        "register entries": RegisterEntry.objects.values_list("pk", "file", "person", "pupil"),
        "people": Person.objects.values_list("pk", "email"),
        "pupils": Pupil.objects.values_list("pk", "given_name", "family_name", "date_of_birth"),
        "requests": ApprovalRequest.objects.values_list("pk", "purpose", "status", "decider"),
        # All but the one that says when the load finished.
        "audit events": AuditEvent.objects.exclude(action=LOADED).values_list(
            "pk", "action", "occurred_at"
        ),
    }
    return {
        name: hashlib.sha256(repr(list(rows.order_by("pk"))).encode()).hexdigest()
        for name, rows in tables.items()
    }


def loaded_and_rolled_back(plan: ScalePlan) -> dict[str, str]:
    """The digest of ``plan`` loaded into an empty database, which is then emptied again."""
    with transaction.atomic():
        seed_scale(plan)
        fingerprint = digest()
        transaction.set_rollback(True)
    assert not Organisation.objects.exists()
    assert not Declaration.objects.exists()
    return fingerprint


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def decide_requests(declaration: Declaration) -> list[ApprovalRequest]:
    return [each for each in declaration.approval_requests.all() if each.purpose == DECIDE]


@once_per_module
def trust_for_the_module() -> SimpleNamespace:
    """The trust of ``PLAN``, loaded once for the module (tests/conftest.py
    ``once_per_module``); the tests that load their own run before it is."""
    return load()


@pytest.fixture
def trust(trust_for_the_module) -> SimpleNamespace:
    """A copy of the module's trust for each test; what a test adds is rolled back."""
    return copy.deepcopy(trust_for_the_module)


# Determinism ---------------------------------------------------------------------------


def test_the_same_plan_loads_the_same_trust_and_another_seed_another_one():
    """A load test is only worth repeating if the data is the same: the same seed and end
    date give the same people, declarations, decisions, file entries and audit events."""
    first = loaded_and_rolled_back(ScalePlan(**SMALL))
    second = loaded_and_rolled_back(ScalePlan(**SMALL))
    other = loaded_and_rolled_back(ScalePlan(**SMALL, seed=11))

    assert second == first
    assert other["declarations"] != first["declarations"]
    assert other["people"] != first["people"]
    assert other["audit events"] != first["audit events"]


def test_the_time_of_day_it_is_loaded_changes_nothing(monkeypatch):
    """Loaded in the morning or the evening of the same day, the trust is the same: the
    history never looks at the clock, even when it ends today (by default yesterday)."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    plan = {**SMALL, "until": timezone.localdate(), "declarations": 2_000}
    morning, evening = (
        datetime.datetime.combine(
            timezone.localdate(), datetime.time(hour), tzinfo=timezone.get_current_timezone()
        )
        for hour in (8, 20)
    )

    monkeypatch.setattr(timezone, "now", lambda: morning)
    early = loaded_and_rolled_back(ScalePlan(**plan))
    monkeypatch.setattr(timezone, "now", lambda: evening)
    late = loaded_and_rolled_back(ScalePlan(**plan))

    assert late == early
    assert ScalePlan().until == yesterday


def test_a_history_ending_after_today_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match="cannot be after today"):
        call_command("seed_scale", "--schools=1", f"--until={tomorrow}", "--no-progress")


# Shape and proportions -----------------------------------------------------------------


def test_one_trust_of_schools_with_every_tenth_a_preschool(trust):
    """The trust and its settings, the tenth a pre-school (no URN); nothing else."""
    assert Organisation.objects.count() == 1 + PLAN["schools"]
    assert trust.trust.kind == Organisation.Kind.TRUST
    assert trust.trust.parent_id is None
    assert len(trust.settings) == PLAN["schools"]
    kinds = [setting.kind for setting in trust.settings]
    assert kinds == [Organisation.Kind.SCHOOL] * 9 + [Organisation.Kind.PRESCHOOL]
    assert trust.settings[-1].urn == ""
    assert all(setting.urn for setting in trust.settings[:-1])
    assert len({setting.name for setting in trust.settings}) == PLAN["schools"]


def test_each_setting_has_the_staff_and_pupils_asked_for_and_the_key_roles(trust):
    """Staff and volunteers per setting roughly as planned, pupils exactly; a head, a DSL,
    line managers and governors in each; a CEO, a chair and an administrator above."""
    asked = PLAN["staff_per_school"]
    for setting in trust.settings:
        memberships = Membership.objects.filter(organisation=setting)
        staff = memberships.filter(role__in=SCHOOL_ROLES).values("person").distinct().count()
        assert asked * 0.9 <= staff <= asked * 1.1, setting
        assert Pupil.objects.filter(setting=setting).count() == PLAN["pupils_per_school"]
        for role in (Role.HEAD, Role.DSL, Role.CHAIR):
            assert memberships.filter(role=role).count() == 1, (setting, role)
        assert memberships.filter(role=Role.LINE_MANAGER).count() >= 2
        assert memberships.filter(role=Role.GOVERNOR).count() >= 3
    above = Membership.objects.filter(organisation=trust.trust)
    for role in (Role.EXECUTIVE_HEAD, Role.CHAIR, Role.ADMINISTRATOR):
        assert above.filter(role=role).count() == 1, role
    assert Pupil.objects.count() == PLAN["schools"] * PLAN["pupils_per_school"]


def test_every_declaration_asked_for_is_written_within_the_years_planned(trust):
    """As many declarations as planned, in the trust's settings, each made between the
    start of the history and its last day."""
    start = UNTIL - datetime.timedelta(days=365 * PLAN["years"])
    declarations = Declaration.objects.all()
    assert declarations.count() == PLAN["declarations"]
    assert set(declarations.values_list("setting", flat=True)) <= {s.pk for s in trust.settings}
    days = [local_day(moment) for moment in declarations.values_list("created_at", flat=True)]
    assert min(days) >= start
    assert max(days) <= UNTIL
    # Spread over the years, not bunched at one end.
    halfway = UNTIL - datetime.timedelta(days=365)
    assert sum(day < halfway for day in days) > PLAN["declarations"] * 0.3
    assert sum(day >= halfway for day in days) > PLAN["declarations"] * 0.3
    for each in declarations.exclude(status=STATUS.DRAFT):
        assert each.created_at <= each.first_submitted_at == each.submitted_at


def test_a_decided_declaration_has_one_decision_made_on_its_last_request(trust):
    """Exactly one decision per decided declaration (R23), on the request that was not
    escalated, by the person that request went to, after it was submitted."""
    decided = Declaration.objects.filter(status__in=[STATUS.DECIDED, STATUS.MORE_INFO])
    assert decided.exists()
    for declaration in decided.prefetch_related("approval_requests__decision"):
        requests = sorted(decide_requests(declaration), key=lambda each: (each.created_at, each.pk))
        decisions = Decision.objects.filter(request__declaration=declaration)
        assert decisions.count() == 1, declaration
        decision = decisions.get()
        last = requests[-1]
        assert decision.request_id == last.pk
        assert last.status == ApprovalRequest.Status.DECIDED
        assert all(each.status == ApprovalRequest.Status.ESCALATED for each in requests[:-1])
        assert decision.decided_by_id == last.decider_id
        assert decision.decided_at >= declaration.submitted_at
        assert decision.decided_at < day_after(UNTIL)
        final = decision.outcome in FINAL_OUTCOMES
        assert declaration.status == (STATUS.DECIDED if final else STATUS.MORE_INFO)
    undecided = Declaration.objects.exclude(status__in=[STATUS.DECIDED, STATUS.MORE_INFO])
    assert not Decision.objects.filter(request__declaration__in=undecided).exists()


def test_an_escalated_request_is_always_passed_on_to_a_new_one(trust):
    """An overdue request that was escalated (R24) has exactly one successor, for the same
    declaration, made when the first fell due, with the reason given."""
    escalated = ApprovalRequest.objects.filter(status=ApprovalRequest.Status.ESCALATED)
    assert escalated.exists()
    for request in escalated:
        successors = ApprovalRequest.objects.filter(escalated_from=request)
        assert successors.count() == 1, request
        successor = successors.get()
        assert successor.declaration_id == request.declaration_id
        assert successor.purpose == DECIDE
        assert local_day(successor.created_at) > request.due_on
        assert "escalated" in successor.routing_reason
    assert not ApprovalRequest.objects.filter(
        escalated_from__isnull=False,
        escalated_from__status__in=[ApprovalRequest.Status.OPEN, ApprovalRequest.Status.DECIDED],
    ).exists()


def test_nobody_decides_their_own_declaration(trust):
    """Neither the first request nor any decision goes to the declarant (R21)."""
    decisions = Decision.objects.select_related("request__declaration")
    assert decisions.exists()
    assert not decisions.filter(decided_by=F("request__declaration__declarant")).exists()
    assert not ApprovalRequest.objects.filter(
        purpose=DECIDE, decider=F("declaration__declarant")
    ).exists()
    assert not ApprovalRequest.objects.filter(purpose=DECIDE, decider__isnull=True).exists()


def test_final_decisions_are_on_the_staff_file_and_the_pupils_files(trust):
    """Every final decision is on the declarant's file once, and on the file of every
    pupil the declaration named (or whose family it named); a request for more
    information is on the files too, as the services put it there (R23, R25)."""
    final = Decision.objects.filter(outcome__in=FINAL_OUTCOMES).select_related(
        "request__declaration"
    )
    assert final.count() > PLAN["declarations"] * 0.5
    pupil_entries = 0
    for decision in final:
        declaration = decision.request.declaration
        staff = RegisterEntry.objects.filter(decision=decision, file=RegisterEntry.File.STAFF)
        assert staff.count() == 1, declaration
        entry = staff.get()
        assert entry.person_id == declaration.declarant_id
        assert entry.declaration_id == declaration.pk
        assert entry.entry_kind == RegisterEntry.EntryKind.OUTCOME
        expected = set()
        for subject in DeclarationSubject.objects.filter(declaration=declaration):
            if subject.pupil_id:
                expected.add((subject.pupil_id, None))
            elif subject.family_member_id:
                expected |= {
                    (pupil, subject.family_member_id)
                    for pupil in FamilyLink.objects.filter(
                        family_member=subject.family_member_id
                    ).values_list("pupil", flat=True)
                }
        on_files = set(
            RegisterEntry.objects.filter(
                decision=decision, file=RegisterEntry.File.PUPIL
            ).values_list("pupil", "via_family_member")
        )
        assert on_files == expected, declaration
        pupil_entries += len(on_files)
    assert pupil_entries > 0
    more_info = Declaration.objects.filter(status=STATUS.MORE_INFO)
    assert more_info.exists()
    for declaration in more_info:
        asked = RegisterEntry.objects.filter(
            declaration=declaration, decision__outcome=Outcome.MORE_INFORMATION
        )
        assert asked.filter(file=RegisterEntry.File.STAFF).count() == 1, declaration
    # Nothing but a decision's outcome is written to a file by the seeder.
    assert not RegisterEntry.objects.filter(decision__isnull=True).exists()
    assert set(RegisterEntry.objects.values_list("entry_kind", flat=True)) == {
        RegisterEntry.EntryKind.OUTCOME
    }


def test_withdrawn_declarations_are_cancelled_and_waiting_ones_are_recent(trust):
    """A withdrawn declaration has its request cancelled and no decision; one still
    waiting has exactly one open request to decide it, and is recent."""
    withdrawn = Declaration.objects.filter(status=STATUS.WITHDRAWN)
    waiting = Declaration.objects.filter(status=STATUS.SUBMITTED)
    assert withdrawn.exists()
    assert waiting.exists()
    for declaration in withdrawn:
        statuses = [each.status for each in decide_requests(declaration)]
        assert statuses == [ApprovalRequest.Status.CANCELLED], declaration
        assert declaration.withdrawn_at is not None
        assert declaration.withdrawal_reason
        assert not Decision.objects.filter(request__declaration=declaration).exists()
    for declaration in waiting:
        open_requests = [each for each in decide_requests(declaration) if each.is_open]
        assert len(open_requests) == 1, declaration
        assert open_requests[0].decider_id is not None
        age = (UNTIL - local_day(declaration.submitted_at)).days
        assert 0 <= age <= WAITING_AT_MOST, declaration
    for declaration in Declaration.objects.filter(status=STATUS.DRAFT):
        assert declaration.submitted_at is None
        assert not declaration.approval_requests.exists()


def test_safeguarding_declarations_are_copied_to_the_dsl(trust):
    """A will, a former pupil or a concern (R17 to R19) is copied to the setting's
    designated safeguarding lead; nothing else is."""
    safeguarding = [code for code, kind in KINDS.items() if kind.safeguarding]
    assert safeguarding
    submitted = Declaration.objects.exclude(status=STATUS.DRAFT)
    copied = submitted.filter(kind__in=safeguarding)
    assert copied.exists()
    for declaration in copied:
        copies = [each for each in declaration.approval_requests.all() if each.purpose == COPY]
        assert len(copies) == 1, declaration
        leads = Membership.objects.filter(
            organisation=declaration.setting_id, role__in=[Role.DSL, Role.DEPUTY_DSL]
        ).values_list("person", flat=True)
        assert copies[0].decider_id in set(leads)
        assert copies[0].decider_role == DeciderRole.DSL
    assert not ApprovalRequest.objects.filter(
        purpose=COPY, declaration__in=submitted.exclude(kind__in=safeguarding)
    ).exists()


def test_every_submitted_declaration_is_in_its_settings_audit_history(trust):
    """Made, submitted and routed: each step of every submitted declaration is an audit
    event about that declaration, filed under its setting (R34)."""
    events = collections.defaultdict(set)
    for target, action, organisation in AuditEvent.objects.values_list(
        "target_id", "action", "organisation_pk"
    ):
        events[target].add((action, organisation))
    submitted = Declaration.objects.exclude(status=STATUS.DRAFT)
    assert submitted.exists()
    for declaration in submitted:
        for action in ("declaration.created", "declaration.submitted", "approval.routed"):
            assert (action, declaration.setting_id) in events[str(declaration.pk)], (
                declaration,
                action,
            )
    for declaration in Declaration.objects.filter(status=STATUS.DECIDED):
        assert ("approval.decided", declaration.setting_id) in events[str(declaration.pk)]
    assert not AuditEvent.objects.filter(organisation_pk__isnull=True).exists()


def test_most_declarations_are_decided_with_the_usual_mix_of_outcomes(trust):
    """Most of the history is settled, mostly approved, with conditions, refusals and
    requests for more information among them, and every kind declared."""
    statuses = collections.Counter(Declaration.objects.values_list("status", flat=True))
    assert statuses[STATUS.DECIDED] > PLAN["declarations"] * 0.8
    assert statuses[STATUS.SUBMITTED] < PLAN["declarations"] * 0.05
    outcomes = collections.Counter(Decision.objects.values_list("outcome", flat=True))
    for outcome in (
        Outcome.APPROVED,
        Outcome.APPROVED_WITH_CONDITIONS,
        Outcome.REFUSED,
        Outcome.MORE_INFORMATION,
        Outcome.NOTED,
    ):
        assert outcomes[outcome] > 0, outcome
    assert outcomes[Outcome.APPROVED] > outcomes[Outcome.REFUSED]
    assert set(Declaration.objects.values_list("kind", flat=True)) == set(KIND_WEIGHTS)
    assert FollowUp.objects.filter(kind=FollowUp.Kind.REVIEW).exists()
    assert FollowUp.objects.filter(kind=FollowUp.Kind.ACTION).exists()


def test_the_policy_is_acknowledged_and_training_recorded_by_most(trust):
    """One policy for the trust, acknowledged and trained on by most people (not all:
    the compliance figures need someone missing)."""
    version = PolicyVersion.objects.get(organisation=trust.trust)
    people = Person.objects.count()
    acknowledged = Acknowledgement.objects.filter(version=version).count()
    trained = TrainingRecord.objects.values("person").distinct().count()
    assert people * 0.8 < acknowledged < people
    assert people * 0.8 < trained < people


# The data in the app -------------------------------------------------------------------


def test_the_printed_people_can_use_the_app_on_the_loaded_trust(trust, client):
    """Signed in as the people printed: the approver's dashboard, your declarations, a
    pupil's file, the audit history and the governors' summary all open."""
    head = login(trust, "Headteacher (")
    dsl = login(trust, "Designated safeguarding lead (")
    staff = login(trust, "Staff member (")
    first = trust.settings[0]
    assert Membership.objects.filter(person=head, organisation=first, role=Role.HEAD).exists()
    assert Membership.objects.filter(person=dsl, organisation=first, role=Role.DSL).exists()

    sign_in_with_mfa(client, head)
    assert client.get(reverse("approvals:dashboard")).status_code == 200

    sign_in_with_mfa(client, staff)
    response = client.get(reverse("declarations:list"))
    assert response.status_code == 200
    latest = Declaration.objects.filter(declarant=staff).order_by("-created_at").first()
    if latest is not None:
        assert latest.reference in response.text

    sign_in_with_mfa(client, dsl)
    entry = RegisterEntry.objects.filter(
        file=RegisterEntry.File.PUPIL, declaration__setting=first
    ).first()
    assert entry is not None
    response = client.get(reverse("registers:pupil_file", args=[entry.pupil_id]))
    assert response.status_code == 200
    assert html.escape(entry.pupil.family_name) in response.text
    assert client.get(reverse("oversight:audit")).status_code == 200


def test_the_governors_summary_of_the_trust_opens_and_names_nobody(trust, client):
    """A trustee's summary of the whole trust counts the loaded history, and names no
    member of staff and no pupil (R33)."""
    trustee = login(trust, "Trustee (")
    sign_in_with_mfa(client, trustee)
    response = client.get(
        reverse("oversight:summary"),
        {
            "organisation": trust.trust.pk,
            "period": "custom",
            # Whole weeks, as own dates are (#22): Monday 11 March 2024 to Sunday 9 March 2025.
            "date_from": datetime.date(2024, 3, 11).isoformat(),
            "date_to": (UNTIL - datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 200
    report = response.context["report"]
    glance = {row["label"]: row["cells"][0]["value"] for row in report["tables"]["glance"]["rows"]}
    assert glance["Declarations"] > PLAN["declarations"] * 0.3

    page = html.unescape(response.text)
    governors = set(
        Person.objects.filter(memberships__role__in=[Role.GOVERNOR, Role.CHAIR]).values_list(
            "given_name", "family_name"
        )
    )
    staff = set(
        Person.objects.filter(memberships__role__in=SCHOOL_ROLES).values_list(
            "given_name", "family_name"
        )
    )
    pupils = set(Pupil.objects.values_list("given_name", "family_name"))
    assert len(staff) > 100
    assert len(pupils) > 100
    named = [f"{given} {family}" for given, family in (staff | pupils) - governors]
    assert [name for name in named if name in page] == []


# Sequences -----------------------------------------------------------------------------


def test_rows_made_afterwards_through_the_orm_get_new_identifiers(trust):
    """The identifiers handed out by the loader are not handed out again: the app can
    carry on adding people, declarations and audit events (PostgreSQL's sequences are
    moved on past the rows written by COPY)."""
    top = {
        model: model.objects.aggregate(top=Max("pk"))["top"]
        for model in (Person, Membership, Pupil, Declaration, ApprovalRequest, AuditEvent)
    }
    setting = trust.settings[0]
    person = PersonFactory()
    membership = MembershipFactory(person=person, organisation=setting)
    pupil = PupilFactory(setting=setting)
    declaration = DeclarationFactory(declarant=person, setting=setting)
    request = ApprovalRequest.objects.create(
        declaration=declaration,
        decider=login(trust, "Headteacher ("),
        decider_role=DeciderRole.HEAD,
        routing_reason="Made in a test.",
    )
    event = audit_event_record(actor=person, action=DECLARATION_VIEWED, target=declaration)

    made = {
        Person: person,
        Membership: membership,
        Pupil: pupil,
        Declaration: declaration,
        ApprovalRequest: request,
        AuditEvent: event,
    }
    for model, row in made.items():
        assert row.pk > top[model], model
    assert event.organisation_pk == setting.pk


# The command ---------------------------------------------------------------------------


def run(*arguments: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_scale", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_logins_that_work_with_the_printed_password():
    out, err = run(*COMMAND, "--no-progress")

    assert "Loaded Northway Learning Trust: 2 settings, 150 declarations" in out
    assert f"Logins (every one uses the password: {SCALE_PASSWORD})" in out
    for label in ("Executive Headteacher", "Headteacher (", "Designated safeguarding lead ("):
        assert label in out
    emails = [line.split()[-1] for line in out.splitlines() if line.startswith("  ")]
    assert len(emails) >= 8
    for email in emails:
        person = Person.objects.get(email=email)
        assert person.check_password(SCALE_PASSWORD), email
    assert err == ""  # --no-progress: no progress bar
    assert Declaration.objects.count() == 150
    assert Organisation.objects.get(name="Northway Learning Trust").kind == "trust"


def test_the_command_shows_its_progress_unless_told_not_to():
    _, err = run(*COMMAND, "--name=Progress Trust")
    assert "declarations" in err
    assert "150" in err


def test_loading_a_trust_twice_is_refused_and_writes_nothing_more():
    run(*COMMAND, "--no-progress")
    before = counts()

    with pytest.raises(CommandError, match="already loaded"):
        run(*COMMAND, "--no-progress")
    with pytest.raises(CommandError, match="already loaded"):
        run(*COMMAND, "--no-progress", "--name=northway learning trust")

    assert counts() == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--schools=0"], "schools"),
        (["--years=0"], "years"),
        (["--declarations=-5"], "declarations"),
        (["--staff-per-school=5"], "at least 20"),
        (["--until=14/03/2025"], "until"),
    ],
)
def test_the_command_refuses_what_it_cannot_load(arguments, message):
    with pytest.raises(CommandError, match=message):
        run(*COMMAND, "--no-progress", *arguments)
    assert not any(counts().values())


def test_the_command_never_runs_in_production(settings):
    """Everyone it loads shares a published password."""
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run(*COMMAND, "--no-progress")
    assert not any(counts().values())


# The kinds -----------------------------------------------------------------------------


def test_every_kind_has_a_weight_and_every_weight_a_kind():
    """A kind added to the registry must be given a share of the history, and a weight
    for a kind that is gone would break the load."""
    assert set(KIND_WEIGHTS) == set(KINDS)
    assert all(weight > 0 for weight in KIND_WEIGHTS.values())
    for code in KIND_WEIGHTS:
        assert get_kind(code).code == code


# Known faults --------------------------------------------------------------------------


def test_an_escalation_goes_to_someone_other_than_the_overdue_decider(trust):
    """R24: an overdue request goes one level up, to someone else."""
    escalations = ApprovalRequest.objects.filter(escalated_from__isnull=False)
    assert escalations.exists()
    assert not escalations.filter(decider=F("escalated_from__decider")).exists()


def test_the_dsl_is_not_copied_on_their_own_declaration_or_one_they_decide(trust):
    """The copy is for a second pair of eyes: never the declarant or the decider."""
    copies = ApprovalRequest.objects.filter(purpose=COPY)
    assert copies.exists()
    assert not copies.filter(decider=F("declaration__declarant")).exists()
    assert not copies.filter(
        Q(declaration__approval_requests__purpose=DECIDE)
        & Q(declaration__approval_requests__decider=F("decider"))
    ).exists()


def test_a_finished_load_says_so_and_what_it_loaded():
    """The benchmark tells a finished load from one cut short by this last event."""
    load(schools=2, years=1, declarations=100, staff_per_school=20, pupils_per_school=10)

    plan = loaded_plan("Northway Learning Trust")

    assert plan == {
        "name": "Northway Learning Trust",
        "schools": 2,
        "years": 1,
        "declarations": 100,
        "seed": 10,
        "until": UNTIL.isoformat(),
    }
    assert loaded_plan("Another Trust") is None


def test_nothing_in_the_history_happens_after_its_last_day():
    """When the history ends today, nothing may be dated tomorrow."""
    load(schools=2, years=1, declarations=400, staff_per_school=20, pupils_per_school=10)
    after = day_after(UNTIL)
    history = AuditEvent.objects.exclude(action=LOADED)  # that one is when it was loaded
    assert not history.filter(occurred_at__gte=after).exists()
    assert not ApprovalRequest.objects.filter(created_at__gte=after).exists()
    assert not Decision.objects.filter(decided_at__gte=after).exists()
    assert not RegisterEntry.objects.filter(recorded_at__gte=after).exists()
    assert not Declaration.objects.filter(withdrawn_at__gte=after).exists()


def test_no_declaration_is_dated_before_the_history_starts():
    """The 16 March 2025 end date puts the start, 365 days before, on a Saturday."""
    until = datetime.date(2025, 3, 16)
    start = until - datetime.timedelta(days=365)
    assert start.weekday() == 5
    load(
        schools=2, years=1, declarations=400, staff_per_school=20, pupils_per_school=10, until=until
    )
    first = Declaration.objects.order_by("created_at").first()
    assert local_day(first.created_at) >= start


def test_a_trust_under_another_name_loads_alongside_the_first():
    """As the refusal advises: another --name loads a second trust next to the first."""
    run(*COMMAND, "--no-progress")
    run(*COMMAND, "--no-progress", "--name=Southway Learning Trust")
    trusts = Organisation.objects.filter(kind=Organisation.Kind.TRUST)
    assert set(trusts.values_list("name", flat=True)) == {
        "Northway Learning Trust",
        "Southway Learning Trust",
    }
    assert Declaration.objects.count() == 300


def test_a_declaration_was_last_changed_when_it_was_submitted_or_decided(trust):
    """The loader gives each declaration the time of its last step as its last change."""
    for declaration in Declaration.objects.filter(status=STATUS.DECIDED)[:50]:
        decision = Decision.objects.get(request__declaration=declaration)
        assert declaration.updated_at == decision.decided_at
    assert not Declaration.objects.filter(updated_at__gte=day_after(UNTIL)).exists()
