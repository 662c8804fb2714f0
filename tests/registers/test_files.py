"""Staff files, pupil files, their exports and corrections (issue #6 items 2, 3 and 9, R25)."""

import csv
import datetime
import io
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest
from approvals.services import decision_record
from contactpolicy.exceptions import AppendOnlyError
from contactpolicy.models import AuditEvent
from declarations.services import declaration_submit
from directory.models import Role
from registers.models import RegisterEntry
from tests.clock import TODAY  # the clock every test module runs on
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, FamilyMemberFactory, PupilFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

STAFF, PUPIL = RegisterEntry.File.STAFF, RegisterEntry.File.PUPIL
Kind = RegisterEntry.EntryKind
ORDINARY = "Approved: meet only in a public place."
SECRET = "Referred to the DSL: late-night messages from a parent."


def entry(declaration, *, file=STAFF, pupil=None, text=ORDINARY, **fields):
    """An entry straight into the register (append-only: creating is allowed)."""
    fields.setdefault("entry_kind", Kind.OUTCOME)
    owner = {"pupil": pupil} if file == PUPIL else {"person": declaration.declarant}
    return RegisterEntry.objects.create(
        file=file, declaration=declaration, text=text, **owner, **fields
    )


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def as_(client, person):
    sign_in_with_mfa(client, person)
    return client


REASON = "Ofsted inspection, December"


def staff_url(person, fmt=None):
    """The file's page, or its export with a reason given (``fmt``)."""
    if fmt:
        url = reverse("registers:staff_file_export", args=[person.pk, fmt])
        return f"{url}?{urlencode({'export-reason': REASON})}"
    return reverse("registers:staff_file", args=[person.pk])


def pupil_url(pupil, fmt=None):
    if fmt:
        url = reverse("registers:pupil_file_export", args=[pupil.pk, fmt])
        return f"{url}?{urlencode({'export-reason': REASON})}"
    return reverse("registers:pupil_file", args=[pupil.pk])


def events(action):
    return AuditEvent.objects.filter(action=action)


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


class Files:
    """Teacher A's declaration about a pupil of school A, on both files: one ordinary
    entry (recorded by the line manager) and one confidential referral."""

    def __init__(self, world):
        self.declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
        self.pupil = PupilFactory(setting=world.school_a, given_name="Persephone")
        on, secret = self.declaration, {"text": SECRET, "confidential": True}
        self.staff = entry(on, recorded_by=world.line_manager_a)
        self.staff_secret = entry(on, recorded_by=world.dsl_a, **secret)
        self.on_pupil = entry(on, file=PUPIL, pupil=self.pupil, recorded_by=world.line_manager_a)
        entry(on, file=PUPIL, pupil=self.pupil, recorded_by=world.dsl_a, **secret)


@pytest.fixture
def files(world):
    return Files(world)


@pytest.fixture
def deputy_dsl_a(world):
    return person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)


@pytest.fixture
def dsl_b(world):
    return person_with_roles(world.school_b, Role.DSL)


# Staff files: who opens them and what they see -----------------------------------------


@pytest.mark.parametrize(
    ("viewer", "sees_confidential"),
    [
        ("teacher_a", False),  # the person themself
        ("line_manager_a", False),
        ("administrator", False),
        ("head_a", True),
        ("dsl_a", True),
        ("executive_head", True),
    ],
)
def test_staff_file_shows_confidential_entries_only_to_safeguarding_roles(
    world, files, client, viewer, sees_confidential
):
    response = as_(client, getattr(world, viewer)).get(staff_url(world.teacher_a))

    assert response.status_code == 200
    assert ORDINARY in response.text
    assert (SECRET in response.text) is sees_confidential


@pytest.mark.parametrize(
    "viewer",
    ["teacher_b", "volunteer_a", "governor", "chair", "head_other", "administrator_other"],
)
def test_staff_file_is_not_found_for_people_outside_its_scope(world, files, client, viewer):
    response = as_(client, getattr(world, viewer)).get(staff_url(world.teacher_a))

    assert response.status_code == 404
    assert not events("register.staff_file_viewed").exists()


