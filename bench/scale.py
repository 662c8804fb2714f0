"""A trust the size of the largest in England, for load tests and the benchmark (#10).

``seed_scale`` plans a multi-academy trust (schools, pre-schools, staff, governors,
pupils, families, roles, the policy, acknowledgements and training) and years of
declarations with their routing, escalations, decisions, file entries, follow-ups and
audit events, in the proportions the demo's history has. Everything is drawn from one
seeded random generator, so the same seed and end date give the same rows.

Rows are written straight to the tables in bulk: PostgreSQL's COPY where the database
is PostgreSQL, Django's ``bulk_create`` elsewhere. Identifiers are handed out here (so
that rows can point at each other before they are written) and the sequences are moved
on afterwards. Historical (simple-history) rows are not written: the audit events are
the record of what happened, and the history pages of a seeded row simply start empty.
"""

from __future__ import annotations

import datetime
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from approvals.audit_actions import (
    APPROVAL_CANCELLED,
    APPROVAL_COPIED_TO_DSL,
    APPROVAL_DECIDED,
    APPROVAL_ESCALATED,
    APPROVAL_ROUTED,
)
from approvals.models import ESCALATION, ApprovalRequest, DeciderRole, Decision, Outcome
from approvals.routing import default_role
from approvals.services import due_for, escalation_day
from bench.audit_actions import SCALE_LOADED
from contactpolicy.audit import action_of
from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record
from declarations.audit_actions import (
    DECLARATION_ATTACHMENT_ADDED,
    DECLARATION_CREATED,
    DECLARATION_SUBMITTED,
    DECLARATION_WITHDRAWN,
)
from declarations.kinds import KINDS, Subjects, get_kind
from declarations.models import Attachment, Declaration, DeclarationSubject
from demo.history import photo_of_a_card
from directory.models import (
    FamilyLink,
    FamilyMember,
    Membership,
    Organisation,
    Person,
    Pupil,
    default_mfa_roles,
)
from directory.models import Role as R
from directory.search import search_name_of
from policies.models import Acknowledgement, PolicyVersion, TrainingRecord
from registers.audit_actions import FOLLOW_UP_SET, OUTCOME_RECORDED
from registers.models import FollowUp, RegisterEntry
from schoolcalendar.calendar import calendar_for

LOADED = SCALE_LOADED  # the audit event that says a load finished
SCALE_PASSWORD = "contact-scale-2026"  # noqa: S105 (printed for load tests; refused in production)
DECLARATIONS_PER_SCHOOL_YEAR = 2_250  # 90 schools over 5 years: about a million
WAITING_DAYS = 6  # declarations this recent are still waiting for a decision
FLUSH_ROWS = 60_000  # rows held in memory before they are written

# Every kind, as often as it is declared (its share in the registry).
KIND_WEIGHTS = {kind.code: kind.share for kind in KINDS.values()}

PLACES = [
    "Ashby",
    "Aldwick",
    "Barrow",
    "Beechwood",
    "Bramley",
    "Brindley",
    "Castleford",
    "Chalton",
    "Claybrook",
    "Coldharbour",
    "Danesmoor",
    "Eastfield",
    "Elmhurst",
    "Fairfield",
    "Fernhill",
    "Foxwood",
    "Greenbank",
    "Hadley",
    "Hawthorn",
    "Highfield",
    "Holmewood",
    "Kingsmead",
    "Langley",
    "Larkrise",
    "Longmoor",
    "Marshfield",
    "Meadowbank",
    "Millfield",
    "Newlands",
    "Northgate",
    "Oakwood",
    "Orchard",
    "Parkside",
    "Priory",
    "Queensway",
    "Ravenscroft",
    "Ridgeway",
    "Riverside",
    "Rosedale",
    "Sandhill",
    "Seaton",
    "Southfield",
    "Springwood",
    "Stanton",
    "Thornbury",
    "Upton",
    "Valley",
    "Westfield",
    "Whitmore",
    "Willowbrook",
    "Woodlands",
    "Yarrow",
]
SCHOOL_KINDS = ("Primary School", "Academy", "Church of England Primary School", "Junior School")
YEAR_GROUPS = ["Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"]
JOBS = ["Class teacher"] * 5 + ["Teaching assistant"] * 4 + ["Office staff", "Midday supervisor"]
RELATIONSHIPS = [
    FamilyLink.Relationship.MOTHER,
    FamilyLink.Relationship.FATHER,
    FamilyLink.Relationship.CARER,
    FamilyLink.Relationship.GRANDPARENT,
]
# Waits before a decision, in hours, as the demo's history has them.
WAITS = [3, 20, 30, 50, 75, 100, 130, 200, 330]


@dataclass
class ScalePlan:
    schools: int = 90
    years: int = 5
    declarations: int | None = None  # None: DECLARATIONS_PER_SCHOOL_YEAR each
    staff_per_school: int = 111  # about 10,000 across 90 schools
    pupils_per_school: int = 667  # about 60,000
    seed: int = 10
    # The last day of the history: yesterday by default, so that nothing is dated after
    # the moment it is loaded and the same seed and day give the same rows.
    until: datetime.date = field(
        default_factory=lambda: timezone.localdate() - datetime.timedelta(days=1)
    )
    name: str = "Northway Learning Trust"

    @property
    def total_declarations(self) -> int:
        if self.declarations is not None:
            return self.declarations
        return DECLARATIONS_PER_SCHOOL_YEAR * self.schools * self.years


