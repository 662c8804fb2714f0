"""The Wonde client and adapter against Wonde's API on 127.0.0.1 (R38, #20): paging,
includes, ``updated_after``, what each Wonde field becomes in the canonical tables, and a
plain-English error for each way Wonde can fail, never carrying the token."""

from __future__ import annotations

import datetime
import logging

import pytest

from demo.wonde_server import WondeTestServer, wonde_data_from_rows
from directory.models import Role
from mis.wonde import (
    WondeBadAnswer,
    WondeClient,
    WondeSchoolNotFound,
    WondeSource,
    WondeTimedOut,
    WondeTokenRefused,
    WondeUnreachable,
)
from onboarding.imports.columns import TABLES
from onboarding.imports.sources import Source
from tests.factories import SchoolFactory, person_with_roles
from tests.wonde_server import PAGE, SCHOOL_ID, SLOW_SECONDS, TOKEN, WRONG_TOKEN, wonde_running

pytestmark = pytest.mark.django_db


@pytest.fixture
def wonde_server():
    with wonde_running() as server:
        yield server


def source(token: str = TOKEN, school_id: str = SCHOOL_ID) -> WondeSource:
    return WondeSource(WondeClient(school_id=school_id, token=token))


def rows(dataset) -> list[dict[str, str]]:
    return [dict(zip(dataset.headers, row, strict=True)) for row in dataset]


def by(key: str, dataset) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows(dataset)}


# Paging, includes, updated_after --------------------------------------------------------


def test_the_adapter_is_a_source_and_answers_every_table_with_its_headers(wonde_server):
    assert isinstance(source(), Source)
    datasets = source().datasets(organisation=SchoolFactory())
    assert set(datasets) == set(TABLES)
    for table, dataset in datasets.items():
        assert tuple(dataset.headers) == TABLES[table]
    assert len(datasets["pupils"]) == 9  # eight on roll and one leaver
    assert len(datasets["families"]) == 6
    assert len(datasets["staff"]) == 4
    assert len(datasets["line_management"]) == 0


def test_every_page_is_followed_to_the_last(wonde_server):
    datasets = source().datasets(organisation=SchoolFactory())
    pages = wonde_server.asked("students")
    assert len(pages) == 3  # eight pupils, three a page
    assert [query.get("page") for query in pages] == [None, "2", "3"]
    assert all(query["per_page"] == "200" for query in pages)  # Wonde gives at most 3 here
    references = [row["reference"] for row in rows(datasets["pupils"])]
    assert len(set(references)) == len(references) == 9


def test_only_the_includes_asked_for_come_back(wonde_server):
    client = WondeClient(school_id=SCHOOL_ID, token=TOKEN)
    bare = next(client.records("students"))
    assert "education_details" not in bare
    assert "year" not in bare
    full = next(client.records("students", include=["education_details", "year"]))
    assert full["education_details"]["data"]["admission_number"] == "1001"
    assert full["year"]["data"]["code"] == "2"
    assert "registration" not in full
    sync = wonde_server.asked("contacts")
    assert not sync  # not asked for yet
    source().datasets(organisation=SchoolFactory())
    assert wonde_server.asked("contacts")[0]["include"] == (
        "contact_details,students,students.education_details"
    )


def test_updated_after_asks_only_for_what_changed_since_the_last_sync(wonde_server):
    since = datetime.datetime(2026, 2, 1, 6, 30, tzinfo=datetime.UTC)
    datasets = source().datasets(organisation=SchoolFactory(), since=since)
    assert [row["reference"] for row in rows(datasets["pupils"])] == ["1008"]
    assert [row["reference"] for row in rows(datasets["families"])] == ["C504"]
    assert len(datasets["staff"]) == 0
    for endpoint in ("students", "students-leaver", "contacts", "employees"):
        assert wonde_server.asked(endpoint)[0]["updated_after"] == "2026-02-01 06:30:00"


def test_progress_names_what_is_being_read(wonde_server):
    said: list[str] = []
    source().datasets(organisation=SchoolFactory(), progress=said.append)
    assert said[0] == "Reading pupils from Wonde: page 1"
    assert "Reading pupils from Wonde: page 3" in said
    assert "Reading parents and carers from Wonde: page 2" in said
    assert said[-1].startswith("Reading staff from Wonde")


def test_the_connection_check_names_the_school(wonde_server):
    assert source().check() == (
        "Wonde answered: it shares the data of Hazel Lane Primary School from its MIS (SIMS)."
    )


