"""The access matrix (issue #9 item 4): every URL the project has, taken from the URL
resolver, against each role, with the status each must get (R35, DESIGN "Security
baseline": login required everywhere but sign-in and health; scoped querysets, so what
a person may not see is a 404).

Roles (from the ``world`` of tests/conftest.py): anonymous; staff (teacher_a, managed
by line_manager_a); volunteer; line manager; head of school_a; the Executive
Headteacher, the Chair and a governor of the federation; the DSL of school_a; the
federation's administrator; and two outsiders: the head of another school (the
strongest outsider on the app's pages) and the administrator of another school (the
strongest outsider in the Django admin, where a head is refused outright).

One object of each kind a URL needs is made once for the module, through the real
services, owned by school_a's people. Every person of the federation has acknowledged
the policy version in force, so the acknowledgement middleware never turns a first GET
into a redirect to /policy/acknowledge/: the matrix measures access, not that prompt
(tests/policies covers it).

Every URL is requested with GET: a POST-only view answers 405 to a signed-in GET, and
is then posted to as each role too (POST_MATRIX). A new URL without a row here, or a
row for a URL that no longer exists, fails ``test_every_url_has_a_row``. A page a role
is let into (200) must also not name what the role may never read (FORBIDDEN): an
outsider nothing of school_a, a governor or the Chair no child or family.

A cell that is wrong today holds the correct expectation and is marked xfail (strict),
with the reason, in the row's ``bugs``.

The whole matrix runs on PostgreSQL, the database production runs on; on SQLite (the
second run of ``make test``) a smoke part of it (``smoke_roles``). Who may see what is
decided in Python (directory/access.py and the scoped querysets), the same on either
database, so all SQLite could change is whether a view's queries work and find the
right rows: each URL is asked there once for each different answer its row gives (so
every view is both let in and kept out, in each way it refuses), by every role whose
pages are checked for leaks where it is let in, and by every role with a known fault;
about a third of the cells. The POST matrix is small and runs whole on both.
"""

from __future__ import annotations

import datetime
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, Cover, DeciderRole, Outcome, RoutingRule
from approvals.services import decision_record
from declarations.services import attachment_add, declaration_submit
from directory.models import Membership, Person, Role
from mis.models import MisSync
from mis.services import mis_connection_set
from onboarding.imports.services import import_check
from onboarding.models import ImportRun
from oversight.services import summary_snapshot_save
from policies.selectors import versions_to_acknowledge
from policies.services import acknowledgement_record, policy_version_publish, training_record_add
from registers import services as register_services
from registers.models import FollowUp, RegisterEntry, RoundResponse
from schoolcalendar.models import ClosureDay, Term, TermDates
from schoolcalendar.periods import current_term_token, period_from_token
from tests.conftest import World, once_per_module, sign_in_with_mfa
from tests.factories import FamilyLinkFactory, PupilFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200
PDF = pdf_bytes()
# Names nobody outside may read (see FORBIDDEN): distinctive, so that a hit is a leak.
PUPIL_SURNAME = "Quartermaine"
PARENT_SURNAME = "Fairweather"
TEACHER_SURNAME = "Threlkeld"

# role -> the person of the world who plays it (None: not signed in)
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "staff": "teacher_a",
    "volunteer": "volunteer_a",
    "line_manager": "line_manager_a",
    "head": "head_a",
    "executive_head": "executive_head",
    "chair": "chair",
    "governor": "governor",
    "dsl": "dsl_a",
    "administrator": "administrator",
    "other_school": "head_other",
    "other_administrator": "administrator_other",
}