class Writer:
    """Hands out identifiers and writes rows in bulk, table by table."""

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.next_ids: dict[type[models.Model], int] = {}
        self.buffers: dict[type[models.Model], tuple[list[str], list[tuple]]] = {}
        self.defaults: dict[type[models.Model], tuple] = {}  # for the fields not given
        self.written = 0

    def ids(self, model: type[models.Model], count: int = 1) -> int:
        """The first of ``count`` new identifiers for ``model``."""
        if model not in self.next_ids:
            self.next_ids[model] = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        first = self.next_ids[model]
        self.next_ids[model] += count
        return first

    def columns(self, model: type[models.Model], attnames: list[str]) -> None:
        """Declare which fields ``add`` gives for ``model``; the rest take their default."""
        missing = [
            field
            for field in model._meta.concrete_fields
            if field.attname not in attnames and not field.primary_key
        ]
        for each in missing:
            if each.has_default() and callable(each.default):
                # uuid4, now and the like: the same value on every row would be wrong.
                raise ValueError(f"{model.__name__}.{each.name} needs a value of its own.")
        defaults = [each.get_default() for each in missing]
        self.buffers[model] = ([*attnames, *(each.attname for each in missing)], [])
        self.defaults[model] = tuple(defaults)

    def add(self, model: type[models.Model], *values: Any) -> None:
        self.buffers[model][1].append(values + self.defaults[model])

    def pending(self) -> int:
        return sum(len(rows) for _, rows in self.buffers.values())

    def flush(self) -> None:
        """Write everything held, parents before children, in one transaction."""
        with transaction.atomic():
            for model, (attnames, rows) in self.buffers.items():
                if rows:
                    self._write(model, attnames, rows)
                    self.written += len(rows)
                    rows.clear()

    def _write(self, model: type[models.Model], attnames: list[str], rows: list[tuple]) -> None:
        fields = [model._meta.get_field(_name_of(model, attname)) for attname in attnames]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(each.column) for each in fields)
        if not self.copy:
            # The values as given (bulk_create would stamp auto_now fields with today).
            # Table and column names come from the models, never from input.
            places = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({places})"  # noqa: S608
            prepared = [
                [
                    each.get_db_prep_save(value, connection)
                    for each, value in zip(fields, row, strict=True)
                ]
                for row in rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(sql, prepared)
            return
        from psycopg.types.json import Jsonb

        json = [i for i, each in enumerate(fields) if isinstance(each, models.JSONField)]
        sql = f"COPY {table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                if json:
                    row = list(row)
                    for i in json:
                        row[i] = Jsonb(row[i])
                copy.write_row(row)

    def finish(self) -> None:
        """Move each sequence past the identifiers handed out here."""
        self.flush()
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next_ids))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            if self.copy:
                # Fresh statistics for the planner; outside a transaction, VACUUM also
                # marks the pages all-visible, so that counts can read indexes alone.
                command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                for model in self.next_ids:
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"{command} {table}")


def _name_of(model: type[models.Model], attname: str) -> str:
    for each in model._meta.concrete_fields:
        if each.attname == attname:
            return each.name
    raise LookupError(attname)


@dataclass(frozen=True)
class _Stored:
    name: str
    size: int


def _stored_card() -> _Stored:
    """The photo every seeded correspondence declaration carries, stored once."""
    name = "attachments/scale/photo-of-the-card.png"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(photo_of_a_card()))
    return _Stored(name, default_storage.size(name))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


@dataclass
class School:
    pk: int
    name: str
    kind: str
    slug: str
    head: int = 0
    dsl: int = 0
    deputy: int = 0
    managers: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)  # everyone who declares, head included
    manager_of: dict[int, int] = field(default_factory=dict)  # person -> line manager
    weights: list[float] = field(default_factory=list)  # how often each of staff declares
    pupils: list[int] = field(default_factory=list)  # current pupils
    former_pupils: list[int] = field(default_factory=list)
    families: dict[int, list[int]] = field(default_factory=dict)  # family member -> pupils
    family_ids: list[int] = field(default_factory=list)


@dataclass
class Logins:
    rows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, email: str) -> None:
        self.rows.append((label, email))