# What each Wonde field becomes ----------------------------------------------------------


def test_pupils_keep_their_legal_and_preferred_names_year_and_class(wonde_server):
    pupils = by("reference", source().datasets(organisation=SchoolFactory())["pupils"])
    assert pupils["1001"] == {
        "reference": "1001",
        "upn": "A123456789012",
        "given_name": "Siân",
        "family_name": "O'Connor-Ní Bhriain",
        "preferred_given_name": "",
        "preferred_family_name": "",
        "date_of_birth": "2019-03-14",
        "year_group": "2",
        "class_name": "Hazel",
        "setting": "",
        "status": "on roll",
        "left_on": "",
        "destination": "",
    }
    assert pupils["1002"]["preferred_given_name"] == "Ollie"
    assert pupils["1002"]["given_name"] == "Oliver"
    assert pupils["1004"]["preferred_family_name"] == "Cole"
    assert pupils["1004"]["family_name"] == "Kowalczyk"
    assert pupils["1006"]["year_group"] == "R"
    assert pupils["1003"]["upn"] == ""


def test_a_leaver_is_left_with_the_leaving_date_and_destination(wonde_server):
    leaver = by("reference", source().datasets(organisation=SchoolFactory())["pupils"])["0990"]
    assert leaver["status"] == "left"
    assert leaver["left_on"] == "2025-07-18"
    assert leaver["destination"] == "Millbrook Academy"


def test_contacts_carry_relationship_and_parental_responsibility_for_their_children(
    wonde_server,
):
    families = by("reference", source().datasets(organisation=SchoolFactory())["families"])
    assert families["C502"] == {
        "reference": "C502",
        "given_name": "Ngozi",
        "family_name": "Okafor",
        "relationship": "mother",
        "parental_responsibility": "yes",
        "pupil_references": "1003;1005",
        "email": "ngozi.okafor@example.org",
        "phone": "07700 900102",
        "setting": "",
    }
    assert families["C503"]["relationship"] == "father"
    assert families["C503"]["parental_responsibility"] == "no"
    assert families["C504"]["relationship"] == "step_parent"
    assert families["C505"]["relationship"] == "grandparent"
    # Not a relative: passed on as Wonde says it, for the import to question.
    assert families["C506"]["relationship"] == "Childminder"


def test_employees_are_staff_unless_they_already_hold_a_role_here(wonde_server):
    school = SchoolFactory()
    head = person_with_roles(school, Role.HEAD)
    head.email = "j.hughes@hazellane.example"
    head.save()
    staff = by("email", source().datasets(organisation=school)["staff"])
    assert staff["j.hughes@hazellane.example"]["role"] == "head"
    assert staff["t.begum@hazellane.example"] == {
        "email": "t.begum@hazellane.example",
        "given_name": "Tahmina",
        "family_name": "Begum",
        "setting": "",
        "role": "staff",
        "job_title": "Class teacher",
        "line_manager_email": "",
        "starts_on": "2019-09-01",
        "ends_on": "",
        "reference": "E02",
    }


def test_rows_made_into_wonde_data_come_back_as_the_same_rows():
    """The demo's spreadsheet and its Wonde school are made from one set of rows: what
    the sync reads back is what the spreadsheet said (dates, year groups and words for
    relationships as the import reads them)."""
    tables = {
        "pupils": [
            {
                "reference": "2001",
                "upn": "B123456789012",
                "given_name": "Siân",
                "family_name": "Ní Bhriain",
                "preferred_given_name": "Sia",
                "date_of_birth": "03/04/2020",
                "year_group": "Reception",
                "class_name": "Robins",
            },
            {
                "reference": "2002",
                "given_name": "Tom",
                "family_name": "Price",
                "date_of_birth": "2014-09-30",
                "year_group": "Year 6",
                "class_name": "Kestrels",
                "status": "left",
                "left_on": "18/07/2025",
                "destination": "Millbrook Academy",
            },
        ],
        "families": [
            {
                "reference": "F1",
                "given_name": "Aoife",
                "family_name": "Ní Bhriain",
                "relationship": "Carer or guardian",
                "parental_responsibility": "Y",
                "pupil_references": "2001; 2002",
                "email": "aoife@example.org",
            },
        ],
        "staff": [
            {
                "email": "A.Teacher@School.example",
                "given_name": "Ann",
                "family_name": "Teacher",
                "role": "Teacher",
                "job_title": "Class teacher",
                "starts_on": "01/09/2020",
                "reference": "S1",
            }
        ],
    }
    data = wonde_data_from_rows(tables, school_id="A2000000002", school_name="Round Trip School")
    server = WondeTestServer(data, token=TOKEN, largest_page=1).start()
    try:
        client = WondeClient(school_id="A2000000002", token=TOKEN, base_url=server.url)
        datasets = WondeSource(client).datasets(organisation=SchoolFactory())
    finally:
        server.stop()
    pupils = by("reference", datasets["pupils"])
    assert pupils["2001"]["given_name"] == "Siân"
    assert pupils["2001"]["preferred_given_name"] == "Sia"
    assert pupils["2001"]["date_of_birth"] == "2020-04-03"  # 3 April, as the UK writes it
    assert pupils["2001"]["year_group"] == "R"
    assert pupils["2001"]["class_name"] == "Robins"
    assert pupils["2001"]["status"] == "on roll"
    assert pupils["2002"]["status"] == "left"
    assert pupils["2002"]["left_on"] == "2025-07-18"
    assert pupils["2002"]["destination"] == "Millbrook Academy"
    assert pupils["2002"]["year_group"] == "6"
    [family] = rows(datasets["families"])
    assert family["relationship"] == "carer"
    assert family["parental_responsibility"] == "yes"
    assert family["pupil_references"] == "2001;2002"
    [staff] = rows(datasets["staff"])
    assert staff["email"] == "a.teacher@school.example"
    assert staff["starts_on"] == "2020-09-01"
    assert staff["job_title"] == "Class teacher"
    assert staff["reference"] == "S1"