def days(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


# The objects ---------------------------------------------------------------------------


def build() -> types.SimpleNamespace:
    """The world and one object of each kind a URL needs, made through the services."""
    world = World()
    o = types.SimpleNamespace(world=world)
    Person.objects.filter(pk=world.teacher_a.pk).update(family_name=TEACHER_SURNAME)
    world.teacher_a.family_name = TEACHER_SURNAME
    o.pupil = PupilFactory(setting=world.school_a, given_name="Zebedee", family_name=PUPIL_SURNAME)
    o.family_member = FamilyLinkFactory(
        pupil=o.pupil, family_member__family_name=PARENT_SURNAME
    ).family_member

    # A planned social contact by teacher_a about the pupil, with a photo of a card,
    # routed to their line manager and approved with conditions and a review date: an
    # entry on the staff file and on the pupil's file, and a review follow-up.
    o.declaration = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="planned_social_contact"
    )
    DeclarationSubjectFactory(declaration=o.declaration, pupil=o.pupil)
    o.attachment = attachment_add(
        actor=world.teacher_a,
        declaration=o.declaration,
        upload=SimpleUploadedFile("card.jpg", JPEG, content_type="image/jpeg"),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=o.declaration)
    o.approval = ApprovalRequest.objects.get(
        declaration=o.declaration, purpose=ApprovalRequest.Purpose.DECIDE
    )
    assert o.approval.decider == world.line_manager_a
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision = decision_record(
            actor=world.line_manager_a,
            request=o.approval,
            outcome=Outcome.APPROVED_WITH_CONDITIONS,
            details={"conditions": "Meet only in a public place.", "review_on": days(30)},
        )
    o.staff_entry = RegisterEntry.objects.get(decision=decision, file=RegisterEntry.File.STAFF)
    o.follow_up = FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.REVIEW)

    # A concern by teacher_a about the pupil: decided by the head, copied to the DSL
    # (R22), who keeps the DSL's log from the copy (R41).
    o.concern = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="concern"
    )
    DeclarationSubjectFactory(declaration=o.concern, pupil=o.pupil)
    with TestCase.captureOnCommitCallbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=o.concern)
    o.dsl_copy = ApprovalRequest.objects.get(
        declaration=o.concern, purpose=ApprovalRequest.Purpose.COPY
    )
    assert o.dsl_copy.decider == world.dsl_a

    # A draft, for the pages of a declaration that can still change.
    o.draft = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="planned_social_contact"
    )
    DeclarationSubjectFactory(declaration=o.draft, pupil=o.pupil)

    with TestCase.captureOnCommitCallbacks(execute=True):
        o.policy_version = policy_version_publish(
            actor=world.administrator,
            organisation=world.federation,
            title="Staff contact with pupils and families",
            document=SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf"),
            confidentiality_agreement="I will keep confidential what I learn at work.",
            adopted_on=days(-7),
            adopted_by="the full governing board",
            signatory_name="Alex Chair",
            signatory_role="Chair of Governors",
            next_review_on=days(358),
        )
        for person in vars(world).values():
            if isinstance(person, Person):
                for version in versions_to_acknowledge(user=person):
                    acknowledgement_record(
                        actor=person, version=version, confidentiality_agreed=True
                    )
        o.training_record = training_record_add(
            actor=world.dsl_a,
            person=world.teacher_a,
            completed_on=days(-60),
            course="Annual safeguarding update",
            provider="The DSL",
            evidence=SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf"),
        )
        o.round = register_services.round_open(
            actor=world.head_a,
            organisation=world.school_a,
            title="Annual declaration round",
            deadline=days(30),
        )
        register_services.key_person_allocate(
            actor=world.head_a, pupil=o.pupil, person=world.teacher_a
        )
        today = timezone.localdate()
        o.snapshot = summary_snapshot_save(
            actor=world.executive_head,
            organisation=world.federation,
            period=period_from_token(
                world.federation, current_term_token(world.federation, today), today
            ),
        )
    o.round_response = RoundResponse.objects.get(round=o.round, person=world.teacher_a)

    # Rows only the Django admin shows (no service writes them).
    o.membership = Membership.objects.get(person=world.teacher_a, role=Role.STAFF)
    o.routing_rule = RoutingRule.objects.create(
        organisation=world.school_a, kind="gift", decider_role=DeciderRole.HEAD
    )
    o.cover = Cover.objects.create(
        person=world.line_manager_a,
        delegate=world.head_a,
        reason=Cover.Reason.ABSENCE,
        starts_on=days(60),
        ends_on=days(70),
    )
    # The school calendar (R39), in the admin.
    o.term_dates = TermDates.objects.create(
        organisation=world.federation,
        year=2026,
        term=Term.AUTUMN,
        starts_on=datetime.date(2026, 9, 2),
        ends_on=datetime.date(2026, 12, 18),
        half_term_starts_on=datetime.date(2026, 10, 26),
        half_term_ends_on=datetime.date(2026, 10, 30),
    )
    o.closure_day = ClosureDay.objects.create(
        organisation=world.school_a,
        starts_on=datetime.date(2026, 9, 2),
        ends_on=datetime.date(2026, 9, 2),
    )
    o.group = Group.objects.create(name="Unused group")
    o.import_run = import_check(
        organisation=world.school_a,
        tables={"pupils": [(2, {"reference": "X1", "given_name": "Ima", "family_name": "Port"})]},
        source=ImportRun.Source.SPREADSHEET,
        started_by=world.administrator,
    )
    o.import_row = o.import_run.rows.get()
    # School_a's connection to its MIS through Wonde, and a sync of it (#20).
    o.mis_connection = mis_connection_set(
        actor=world.administrator,
        organisation=world.school_a,
        school_id="A1000000101",
        token="7e76896f9aca62569048c667db292d72dd84f224",
    )
    o.mis_sync = MisSync.objects.create(
        connection=o.mis_connection, requested_by=world.administrator
    )
    return o


@once_per_module
def objects_for_the_module() -> types.SimpleNamespace:
    """Built once for the module inside a transaction that is rolled back at its end
    (tests/conftest.py ``once_per_module``: the registers and the audit trail are
    append-only, so nothing could be deleted); each test runs in a savepoint inside it.
    Its files go to the session's folder (tests/conftest.py)."""
    o = build()
    o.sessions = {role: _session(o, role) for role in ROLES if ROLES[role]}
    return o


@pytest.fixture
def objects(objects_for_the_module, db) -> types.SimpleNamespace:
    return objects_for_the_module