def test_the_staff_member_never_sees_a_correction_of_a_confidential_entry(world, files, client):
    as_(client, world.dsl_a).post(
        reverse("registers:entry_correct", args=[files.staff_secret.pk]),
        {"text": "Referred to the DSL: corrected wording.", "reason": "Typo."},
    )
    assert RegisterEntry.objects.filter(amends=files.staff_secret).exists()

    own = as_(client, world.teacher_a).get(staff_url(world.teacher_a))

    assert "corrected wording" not in own.text
    assert "Add a correction" not in own.text


# Pupil files -----------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["head_a", "dsl_a", "deputy_dsl_a", "executive_head"])
def test_pupil_file_opens_for_head_dsl_deputy_and_executive_head(
    world, files, client, deputy_dsl_a, viewer
):
    person = deputy_dsl_a if viewer == "deputy_dsl_a" else getattr(world, viewer)

    response = as_(client, person).get(pupil_url(files.pupil))

    assert response.status_code == 200
    assert ORDINARY in response.text
    assert SECRET in response.text


@pytest.mark.parametrize(
    "viewer",
    ["teacher_a", "line_manager_a", "administrator", "governor", "chair", "dsl_b", "head_other"],
)
def test_pupil_file_is_not_found_for_anyone_else_even_the_declarant(
    world, files, client, dsl_b, viewer
):
    person = dsl_b if viewer == "dsl_b" else getattr(world, viewer)

    response = as_(client, person).get(pupil_url(files.pupil))

    assert response.status_code == 404
    assert not events("register.pupil_file_viewed").exists()


def test_a_decision_about_a_family_member_appears_on_their_childs_file(
    world, client, django_capture_on_commit_callbacks
):
    link = FamilyLinkFactory(pupil__setting=world.school_a)
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration, pupil=None, family_member=link.family_member)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    request = ApprovalRequest.objects.get(declaration=declaration, purpose="decide")
    decision_record(
        actor=request.decider,
        request=request,
        outcome="approved_with_conditions",
        details={"conditions": "Only at the school gate."},
    )

    response = as_(client, world.head_a).get(pupil_url(link.pupil))

    assert "Only at the school gate." in response.text
    assert f"through {escape(str(link.family_member))}" in response.text


# The audit trail of reading a file -------------------------------------------------------


def test_opening_a_staff_file_is_recorded_with_who_and_whose(world, files, client):
    as_(client, world.head_a).get(staff_url(world.teacher_a))

    event = events("register.staff_file_viewed").get()
    assert event.actor == world.head_a
    assert event.target_type.model == "person"
    assert event.target_id == str(world.teacher_a.pk)


def test_opening_a_pupil_file_is_recorded_with_who_and_which_pupil(world, files, client):
    as_(client, world.dsl_a).get(pupil_url(files.pupil))

    event = events("register.pupil_file_viewed").get()
    assert event.actor == world.dsl_a
    assert event.target_type.model == "pupil"
    assert event.target_id == str(files.pupil.pk)
    assert event.organisation_pk == world.school_a.pk


# Filters, order and pages ----------------------------------------------------------------


@pytest.fixture
def dated(world):
    """Three entries on teacher A's file: a gift outcome 10 days ago, a review 5 days
    ago, and a planned-contact outcome today."""
    gift = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a, kind="gift")
    planned = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    entry(gift, text="OLDEST gift entry.", recorded_at=days_ago(10))
    entry(planned, text="MIDDLE review entry.", entry_kind=Kind.REVIEW, recorded_at=days_ago(5))
    entry(planned, text="NEWEST planned entry.")


def shown(response):
    return [word for word in ("OLDEST", "MIDDLE", "NEWEST") if word in response.text]