class ScaleSeeder:
    """Plans and writes one trust. ``run`` returns the logins worth printing."""

    def __init__(self, plan: ScalePlan, progress: Callable[[int], None] | None = None) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)  # noqa: S311 (test data, not security)
        self.w = Writer()
        self.progress = progress or (lambda n: None)
        self.password = make_password(SCALE_PASSWORD, salt="scale" + str(plan.seed))
        self.everyone: list[int] = []  # in the order they were made
        self.may_lapse: set[int] = set()  # ordinary staff, who may not have done it all yet
        self.logins = Logins()
        self.start = plan.until - datetime.timedelta(days=365 * plan.years)
        # The history stops at the end of its last day, whatever the clock says (so the
        # same seed and ``until`` always give the same rows).
        self.tz = timezone.get_current_timezone()
        self.now = self._at(plan.until + datetime.timedelta(days=1), 0)
        self._names()

    # -- the directory --------------------------------------------------------------------

    def _names(self) -> None:
        from faker import Faker

        fake = Faker("en_GB")
        fake.seed_instance(self.plan.seed)
        self.given = sorted({fake.first_name() for _ in range(600)})
        self.family = sorted({fake.last_name() for _ in range(600)})

    def person(self, domain: str, *, joined: datetime.date) -> tuple[int, str]:
        pk = self.w.ids(Person)
        given, family = self.rng.choice(self.given), self.rng.choice(self.family)
        self.everyone.append(pk)
        email = f"{_slug(given)}.{_slug(family)}.{pk}@{domain}"
        self.w.add(
            Person,
            pk,
            email,
            given,
            family,
            search_name_of(f"{given} {family}"),
            self.password,
            self._at(joined, 8),
        )
        return pk, email

    def membership(self, person: int, organisation: int, role: str, title: str, manager=None):
        starts = self.start - datetime.timedelta(days=self.rng.randint(30, 3000))
        self.w.add(
            Membership, self.w.ids(Membership), person, organisation, role, title, manager, starts
        )

    def directory(self) -> tuple[int, list[School]]:
        w = self.w
        w.columns(
            Organisation,
            ["id", "name", "kind", "parent_id", "urn", "mfa_roles", "safeguarding_chain"],
        )
        w.columns(
            Person,
            ["id", "email", "given_name", "family_name", "search_name", "password", "date_joined"],
        )
        w.columns(
            Membership,
            [
                "id",
                "person_id",
                "organisation_id",
                "role",
                "job_title",
                "line_manager_id",
                "starts_on",
            ],
        )
        w.columns(
            Pupil,
            [
                "id",
                "setting_id",
                "reference",
                "given_name",
                "family_name",
                "search_name",
                "date_of_birth",
                "class_name",
                "status",
                "left_on",
                "key_person_id",
            ],
        )
        w.columns(
            FamilyMember, ["id", "given_name", "family_name", "search_name", "organisation_id"]
        )
        w.columns(FamilyLink, ["id", "family_member_id", "pupil_id", "relationship"])

        plan = self.plan
        trust = w.ids(Organisation)
        w.add(
            Organisation,
            trust,
            plan.name,
            Organisation.Kind.TRUST,
            None,
            "",
            default_mfa_roles(),
            [],
        )
        domain = f"{_slug(plan.name)}.example"
        joined = self.start
        ceo, email = self.person(domain, joined=joined)
        self.membership(ceo, trust, R.EXECUTIVE_HEAD, "Chief executive officer")
        self.membership(ceo, trust, R.STAFF, "Chief executive officer")
        self.logins.add("Executive Headteacher (CEO, whole trust)", email)
        self.ceo = ceo
        chair, email = self.person(domain, joined=joined)
        self.membership(chair, trust, R.CHAIR, "Chair of trustees")
        self.membership(chair, trust, R.GOVERNOR, "Trustee")
        self.logins.add("Chair of trustees", email)
        for n in range(8):
            trustee, email = self.person(domain, joined=joined)
            self.membership(trustee, trust, R.GOVERNOR, "Trustee")
            if n == 0:
                self.logins.add("Trustee (governor, whole trust)", email)
        admin, email = self.person(domain, joined=joined)
        self.membership(admin, trust, R.ADMINISTRATOR, "Trust data manager")
        self.membership(admin, trust, R.STAFF, "Trust data manager", ceo)
        self.logins.add("Administrator (whole trust)", email)
        self.admin = admin

        schools = []
        taken = {name.lower() for name in Organisation.objects.values_list("name", flat=True)}
        for index in range(plan.schools):
            preschool = index % 10 == 9
            name = self.setting_name(index, preschool, taken)
            kind = Organisation.Kind.PRESCHOOL if preschool else Organisation.Kind.SCHOOL
            pk = w.ids(Organisation)
            urn = "" if preschool else f"{150000 + index}"
            w.add(Organisation, pk, name, kind, trust, urn, default_mfa_roles(), [])
            school = School(pk, name, kind, _slug(name))
            self.school_people(school, first=index == 0)
            self.school_pupils(school)
            schools.append(school)
        return trust, schools

    @staticmethod
    def setting_name(index: int, preschool: bool, taken: set[str]) -> str:
        """A name no other organisation here has (another trust may be loaded)."""
        number = index
        while True:
            place = PLACES[number % len(PLACES)]
            kind = "Nursery" if preschool else SCHOOL_KINDS[number // len(PLACES) % 4]
            round_ = number // (len(PLACES) * len(SCHOOL_KINDS))
            name = f"{place} {kind}" + (f" {round_ + 1}" if round_ else "")
            if name.lower() not in taken:
                taken.add(name.lower())
                return name
            number += 1

    def school_people(self, school: School, *, first: bool) -> None:
        size = self.plan.staff_per_school
        domain = f"{school.slug}.example"
        joined = self.start
        head, email = self.person(domain, joined=joined)
        title = "Manager" if school.kind == Organisation.Kind.PRESCHOOL else "Headteacher"
        for role in (R.HEAD, R.LINE_MANAGER):
            self.membership(head, school.pk, role, title)
        self.membership(head, school.pk, R.STAFF, title, self.ceo)
        school.head = head
        school.manager_of[head] = self.ceo
        dsl, dsl_email = self.person(domain, joined=joined)
        self.membership(dsl, school.pk, R.DSL, "Designated safeguarding lead")
        self.membership(dsl, school.pk, R.STAFF, "Deputy headteacher", head)
        school.dsl = dsl
        school.manager_of[dsl] = head
        deputy, _ = self.person(domain, joined=joined)
        self.membership(deputy, school.pk, R.DEPUTY_DSL, "Deputy DSL")
        self.membership(deputy, school.pk, R.STAFF, "SENCo", head)
        school.manager_of[deputy] = head
        school.deputy = deputy
        managers = []
        for n in range(max(2, size // 15)):
            manager, manager_email = self.person(domain, joined=joined)
            self.membership(manager, school.pk, R.LINE_MANAGER, f"Phase leader {n + 1}")
            self.membership(manager, school.pk, R.STAFF, f"Phase leader {n + 1}", head)
            managers.append(manager)
            school.manager_of[manager] = head
        school.managers = managers
        school.staff = [head, dsl, deputy, *managers]
        volunteers = size // 12
        rest = max(0, size - len(school.staff) - volunteers)
        for n in range(rest + volunteers):
            person, staff_email = self.person(domain, joined=joined)
            manager = managers[n % len(managers)]
            if n < rest:
                self.membership(person, school.pk, R.STAFF, self.rng.choice(JOBS), manager)
            else:
                self.membership(person, school.pk, R.VOLUNTEER, "Volunteer", manager)
            school.staff.append(person)
            school.manager_of[person] = manager
            if n:
                self.may_lapse.add(person)
            if first and n == 0:
                self.logins.add(f"Staff member ({school.name})", staff_email)
        # A few declare far more than the rest (tutors, long-serving staff in the village).
        school.weights = [self.rng.paretovariate(1.6) for _ in school.staff]
        chair, _ = self.person(domain, joined=joined)
        self.membership(chair, school.pk, R.CHAIR, "Chair of the local governing board")
        self.membership(chair, school.pk, R.GOVERNOR, "Local governor")
        for _ in range(6):
            governor, governor_email = self.person(domain, joined=joined)
            self.membership(governor, school.pk, R.GOVERNOR, "Local governor")
        if first:
            self.logins.add(f"Headteacher ({school.name})", email)
            self.logins.add(f"Designated safeguarding lead ({school.name})", dsl_email)
            self.logins.add(f"Line manager ({school.name})", manager_email)
            self.logins.add(f"Local governor ({school.name})", governor_email)

    def school_pupils(self, school: School) -> None:
        w, rng = self.w, self.rng
        count = self.plan.pupils_per_school
        first = w.ids(Pupil, count)
        year = self.plan.until.year if self.plan.until.month >= 9 else self.plan.until.year - 1
        preschool = school.kind == Organisation.Kind.PRESCHOOL
        key_people = school.staff[3:] if preschool else []
        family_of: list[int] = []
        for n in range(count):
            pk = first + n
            former = n % 9 == 8
            group = n % 7
            born = datetime.date(year - 5 - group, 9, 1) + datetime.timedelta(
                days=rng.randint(0, 364)
            )
            left_on = self.plan.until - datetime.timedelta(days=rng.randint(30, 900))
            given, family = rng.choice(self.given), rng.choice(self.family)
            w.add(
                Pupil,
                pk,
                school.pk,
                f"P{n + 1:06d}",
                given,
                family,
                search_name_of(f"{given} {family}"),
                born,
                "" if former else (f"Room {group % 3 + 1}" if preschool else YEAR_GROUPS[group]),
                Pupil.Status.FORMER if former else Pupil.Status.CURRENT,
                left_on if former else None,
                key_people[n % len(key_people)] if key_people and not former else None,
            )
            (school.former_pupils if former else school.pupils).append(pk)
            # Siblings share their family: one in four children has a brother or sister here.
            if family_of and rng.random() < 0.25:
                members = family_of[-1 - rng.randint(0, min(20, len(family_of) - 1))]
            else:
                members = []
                for relationship in rng.sample(RELATIONSHIPS[:2], rng.choice([1, 2, 2])):
                    member = w.ids(FamilyMember)
                    given, family = rng.choice(self.given), rng.choice(self.family)
                    w.add(
                        FamilyMember,
                        member,
                        given,
                        family,
                        search_name_of(f"{given} {family}"),
                        school.pk,
                    )
                    school.families[member] = []
                    school.family_ids.append(member)
                    members.append((member, relationship))
                family_of.append(members)
            for member, relationship in members:
                w.add(FamilyLink, w.ids(FamilyLink), member, pk, relationship)
                school.families[member].append(pk)
        # A declaration names the family of a pupil still here (declarations.selectors).
        current = set(school.pupils)
        school.family_ids = [
            member
            for member in school.family_ids
            if any(pupil in current for pupil in school.families[member])
        ]

    def policy(self, trust: int) -> None:
        w, rng = self.w, self.rng
        version = PolicyVersion.objects.create(
            organisation_id=trust,
            number=1,
            title="Staff contact with pupils and families policy",
            text="Staff declare contact with pupils and their families outside work.",
            adopted_on=self.start,
            adopted_by="The board of trustees",
            signatory_name="Chair of trustees",
            signatory_role="Chair of trustees",
            next_review_on=self.plan.until + datetime.timedelta(days=200),
            published_by_id=self.admin,
        )
        w.columns(
            Acknowledgement,
            ["id", "person_id", "version_id", "confidentiality_agreed", "acknowledged_at"],
        )
        w.columns(
            TrainingRecord,
            [
                "id",
                "person_id",
                "completed_on",
                "course",
                "provider",
                "recorded_by_id",
                "recorded_at",
            ],
        )
        for person in self.everyone:
            lapse = person in self.may_lapse
            if not lapse or rng.random() < 0.9:
                day = self.start + datetime.timedelta(days=rng.randint(1, 60))
                w.add(
                    Acknowledgement,
                    w.ids(Acknowledgement),
                    person,
                    version.pk,
                    True,
                    self._at(day, 9),
                )
            if not lapse or rng.random() < 0.85:
                done = self.plan.until - datetime.timedelta(days=rng.randint(10, 360))
                w.add(
                    TrainingRecord,
                    w.ids(TrainingRecord),
                    person,
                    done,
                    "Safeguarding and child protection",
                    "The local safeguarding partnership",
                    self.admin,
                    self._at(done, 16),
                )

    # -- the history ----------------------------------------------------------------------

    def _at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def history(self, trust: int, schools: list[School]) -> None:
        w = self.w
        w.columns(
            Declaration,
            [
                "id",
                "declarant_id",
                "setting_id",
                "kind",
                "status",
                "details",
                "key_date",
                "form_token",
                "created_at",
                "updated_at",
                "submitted_at",
                "first_submitted_at",
                "withdrawn_at",
                "withdrawal_reason",
            ],
        )
        w.columns(
            DeclarationSubject,
            ["id", "declaration_id", "pupil_id", "family_member_id", "other_name"],
        )
        w.columns(
            Attachment,
            [
                "id",
                "declaration_id",
                "file",
                "original_name",
                "content_type",
                "size",
                "uploaded_by_id",
                "uploaded_at",
            ],
        )
        w.columns(
            ApprovalRequest,
            [
                "id",
                "declaration_id",
                "purpose",
                "status",
                "decider_id",
                "decider_role",
                "routing_reason",
                "due_on",
                "created_at",
                "escalated_from_id",
            ],
        )
        w.columns(
            Decision,
            [
                "id",
                "request_id",
                "decided_by_id",
                "decided_at",
                "outcome",
                "reasons",
                "conditions",
                "review_on",
                "required_action",
                "action_due_on",
                "questions",
                "plan",
                "expected_outcomes",
                "timescales",
            ],
        )
        w.columns(
            RegisterEntry,
            [
                "id",
                "file",
                "person_id",
                "pupil_id",
                "via_family_member_id",
                "entry_kind",
                "declaration_id",
                "decision_id",
                "text",
                "confidential",
                "recorded_by_id",
                "recorded_at",
            ],
        )
        w.columns(
            FollowUp,
            [
                "id",
                "kind",
                "declaration_id",
                "decision_id",
                "person_id",
                "responsible_id",
                "what",
                "due_on",
                "created_at",
            ],
        )
        w.columns(
            AuditEvent,
            [
                "id",
                "occurred_at",
                "actor_id",
                "action",
                "target_type_id",
                "target_id",
                "target_label",
                "organisation_pk",
                "data",
            ],
        )
        self.declaration_type = ContentType.objects.get_for_model(Declaration).pk
        self.kind_codes = list(KIND_WEIGHTS)
        self.kind_weights = list(KIND_WEIGHTS.values())
        total = self.plan.total_declarations
        sizes = [len(school.staff) for school in schools]
        whole = sum(sizes)
        shares = [total * size // whole for size in sizes]
        shares[0] += total - sum(shares)
        span = (self.plan.until - self.start).days
        for school, share in zip(schools, shares, strict=True):
            setting = Organisation(pk=school.pk, kind=school.kind, parent_id=trust)
            # Due dates count school days on the school's calendar, as the services do.
            self.setting, self.calendar = setting, calendar_for(setting)
            self.roles = {code: default_role(code, setting) for code in KIND_WEIGHTS}
            offsets = sorted(self.rng.randrange(span) for _ in range(share))
            declarants = self.rng.choices(school.staff, weights=school.weights, k=share)
            kinds = self.rng.choices(self.kind_codes, weights=self.kind_weights, k=share)
            for offset, declarant, kind in zip(offsets, declarants, kinds, strict=True):
                day = self.start + datetime.timedelta(days=offset + 1)
                friday = day - datetime.timedelta(days=day.weekday() - 4)
                if day.weekday() >= 5 and self.rng.random() < 0.7 and friday > self.start:
                    day = friday  # most of a weekend's are declared on the Friday
                self.declaration(school, declarant, kind, day)
                if w.pending() >= FLUSH_ROWS:
                    w.flush()
            self.progress(share)

    def route(self, school: School, declarant: int, role: str) -> tuple[str, int]:
        """Who decides, as approvals.routing would have it: nobody decides their own
        declaration, which goes one step up the chain (R21)."""
        while True:
            decider = {
                DeciderRole.LINE_MANAGER: school.manager_of.get(declarant, school.head),
                DeciderRole.DSL: school.dsl,
                DeciderRole.HEAD: school.head,
                DeciderRole.EXECUTIVE_HEAD: self.ceo,
            }[role]
            if role == DeciderRole.LINE_MANAGER and declarant == school.head:
                decider = declarant  # a head's own goes to the Executive Headteacher
            if decider != declarant:
                return role, decider
            role = ESCALATION[role]

    def due_on(self, kind_code: str, key_date, day: datetime.date) -> datetime.date:
        """When the services would have the decision due (approvals.services.due_for)."""
        declaration = Declaration(kind=kind_code, key_date=key_date, setting=self.setting)
        return due_for(declaration, day, self.calendar).on

    def audit(self, at, actor, action, declaration, setting, label, data=None) -> None:
        self.w.add(
            AuditEvent,
            self.w.ids(AuditEvent),
            at,
            actor,
            action_of(action).code,  # in bulk, not through audit_event_record: still registered
            self.declaration_type,
            str(declaration),
            label,
            setting,
            data or {},
        )

    def declaration(self, school: School, declarant: int, kind_code: str, day) -> None:
        w, rng = self.w, self.rng
        kind = get_kind(kind_code)
        pk = w.ids(Declaration)
        label = f"{kind.name} ({f'D{pk:06d}'})"
        submitted_at = self._at(day, rng.randint(7, 18), rng.randint(0, 59))
        created_at = submitted_at - datetime.timedelta(minutes=rng.randint(3, 40))
        later = day + datetime.timedelta(days=rng.randint(8, 20))
        details, key_date = _details(kind_code, day, later, rng)
        roll = rng.random()
        recent = (self.plan.until - day).days <= WAITING_DAYS
        draft = roll < 0.01 or submitted_at >= self.now
        withdrawn = not draft and roll < 0.03
        status = (
            Declaration.Status.DRAFT
            if draft
            else Declaration.Status.WITHDRAWN
            if withdrawn
            else Declaration.Status.SUBMITTED
        )
        # Decided or still waiting is settled below, once the outcome is known.
        row = [
            pk,
            declarant,
            school.pk,
            kind_code,
            status,
            details,
            key_date,
            uuid.UUID(int=rng.getrandbits(128), version=4),
            created_at,
            submitted_at,
            None if draft else submitted_at,
            None if draft else submitted_at,
            submitted_at + datetime.timedelta(days=1) if withdrawn else None,
            "It did not happen after all." if withdrawn else "",
        ]
        self._subjects(school, pk, kind)
        self.audit(created_at, declarant, DECLARATION_CREATED, pk, school.pk, label)
        if kind.attachment_required:
            # The copy a correspondence declaration must carry (R11): one stored photo,
            # shared by every row, as attachment_add would have recorded each upload.
            attachment = w.ids(Attachment)
            w.add(
                Attachment,
                attachment,
                pk,
                self.card.name,
                "photo-of-the-card.png",
                "image/png",
                self.card.size,
                declarant,
                created_at,
            )
            self.audit(
                created_at,
                declarant,
                DECLARATION_ATTACHMENT_ADDED,
                pk,
                school.pk,
                label,
                {"attachment": attachment, "name": "photo-of-the-card.png"},
            )
        if draft:
            w.add(Declaration, *row)
            return
        self.audit(submitted_at, declarant, DECLARATION_SUBMITTED, pk, school.pk, label)
        role, decider = self.route(school, declarant, self.roles[kind_code])
        due_on = self.due_on(kind_code, key_date, day)
        request = w.ids(ApprovalRequest)
        request_row = [
            request,
            pk,
            ApprovalRequest.Purpose.DECIDE,
            ApprovalRequest.Status.OPEN,
            decider,
            role,
            f"Default route: {role.label.lower()} decides.",
            due_on,
            submitted_at,
            None,
        ]
        self.audit(submitted_at, None, APPROVAL_ROUTED, pk, school.pk, label, {"request": request})
        if kind.safeguarding:
            # Never to the DSL about their own declaration, nor one they decide.
            dsl = school.dsl if school.dsl not in (declarant, decider) else school.deputy
            copy = w.ids(ApprovalRequest)
            w.add(
                ApprovalRequest,
                copy,
                pk,
                ApprovalRequest.Purpose.COPY,
                ApprovalRequest.Status.OPEN,
                dsl,
                DeciderRole.DSL,
                "Safeguarding-relevant: copied to the designated safeguarding lead.",
                None,
                submitted_at,
                None,
            )
            self.audit(
                submitted_at,
                None,
                APPROVAL_COPIED_TO_DSL,
                pk,
                school.pk,
                label,
                {"request": copy, "dsl": dsl},
            )
        if withdrawn:
            request_row[3] = ApprovalRequest.Status.CANCELLED
            w.add(Declaration, *row)
            w.add(ApprovalRequest, *request_row)
            self.audit(row[12], declarant, DECLARATION_WITHDRAWN, pk, school.pk, label)
            self.audit(
                row[12],
                None,
                APPROVAL_CANCELLED,
                pk,
                school.pk,
                label,
                {"request": request, "reason": "withdrawn by the declarant"},
            )
            return
        wait = datetime.timedelta(hours=rng.choice(WAITS))
        decided_at = submitted_at + wait
        escalated_on = escalation_day(due_on=due_on, key_date=key_date, calendar=self.calendar)
        if (
            decided_at.date() > due_on
            and role == DeciderRole.LINE_MANAGER
            and decider != school.head
            and escalated_on <= self.plan.until
            and self._at(escalated_on, 6) < self.now
            and not recent
        ):
            # Not decided in time: the next morning's job passed it up to the head.
            request_row[3] = ApprovalRequest.Status.ESCALATED
            w.add(ApprovalRequest, *request_row)
            escalated_at = self._at(escalated_on, 6)
            self.audit(
                escalated_at,
                None,
                APPROVAL_ESCALATED,
                pk,
                school.pk,
                label,
                {"from_request": request},
            )
            head_due = self.due_on(kind_code, key_date, escalated_on)
            role, decider = self.route(school, declarant, DeciderRole.HEAD)
            escalated = w.ids(ApprovalRequest)
            request_row = [
                escalated,
                pk,
                ApprovalRequest.Purpose.DECIDE,
                ApprovalRequest.Status.OPEN,
                decider,
                role,
                f"Overdue since {due_on:%-d %B %Y}: escalated one level up.",
                head_due,
                escalated_at,
                request,
            ]
            request = escalated
            self.audit(escalated_at, None, APPROVAL_ROUTED, pk, school.pk, label)
            decided_at = min(
                max(decided_at, escalated_at + datetime.timedelta(hours=5)),
                self._at(head_due, 16),
            )
        elif decided_at.date() > due_on:
            decided_at = max(submitted_at + datetime.timedelta(hours=1), self._at(due_on, 16))
        if decided_at >= self.now or decided_at.date() > self.plan.until or recent:
            w.add(Declaration, *row)
            w.add(ApprovalRequest, *request_row)
            return  # still waiting for its decision
        outcome, extra = _outcome(kind, rng)
        request_row[3] = ApprovalRequest.Status.DECIDED
        row[4] = (
            Declaration.Status.MORE_INFO
            if outcome == Outcome.MORE_INFORMATION
            else Declaration.Status.DECIDED
        )
        row[9] = decided_at  # updated_at
        w.add(Declaration, *row)
        w.add(ApprovalRequest, *request_row)
        decided_on = decided_at.date()
        review_on = decided_on + datetime.timedelta(days=90) if extra.get("review") else None
        action_due = decided_on + datetime.timedelta(days=14) if extra.get("action") else None
        decision = w.ids(Decision)
        w.add(
            Decision,
            decision,
            request,
            decider,
            decided_at,
            outcome,
            extra.get("reasons", ""),
            extra.get("conditions", ""),
            review_on,
            extra.get("action", ""),
            action_due,
            extra.get("questions", ""),
            extra.get("plan", ""),
            extra.get("expected_outcomes", ""),
            extra.get("timescales", ""),
        )
        self.audit(
            decided_at, decider, APPROVAL_DECIDED, pk, school.pk, label, {"outcome": outcome}
        )
        # Every outcome goes on the files, a question sent back included (R23, R25).
        text = f"{label} declared: {Outcome(outcome).label} ({extra.get('conditions', '')})"
        # One entry on the staff member's file and one on each pupil's it concerns.
        files = [(RegisterEntry.File.STAFF, declarant, None, None)]
        files += [(RegisterEntry.File.PUPIL, None, pupil, via) for pupil, via in self._files]
        for file, person, pupil, via in files:
            w.add(
                RegisterEntry,
                w.ids(RegisterEntry),
                file,
                person,
                pupil,
                via,
                RegisterEntry.EntryKind.OUTCOME,
                pk,
                decision,
                text,
                False,
                decider,
                decided_at,
            )
        self.audit(decided_at, decider, OUTCOME_RECORDED, pk, school.pk, label)
        if review_on or action_due:
            w.add(
                FollowUp,
                w.ids(FollowUp),
                FollowUp.Kind.REVIEW if review_on else FollowUp.Kind.ACTION,
                pk,
                decision,
                declarant,
                decider,
                extra.get("conditions") or extra.get("action"),
                review_on or action_due,
                decided_at,
            )
            self.audit(decided_at, decider, FOLLOW_UP_SET, pk, school.pk, label)
        approving = outcome in {Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS}
        if approving and kind.expiry and (ends_on := kind.expiry.ends_on(details)):
            # Shared numbers or details end on their date: the staff member confirms it.
            w.add(
                FollowUp,
                w.ids(FollowUp),
                FollowUp.Kind.EXPIRY,
                pk,
                decision,
                declarant,
                decider,
                kind.expiry.what(details),
                ends_on,
                decided_at,
            )
            self.audit(decided_at, decider, FOLLOW_UP_SET, pk, school.pk, label)

    def _subjects(self, school: School, declaration: int, kind) -> None:
        """Name whom the declaration concerns; remember whose files it belongs on."""
        w, rng = self.w, self.rng
        self._files: list[tuple[int, int | None]] = []
        roll = rng.random()
        subject = w.ids(DeclarationSubject)
        if kind.subjects == Subjects.FORMER_PUPIL and school.former_pupils:
            # A former pupil, perhaps now an adult (001 §5): on their own file.
            pupil = rng.choice(school.former_pupils)
            w.add(DeclarationSubject, subject, declaration, pupil, None, "")
            self._files.append((pupil, None))
        elif kind.subjects == Subjects.OPTIONAL and roll < 0.5:
            w.add(DeclarationSubject, subject, declaration, None, None, "Parents on the trip")
        elif roll < 0.8 or not school.family_ids:
            pupil = rng.choice(school.pupils)
            w.add(DeclarationSubject, subject, declaration, pupil, None, "")
            self._files.append((pupil, None))
        else:
            member = rng.choice(school.family_ids)
            w.add(DeclarationSubject, subject, declaration, None, member, "")
            self._files.extend((pupil, member) for pupil in school.families[member])

    def run(self) -> list[tuple[str, str]]:
        self.card = _stored_card()
        trust, schools = self.directory()
        self.w.flush()
        self.policy(trust)
        self.w.flush()
        self.history(trust, schools)
        self.w.finish()
        return self.logins.rows


def _outcome(kind, rng: random.Random) -> tuple[str, dict[str, str]]:
    roll = rng.random()
    if not kind.needs_approval:
        if roll < 0.9:
            return Outcome.NOTED, {}
        return Outcome.MORE_INFORMATION, {"questions": "When did this start?"}
    # Continued contact with a former pupil is approved with a plan of involvement (R18).
    plan = (
        {
            "plan": "Contact through the school's email only, seen by the line manager.",
            "expected_outcomes": "The reference they asked for, and nothing further.",
            "timescales": "Until the end of this term.",
        }
        if kind.decision_needs_plan
        else {}
    )
    if roll < 0.55:
        return Outcome.APPROVED, plan
    if roll < 0.8:
        extra = {
            "conditions": "Keep it to the occasions described; tell your line manager of "
            "any change.",
            **plan,
        }
        if kind.ongoing:
            extra["review"] = "yes"
        return Outcome.APPROVED_WITH_CONDITIONS, extra
    if roll < 0.92:
        return Outcome.REFUSED, {
            "reasons": "This would blur the line between your role and your private life.",
            "action": "Let the family know, politely, that you cannot accept",
        }
    return Outcome.MORE_INFORMATION, {"questions": "Who else will be there?"}


def _details(kind: str, day, later, rng) -> tuple[dict[str, Any], datetime.date | None]:
    """The kind's example answers and the date a decision is needed by."""
    entry = get_kind(kind)
    details = entry.example_answers(day, rng, later=later)
    return details, later if entry.key_date else None


def seed_scale(
    plan: ScalePlan, progress: Callable[[int], None] | None = None
) -> list[tuple[str, str]]:
    """Write the trust of ``plan``; refuses if a trust of that name exists already. The
    last thing written is a "scale.loaded" audit event: a load cut short has none."""
    if Organisation.objects.filter(name__iexact=plan.name).exists():
        raise FileExistsError(plan.name)
    logins = ScaleSeeder(plan, progress).run()
    trust = Organisation.objects.get(name=plan.name)
    audit_event_record(
        actor=None,
        action=LOADED,
        target=trust,
        data={
            "name": plan.name,
            "schools": plan.schools,
            "years": plan.years,
            "declarations": plan.total_declarations,
            "seed": plan.seed,
            "until": plan.until.isoformat(),
        },
    )
    return logins


def loaded_plan(name: str) -> dict[str, Any] | None:
    """What ``seed_scale`` loaded under ``name``, or None if it did not finish."""
    event = AuditEvent.objects.filter(action=LOADED, data__name=name).order_by("-pk").first()
    return event.data if event else None


def personas(trust: Organisation) -> dict[str, Any]:
    """The people a loaded trust's pages are asked as (the benchmark, the query-count
    tests): the first school's head, DSL and busiest staff, the trust's Executive
    Headteacher and a governor who is not the Chair, and the first school's pupil with
    the most on their file. The busiest by the seeded declarations, which carry no notes:
    what a benchmark adds (with a note) never changes who is asked."""
    school = trust.children.order_by("pk").first()

    def holder(role: str, organisation: Organisation, *, chair: bool = True) -> Person:
        holders = Membership.objects.filter(role=role, organisation=organisation)
        if not chair:
            holders = holders.exclude(person__memberships__role=R.CHAIR)
        return holders.order_by("pk").first().person

    staff = (
        Person.objects.filter(memberships__organisation=school, memberships__role=R.STAFF)
        .exclude(memberships__role__in=[R.HEAD, R.DSL, R.LINE_MANAGER])
        .annotate(declared=Count("declarations", filter=Q(declarations__notes="")))
        .order_by("-declared", "pk")
    )
    pupil = (
        RegisterEntry.objects.filter(pupil__setting=school)
        .values("pupil")
        .annotate(entries=Count("id"))
        .order_by("-entries", "pupil")
        .first()["pupil"]
    )
    return {
        "trust": trust,
        "school": school,
        "pupil": pupil,
        "head": holder(R.HEAD, school),
        "executive_head": holder(R.EXECUTIVE_HEAD, trust),
        "dsl": holder(R.DSL, school),
        "governor": holder(R.GOVERNOR, trust, chair=False),
        "staff": staff[0],
        "declarer": staff[1],
    }
