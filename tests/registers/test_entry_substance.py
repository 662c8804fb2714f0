"""What each entry on a file says happened (#21 item 1, R25): what was declared (the
kind's answers for a file, ``Kind.on_file``), about whom with the family's relationship
to each child, when, and the decision; on the page, in the CSV and in the PDF with its
cover sheet (#21 item 7); names of pupils only for those who may see them."""

import csv
import io

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import ApprovalRequest
from approvals.services import decision_record
from contactpolicy.models import AuditEvent
from declarations.kinds import KINDS, DetailsForm
from declarations.services import declaration_submit
from registers.models import RegisterEntry
from tests.clock import TODAY
from tests.conftest import sign_in_with_mfa
from tests.factories import FamilyLinkFactory, PersonFactory, PupilFactory
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

REASON = "Ofsted inspection, 8 December"


@pytest.fixture
def gift(world, django_capture_on_commit_callbacks):
    """Teacher A's box of chocolates from Persephone's mother, approved by her head."""
    link = FamilyLinkFactory(
        pupil=PupilFactory(setting=world.school_a, given_name="Persephone", year_group="4"),
        family_member__given_name="Siân",
        family_member__family_name="O'Connor-Ní Bhriain",
    )
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a, kind="gift")
    DeclarationSubjectFactory(declaration=declaration, pupil=None, family_member=link.family_member)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=world.teacher_a, declaration=declaration)
    request = ApprovalRequest.objects.get(declaration=declaration, purpose="decide")
    decision_record(
        actor=request.decider,
        request=request,
        outcome="approved_with_conditions",
        details={"conditions": "Share the chocolates with the class."},
    )
    declaration.refresh_from_db()
    return declaration, link, request


def page(client, person, url, **query):
    sign_in_with_mfa(client, person)
    response = client.get(url, query)
    assert response.status_code == 200, response.status_code
    return response


def pupil_file(pupil):
    return reverse("registers:pupil_file", args=[pupil.pk])


def staff_file(person):
    return reverse("registers:staff_file", args=[person.pk])


def test_every_kind_names_answers_of_its_own_form_for_the_files():
    for kind in KINDS.values():
        fields = kind.details_form.base_fields
        assert kind.on_file, kind.code
        assert set(kind.on_file) <= set(fields), kind.code
        assert len(set(kind.on_file)) == len(kind.on_file), kind.code
        # The way the contact happens is on every file: it is every kind's own answer.
        assert set(DetailsForm.base_fields) <= set(kind.on_file), kind.code


def test_the_dsl_reads_on_the_pupil_file_what_was_given_by_whom_when_and_what_was_decided(
    world, gift, client
):
    declaration, link, _ = gift

    text = page(client, world.dsl_a, pupil_file(link.pupil)).text

    assert "A box of chocolates" in text
    assert "£12.50" in text
    assert "The Patel family" in text
    assert "In person" in text  # the channel
    assert "Siân O&#x27;Connor-Ní Bhriain (mother of Persephone" in text
    assert f"{declaration.submitted_at:%-d %b %Y}" in text
    assert world.teacher_a.get_full_name() in text
    assert "Share the chocolates with the class." in text


def test_the_reference_links_to_the_declaration_for_whoever_may_open_it(world, gift, client):
    declaration, _link, request = gift

    decider = page(client, request.decider, staff_file(world.teacher_a)).text
    client.logout()
    own = page(client, world.teacher_a, staff_file(world.teacher_a)).text
    client.logout()
    administrator = page(client, world.administrator, staff_file(world.teacher_a)).text

    assert f'href="{request.get_absolute_url()}">{declaration.reference}' in decider
    assert f'href="{declaration.get_absolute_url()}">{declaration.reference}' in own
    assert declaration.reference in administrator
    assert f">{declaration.reference}<span" not in administrator  # not a link


def test_a_staff_file_names_the_pupils_only_for_those_who_may_see_them(world, gift, client):
    _, _link, _request = gift

    head = page(client, world.head_a, staff_file(world.teacher_a)).text
    client.logout()
    administrator = page(client, world.administrator, staff_file(world.teacher_a)).text

    assert "Persephone" in head
    assert "Persephone" not in administrator
    assert "O&#x27;Connor" not in administrator
    assert "1 more not shown to you" in administrator
    assert "A box of chocolates" in administrator  # what happened, without the child