def test_file_entries_are_listed_newest_first(world, dated, client):
    text = as_(client, world.head_a).get(staff_url(world.teacher_a)).text

    assert text.index("NEWEST") < text.index("MIDDLE") < text.index("OLDEST")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"entry_kind": "review"}, ["MIDDLE"]),
        ({"entry_kind": "outcome"}, ["OLDEST", "NEWEST"]),
        ({"kind": "gift"}, ["OLDEST"]),
        ({"kind": "planned_social_contact"}, ["MIDDLE", "NEWEST"]),
        ({"date_from": days_ago(6).date(), "date_to": days_ago(4).date()}, ["MIDDLE"]),
        ({"date_from": days_ago(6).date()}, ["MIDDLE", "NEWEST"]),
        ({"date_to": days_ago(6).date()}, ["OLDEST"]),
    ],
)
def test_file_filters_narrow_the_entries(world, dated, client, query, expected):
    response = as_(client, world.head_a).get(staff_url(world.teacher_a), query)

    assert response.status_code == 200
    assert shown(response) == expected


def test_a_filter_ending_before_it_starts_says_so_without_crashing(world, dated, client):
    query = {"date_from": timezone.localdate(), "date_to": days_ago(3).date()}

    response = as_(client, world.head_a).get(staff_url(world.teacher_a), query)

    assert response.status_code == 200
    assert "The end date is before the start date." in response.text


def test_a_file_shows_fifty_entries_a_page(world, client):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    for number in range(51):
        entry(declaration, text=f"Entry {number}.", recorded_at=days_ago(60 - number))
    as_(client, world.head_a)

    first = client.get(staff_url(world.teacher_a))
    second = client.get(staff_url(world.teacher_a), {"page": 2})

    assert first.text.count('class="entry-text"') == 50
    assert "Page 1 of 2" in first.text
    assert second.text.count('class="entry-text"') == 1
    assert "Entry 0." in second.text  # the oldest is last