def _session(o: types.SimpleNamespace, role: str) -> str:
    """A signed-in session for the role's person, made once (each test runs in a
    savepoint, so whatever a request changes in it is undone)."""
    client = Client()
    sign_in_with_mfa(client, getattr(o.world, ROLES[role]))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _get(o: types.SimpleNamespace, path: str) -> Any:
    for part in path.split("."):
        o = getattr(o, part)
    return o


def pk(path: str, **extra: str) -> Callable[[types.SimpleNamespace], dict]:
    """URL kwargs: the pk of the object at ``path`` (``world.teacher_a``, ``draft``...)."""
    return lambda o: {"pk": _get(o, path).pk, **extra}


def organisation(path: str) -> Callable[[types.SimpleNamespace], dict]:
    """A query choosing the organisation at ``path`` on a page that offers a choice."""
    return lambda o: {"organisation": _get(o, path).pk}


# Expectations --------------------------------------------------------------------------

SIGN_IN = reverse("account_login")
ADMIN_SIGN_IN = reverse("admin:login")
# 302 to the sign-in page (or to the admin's, which sends the anonymous on to it).
LOGIN = "302 to the sign-in page"
# 302 to the admin's sign-in, which refuses a signed-in person with a 403
# (directory/admin_site.py: one way in for everybody, and no loop through sign-in).
ADMIN_REFUSED = "302 to the admin sign-in (which answers 403)"


@dataclass(frozen=True)
class Redirect:
    """302 to the page named ``to`` (its path; the query is not compared)."""

    to: str
    kwargs: Any = None


Expect = int | str | Redirect


@dataclass(frozen=True)
class Row:
    """One URL: its kwargs and query, and the expected answer for each role: ``default``
    for every signed-in role, ``anonymous`` for the anonymous, then ``roles``."""

    name: str
    kwargs: Any = None  # a dict, a list of args, or a callable of the objects
    query: Any = None  # the same, for the query string
    default: Expect = 404
    anonymous: Expect = LOGIN
    roles: dict[str, Expect] = field(default_factory=dict)
    bugs: dict[str, str] = field(default_factory=dict)  # role -> why it fails today

    def expected(self, role: str) -> Expect:
        if role in self.roles:
            return self.roles[role]
        return self.anonymous if role == "anonymous" else self.default

    def url(self, o: types.SimpleNamespace) -> str:
        kwargs = self.kwargs(o) if callable(self.kwargs) else self.kwargs
        query = self.query(o) if callable(self.query) else self.query
        if isinstance(kwargs, list):
            url = reverse(self.name, args=kwargs)
        else:
            url = reverse(self.name, kwargs=kwargs)
        return f"{url}?{urlencode(query)}" if query else url


def row(
    name: str,
    *,
    kwargs: Any = None,
    query: Any = None,
    default: Expect = 404,
    anonymous: Expect = LOGIN,
    bugs: dict[str, str] | None = None,
    **roles: Expect,
) -> Row:
    unknown = (set(roles) | set(bugs or {})) - set(ROLES)
    assert not unknown, f"{name}: no such role {sorted(unknown)}"
    return Row(name, kwargs, query, default, anonymous, roles, bugs or {})


def ok(*roles: str) -> dict[str, Expect]:
    return dict.fromkeys(roles, 200)


# Who may do what, as README "What works today" and directory/access.py say.
POLICY = ok("head", "executive_head", "administrator")  # POLICY_ROLES
COMPLIANCE = ok("head", "executive_head", "administrator", "dsl")  # COMPLIANCE_ROLES
OUTSIDERS_OWN = ok("other_school", "other_administrator")  # for their own school
STAFF_FILE = ok("staff", "line_manager", "head", "executive_head", "dsl", "administrator")
PUPIL_FILE = ok("head", "executive_head", "dsl")  # never a teacher or a governor
SUMMARY = ok("head", "executive_head", "chair", "governor", "administrator")
AUDIT = ok("dsl", "executive_head", "administrator")  # AUDIT_ROLES
SETTING_REGISTERS = ok("head", "executive_head", "dsl", "administrator")  # PEOPLE_ROLES

SAML_FINISH = Redirect("saml_finish_acs", {"organization_slug": "no-such-school"})