def test_the_answers_of_a_concern_are_read_only_by_the_declarant_and_safeguarding(world, client):
    declaration = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="concern", status="decided"
    )
    RegisterEntry.objects.create(
        file="staff",
        person=world.teacher_a,
        declaration=declaration,
        entry_kind="outcome",
        text="Noted.",
    )
    said = "late-night messages"

    line_manager = page(client, world.line_manager_a, staff_file(world.teacher_a)).text
    client.logout()
    head = page(client, world.head_a, staff_file(world.teacher_a)).text
    client.logout()
    own = page(client, world.teacher_a, staff_file(world.teacher_a)).text

    assert said not in line_manager
    assert "Seen by the safeguarding lead and the head only." in line_manager
    assert said in head
    assert said in own


def test_the_csv_carries_what_was_declared_and_iso_times(world, gift, client):
    _, link, _ = gift
    url = reverse("registers:pupil_file_export", args=[link.pupil.pk, "csv"])

    response = page(client, world.dsl_a, url, **{"export-reason": REASON})

    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = dict(zip(header, row, strict=True))
    assert "What was declared: A box of chocolates" not in cells["What was declared"]
    assert "What the gift is: A box of chocolates" in cells["What was declared"]
    assert "£12.50" in cells["What was declared"]
    assert "mother of Persephone" in cells["About"]
    assert cells["Declared at"].endswith("+00:00")  # ISO 8601 with its offset (UTC in winter)
    assert "T" in cells["Recorded at"]


def test_the_pdf_has_a_cover_sheet_with_who_when_why_page_numbers_and_the_substance(
    world, gift, client
):
    _, link, _ = gift
    url = reverse("registers:pupil_file_export", args=[link.pupil.pk, "pdf"])

    response = page(client, world.dsl_a, url, **{"export-reason": REASON})

    assert response["Content-Disposition"] == (
        f'attachment; filename="pupil-file-{link.pupil.reference.lower()}-{TODAY:%Y-%m-%d}.pdf"'
    )
    pdf = pypdf.PdfReader(io.BytesIO(response.content))
    cover, *rest = [sheet.extract_text() for sheet in pdf.pages]
    assert rest, "the entries start on a page after the cover sheet"
    assert "Ash Primary School" in cover
    assert f"Exported by {world.dsl_a.get_full_name()}" in " ".join(cover.split())
    assert REASON in cover
    assert f"Page 1 of {len(pdf.pages)}" in cover
    body = " ".join(" ".join(rest).split())
    assert "A box of chocolates" in body
    assert "£12.50" in body
    assert "Share the chocolates with the class." in body
    event = AuditEvent.objects.get(action="register.pupil_file_exported")
    assert (event.actor, event.data["reason"], event.data["format"]) == (world.dsl_a, REASON, "pdf")


def test_a_file_page_reads_the_substance_in_a_fixed_number_of_queries(world, client):
    pupil = PupilFactory(setting=world.school_a)

    def entries(count):
        for _ in range(count):
            link = FamilyLinkFactory(pupil=pupil)
            declaration = DeclarationFactory(
                declarant=world.teacher_a, setting=world.school_a, kind="gift", status="decided"
            )
            DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
            DeclarationSubjectFactory(
                declaration=declaration, pupil=None, family_member=link.family_member
            )
            RegisterEntry.objects.create(
                file="pupil", pupil=pupil, declaration=declaration, entry_kind="outcome", text="Ok"
            )

    sign_in_with_mfa(client, world.dsl_a)
    entries(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(pupil_file(pupil)).status_code == 200
    entries(9)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(pupil_file(pupil))
    assert response.text.count("What the gift is") == 10
    assert len(ten) == len(one)


def test_a_superuser_reads_that_a_concern_was_declared_not_what_it_said(world, client):
    declaration = DeclarationFactory(
        declarant=world.teacher_a, setting=world.school_a, kind="concern", status="decided"
    )
    RegisterEntry.objects.create(
        file="staff",
        person=world.teacher_a,
        declaration=declaration,
        entry_kind="outcome",
        text="Noted.",
    )
    operator = PersonFactory(is_superuser=True)

    text = page(client, operator, staff_file(world.teacher_a)).text

    assert "late-night messages" not in text
    assert "Seen by the safeguarding lead and the head only." in text