def fill_staff_file(world, count):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    recorders = [world.line_manager_a, world.head_a, world.dsl_a]
    for number in range(count // 2):
        original = entry(declaration, text=f"Outcome {number}.", recorded_by=recorders[number % 3])
        entry(
            declaration,
            entry_kind=Kind.CORRECTION,
            amends=original,
            reason="Wrong date.",
            text=f"Corrected {number}.",
            recorded_by=recorders[(number + 1) % 3],
        )


def fill_pupil_file(world, pupil, count):
    for _ in range(count // 2):
        declaration = DeclarationFactory(
            declarant=person_with_roles(world.school_a, Role.STAFF), setting=world.school_a
        )
        original = entry(
            declaration,
            file=PUPIL,
            pupil=pupil,
            via_family_member=FamilyMemberFactory(),
            recorded_by=world.head_a,
        )
        entry(
            declaration,
            file=PUPIL,
            pupil=pupil,
            entry_kind=Kind.CORRECTION,
            amends=original,
            reason="Wrong name.",
            recorded_by=world.dsl_a,
        )


def queries_for(client, url):
    # Once first, so that what is read once per process (the content types) or once per
    # session is not counted, whichever test ran before in this worker.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_staff_file_query_count_does_not_grow_with_entries(world, client):
    as_(client, world.head_a)
    fill_staff_file(world, 2)
    few = queries_for(client, staff_url(world.teacher_a))
    fill_staff_file(world, 28)

    assert queries_for(client, staff_url(world.teacher_a)) == few


def test_pupil_file_query_count_does_not_grow_with_entries(world, client):
    pupil = PupilFactory(setting=world.school_a)
    as_(client, world.dsl_a)
    fill_pupil_file(world, pupil, 2)
    few = queries_for(client, pupil_url(pupil))
    fill_pupil_file(world, pupil, 28)

    assert queries_for(client, pupil_url(pupil)) == few


# Exports ---------------------------------------------------------------------------------


def test_staff_file_csv_has_a_header_and_one_row_per_visible_entry(world, files, client):
    response = as_(client, world.head_a).get(staff_url(world.teacher_a, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response)
    assert header[0] == "Recorded at"
    assert "Text" in header
    text = header.index("Text")
    assert sorted(row[text] for row in rows) == sorted([ORDINARY, SECRET])
    event = events("register.staff_file_exported").get()
    assert (event.actor, event.data["format"]) == (world.head_a, "csv")


def test_own_staff_file_csv_leaves_out_confidential_entries(world, files, client):
    response = as_(client, world.teacher_a).get(staff_url(world.teacher_a, "csv"))

    _, *rows = csv_rows(response)
    assert len(rows) == 1
    assert SECRET not in response.content.decode()


def test_pupil_file_csv_lists_the_pupils_entries(world, files, client):
    response = as_(client, world.dsl_a).get(pupil_url(files.pupil, "csv"))

    _, *rows = csv_rows(response)
    assert len(rows) == 2
    assert any(ORDINARY in row for row in rows)
    event = events("register.pupil_file_exported").get()
    assert event.target_id == str(files.pupil.pk)
    assert event.data["format"] == "csv"


@pytest.mark.parametrize("which", ["staff", "pupil"])
def test_a_file_exports_as_a_pdf_and_the_export_is_recorded(world, files, client, which):
    url = staff_url(world.teacher_a, "pdf") if which == "staff" else pupil_url(files.pupil, "pdf")

    response = as_(client, world.executive_head).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = events(f"register.{which}_file_exported").get()
    assert (event.actor, event.data["format"]) == (world.executive_head, "pdf")


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_a_teacher_cannot_export_a_pupil_file(world, files, client, fmt):
    response = as_(client, world.teacher_a).get(pupil_url(files.pupil, fmt))

    assert response.status_code == 404
    assert not events("register.pupil_file_exported").exists()


@pytest.mark.parametrize("viewer", ["teacher_b", "governor", "head_other"])
def test_a_staff_file_export_is_not_found_outside_its_scope(world, files, client, viewer):
    response = as_(client, getattr(world, viewer)).get(staff_url(world.teacher_a, "csv"))

    assert response.status_code == 404
    assert not events("register.staff_file_exported").exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"export-date_from": TODAY, "export-date_to": TODAY - datetime.timedelta(days=1)},
            "The end date is before the start date.",
        ),
        (
            {"export-date_to": TODAY + datetime.timedelta(days=1)},
            "The date cannot be in the future.",
        ),
        ({"export-date_from": "1999-12-31"}, "Choose a date from 1 January 2000 onwards."),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_an_export_with_a_bad_range_shows_the_file_again_with_a_message(
    world, files, client, query, message, fmt
):
    response = as_(client, world.head_a).get(
        staff_url(world.teacher_a, fmt).split("?")[0], {**query, "export-reason": REASON}
    )

    assert response.status_code == 400
    assert "The export was not made" in response.text
    assert message in response.text
    assert REASON in response.text  # what was typed is still there
    assert not events("register.staff_file_exported").exists()


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_an_export_without_a_reason_is_not_made(world, files, client, fmt, reason):
    url = reverse("registers:pupil_file_export", args=[files.pupil.pk, fmt])

    response = as_(client, world.dsl_a).get(url, {"export-reason": reason})

    assert response.status_code == 400
    assert "Say why you are exporting the file." in response.text
    assert response["Content-Type"].startswith("text/html")
    assert not events("register.pupil_file_exported").exists()


def test_a_pupil_file_export_with_a_bad_range_shows_the_pupil_file_again(world, files, client):
    query = {"export-date_from": "2024-05-02", "export-date_to": "2024-05-01", "export-reason": "x"}
    url = reverse("registers:pupil_file_export", args=[files.pupil.pk, "csv"])

    response = as_(client, world.dsl_a).get(url, query)

    assert response.status_code == 400
    assert f"Pupil file: {files.pupil}" in response.text
    assert not events("register.pupil_file_exported").exists()


def test_an_export_keeps_only_the_entries_in_the_range(world, dated, client):
    query = {
        "export-date_from": days_ago(6).date(),
        "export-date_to": days_ago(4).date(),
        "export-reason": REASON,
    }

    response = as_(client, world.head_a).get(
        reverse("registers:staff_file_export", args=[world.teacher_a.pk, "csv"]), query
    )

    header, *rows = csv_rows(response)
    assert [row[header.index("Text")] for row in rows] == ["MIDDLE review entry."]


def test_a_csv_cell_that_starts_a_formula_is_made_harmless(world, client):
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    entry(declaration, text='=HYPERLINK("http://evil.example","x")')

    response = as_(client, world.head_a).get(staff_url(world.teacher_a, "csv"))

    _, row = csv_rows(response)
    assert '\'=HYPERLINK("http://evil.example","x")' in row
    assert not any(cell.startswith("=") for cell in row)


# Corrections -----------------------------------------------------------------------------


def correct_url(register_entry):
    return reverse("registers:entry_correct", args=[register_entry.pk])


GOOD = {"text": "Approved: meet only in the library.", "reason": "The place was wrong."}


@pytest.mark.parametrize("who", ["head_a", "dsl_a", "line_manager_a"])  # the last recorded it
def test_head_dsl_or_the_recorder_may_open_the_correction_form(world, files, client, who):
    response = as_(client, getattr(world, who)).get(correct_url(files.staff))

    assert response.status_code == 200
    assert ORDINARY in response.text


def test_a_correction_is_added_as_a_new_entry_and_the_original_is_kept(world, files, client):
    response = as_(client, world.head_a).post(correct_url(files.staff), GOOD)

    assert response.status_code == 302
    assert response.url == staff_url(world.teacher_a)
    correction = RegisterEntry.objects.get(amends=files.staff)
    assert correction.entry_kind == Kind.CORRECTION
    assert (correction.text, correction.reason) == (GOOD["text"], GOOD["reason"])
    assert (correction.file, correction.person) == (STAFF, world.teacher_a)
    assert correction.recorded_by == world.head_a
    assert RegisterEntry.objects.get(pk=files.staff.pk).text == ORDINARY
    assert events("register.corrected").get().actor == world.head_a


def test_a_pupil_file_correction_returns_to_the_pupil_file(world, files, client):
    response = as_(client, world.dsl_a).post(correct_url(files.on_pupil), GOOD)

    assert response.url == pupil_url(files.pupil)
    correction = RegisterEntry.objects.get(amends=files.on_pupil)
    assert (correction.file, correction.pupil) == (PUPIL, files.pupil)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_correction_without_a_reason_reshows_the_form_and_writes_nothing(
    world, files, client, reason
):
    before = RegisterEntry.objects.count()

    response = as_(client, world.head_a).post(
        correct_url(files.staff), {"text": GOOD["text"], "reason": reason}
    )

    assert response.status_code == 200
    assert "Give the reason for the correction." in response.text
    assert RegisterEntry.objects.count() == before
    assert not events("register.corrected").exists()


@pytest.mark.parametrize("who", ["teacher_b", "line_manager_a", "administrator", "head_other"])
def test_someone_who_is_not_the_recorder_head_or_dsl_cannot_correct(world, files, client, who):
    target = entry(files.declaration, recorded_by=world.head_a)
    as_(client, getattr(world, who))

    assert client.get(correct_url(target)).status_code == 404
    assert client.post(correct_url(target), GOOD).status_code == 404
    assert not RegisterEntry.objects.filter(amends=target).exists()


def test_nobody_corrects_their_own_staff_file_even_as_head_or_recorder(world, client):
    own = DeclarationFactory(declarant=world.head_a, setting=world.school_a)
    decided = entry(own, recorded_by=world.executive_head)
    confirmed = entry(own, entry_kind=Kind.CONFIRMATION, recorded_by=world.head_a)
    as_(client, world.head_a)

    for target in (decided, confirmed):
        assert client.get(correct_url(target)).status_code == 404
        assert client.post(correct_url(target), GOOD).status_code == 404
    assert not RegisterEntry.objects.filter(entry_kind=Kind.CORRECTION).exists()


def test_a_correction_cannot_itself_be_corrected(world, files, client):
    as_(client, world.head_a).post(correct_url(files.staff), GOOD)
    correction = RegisterEntry.objects.get(amends=files.staff)

    assert client.get(correct_url(correction)).status_code == 404
    assert client.post(correct_url(correction), GOOD).status_code == 404


def test_a_head_cannot_correct_an_entry_on_a_pupil_file_they_cannot_open(world, client):
    # A school A declaration names a mother whose child is at school B.
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    link = FamilyLinkFactory(pupil__setting=world.school_b)
    target = entry(declaration, file=PUPIL, pupil=link.pupil, via_family_member=link.family_member)
    as_(client, world.head_a)
    assert client.get(pupil_url(link.pupil)).status_code == 404

    assert client.get(correct_url(target)).status_code == 404


# Append-only: no way to change or remove an entry -----------------------------------------


def test_no_admin_page_edits_or_deletes_register_entries():
    assert RegisterEntry not in admin.site._registry
    assert not any(model._meta.app_label == "registers" for model in admin.site._registry)


def url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}"