APP_ROWS = [
    row("home", default=200),
    row("health", default=200, anonymous=200),
    # Sign-in and account pages (django-allauth's views the product uses,
    # identity/accounts_urls.py). The sign-in, password-reset and information pages are
    # public; a signed-in person is sent home from sign-in. Keys and ids are made up.
    # The pages allauth has and the product does not (sign-up, email addresses, a first
    # password, sign-in by code) are not served: tests/directory/test_account_pages.py.
    row("account_login", default=Redirect("home"), anonymous=200),
    row("account_logout", default=200, anonymous=Redirect("home")),
    row("account_reauthenticate", default=200),
    row("account_change_password", default=200),
    row("account_reset_password", default=200, anonymous=200),
    row("account_reset_password_from_key_done", default=200, anonymous=200),
    row(
        "account_reset_password_from_key",
        kwargs={"uidb36": "1", "key": "made-up-key"},
        default=200,
        anonymous=200,
    ),
    row("account_reset_password_done", default=200, anonymous=200),
    # How long the session has left before the idle sign-out: 0 for nobody signed in.
    row("session_status", default=200, anonymous=200),
    # Roles administrators asked to give themselves: the list is each person's own
    # (empty for most); confirming is a post, tested in test_account_security.py.
    row("directory:role_requests", default=200),
    # Single sign-on (#18, identity/urls.py): the page before going to
    # Microsoft or Google is public; a callback nobody started is refused (and
    # audited); SAML addresses of an organisation with no SAML service do not exist.
    row(
        "openid_connect_login",
        kwargs={"provider_id": "microsoft"},
        default=200,
        anonymous=200,
    ),
    row(
        "openid_connect_callback",
        kwargs={"provider_id": "microsoft"},
        default=403,
        anonymous=403,
    ),
    row("saml_login", kwargs={"organization_slug": "no-such-school"}, anonymous=404),
    row(
        "saml_acs",
        kwargs={"organization_slug": "no-such-school"},
        default=SAML_FINISH,
        anonymous=SAML_FINISH,
    ),
    row("saml_finish_acs", kwargs={"organization_slug": "no-such-school"}, anonymous=404),
    row("saml_metadata", kwargs={"organization_slug": "no-such-school"}, anonymous=404),
    row("saml_sls", kwargs={"organization_slug": "no-such-school"}, anonymous=404),
    # Two-step sign-in (R37, identity/mfa_urls.py). Nobody here has an authenticator:
    # what needs one is not found, confirming with one falls back to the password, and
    # the sign-in's second step, asked for outside a sign-in, goes back to the sign-in
    # (or home, for someone signed in).
    row("mfa_index", default=200),
    row("mfa_authenticate", default=Redirect("home"), anonymous=Redirect("account_login")),
    row("mfa_reauthenticate", default=Redirect("account_reauthenticate")),
    row("mfa_activate_totp", default=200),
    row("mfa_deactivate_totp", default=404),
    row("mfa_view_recovery_codes", default=404),
    row("mfa_generate_recovery_codes", default=200),
    row("mfa_download_recovery_codes", default=404),
    row("mfa_list_webauthn", default=200),
    row("mfa_add_webauthn", default=200),
    row("mfa_reauthenticate_webauthn", default=Redirect("account_reauthenticate")),
    row("mfa_remove_webauthn", kwargs={"pk": 999999}, default=404),
    row("mfa_edit_webauthn", kwargs={"pk": 999999}, default=404),
    # The policy (R29 to R32). Pages that offer a choice of organisation are asked for
    # school_a, so an outsider is refused; without a choice each lists the person's own.
    row("policies:index", default=200),
    row("policies:acknowledge", default=200),
    row("policies:versions", default=200),
    row("policies:version_new", **POLICY, **OUTSIDERS_OWN),
    row(
        "policies:version",
        kwargs=pk("policy_version"),
        default=200,
        other_school=404,
        other_administrator=404,
    ),
    row(
        "policies:version_document",
        kwargs=pk("policy_version"),
        default=200,
        other_school=404,
        other_administrator=404,
    ),
    row("policies:acknowledgements", query=organisation("world.school_a"), **COMPLIANCE),
    row("policies:training", query=organisation("world.school_a"), **COMPLIANCE),
    # Everyone records their own training.
    row("policies:training_new", default=200),
    row("policies:training_evidence", kwargs=pk("training_record"), staff=200, **COMPLIANCE),
    row("policies:channels", query=organisation("world.school_a"), **POLICY),
    row("policies:gifts", query=organisation("world.school_a"), **POLICY),
    # Declaring (R1: every adult, governors and volunteers too). A declaration is
    # opened by its declarant; its decider reads it on the decision page.
    row("declarations:list", default=200),
    row("declarations:choose", default=200),
    row("declarations:create", kwargs={"kind": "planned_social_contact"}, default=200),
    # The picker's results: always a page (empty for who may not name the pupils).
    row("declarations:people", query={"kind": "planned_social_contact"}, default=200),
    row("declarations:detail", kwargs=pk("declaration"), staff=200),
    row("declarations:edit", kwargs=pk("draft"), staff=200),
    row("declarations:review", kwargs=pk("draft"), staff=200),
    row("declarations:submit", kwargs=pk("draft"), default=405),
    row("declarations:withdraw", kwargs=pk("draft"), staff=200),
    row("declarations:amend", kwargs=pk("declaration"), default=405),
    row("declarations:attachment_upload", kwargs=pk("draft"), default=405),
    # The declarant downloads from the declaration; the decider from the request.
    row("declarations:attachment", kwargs=pk("attachment"), staff=200),
    # Deciding (#5): the dashboard lists the person's own requests (empty for others).
    row("approvals:dashboard", default=200),
    row("approvals:request", kwargs=pk("approval"), line_manager=200),
    # What each decider decided (#22): their own list, empty for everyone else.
    row("approvals:decided", default=200),
    # What waits on others at the settings a head leads: heads only.
    row("approvals:waiting_on_others", default=404, **ok("head", "executive_head", "other_school")),
    # The DSL's log (R41): posted to from the DSL's own copy (the POST matrix).
    row("approvals:request_dsl_log", kwargs=pk("dsl_copy"), default=405),
    row(
        "approvals:request_attachment",
        kwargs=lambda o: {"pk": o.approval.pk, "attachment_pk": o.attachment.pk},
        line_manager=200,
    ),
    # Records (#6, #7, #8).
    row("registers:index", default=200),
    row("registers:staff_list", default=200),  # the people the person may see
    row("registers:staff_file", kwargs=pk("world.teacher_a"), **STAFF_FILE),
    row(
        "registers:staff_file_export",
        kwargs=pk("world.teacher_a", fmt="csv"),
        query={"export-reason": "Inspection"},
        **STAFF_FILE,
    ),
    row("registers:pupil_list", default=200),  # empty for who may open no pupil's file
    row("registers:pupil_file", kwargs=pk("pupil"), **PUPIL_FILE),
    row(
        "registers:pupil_file_export",
        kwargs=pk("pupil", fmt="csv"),
        query={"export-reason": "Inspection"},
        **PUPIL_FILE,
    ),
    # The recorder (the line manager who decided), or the head, Executive Headteacher,
    # DSL or deputy DSL of the setting (registers.selectors.entry_for_correction).
    row(
        "registers:entry_correct",
        kwargs=pk("staff_entry"),
        **ok("line_manager", "head", "executive_head", "dsl"),
    ),
    row("registers:follow_ups", default=200),
    # Its staff member, the manager responsible, the head or Executive Headteacher.
    row(
        "registers:follow_up",
        kwargs=pk("follow_up"),
        **ok("staff", "line_manager", "head", "executive_head"),
    ),
    # The kind registers and key people of the person's own settings.
    row("registers:correspondence", **SETTING_REGISTERS, **OUTSIDERS_OWN),
    row("registers:contact_details", **SETTING_REGISTERS, **OUTSIDERS_OWN),
    row("registers:key_people", **POLICY, **OUTSIDERS_OWN),
    row("registers:key_person", kwargs=pk("pupil"), **POLICY),
    row("oversight:patterns", **ok("dsl", "executive_head")),
    row("oversight:audit", **AUDIT, other_administrator=200),
    row("oversight:audit_export", **AUDIT, other_administrator=200),
    row("registers:rounds", default=200),  # the person's own round tasks
    row("registers:round_new", **POLICY, **OUTSIDERS_OWN),
    row("registers:round", kwargs=pk("round"), **POLICY),
    row("registers:round_close", kwargs=pk("round"), default=405),
    row("registers:round_respond", kwargs=pk("round_response"), staff=200),
    row("oversight:summary", query=organisation("world.school_a"), **SUMMARY),
    row(
        "oversight:summary_export",
        kwargs={"fmt": "csv"},
        query=organisation("world.school_a"),
        **SUMMARY,
    ),
    row("oversight:summary_save", default=405),
    # The federation's snapshot: not for the head of one of its schools.
    row(
        "oversight:summary_snapshot",
        kwargs=pk("snapshot"),
        **ok("executive_head", "chair", "governor", "administrator"),
    ),
    row(
        "oversight:summary_snapshot_export",
        kwargs=pk("snapshot", fmt="csv"),
        **ok("executive_head", "chair", "governor", "administrator"),
    ),
    row("schoolcalendar:term_dates", query=organisation("world.school_a"), **POLICY),
    # The new school year (R38): the administrators of the setting or its federation.
    row("schoolcalendar:new_school_year", query=organisation("world.school_a"), administrator=200),
    # Going live (#20): the invitations of an organisation, for its administrators (the
    # federation's administers school_a); another school's administrator is refused.
    row("invitations:going_live", query=organisation("world.school_a"), administrator=200),
    # The link in an invitation is public; a made-up one does not work (404).
    row(
        "invitations:accept",
        kwargs={"pk": 999999, "token": "made-up-key"},
        default=404,
        anonymous=404,
    ),
    # Imports (R38, #20): an administrator's own organisations' imports only; confirming,
    # cancelling are posts (tests/onboarding/imports/test_pages.py).
    row("onboarding:imports", **ok("administrator", "other_administrator")),
    row("onboarding:import_detail", kwargs=pk("import_run"), administrator=200),
    row("onboarding:import_confirm", kwargs=pk("import_run"), default=405),
    row("onboarding:import_cancel", kwargs=pk("import_run"), default=405),
    row(
        "onboarding:import_row",
        kwargs=lambda o: {"pk": o.import_run.pk, "row": o.import_row.pk},
        administrator=200,
    ),
    # The school's MIS through Wonde (#20): its administrators only (the federation's);
    # testing the connection and "Sync now" are posts (tests/onboarding/imports/
    # test_mis_sync.py). Another school's administrator sees their own school's page.
    row(
        "mis:connection",
        query=organisation("world.school_a"),
        administrator=200,
    ),
    row("mis:connection_test", default=405),
    row("mis:sync_start", default=405),
    row("mis:sync", kwargs=pk("mis_sync"), administrator=200),
]


