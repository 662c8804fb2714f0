"""The demo's new school, still to be imported (R38, #20): Meadow View Primary School has
only its administrator until its people, pupils and families are imported from the
spreadsheets its MIS exported (written to ``var/demo/`` by ``manage.py seed_demo``) or
synced from the local Wonde test server, which serves the same people.

The spreadsheets are as an MIS exports them: Windows-1252 CSV with Excel's line ends,
the MIS's own headers, dates day first, names such as Siân O'Connor-Ní Bhriain; two of
the 200 pupils' rows have a mistake the preview questions (a 31 September birthday, a
UPN one digit short). ``demo_new_school_tables`` gives the rows as they should be, which
is what the Wonde test server serves: after the two corrections, a sync finds nothing
to change.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker

from directory.models import Membership, Organisation, Person, Role

NEW_SCHOOL = "Meadow View Primary School"
NEW_SCHOOL_URN = "190301"
DOMAIN = "meadowview.example"
ADMIN_EMAIL = f"office@{DOMAIN}"
SEED = 2027
PUPILS = 200
# The two pupils' rows with a mistake (the header is row 1), what the preview questions
# and the administrator corrects: a birthday on 31 September for the 30th, and a name
# that a spreadsheet took for a formula ("=" typed before it).
QUESTIONED = {57: "date_of_birth", 143: "given_name"}

GIVEN = [
    "Siân", "Zoë", "Chloé", "Anaïs", "José", "Björn", "Niamh", "Renée", "François", "Oisín",
    "Ciarán", "Seán", "Aoife", "Eilídh", "Núria", "Inès", "Mikaël", "Joël", "Noémie", "Dafydd",
]  # fmt: skip
FAMILY = [
    "O'Connor-Ní Bhriain", "Brontë", "Müller", "García", "Ó Súilleabháin", "Nuñez", "Le Bœuf",
    "D'Souza", "Smith-Jones", "Fernández", "Åberg", "MacGiolla Phádraig",
]  # fmt: skip
YEARS = ["Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"]
STAFF_ROLES = [
    ("Headteacher", "Headteacher", None),
    ("Designated safeguarding lead", "Deputy headteacher", "head"),
    ("Staff member", "Reception teacher", "dsl"),
    ("Staff member", "Year 1 teacher", "dsl"),
    ("Staff member", "Year 2 teacher", "dsl"),
    ("Staff member", "Year 3 teacher", "dsl"),
    ("Staff member", "Year 4 teacher", "dsl"),
    ("Staff member", "Year 5 teacher", "dsl"),
    ("Staff member", "Year 6 teacher", "head"),
    ("Staff member", "Teaching assistant", "dsl"),
    ("Staff member", "Teaching assistant", "dsl"),
    ("Staff member", "Caretaker", "head"),
]


def _year_of_birth_start(today: date, index: int) -> date:
    start = today.year if today.month >= 9 else today.year - 1
    return date(start - 5 - index, 9, 1)


def demo_new_school_tables(today: date) -> dict[str, list[dict[str, str]]]:
    """The new school's staff, pupils and families in the canonical columns, as they
    should be (onboarding/imports/columns.py)."""
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    chance = random.Random(SEED)  # noqa: S311 (demo data, not security)
    staff, pupils, families = [], [], []
    keys: dict[str, str] = {}
    for n, (role, title, manager) in enumerate(STAFF_ROLES):
        given, family = fake.first_name(), fake.last_name()
        email = f"{given}.{family}".lower().replace("'", "").replace(" ", "") + f"@{DOMAIN}"
        key = {0: "head", 1: "dsl"}.get(n, f"s{n}")
        keys[key] = email
        staff.append(
            {
                "email": email,
                "given_name": given,
                "family_name": family,
                "role": role,
                "job_title": title,
                "line_manager_email": keys[manager] if manager else "",
                "starts_on": f"{date(2015 + n % 8, 9, 1):%d/%m/%Y}",
                "reference": f"E{100 + n}",
            }
        )
    for n in range(PUPILS):
        index = n % len(YEARS)
        born = _year_of_birth_start(today, index)
        birthday = date.fromordinal(born.toordinal() + chance.randrange(365))
        if n + 2 in QUESTIONED and QUESTIONED[n + 2] == "date_of_birth":
            birthday = date(born.year, 9, 30)
        if n % 9 == 0:
            given, family = GIVEN[n % len(GIVEN)], FAMILY[n % len(FAMILY)]
        else:
            given, family = fake.first_name(), fake.last_name()
        reference = str(3000 + n)
        pupils.append(
            {
                "reference": reference,
                "upn": f"M{19030100000 + n:011d}{'AB'[n % 2]}",
                "given_name": given,
                "family_name": family,
                "preferred_given_name": "Sian" if given == "Siân" and n % 2 else "",
                "preferred_family_name": "",
                "date_of_birth": f"{birthday:%d/%m/%Y}",
                "year_group": YEARS[index],
                "class_name": f"{'R' if index == 0 else index}{'MV'[n % 2]}",
                "setting": "",
                "status": "On roll",
                "left_on": "",
                "destination": "",
            }
        )
        parents = 2 if n % 3 else 1
        for p in range(parents):
            contact_given = fake.first_name_female() if p == 0 else fake.first_name_male()
            families.append(
                {
                    "reference": f"C{5000 + n * 2 + p}",
                    "given_name": contact_given,
                    "family_name": family,
                    "relationship": "Mother" if p == 0 else "Father",
                    "parental_responsibility": "Yes" if p == 0 or n % 4 else "No",
                    "pupil_references": reference,
                    "email": f"{contact_given.lower()}.{n}@parents.example",
                    "phone": f"07700 9{n:05d}",
                }
            )
    return {"staff": staff, "pupils": pupils, "families": families}


MIS_HEADERS = {
    "staff": {
        "email": "Work Email",
        "given_name": "Legal Forename",
        "family_name": "Legal Surname",
        "role": "Role",
        "job_title": "Post",
        "line_manager_email": "Line Manager Email",
        "starts_on": "Start Date",
        "reference": "Staff ID",
    },
    "pupils": {
        "reference": "Adno",
        "upn": "UPN",
        "given_name": "Legal Forename",
        "family_name": "Legal Surname",
        "preferred_given_name": "Preferred Forename",
        "date_of_birth": "DOB",
        "year_group": "Year",
        "class_name": "Reg Group",
        "status": "Enrolment Status",
    },
    "families": {
        "reference": "Contact ID",
        "given_name": "Forename",
        "family_name": "Surname",
        "relationship": "Relationship to Pupil",
        "parental_responsibility": "Parental Responsibility",
        "pupil_references": "Adno",
        "email": "Email",
        "phone": "Telephone",
    },
}


def demo_new_school_files(today: date) -> dict[str, bytes]:
    """The spreadsheets as the MIS exports them, two pupils' rows mistaken."""
    files = {}
    for table, rows in demo_new_school_tables(today).items():
        headers = MIS_HEADERS[table]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers.values())
        for number, row in enumerate(rows, start=2):
            cells = dict(row)
            if table == "pupils" and QUESTIONED.get(number) == "date_of_birth":
                cells["date_of_birth"] = "31" + cells["date_of_birth"][2:]
            elif table == "pupils" and QUESTIONED.get(number) == "given_name":
                cells["given_name"] = "=" + cells["given_name"]
            writer.writerow([cells[column] for column in headers])
        files[table] = out.getvalue().encode("cp1252")
    return files