def test_no_registers_url_edits_or_deletes_an_entry():
    names = set(url_names(get_resolver().url_patterns))
    registers = {name for name in names if name.startswith("registers:")}

    assert {name for name in registers if "entr" in name} == {"registers:entry_correct"}
    assert not {name for name in registers if "delete" in name or "edit" in name}


def test_the_file_pages_only_accept_get(world, files, client):
    as_(client, world.head_a)

    assert client.post(staff_url(world.teacher_a)).status_code == 405
    assert client.post(pupil_url(files.pupil)).status_code == 405


def test_bulk_update_or_delete_of_entries_is_refused(files):
    entries = RegisterEntry.objects.filter(pk=files.staff.pk)

    with pytest.raises(AppendOnlyError):
        entries.update(text="Tampered.")
    with pytest.raises(AppendOnlyError):
        entries.delete()
    assert RegisterEntry.objects.get(pk=files.staff.pk).text == ORDINARY


# Lists of files ----------------------------------------------------------------------------


def links(response, url_name):
    prefix = reverse(url_name, args=[0]).removesuffix("0/")
    return response.text.count(f'href="{prefix}')


@pytest.mark.parametrize(
    ("viewer", "listed", "not_listed"),
    [
        ("teacher_a", ["teacher_a"], ["line_manager_a", "teacher_b"]),
        ("line_manager_a", ["line_manager_a", "teacher_a"], ["teacher_b", "head_a"]),
        ("dsl_a", ["teacher_a", "head_a"], ["teacher_b", "teacher_other", "executive_head"]),
        ("head_other", ["teacher_other"], ["teacher_a", "head_a"]),
    ],
)
def test_staff_list_shows_only_people_in_scope(world, client, viewer, listed, not_listed):
    response = as_(client, getattr(world, viewer)).get(reverse("registers:staff_list"))

    assert response.status_code == 200
    for name in listed:
        assert f'href="{staff_url(getattr(world, name))}"' in response.text
    for name in not_listed:
        assert f'href="{staff_url(getattr(world, name))}"' not in response.text


def test_pupil_search_never_shows_another_schools_pupil(world, client):
    ours = PupilFactory(setting=world.school_a, given_name="Ottilie", family_name="Quillfeather")
    PupilFactory(setting=world.other_school, given_name="Zebedee", family_name="Quillfeather")
    PupilFactory(setting=world.school_b, given_name="Marigold", family_name="Quillfeather")

    response = as_(client, world.dsl_a).get(reverse("registers:pupil_list"), {"q": "Quillfeather"})

    assert f'href="{pupil_url(ours)}"' in response.text
    assert "Zebedee" not in response.text
    assert "Marigold" not in response.text


def test_a_teacher_sees_no_pupils_on_the_pupil_files_page(world, files, client):
    response = as_(client, world.teacher_a).get(reverse("registers:pupil_list"))

    assert response.status_code == 200
    assert "No pupils found." in response.text
    assert "Persephone" not in response.text
    assert links(response, "registers:pupil_file") == 0