# The Django admin ------------------------------------------------------------------------
#
# One rule: only administrators (and superusers) get in (directory/admin_site.py).
# Anybody else signed in is sent to the admin's sign-in, which refuses them (403); the
# anonymous end on the sign-in page. Inside, the project's models are scoped to the
# organisations the administrator administers (directory/admin.py): the federation's
# administrator opens school_a's objects; another school's administrator is told the
# object does not exist (the change page sends them to the admin index) or gets a 404
# (history pages). Nothing is deleted from the admin (403) but a family member whom
# nothing names (DELETABLE), and the stock admins of other apps need Django permissions
# an administrator does not have (403).

ADMINS = ("administrator", "other_administrator")


def admin_row(
    name: str,
    *,
    kwargs: Any = None,
    query: Any = None,
    default: Expect = ADMIN_REFUSED,
    **roles: Expect,
) -> Row:
    return row(name, kwargs=kwargs, query=query, default=default, **roles)


# model -> (the object of school_a's federation its pages open, whether an administrator
# may add one)
ADMIN_MODELS: dict[str, tuple[str, bool]] = {
    "directory_person": ("world.teacher_a", True),
    "directory_organisation": ("world.school_a", False),  # set up by the operators
    "directory_membership": ("membership", True),
    "directory_pupil": ("pupil", True),
    "directory_familymember": ("family_member", True),
    "approvals_routingrule": ("routing_rule", True),
    "approvals_cover": ("cover", True),
    "approvals_approvalrequest": ("approval", False),  # made by routing only
    "schoolcalendar_termdates": ("term_dates", True),
    "schoolcalendar_closureday": ("closure_day", True),
}
# What an administrator may delete (everything else: nothing, 403): a family member whom
# nothing names, added by mistake (#20); another school's is not found.
DELETABLE: dict[str, dict[str, Expect]] = {
    "directory_familymember": {
        "administrator": 200,
        "other_administrator": Redirect("admin:index"),
    },
}
# The bulk actions' own views (#20: line manager and role of a selection): they take the
# action's form, posted; asked for with a GET they go back to the changelist.
BULK_VIEWS = {
    "directory_membership": ("line_manager", "role"),
    "directory_person": ("line_manager", "role"),
}
# Registered with the stock ModelAdmin: Django permissions, which only superusers hold.
# No task result exists (emails are sent at once in tests): a made-up id, for which
# the history page says it does not exist before it checks permissions.
STOCK_ADMIN_MODELS: dict[str, str | None] = {
    "auth_group": "group",
    "django_tasks_database_dbtaskresult": None,
}
MISSING_ID = 999_999


