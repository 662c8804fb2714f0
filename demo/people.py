"""The demo organisation: a federation of two primary schools and a separate pre-school.

The whole demo is planned in memory from a seeded Faker (en_GB), so the same
names, emails and pupils come out every time, then written in one transaction.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from directory.models import (
    FamilyLink,
    FamilyMember,
    Membership,
    Organisation,
    Person,
    Pupil,
    Role,
    YearGroup,
)
from schoolcalendar.models import ClosureDay, Term, TermDates
from schoolcalendar.periods import easter_sunday

DEMO_PASSWORD = "contact-demo-2026"  # noqa: S105 (printed for the demo; refused in production)
# The authenticator secret of every demo person whose role needs a second factor (R37),
# development only like the password: printed with the logins, and `manage.py demo_code
# EMAIL` prints its current code. The head of Brookfield has none: the walkthrough has
# her set up her own authenticator app at her first sign-in.
DEMO_TOTP_SECRET = "DEMOCONTACTREGISTERDEVELOPMENT23"  # noqa: S105 (development only)
NOT_ENROLLED = frozenset({"bro_head"})
FEDERATION = "Brookfield and Millbrook Federation"
# Brookfield signs in with Microsoft and Google too, through the local test provider that
# `make run` starts (manage.py run_identity_provider; R36, #18). Its passwords still work.
BROOKFIELD_DOMAIN = "brookfield.example"
BROOKFIELD_SSO = {
    "entra_tenant_id": "b7f0c0de-5c40-4e11-9a2b-000000000101",
    "google_workspace_domain": BROOKFIELD_DOMAIN,
    "trust_idp_mfa": True,
}
SEED = 2026

YEAR_GROUPS = ["Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"]
# The year group each class of the demo is (R38: a new school year moves them up).
YEAR_GROUP_OF_CLASS = {
    "Reception": YearGroup.RECEPTION,
    **{f"Year {n}": YearGroup(str(n)) for n in range(1, 7)},
    "Acorns room": YearGroup.NURSERY_1,
    "Oak room": YearGroup.NURSERY_2,
}


class DemoError(Exception):
    """A development-only demo step that cannot be done; the message says why."""


@dataclass
class PlannedPerson:
    key: str
    given_name: str
    family_name: str
    email: str
    # (organisation key, role, job title, line manager key)
    roles: list[tuple[str, str, str, str | None]] = field(default_factory=list)


@dataclass
class PlannedPupil:
    setting: str
    reference: str
    given_name: str
    family_name: str
    date_of_birth: date
    class_name: str
    left_on: date | None = None
    destination: str = ""
    key_person: str | None = None


@dataclass
class PlannedFamilyMember:
    given_name: str
    family_name: str
    relationship: str
    children: list[str] = field(default_factory=list)  # pupil references "setting:ref"


@dataclass
class Plan:
    organisations: dict[str, tuple[str, str, str | None, str]]  # key -> name, kind, parent, urn
    people: dict[str, PlannedPerson]
    pupils: list[PlannedPupil]
    family: list[PlannedFamilyMember]
    logins: list[tuple[str, str]]  # (what this login shows, person key)


def school_year_start(today: date) -> int:
    return today.year if today.month >= 9 else today.year - 1


def birth_date(fake: Faker, year_group_index: int, start_year: int) -> date:
    """A birthday that puts the child in the given year group (0 = Reception)."""
    # Reception children in the school year starting in 2026 were born Sept 2021 to Aug 2022.
    first = date(start_year - 5 - year_group_index, 9, 1)
    last = date(start_year - 4 - year_group_index, 8, 31)
    return fake.date_between_dates(first, last)


class Planner:
    def __init__(self, today: date) -> None:
        self.fake = Faker("en_GB")
        self.fake.seed_instance(SEED)
        self.random = random.Random(SEED)  # noqa: S311 (demo data, not security)
        self.today = today
        self.start_year = school_year_start(today)
        self.people: dict[str, PlannedPerson] = {}
        self.emails: set[str] = set()

    def person(
        self,
        key: str,
        domain: str,
        roles: list[tuple[str, str, str, str | None]],
    ) -> PlannedPerson:
        given, family = self.fake.first_name(), self.fake.last_name()
        local = f"{given}.{family}".lower().replace(" ", "").replace("'", "")
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        planned = PlannedPerson(key, given, family, email, roles)
        self.people[key] = planned
        return planned

    def plan(self) -> Plan:
        organisations = {
            "fed": (FEDERATION, Organisation.Kind.FEDERATION, None, ""),
            "bro": ("Brookfield Primary School", Organisation.Kind.SCHOOL, "fed", "190101"),
            "mil": ("Millbrook Primary School", Organisation.Kind.SCHOOL, "fed", "190102"),
            "pre": ("Little Acorns Pre-school", Organisation.Kind.PRESCHOOL, None, ""),
        }
        fed_domain = "brookfieldmillbrook.example"
        self.person(
            "exec",
            fed_domain,
            [
                ("fed", Role.EXECUTIVE_HEAD, "Executive Headteacher", None),
                ("fed", Role.STAFF, "Executive Headteacher", None),
            ],
        )
        self.person(
            "admin",
            fed_domain,
            [
                ("fed", Role.ADMINISTRATOR, "School business manager", None),
                ("fed", Role.STAFF, "School business manager", "exec"),
            ],
        )
        self.person(
            "chair",
            fed_domain,
            [("fed", Role.CHAIR, "Chair of Governors", None), ("fed", Role.GOVERNOR, "", None)],
        )
        for n in range(1, 4):
            self.person(f"governor{n}", fed_domain, [("fed", Role.GOVERNOR, "Governor", None)])
        self.person(
            "vice_chair",
            fed_domain,
            [
                ("fed", Role.VICE_CHAIR, "Vice-chair of Governors", None),
                ("fed", Role.GOVERNOR, "", None),
            ],
        )

        for school, domain in (("bro", "brookfield.example"), ("mil", "millbrook.example")):
            self.school_staff(school, domain)
        # A teaching assistant who works in both schools of the federation.
        self.people["bro_ta1"].roles.append(("mil", Role.STAFF, "Teaching assistant", "mil_lm2"))

        pre_domain = "littleacorns.example"
        self.person(
            "pre_manager",
            pre_domain,
            [
                ("pre", Role.HEAD, "Pre-school manager", None),
                ("pre", Role.DSL, "Pre-school manager and designated safeguarding officer", None),
                ("pre", Role.ADMINISTRATOR, "Pre-school manager", None),
                ("pre", Role.STAFF, "Pre-school manager", None),
            ],
        )
        self.person(
            "pre_deputy",
            pre_domain,
            [
                ("pre", Role.LINE_MANAGER, "Deputy manager", None),
                ("pre", Role.DEPUTY_DSL, "Deputy manager", None),
                ("pre", Role.STAFF, "Deputy manager", "pre_manager"),
            ],
        )
        for n in range(1, 5):
            self.person(
                f"pre_key{n}",
                pre_domain,
                [("pre", Role.STAFF, "Early years practitioner (key person)", "pre_deputy")],
            )
        self.person(
            "pre_volunteer", pre_domain, [("pre", Role.VOLUNTEER, "Volunteer", "pre_deputy")]
        )
        self.person(
            "pre_chair",
            pre_domain,
            [
                ("pre", Role.CHAIR, "Chair of the management committee", None),
                ("pre", Role.GOVERNOR, "Committee member", None),
            ],
        )
        self.person("pre_committee", pre_domain, [("pre", Role.GOVERNOR, "Committee member", None)])

        pupils = self.pupils()
        family = self.families(pupils)
        logins = [
            ("Executive Headteacher (federation)", "exec"),
            ("Head of school (Brookfield)", "bro_head"),
            ("Designated safeguarding lead (Brookfield)", "bro_dsl"),
            ("Deputy DSL (Brookfield)", "bro_deputy_dsl"),
            ("Line manager (Brookfield)", "bro_lm1"),
            ("Teacher (Brookfield)", "bro_teacher1"),
            ("Teaching assistant (Brookfield and Millbrook)", "bro_ta1"),
            ("Caretaker (Brookfield)", "bro_caretaker"),
            ("Catering staff (Brookfield)", "bro_catering1"),
            ("Volunteer (Brookfield)", "bro_volunteer1"),
            ("Head of school (Millbrook)", "mil_head"),
            ("Teacher (Millbrook)", "mil_teacher1"),
            ("Chair of Governors (federation)", "chair"),
            ("Vice-chair of Governors (federation)", "vice_chair"),
            ("Governor (federation)", "governor1"),
            ("Administrator (federation)", "admin"),
            ("Pre-school manager and DSO (Little Acorns)", "pre_manager"),
            ("Key person (Little Acorns)", "pre_key1"),
        ]
        return Plan(organisations, self.people, pupils, family, logins)

    def school_staff(self, school: str, domain: str) -> None:
        self.person(
            f"{school}_head",
            domain,
            [
                (school, Role.HEAD, "Head of school", None),
                (school, Role.LINE_MANAGER, "Head of school", None),
                (school, Role.STAFF, "Head of school", "exec"),
            ],
        )
        self.person(
            f"{school}_dsl",
            domain,
            [
                (school, Role.DSL, "Assistant headteacher and DSL", None),
                (school, Role.STAFF, "Assistant headteacher", f"{school}_head"),
            ],
        )
        self.person(
            f"{school}_deputy_dsl",
            domain,
            [
                (school, Role.DEPUTY_DSL, "SENCo and deputy DSL", None),
                (school, Role.STAFF, "SENCo", f"{school}_head"),
            ],
        )
        phases = ["Early years and key stage 1 leader", "Key stage 2 leader"]
        for n, phase in enumerate(phases, start=1):
            self.person(
                f"{school}_lm{n}",
                domain,
                [
                    (school, Role.LINE_MANAGER, phase, None),
                    (school, Role.STAFF, phase, f"{school}_head"),
                ],
            )
        for n, year in enumerate(YEAR_GROUPS, start=1):
            manager = f"{school}_lm1" if n <= 3 else f"{school}_lm2"
            self.person(
                f"{school}_teacher{n}",
                domain,
                [(school, Role.STAFF, f"Class teacher, {year}", manager)],
            )
        for n in range(1, 7):
            manager = f"{school}_lm1" if n <= 3 else f"{school}_lm2"
            self.person(
                f"{school}_ta{n}", domain, [(school, Role.STAFF, "Teaching assistant", manager)]
            )
        self.person(
            f"{school}_caretaker", domain, [(school, Role.STAFF, "Caretaker", f"{school}_head")]
        )
        self.person(
            f"{school}_cleaner", domain, [(school, Role.STAFF, "Cleaner", f"{school}_head")]
        )
        self.person(f"{school}_catering1", domain, [(school, Role.STAFF, "Cook", f"{school}_head")])
        self.person(
            f"{school}_catering2",
            domain,
            [(school, Role.STAFF, "Catering assistant", f"{school}_head")],
        )
        for n in range(1, 3):
            self.person(
                f"{school}_volunteer{n}",
                domain,
                [(school, Role.VOLUNTEER, "Reading volunteer", f"{school}_lm1")],
            )

    def pupils(self) -> list[PlannedPupil]:
        """Class places across the settings; names are given when families are made."""
        places: list[PlannedPupil] = []
        sizes = {"bro": 26, "mil": 22}
        for setting, size in sizes.items():
            for index, year in enumerate(YEAR_GROUPS):
                for _ in range(size):
                    places.append(
                        PlannedPupil(
                            setting,
                            "",
                            "",
                            "",
                            birth_date(self.fake, index, self.start_year),
                            year,
                        )
                    )
        rooms = [
            ("Acorns room", 0, ["pre_key1", "pre_key2"]),
            ("Oak room", 1, ["pre_key3", "pre_key4"]),
        ]
        for room, age_band, keys in rooms:
            for n in range(20):
                dob = birth_date(self.fake, -2 + age_band, self.start_year)
                places.append(PlannedPupil("pre", "", "", "", dob, room, key_person=keys[n % 2]))
        # Former pupils: recent leavers now at secondary school, and a few now adults.
        for setting, count in (("bro", 12), ("mil", 8)):
            for n in range(count):
                years_ago = 1 + n % 3 if n < count - 2 else 9 + n % 3
                left = date(self.start_year - years_ago + 1, 7, 21)
                dob = birth_date(self.fake, 6, self.start_year - years_ago)
                destination = (
                    self.random.choice(["Millbrook Academy", "Brookfield High School"])
                    if years_ago < 7
                    else "Left school; now an adult"
                )
                places.append(PlannedPupil(setting, "", "", "", dob, "Year 6", left, destination))
        self.random.shuffle(places)
        return places

    def families(self, pupils: list[PlannedPupil]) -> list[PlannedFamilyMember]:
        """Group pupils into families: most alone, some with brothers or sisters."""
        family: list[PlannedFamilyMember] = []
        counters: dict[str, int] = {}
        index = 0
        while index < len(pupils):
            size = self.random.choices([1, 2, 3], weights=[68, 26, 6])[0]
            children = pupils[index : index + size]
            index += size
            family_name = self.fake.last_name()
            for child in children:
                counters[child.setting] = counters.get(child.setting, 0) + 1
                child.reference = f"{child.setting.upper()}{counters[child.setting]:04d}"
                child.given_name = self.fake.first_name()
                child.family_name = family_name
            references = [f"{child.setting}:{child.reference}" for child in children]
            shape = self.random.choices(
                ["two parents", "mother", "father", "mother and grandparent", "carer"],
                weights=[55, 25, 8, 8, 4],
            )[0]
            adults = {
                "two parents": [FamilyLink.Relationship.MOTHER, FamilyLink.Relationship.FATHER],
                "mother": [FamilyLink.Relationship.MOTHER],
                "father": [FamilyLink.Relationship.FATHER],
                "mother and grandparent": [
                    FamilyLink.Relationship.MOTHER,
                    FamilyLink.Relationship.GRANDPARENT,
                ],
                "carer": [FamilyLink.Relationship.CARER],
            }[shape]
            for relationship in adults:
                if relationship in {FamilyLink.Relationship.MOTHER}:
                    given = self.fake.first_name_female()
                elif relationship == FamilyLink.Relationship.FATHER:
                    given = self.fake.first_name_male()
                else:
                    given = self.fake.first_name()
                surname = (
                    family_name
                    if relationship != FamilyLink.Relationship.GRANDPARENT
                    else self.fake.last_name()
                )
                family.append(PlannedFamilyMember(given, surname, relationship, references))
        self.a_name_to_search_for(pupils, family)
        return family

    @staticmethod
    def a_name_to_search_for(pupils: list[PlannedPupil], family: list[PlannedFamilyMember]):
        """One Brookfield child's two parents, one of them "Siân O'Connor-Ní Bhriain": a
        name with an accent, an apostrophe, a hyphen and two words, which the people
        picker finds however it is typed ("sian oconnor", #22)."""
        by_child: dict[str, list[PlannedFamilyMember]] = {}
        for member in family:
            if len(member.children) == 1:
                by_child.setdefault(member.children[0], []).append(member)
        for child in pupils:
            parents = by_child.get(f"{child.setting}:{child.reference}", [])
            relationships = {member.relationship for member in parents}
            if (
                child.setting == "bro"
                and child.left_on is None
                and len(parents) == 2
                and (
                    relationships
                    == {FamilyLink.Relationship.MOTHER, FamilyLink.Relationship.FATHER}
                )
            ):
                child.given_name, child.family_name = "Aoife", "O'Connor-Ní Bhriain"
                for member in parents:
                    member.family_name = child.family_name
                    member.given_name = (
                        "Siân" if member.relationship == FamilyLink.Relationship.MOTHER else "Rory"
                    )
                return


# Who has parental responsibility in the demo, as an MIS would record it for these families.
PARENTAL_RESPONSIBILITY = {
    FamilyLink.Relationship.MOTHER,
    FamilyLink.Relationship.FATHER,
    FamilyLink.Relationship.PARENT,
    FamilyLink.Relationship.CARER,
}


def demo_plan(today: date) -> Plan:
    return Planner(today).plan()


def demo_sign_in_note(email: str) -> str:
    """How a demo login signs in, for the list seed_demo prints."""
    if email.endswith("@" + BROOKFIELD_DOMAIN):
        return "password, or Sign in with Microsoft or Google"
    return "password"


def demo_is_loaded() -> bool:
    return Organisation.objects.filter(name=FEDERATION).exists()


@transaction.atomic
def demo_load(plan: Plan) -> None:
    """Write the plan. Call only when :func:`demo_is_loaded` is false."""
    organisations: dict[str, Organisation] = {}
    for key, (name, kind, parent, urn) in plan.organisations.items():
        organisations[key] = Organisation.objects.create(
            name=name,
            kind=kind,
            parent=organisations.get(parent) if parent else None,
            urn=urn,
            **(BROOKFIELD_SSO if key == "bro" else {}),
        )
    password = make_password(DEMO_PASSWORD)
    people = {
        key: Person(
            email=planned.email,
            given_name=planned.given_name,
            family_name=planned.family_name,
            password=password,
        )
        for key, planned in plan.people.items()
    }
    Person.objects.bulk_create(people.values())
    people = {key: Person.objects.get(email=person.email) for key, person in people.items()}
    start = date(school_year_start(timezone.localdate()) - 3, 9, 1)
    Membership.objects.bulk_create(
        Membership(
            person=people[key],
            organisation=organisations[organisation],
            role=role,
            job_title=title,
            line_manager=people[manager] if manager else None,
            starts_on=start,
        )
        for key, planned in plan.people.items()
        for organisation, role, title, manager in planned.roles
    )
    Pupil.objects.bulk_create(
        Pupil(
            setting=organisations[planned.setting],
            reference=planned.reference,
            given_name=planned.given_name,
            family_name=planned.family_name,
            date_of_birth=planned.date_of_birth,
            class_name=planned.class_name,
            year_group=YEAR_GROUP_OF_CLASS[planned.class_name],
            status=Pupil.Status.FORMER if planned.left_on else Pupil.Status.CURRENT,
            left_on=planned.left_on,
            destination=planned.destination,
            key_person=people[planned.key_person] if planned.key_person else None,
        )
        for planned in plan.pupils
    )
    key_of = {organisation.pk: key for key, organisation in organisations.items()}
    by_reference = {
        f"{key_of[pupil.setting_id]}:{pupil.reference}": pupil
        for pupil in Pupil.objects.filter(setting__in=organisations.values())
    }
    members = FamilyMember.objects.bulk_create(
        FamilyMember(
            organisation=organisations[planned.children[0].split(":")[0]],
            given_name=planned.given_name,
            family_name=planned.family_name,
        )
        for planned in plan.family
    )
    if members and members[0].pk is None:  # databases that do not return ids
        members = list(FamilyMember.objects.order_by("pk"))
    FamilyLink.objects.bulk_create(
        FamilyLink(
            family_member=member,
            pupil=by_reference[reference],
            relationship=planned.relationship,
            parental_responsibility=planned.relationship in PARENTAL_RESPONSIBILITY,
        )
        for member, planned in zip(members, plan.family, strict=True)
        for reference in planned.children
    )
    demo_authenticators_add(people)


def demo_authenticators_add(people: dict[str, Person]) -> None:
    """An authenticator app with the demo secret, and recovery codes, for each demo
    person whose role needs a second factor, but the head of Brookfield."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from identity.mfa import mfa_required

    secret = get_adapter().encrypt(DEMO_TOTP_SECRET)
    for key, person in people.items():
        if key in NOT_ENROLLED or not mfa_required(person):
            continue
        Authenticator.objects.create(
            user=person, type=Authenticator.Type.TOTP, data={"secret": secret}
        )
        RecoveryCodes.activate(person)


def enrolled_emails() -> set[str]:
    """The demo people who sign in with the demo authenticator secret."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator

    adapter = get_adapter()
    return {
        authenticator.user.email
        for authenticator in Authenticator.objects.filter(
            type=Authenticator.Type.TOTP
        ).select_related("user")
        if adapter.decrypt(authenticator.data["secret"]) == DEMO_TOTP_SECRET
    }


def demo_code(person: Person, at: float | None = None) -> str:
    """The code an authenticator app with the demo secret shows now, if ``person`` has
    the demo secret (development only; ``manage.py demo_code`` refuses production)."""
    from allauth.mfa import app_settings
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    authenticator = Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).first()
    secret = get_adapter().decrypt(authenticator.data["secret"]) if authenticator else None
    if secret != DEMO_TOTP_SECRET:
        raise DemoError(f"{person.email} has no authenticator app with the demo secret.")
    counter = int((time.time() if at is None else at) // app_settings.TOTP_PERIOD)
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))