def demo_files_folder() -> Path:
    return Path(settings.VAR_DIR) / "demo"


@transaction.atomic
def demo_new_school_load(plan) -> str:
    """The new school and its administrator, and its MIS's files on disk (idempotent)."""
    from demo.people import DEMO_PASSWORD, demo_authenticators_add, school_year_start

    folder = demo_files_folder()
    folder.mkdir(parents=True, exist_ok=True)
    today = date.today()  # noqa: DTZ011 (the files' dates are whole days)
    for table, content in demo_new_school_files(today).items():
        (folder / f"meadow-view-{table}.csv").write_bytes(content)
    where = f"{folder}/meadow-view-{{staff,pupils,families}}.csv"
    if Organisation.objects.filter(name=NEW_SCHOOL).exists():
        return f"The new school to import, {NEW_SCHOOL}: its MIS's files are {where}."
    school = Organisation.objects.create(
        name=NEW_SCHOOL, kind=Organisation.Kind.SCHOOL, urn=NEW_SCHOOL_URN
    )
    admin = Person.objects.create(
        email=ADMIN_EMAIL,
        given_name="Fiona",
        family_name="Ní Dhuibhir",
        password=make_password(DEMO_PASSWORD),
    )
    start = date(school_year_start(today) - 3, 9, 1)
    for role in (Role.ADMINISTRATOR, Role.STAFF):
        Membership.objects.create(
            person=admin,
            organisation=school,
            role=role,
            job_title="School business manager",
            starts_on=start,
        )
    demo_authenticators_add({"new_admin": admin})
    return (
        f"A new school to import, {NEW_SCHOOL}: sign in as {ADMIN_EMAIL} (administrator); "
        f"its MIS's spreadsheets are {where}."
    )


def demo_wonde_note(plan) -> str:
    """How to sync the new school from the local Wonde test server that `make run` starts."""
    from demo.wonde_server import DEMO_SCHOOL_ID, DEMO_TOKEN

    return (
        f"{NEW_SCHOOL} is also in the local Wonde test server (make run starts it; "
        f"manage.py run_wonde_test_server): connect it with the Wonde school ID "
        f"{DEMO_SCHOOL_ID} and the access token {DEMO_TOKEN}."
    )