def object_id(path: str | None) -> Callable[[types.SimpleNamespace], dict]:
    return lambda o: {"object_id": _get(o, path).pk if path else MISSING_ID}


def first_version(path: str) -> Callable[[types.SimpleNamespace], list]:
    def args(o: types.SimpleNamespace) -> list:
        obj = _get(o, path)
        return [obj.pk, obj.history.earliest("history_date").history_id]

    return args


def admin_model_rows() -> Iterator[Row]:
    for model, (path, may_add) in ADMIN_MODELS.items():
        add = 200 if may_add else 403
        yield admin_row(f"admin:{model}_changelist", **ok(*ADMINS))
        yield admin_row(f"admin:{model}_add", **dict.fromkeys(ADMINS, add))
        yield admin_row(
            f"admin:{model}_change",
            kwargs=object_id(path),
            administrator=200,
            other_administrator=Redirect("admin:index"),
        )
        yield admin_row(
            f"admin:{model}_history",
            kwargs=object_id(path),
            administrator=200,
            other_administrator=404,
        )
        yield admin_row(
            f"admin:{model}_simple_history",
            kwargs=first_version(path),
            administrator=200,
            other_administrator=404,
        )
        yield admin_row(
            f"admin:{model}_delete",
            kwargs=object_id(path),
            **DELETABLE.get(model, dict.fromkeys(ADMINS, 403)),
        )
    for model, names in BULK_VIEWS.items():
        for name in names:
            yield admin_row(
                f"admin:{model}_bulk_{name}",
                **dict.fromkeys(ADMINS, Redirect(f"admin:{model}_changelist")),
            )
    for model, path in STOCK_ADMIN_MODELS.items():
        refused = dict.fromkeys(ADMINS, 403)
        yield admin_row(f"admin:{model}_changelist", **refused)
        yield admin_row(f"admin:{model}_add", **refused)
        yield admin_row(f"admin:{model}_change", kwargs=object_id(path), **refused)
        yield admin_row(f"admin:{model}_delete", kwargs=object_id(path), **refused)
        yield admin_row(
            f"admin:{model}_history",
            kwargs=object_id(path),
            **(refused if path else dict.fromkeys(ADMINS, Redirect("admin:index"))),
        )