# The school calendar (R39) ---------------------------------------------------------------


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


MONDAY, WEDNESDAY, FRIDAY = 0, 2, 4


def demo_terms(year: int) -> dict[str, tuple[date, date, date, date]]:
    """A local authority's pattern of terms for the school year starting in ``year``:
    term -> (first day, last day, half-term first day, half-term last day). For 2026 to
    2027: autumn 2 September to 18 December 2026, half-term 26 to 30 October; spring 4
    January to 25 March 2027, half-term 15 to 19 February; summer 12 April to 21 July
    2027, half-term 31 May to 4 June (Christmas 21 December to 1 January, Easter 29 March
    to 9 April)."""
    easter_monday = easter_sunday(year + 1) + timedelta(days=1)
    autumn_half = _weekday_on_or_before(date(year, 10, 27), MONDAY)
    spring_half = _weekday_on_or_after(date(year + 1, 2, 15), MONDAY)
    summer_half = _weekday_on_or_before(date(year + 1, 5, 31), MONDAY)  # the bank holiday
    return {
        Term.AUTUMN: (
            _weekday_on_or_after(date(year, 9, 1), WEDNESDAY),
            _weekday_on_or_before(date(year, 12, 20), FRIDAY),
            autumn_half,
            autumn_half + timedelta(days=4),
        ),
        Term.SPRING: (
            _weekday_on_or_after(date(year + 1, 1, 2), MONDAY),
            easter_monday - timedelta(days=4),  # the Thursday before Good Friday
            spring_half,
            spring_half + timedelta(days=4),
        ),
        Term.SUMMER: (
            easter_monday + timedelta(days=14),
            _weekday_on_or_before(date(year + 1, 7, 21), FRIDAY)
            if date(year + 1, 7, 21).weekday() >= 5
            else date(year + 1, 7, 21),
            summer_half,
            summer_half + timedelta(days=4),
        ),
    }