# When Wonde fails ------------------------------------------------------------------------


def test_a_wrong_or_revoked_token_is_refused_in_plain_english(wonde_server):
    with pytest.raises(WondeTokenRefused) as refused:
        source(token=WRONG_TOKEN).datasets(organisation=SchoolFactory())
    assert "Wonde refused the access token: it is wrong, or it has been revoked" in str(
        refused.value
    )
    assert WRONG_TOKEN not in str(refused.value)


def test_a_school_that_withdrew_its_approval_is_told_apart(wonde_server):
    wonde_server.approved = False
    with pytest.raises(WondeTokenRefused, match="may not have approved the access"):
        source().check()


def test_a_school_wonde_does_not_know_is_named(wonde_server):
    with pytest.raises(WondeSchoolNotFound, match="Wonde knows no school A9999999999"):
        source(school_id="A9999999999").check()


def test_a_server_that_is_down_is_said_to_be_unreachable(wonde_server):
    wonde_server.go_down()
    with pytest.raises(WondeUnreachable, match=r"Wonde could not be reached at 127\.0\.0\.1"):
        source().datasets(organisation=SchoolFactory())


def test_a_slow_server_times_out_rather_than_hang(wonde_server):
    wonde_server.slow_seconds = SLOW_SECONDS
    with pytest.raises(WondeTimedOut, match=r"Wonde did not answer within 0\.5 seconds"):
        source().check()


def test_a_malformed_answer_is_refused(wonde_server):
    wonde_server.malformed = True
    with pytest.raises(WondeBadAnswer, match=r"could not be read \(it was not JSON\)"):
        source().datasets(organisation=SchoolFactory())


def test_a_failure_on_a_later_page_hands_nothing_over(wonde_server):
    wonde_server.malformed = True
    wonde_server.misbehave_from_page = 2
    with pytest.raises(WondeBadAnswer):
        source().datasets(organisation=SchoolFactory())
    assert len(wonde_server.asked("students")) == 2  # the first page was read, then it stopped


def test_a_next_page_elsewhere_is_not_followed_with_the_token(wonde_server):
    wonde_server.next_page_at = "http://127.0.0.2:9/v1.0"
    with pytest.raises(WondeBadAnswer, match="the next page was not at Wonde's address"):
        source().datasets(organisation=SchoolFactory())
    assert len(wonde_server.requests) == 1


def test_the_token_is_in_no_log_line_error_or_repr(wonde_server, caplog):
    caplog.set_level(logging.DEBUG)
    client = WondeClient(school_id=SCHOOL_ID, token=TOKEN)
    WondeSource(client).datasets(organisation=SchoolFactory())
    wonde_server.slow_seconds = SLOW_SECONDS
    with pytest.raises(WondeTimedOut) as timed_out:
        WondeSource(client).check()
    assert caplog.records  # the client and urllib3 did log
    assert TOKEN not in caplog.text
    assert TOKEN not in str(timed_out.value)
    assert TOKEN not in repr(client)
    assert PAGE == 3