ADMIN_ROWS = [
    admin_row("admin:index", **ok(*ADMINS)),
    # The admin's sign-in sends the anonymous to the one rate-limited sign-in page and
    # refuses every signed-in person, administrators included (they never need it: the
    # sign-in page sends them straight on to ?next=).
    admin_row("admin:login", default=403, anonymous=Redirect("account_login")),
    # Signing out is a POST; Django's admin sends whoever may not use it to its index.
    admin_row("admin:logout", default=Redirect("admin:index"), **dict.fromkeys(ADMINS, 405)),
    # One way to change a password: the product's page (audited, told to the person).
    admin_row(
        "admin:password_change",
        **dict.fromkeys(ADMINS, Redirect("account_change_password")),
    ),
    admin_row("admin:password_change_done", **ok(*ADMINS)),
    admin_row(
        "admin:autocomplete",
        query={"app_label": "directory", "model_name": "pupil", "field_name": "key_person"},
        **ok(*ADMINS),
    ),
    admin_row("admin:jsi18n", **ok(*ADMINS)),
    # A pupil has no page of its own outside the admin: the shortcut answers 404.
    admin_row(
        "admin:view_on_site",
        kwargs=lambda o: {
            "content_type_id": ContentType.objects.get_for_model(o.pupil).pk,
            "object_id": o.pupil.pk,
        },
        **dict.fromkeys(ADMINS, 404),
    ),
    admin_row("admin:app_list", kwargs={"app_label": "directory"}, **ok(*ADMINS)),
    *admin_model_rows(),
]


MATRIX: dict[str, Row] = {}
for _row in [*APP_ROWS, *ADMIN_ROWS]:
    assert _row.name not in MATRIX, f"two rows for {_row.name}"
    MATRIX[_row.name] = _row


# The URLs the project has ----------------------------------------------------------------

# Unnamed patterns cannot be reversed: only the admin has them (the redirect from an
# object's bare URL to its change page, and the catch-all that answers 404).
UNNAMED_ADMIN = ("admin/",)