def demo_calendar_load(plan: Plan) -> str:
    """This school year's terms and half-terms for the federation (its schools follow
    them) and the pre-school, and the federation's two INSET days: the first days of the
    autumn and spring terms. Idempotent: a year already set is left alone."""
    year = school_year_start(timezone.localdate())
    terms = demo_terms(year)
    added = []
    for key in ("fed", "pre"):
        organisation = Organisation.objects.filter(name=plan.organisations[key][0]).first()
        if (
            organisation is None
            or TermDates.objects.filter(organisation=organisation, year=year).exists()
        ):
            continue
        TermDates.objects.bulk_create(
            TermDates(
                organisation=organisation,
                year=year,
                term=term,
                starts_on=starts_on,
                ends_on=ends_on,
                half_term_starts_on=half_starts,
                half_term_ends_on=half_ends,
            )
            for term, (starts_on, ends_on, half_starts, half_ends) in terms.items()
        )
        if key == "fed":
            ClosureDay.objects.bulk_create(
                ClosureDay(
                    organisation=organisation,
                    starts_on=terms[term][0],
                    ends_on=terms[term][0],
                    reason=ClosureDay.Reason.INSET,
                    note=note,
                )
                for term, note in [
                    (Term.AUTUMN, "Staff training: safeguarding and the new school year"),
                    (Term.SPRING, "Staff training: professional boundaries"),
                ]
            )
        added.append(organisation.name)
    if not added:
        return ""
    return (
        f"Added the term dates, half-terms and INSET days of {year} to {year + 1} for "
        f"{' and '.join(added)}."
    )
