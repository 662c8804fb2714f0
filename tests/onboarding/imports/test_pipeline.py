"""Importing people, pupils and families from a school's spreadsheets (R38, #20): a
preview that writes nothing, a confirmation that writes each row whole, the same file
twice changing nothing, and each problem named with its row, column and reason."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contactpolicy.models import AuditEvent
from directory.models import FamilyLink, FamilyMember, Membership, Person, Pupil, Role
from directory.search import name_query
from onboarding.imports.reading import FileRefused
from onboarding.imports.services import (
    ImportNotAllowed,
    import_apply,
    import_check,
    import_row_correct,
    import_row_leave_out,
    tables_from_files,
)
from onboarding.models import ImportRow, ImportRun
from tests.conftest import once_per_module
from tests.factories import FederationFactory, SchoolFactory, person_with_roles
from tests.onboarding.imports.files import PUPIL_HEADERS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@once_per_module
def world_for_the_module():
    federation = FederationFactory(name="Riverside Federation")
    school = SchoolFactory(name="Brook Lane Primary", urn="100001", parent=federation)
    other = SchoolFactory(name="Hill Top Primary", urn="100002", parent=federation)
    elsewhere = SchoolFactory(name="Faraway School", urn="999999")
    admin = person_with_roles(school, Role.ADMINISTRATOR, email="admin@brooklane.example")
    return {
        "federation": federation,
        "school": school,
        "other": other,
        "elsewhere": elsewhere,
        "admin": admin,
        "teacher": person_with_roles(school, Role.STAFF, email="t@brooklane.example"),
        "other_admin": person_with_roles(elsewhere, Role.ADMINISTRATOR),
        "federation_admin": person_with_roles(federation, Role.ADMINISTRATOR),
    }


def pupils_file(*rows, headers=PUPIL_HEADERS, encoding="cp1252"):
    return csv_bytes([headers, *rows], encoding=encoding)


PUPILS = [
    ["1001", "A123456789012", "Siân", "O'Connor-Ní Bhriain", "", "03/04/2017", "Year 3", "3S"],
    ["1002", "", "Zoë", "Brontë", "Zo", "12/11/2016", "4", "4B"],
    ["1003", "", "Oluwaseun", "Adébáyò", "Seun", "2018-01-31", "R", "RH"],
]


def check(world, files, *, by=None, organisation=None):
    tables, notes = tables_from_files(files)
    return import_check(
        organisation=organisation or world["school"],
        tables=tables,
        source=ImportRun.Source.SPREADSHEET,
        started_by=by or world["admin"],
        files=notes,
    )


def rows_of(run, action=None):
    rows = run.rows.order_by("table", "number")
    return list(rows.filter(action=action) if action else rows)


def test_the_preview_lists_each_row_and_writes_nothing(world_for_the_module):
    world = world_for_the_module
    data = pupils_file(*list(PUPILS[:2]), encoding="utf-8")
    run = check(world, {"pupils": ("pupils.csv", data)})
    assert run.status == ImportRun.Status.PREVIEW
    assert (run.added, run.changed, run.unchanged, run.problem_count) == (2, 0, 0, 0)
    assert not Pupil.objects.filter(setting=world["school"]).exists()
    assert [row.label for row in rows_of(run)] == ["Siân O'Connor-Ní Bhriain", "Zo Brontë"]
    audit = AuditEvent.objects.get(action="directory.import.checked")
    assert audit.data["added"] == 2
    assert len(audit.data["files"][0]["sha256"]) == 64
    assert "Siân" not in str(audit.data)  # counts and the hash, never the children


def test_windows_1252_with_uk_dates_imports_the_names_and_dates_as_written(world_for_the_module):
    world = world_for_the_module
    run = check(world, {"pupils": ("sims.csv", pupils_file(*PUPILS[:2]))})
    run = import_apply(run=run, by=world["admin"])
    assert run.status == ImportRun.Status.DONE
    sian = Pupil.objects.get(setting=world["school"], reference="1001")
    assert (sian.given_name, sian.family_name) == ("Siân", "O'Connor-Ní Bhriain")
    assert sian.date_of_birth == datetime.date(2017, 4, 3)  # 03/04 is 3 April
    assert (sian.upn, sian.year_group, sian.class_name) == ("A123456789012", "3", "3S")
    zoe = Pupil.objects.get(reference="1002")
    assert (str(zoe), zoe.given_name, zoe.year_group) == ("Zo Brontë", "Zoë", "4")
    assert zoe.history.first().history_user == world["admin"]
    applied = AuditEvent.objects.get(action="directory.import.applied")
    assert applied.data["added"] == 2
    assert applied.actor == world["admin"]


def test_utf8_with_a_byte_order_mark_and_xlsx_read_the_same(world_for_the_module):
    world = world_for_the_module
    bom = b"\xef\xbb\xbf" + pupils_file(*PUPILS, encoding="utf-8")
    run = check(world, {"pupils": ("bom.csv", bom)})
    assert run.added == 3, rows_of(run, "problem")
    excel = xlsx_bytes([PUPIL_HEADERS, *PUPILS])
    run_xlsx = check(world, {"pupils": ("export.xlsx", excel)})
    assert [r.values for r in rows_of(run)] == [r.values for r in rows_of(run_xlsx)]
    seun = rows_of(run)[2].values
    assert seun["given_name"] == "Oluwaseun"
    assert seun["family_name"] == "Adébáyò"
    yoruba = pupils_file(
        ["1009", "", "Ọlá", "Adébáyọ̀", "", "01/01/2018", "R", ""], encoding="utf-8"
    )
    assert rows_of(check(world, {"pupils": ("y.csv", yoruba)}))[0].label == "Ọlá Adébáyọ̀"


def test_the_same_file_twice_changes_nothing(world_for_the_module):
    world = world_for_the_module
    data = pupils_file(*PUPILS, encoding="utf-8")
    families = csv_bytes(
        [
            [
                "Contact ID",
                "Forename",
                "Surname",
                "Relationship",
                "Parental Responsibility",
                "Adno",
                "Email",
                "Telephone",
            ],
            [
                "C1",
                "Máire",
                "O'Connor",
                "Mother",
                "Yes",
                "1001",
                "maire@example.com",
                "+44 7700 900123",
            ],
            ["C2", "Tomás", "O'Connor", "Father", "No", "1001", "", ""],
            ["C3", "Ada", "Brontë", "Carer", "Y", "1002;1003", "", "07700 900456"],
        ]
    )
    files = {"pupils": ("p.csv", data), "families": ("f.csv", families)}
    first = import_apply(run=check(world, files), by=world["admin"])
    assert (first.added, first.problem_count) == (6, 0), rows_of(first, "problem")
    second = check(world, files)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 6), [
        (r.number, r.changes) for r in rows_of(second, "change")
    ]
    maire = FamilyMember.objects.get(reference="C1")
    assert maire.organisation == world["school"]
    assert maire.phone == "+44 7700 900123"
    link = FamilyLink.objects.get(family_member=maire)
    assert link.parental_responsibility
    assert link.relationship == "mother"
    assert not FamilyLink.objects.get(family_member__reference="C2").parental_responsibility
    assert FamilyMember.objects.get(reference="C3").pupils.count() == 2


def test_a_contact_listed_once_per_child_is_one_person_with_both_children(world_for_the_module):
    world = world_for_the_module
    families = csv_bytes(
        [
            ["Contact ID", "Forename", "Surname", "Relationship", "PR", "Adno"],
            ["C9", "Ada", "Brontë", "Mother", "yes", "1002"],
            ["C9", "Ada", "Brontë", "Mother", "yes", "1003"],
            ["C9", "Adam", "Smith", "Father", "yes", "1001"],
        ]
    )
    run = check(world, {"pupils": ("p.csv", pupils_file(*PUPILS)), "families": ("f.csv", families)})
    family_rows = [r for r in rows_of(run) if r.table == "families"]
    assert [r.action for r in family_rows] == ["add", "unchanged", "problem"]
    assert "Row 2 has the same reference" in family_rows[2].problems[0]["message"]
    import_apply(run=run, by=world["admin"])
    assert FamilyMember.objects.get(reference="C9").pupils.count() == 2


def test_a_changed_row_shows_before_and_after_and_a_leaver_becomes_former(world_for_the_module):
    world = world_for_the_module
    import_apply(run=check(world, {"pupils": ("p.csv", pupils_file(*PUPILS))}), by=world["admin"])
    headers = [*PUPIL_HEADERS, "Status", "Leaving Date", "Destination"]
    moved = [*PUPILS[0][:6], "Year 4", "4S", "", "", ""]
    leaver = [*PUPILS[1], "Left", "17/07/2026", "Hill Top Primary"]
    run = check(
        world,
        {
            "pupils": (
                "p.csv",
                pupils_file(moved, leaver, PUPILS[2] + ["", "", ""], headers=headers),
            )
        },
    )
    changes = {r.number: r.changes for r in rows_of(run, "change")}
    assert changes[2] == {"year_group": ["3", "4"], "class_name": ["3S", "4S"]}
    assert changes[3]["status"] == ["current", "former"]
    assert changes[3]["left_on"] == [None, "17 July 2026"]
    import_apply(run=run, by=world["admin"])
    zoe = Pupil.objects.get(reference="1002")
    assert zoe.is_former
    assert zoe.left_on == datetime.date(2026, 7, 17)
    assert zoe.destination == "Hill Top Primary"
    assert Pupil.objects.filter(setting=world["school"]).count() == 3  # nothing deleted


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (["1001", "", "Ann", "Lee", "", "13/13/2016", "3", ""], "date_of_birth", "month"),
        (["1001", "", "Ann", "Lee", "", "31/02/2016", "3", ""], "date_of_birth", "no such day"),
        (["1001", "", "Ann", "Lee", "", "01/01/2099", "3", ""], "date_of_birth", "future"),
        (
            ["1001", "", '=HYPERLINK("x")', "Lee", "", "01/01/2016", "3", ""],
            "given_name",
            "formula",
        ),
        (["1001", "", "Ann", "+Lee", "", "01/01/2016", "3", ""], "family_name", "formula"),
        (
            ["1001", "", "Ann", "Lee", "@SUM", "01/01/2016", "3", ""],
            "preferred_given_name",
            "formula",
        ),
        (["-1001", "", "Ann", "Lee", "", "01/01/2016", "3", ""], "reference", "formula"),
        (["1001", "X12", "Ann", "Lee", "", "01/01/2016", "3", ""], "upn", "13 characters"),
        (["1001", "", "Ann", "Lee", "", "01/01/2016", "Year 14", ""], "year_group", "year group"),
        (["", "", "Ann", "Lee", "", "01/01/2016", "3", ""], "reference", "empty"),
    ],
)
def test_a_bad_cell_is_a_problem_with_its_row_column_and_reason(
    world_for_the_module, row, column, words
):
    world = world_for_the_module
    run = check(world, {"pupils": ("p.csv", pupils_file(PUPILS[1], row))})
    problem = rows_of(run, "problem")
    assert [r.number for r in problem] == [3]
    assert {p["column"] for p in problem[0].problems} == {column}
    assert words in problem[0].problems[0]["message"]
    run = import_apply(run=run, by=world["admin"])
    assert list(Pupil.objects.values_list("reference", flat=True)) == ["1002"]
    assert run.problem_count == 1  # waits on the run to be corrected


def test_duplicate_references_in_one_file_name_the_first_row(world_for_the_module):
    world = world_for_the_module
    run = check(
        world,
        {
            "pupils": (
                "p.csv",
                pupils_file(PUPILS[0], PUPILS[1], [*PUPILS[2][:0], "1001", *PUPILS[2][1:]]),
            )
        },
    )
    [problem] = rows_of(run, "problem")
    assert problem.number == 4
    assert problem.problems[0] == {
        "column": "reference",
        "message": "Row 2 has the same MIS reference; a file lists each once.",
    }


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", r"empty \(0 bytes\)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a spreadsheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a spreadsheet"),
        (b"PK\x03\x04not really a workbook", "not a spreadsheet"),
        (b"just one column\nof words\n", "fewer than two columns"),
        (
            csv_bytes([["Adno", "Forename", "DOB"], ["1", "Ann", "01/01/2016"]]),
            "no column for: family name",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_saying_why(world_for_the_module, content, words):
    with pytest.raises(FileRefused, match=words):
        tables_from_files({"pupils": ("upload.csv", content)})
    assert not ImportRun.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(world_for_the_module, settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(FileRefused, match="can be up to 1000"):
        tables_from_files({"pupils": ("big.csv", pupils_file(*PUPILS * 20))})


def test_renamed_columns_are_matched_and_unknown_ones_listed(world_for_the_module):
    world = world_for_the_module
    data = csv_bytes(
        [
            ["Admission Number", "First Name", "Last Name", "Date of Birth", "Ethnicity"],
            ["2001", "Ann", "Lee", "01/09/2019", "secret"],
        ]
    )
    run = check(world, {"pupils": ("p.csv", data)})
    assert run.added == 1
    assert run.files[0]["ignored"] == ["Ethnicity"]
    assert "Ethnicity" not in str(rows_of(run)[0].values)  # what is not used is not kept


def test_staff_with_line_managers_in_the_file_or_at_the_school(world_for_the_module):
    world = world_for_the_module
    staff = csv_bytes(
        [
            [
                "Email",
                "Forename",
                "Surname",
                "Role",
                "Job Title",
                "Line Manager Email",
                "Start Date",
            ],
            [
                "head@brooklane.example",
                "Ruth",
                "Ellis",
                "Headteacher",
                "Headteacher",
                "",
                "01/09/2020",
            ],
            [
                "ta@brooklane.example",
                "Siân",
                "Jones",
                "Staff member",
                "Teaching assistant",
                "head@brooklane.example",
                "02/09/2024",
            ],
            [
                "t2@brooklane.example",
                "Ola",
                "Ade",
                "Teacher",
                "Year 3 teacher",
                "t@brooklane.example",
                "",
            ],
            ["t3@brooklane.example", "Bo", "Kim", "", "", "nobody@nowhere.example", ""],
        ]
    )
    run = check(world, {"staff": ("staff.csv", staff)})
    [problem] = rows_of(run, "problem")
    assert problem.number == 5
    assert "is not in this file" in problem.problems[0]["message"]
    import_apply(run=run, by=world["admin"])
    ta = Membership.objects.get(person__email="ta@brooklane.example")
    assert ta.line_manager.email == "head@brooklane.example"
    assert ta.starts_on == datetime.date(2024, 9, 2)
    assert ta.role == Role.STAFF
    assert not Person.objects.get(email="ta@brooklane.example").has_usable_password()
    head = Membership.objects.get(person__email="head@brooklane.example")
    assert head.role == Role.HEAD
    granted = AuditEvent.objects.get(action="account.role_granted", target_id=str(head.pk))
    assert granted.actor == world["admin"]
    assert granted.organisation_pk == world["school"].pk
    again = check(world, {"staff": ("staff.csv", staff)})
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)


def test_an_administrator_cannot_give_themself_a_powerful_role_by_import(world_for_the_module):
    world = world_for_the_module
    staff = csv_bytes(
        [["Email", "Forename", "Surname", "Role"], ["admin@brooklane.example", "A", "Admin", "DSL"]]
    )
    run = check(world, {"staff": ("s.csv", staff)})
    [problem] = rows_of(run, "problem")
    assert "cannot give it to yourself" in problem.problems[0]["message"]


def test_a_pupil_at_a_school_the_administrator_does_not_run_is_a_problem(world_for_the_module):
    world = world_for_the_module
    data = pupils_file(
        [*PUPILS[0], "Faraway School"],
        [*PUPILS[1], "Hill Top Primary"],
        headers=[*PUPIL_HEADERS, "School"],
    )
    run = check(
        world,
        {"pupils": ("p.csv", data)},
        organisation=world["federation"],
        by=world["federation_admin"],
    )
    [problem] = rows_of(run, "problem")
    assert problem.number == 2
    assert "not a school or pre-school of Riverside" in problem.problems[0]["message"]
    import_apply(run=run, by=world["federation_admin"])
    assert Pupil.objects.get().setting == world["other"]


@pytest.mark.parametrize("who", ["teacher", "other_admin"])
def test_only_the_organisations_administrators_may_import(world_for_the_module, who):
    world = world_for_the_module
    with pytest.raises(ImportNotAllowed):
        check(world, {"pupils": ("p.csv", pupils_file(*PUPILS))}, by=world[who])
    run = check(world, {"pupils": ("p.csv", pupils_file(*PUPILS))})
    with pytest.raises(ImportNotAllowed):
        import_apply(run=run, by=world[who])
    assert not Pupil.objects.exists()


def test_a_corrected_row_is_checked_again_and_imported(world_for_the_module):
    world = world_for_the_module
    bad = ["1004", "", "Ann", "Lee", "", "31/02/2016", "3", ""]
    run = check(world, {"pupils": ("p.csv", pupils_file(PUPILS[0], bad, PUPILS[2]))})
    [problem] = rows_of(run, "problem")
    row = import_row_correct(
        run=run,
        row=problem,
        values=problem.values | {"date_of_birth": "29/02/2016"},
        by=world["admin"],
    )
    assert row.action == ImportRow.Action.ADD
    run.refresh_from_db()
    assert (run.added, run.problem_count) == (3, 0)
    import_apply(run=run, by=world["admin"])
    assert Pupil.objects.get(reference="1004").date_of_birth == datetime.date(2016, 2, 29)
    assert AuditEvent.objects.filter(action="directory.import.row_corrected").count() == 1


def test_after_the_import_a_corrected_row_is_written_alone(world_for_the_module):
    world = world_for_the_module
    bad = ["1004", "", "Ann", "Lee", "", "31/02/2016", "3", ""]
    run = import_apply(
        run=check(world, {"pupils": ("p.csv", pupils_file(PUPILS[0], bad))}), by=world["admin"]
    )
    Pupil.objects.filter(reference="1001").update(class_name="changed since")
    [problem] = rows_of(run, "problem")
    import_row_correct(
        run=run,
        row=problem,
        values=problem.values | {"date_of_birth": "28/02/2016"},
        by=world["admin"],
    )
    assert Pupil.objects.get(reference="1004").date_of_birth == datetime.date(2016, 2, 28)
    assert Pupil.objects.get(reference="1001").class_name == "changed since"  # left alone
    run.refresh_from_db()
    assert run.problem_count == 0


def test_a_left_out_row_is_not_imported(world_for_the_module):
    world = world_for_the_module
    run = check(world, {"pupils": ("p.csv", pupils_file(*PUPILS))})
    import_row_leave_out(run=run, row=rows_of(run)[1], by=world["admin"])
    run.refresh_from_db()
    assert (run.added, run.left_out) == (2, 1)
    import_apply(run=run, by=world["admin"])
    assert sorted(Pupil.objects.values_list("reference", flat=True)) == ["1001", "1003"]


def test_the_queries_do_not_grow_with_the_rows(world_for_the_module):
    world = world_for_the_module

    def queries(count, start):
        rows = [
            [str(start + n), "", f"Ann{n}", "Lee", "", "01/01/2016", "3", "3S"]
            for n in range(count)
        ]
        families = [["Contact", "Forename", "Surname", "Relationship", "PR", "Adno"]] + [
            [f"F{start + n}", "Bea", f"Lee{n}", "Mother", "yes", str(start + n)]
            for n in range(count)
        ]
        files = {
            "pupils": ("p.csv", pupils_file(*rows)),
            "families": ("f.csv", csv_bytes(families)),
        }
        with CaptureQueriesContext(connection) as captured:
            import_apply(run=check(world, files), by=world["admin"])
        return [re.sub(r"\d+", "N", q["sql"])[:70] for q in captured]

    queries(2, 4000)  # the school has a family already, as both measured imports will
    few, more = queries(5, 5000), queries(60, 6000)
    assert few == more, [q for q in more if more.count(q) != few.count(q)]


def test_an_excel_date_cell_and_a_number_cell_read_as_written(world_for_the_module):
    world = world_for_the_module
    excel = xlsx_bytes(
        [PUPIL_HEADERS, [1001, "", "Ann", "Lee", "", datetime.date(2017, 4, 3), 3, "3S"]]
    )
    run = check(world, {"pupils": ("export.xlsx", excel)})
    [row] = rows_of(run)
    assert row.values["reference"] == "1001"
    assert row.values["date_of_birth"] == "2017-04-03"
    assert row.action == ImportRow.Action.ADD


def test_an_imported_name_and_a_changed_one_are_found_however_typed(world_for_the_module):
    """The bulk writes keep the search column (directory.search) current (#22)."""
    world = world_for_the_module
    import_apply(run=check(world, {"pupils": ("p.csv", pupils_file(*PUPILS))}), by=world["admin"])
    pupils = Pupil.objects.filter(setting=world["school"])
    sian = pupils.get(reference="1001")
    assert list(pupils.filter(name_query("sian oconnor"))) == [sian]
    assert list(pupils.filter(name_query("seun adebayo"))) == [pupils.get(reference="1003")]

    renamed = [*PUPILS[0][:3], "Ní Bhriain", *PUPILS[0][4:]]
    import_apply(
        run=check(world, {"pupils": ("p.csv", pupils_file(renamed, *PUPILS[1:]))}),
        by=world["admin"],
    )

    assert list(pupils.filter(name_query("sian ni bhriain"))) == [sian]
    assert not pupils.filter(name_query("oconnor")).exists()