def url_patterns(
    resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str | None, str]]:
    """(full name or None, route) of every pattern, walking included resolvers."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, inner, route)
        elif isinstance(pattern, URLPattern):
            name = None
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, route


def test_every_url_has_a_row():
    names = {name for name, _ in url_patterns() if name}
    missing = sorted(names - MATRIX.keys())
    gone = sorted(MATRIX.keys() - names)
    assert not missing, f"URLs with no row in the access matrix: {missing}"
    assert not gone, f"rows in the access matrix for URLs that no longer exist: {gone}"


def test_only_the_admin_has_unnamed_urls():
    unnamed = [route for name, route in url_patterns() if name is None]
    assert unnamed, "the admin's unnamed patterns were expected"
    others = [route for route in unnamed if not route.startswith(UNNAMED_ADMIN)]
    assert not others, f"URLs without a name (give them one, then a row): {others}"


# The matrix ------------------------------------------------------------------------------

# What a role must never read on any page it is let into (a 200), whatever the URL:
# outsiders nothing of school_a or its federation; governors and the Chair no child
# or family (R33: they read anonymised summaries).
SCHOOL_A_WORDS = ("Ash Primary School", "Birch Primary School", "Oak Federation")
CHILD_WORDS = (PUPIL_SURNAME, PARENT_SURNAME)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "other_school": (*SCHOOL_A_WORDS, *CHILD_WORDS, TEACHER_SURNAME),
    "other_administrator": (*SCHOOL_A_WORDS, *CHILD_WORDS, TEACHER_SURNAME),
    "governor": CHILD_WORDS,
    "chair": CHILD_WORDS,
}
TEXT_TYPES = ("text/html", "text/csv", "application/json", "text/plain")


# Every cell on PostgreSQL; a smoke part on SQLite (the module docstring says why).
FULL_MATRIX = connection.vendor == "postgresql"


def smoke_roles(matrix_row: Row) -> set[str]:
    first_with_answer: dict[str, str] = {}
    for role in ROLES:
        first_with_answer.setdefault(repr(matrix_row.expected(role)), role)
    leak_checked = {
        role for role in FORBIDDEN if role in ROLES and matrix_row.expected(role) == 200
    }
    return set(first_with_answer.values()) | leak_checked | set(matrix_row.bugs)


def cases() -> Iterator[Any]:
    for name, matrix_row in MATRIX.items():
        asked = set(ROLES) if FULL_MATRIX else smoke_roles(matrix_row)
        for role in ROLES:
            if role not in asked:
                continue
            marks = ()
            if role in matrix_row.bugs:
                marks = (pytest.mark.xfail(strict=True, reason=matrix_row.bugs[role]),)
            yield pytest.param(name, role, marks=marks, id=f"{name}-{role}")


def test_the_smoke_part_asks_every_url_for_each_answer_it_gives():
    """What SQLite runs (``smoke_roles``) still meets every kind of answer of every row."""
    for name, matrix_row in MATRIX.items():
        asked = smoke_roles(matrix_row)
        answers = {repr(matrix_row.expected(role)) for role in ROLES}
        assert {repr(matrix_row.expected(role)) for role in asked} == answers, name
        assert set(matrix_row.bugs) <= asked, name


def location(response) -> str:
    return urlsplit(response.get("Location", "")).path


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_answer(response, expected: Expect, url: str) -> None:
    status, where = response.status_code, location(response)
    got = f"{url} answered {status}" + (f" to {where}" if where else "")
    if expected == LOGIN:
        # The admin's own sign-in sends on to the sign-in page (its row says so).
        assert (status, where) in {(302, SIGN_IN), (302, ADMIN_SIGN_IN)}, got
    elif expected == ADMIN_REFUSED:
        # ... and refuses whoever is signed in (403: the admin:login row says so).
        assert (status, where) == (302, ADMIN_SIGN_IN), got
    elif isinstance(expected, Redirect):
        assert (status, where) == (302, reverse(expected.to, kwargs=expected.kwargs)), got
    else:
        assert status == expected, got


@pytest.mark.parametrize(("name", "role"), list(cases()))
def test_access(client, objects, name, role):
    matrix_row = MATRIX[name]
    url = matrix_row.url(objects)
    if role in objects.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = objects.sessions[role]

    response = client.get(url)

    assert_answer(response, matrix_row.expected(role), url)
    if response.status_code == 200 and response.get("Content-Type", "").startswith(TEXT_TYPES):
        text = body(response)
        leaked = [word for word in FORBIDDEN.get(role, ()) if word in text]
        assert not leaked, f"{url} shows {role} {leaked}"


# The views that only take a POST (they answer 405 to the GETs above): who may post.
# A refusal is a 404 (the object is not theirs to see) or, where the person may see the
# page but not do this, a redirect back with the reason (302 as well: the change is
# then checked not to have happened, by the test of each service).
def summary_save_data(o: types.SimpleNamespace) -> dict:
    today = timezone.localdate()
    return {
        "organisation": o.world.school_a.pk,
        "period": current_term_token(o.world.school_a, today),
    }


def dsl_log_data(o: types.SimpleNamespace) -> dict:
    return {
        "log-action": "lado_advice",
        "log-done_on": timezone.localdate().isoformat(),
        "log-done_by": o.world.dsl_a.pk,
        "log-outcome": "Advice taken; no further action.",
    }


POST_MATRIX: dict[str, tuple[Row, Any]] = {
    matrix_row.name: (matrix_row, data)
    for matrix_row, data in [
        # Only the declarant sends, amends or attaches to their own declaration.
        (row("declarations:submit", kwargs=pk("draft"), staff=302), {}),
        (row("declarations:amend", kwargs=pk("declaration"), staff=302), {}),
        (row("declarations:attachment_upload", kwargs=pk("draft"), staff=302), {}),
        # Only the DSL copied keeps the log from the copy: for anyone else it does not
        # exist (a head refused from their own request: tests/approvals/test_dsl_log.py).
        (row("approvals:request_dsl_log", kwargs=pk("dsl_copy"), dsl=302), dsl_log_data),
        # The head, Executive Headteacher or administrator closes school_a's round.
        (
            row(
                "registers:round_close",
                kwargs=pk("round"),
                head=302,
                executive_head=302,
                administrator=302,
            ),
            {"confirm": "on"},
        ),
        # Anyone who reads school_a's summary may ask; the head, the Executive
        # Headteacher and the administrator save it; a governor or the Chair is sent
        # back with the reason. Nobody else sees school_a's summaries at all.
        (
            row(
                "oversight:summary_save",
                head=302,
                executive_head=302,
                administrator=302,
                chair=302,
                governor=302,
            ),
            summary_save_data,
        ),
        # Only the administrators of school_a (the federation's) confirm or cancel its
        # import; for anyone else it does not exist.
        (row("onboarding:import_confirm", kwargs=pk("import_run"), administrator=302), {}),
        (row("onboarding:import_cancel", kwargs=pk("import_run"), administrator=302), {}),
        # Only school_a's administrators test its connection or sync it now (the test of
        # the connection finds no Wonde here, and says so).
        (row("mis:connection_test", administrator=302), organisation("world.school_a")),
        (row("mis:sync_start", administrator=302), organisation("world.school_a")),
    ]
}


def test_every_post_only_url_has_a_post_row():
    post_only = {name for name, matrix_row in MATRIX.items() if matrix_row.default == 405}
    assert post_only == set(POST_MATRIX)


@pytest.mark.parametrize(
    ("name", "role"),
    [pytest.param(name, role, id=f"POST {name}-{role}") for name in POST_MATRIX for role in ROLES],
)
def test_post_access(client, objects, name, role):
    matrix_row, data = POST_MATRIX[name]
    url = matrix_row.url(objects)
    if role in objects.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = objects.sessions[role]

    response = client.post(url, data(objects) if callable(data) else data)

    assert_answer(response, matrix_row.expected(role), url)
