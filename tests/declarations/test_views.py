"""Declaring contact through the pages, as a member of staff would (issue #4, R5 to R20)."""

import datetime
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contactpolicy.models import AuditEvent
from declarations.kinds import KINDS
from declarations.models import Attachment, Declaration, DeclarationSubject
from directory.models import FamilyLink, Role
from tests.conftest import sign_in_with_mfa
from tests.factories import (
    FamilyLinkFactory,
    MembershipFactory,
    PersonFactory,
    PupilFactory,
    person_with_roles,
)
from tests.files import docx_bomb, docx_bytes, docx_with_macros, pdf_bytes, pdf_with_open_script

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200
PDF = pdf_bytes()
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def days(number: int) -> str:
    """A date ``number`` days from today, as a date input posts it."""
    return (timezone.localdate() + datetime.timedelta(days=number)).isoformat()


# What a person would type for each kind used here: enough to save and submit.
DETAILS = {
    "pre_existing_relationship": {
        "channels": ["in_person", "messaging_app"],
        "relationship": "friend",
        "description": "We have been friends since school.",
        "since": "2010-09-01",
    },
    "planned_social_contact": {
        "channels": ["in_person"],
        "planned_on": days(20),
        "time": "15:00",
        "place": "Village hall",
        "who": "About fifteen children from Year 3 and their parents.",
        "purpose": "A child's birthday party.",
    },
    "correspondence_received": {
        "channels": ["letter_or_card"],
        "item": "A thank-you card",
        "received_on": days(0),
        "proposed_response": "none",
    },
    "trip_phone_sharing": {
        "channels": ["phone", "text"],
        "trip_name": "Year 6 residential to Wales",
        "trip_starts_on": days(10),
        "trip_ends_on": days(12),
        "parents_or_carers": "The parents of the twelve children in my group.",
        "delete_by": days(13),
    },
    "unplanned_contact": {
        "channels": ["in_person"],
        "occurred_on": days(-1),
        "place": "The supermarket",
        "what_happened": "We said hello at the checkout.",
    },
}


def teaching_assistant(setting, **person_fields):
    person = PersonFactory(**person_fields)
    MembershipFactory(
        person=person, organisation=setting, role=Role.STAFF, job_title="Teaching assistant"
    )
    return person


def pupil_with_mother(setting, **pupil_fields):
    pupil = PupilFactory(setting=setting, **pupil_fields)
    link = FamilyLinkFactory(
        pupil=pupil,
        relationship=FamilyLink.Relationship.MOTHER,
        family_member__given_name="Grace",
        family_member__family_name=pupil.family_name,
    )
    return pupil, link.family_member


def form_token(client, kind: str) -> str:
    """Open the form as a browser would and read the token it carries."""
    response = client.get(reverse("declarations:create", args=[kind]))
    assert response.status_code == 200
    return str(response.context["form"].initial["form_token"])


def form_data(
    kind: str,
    *,
    token: str,
    setting,
    pupils=(),
    family_members=(),
    details=None,
    action="save",
    **extra,
) -> dict:
    data = {
        "form_token": token,
        "setting": setting.pk,
        "pupils": [getattr(pupil, "pk", pupil) for pupil in pupils],
        "family_members": [getattr(member, "pk", member) for member in family_members],
        "other_name": "",
        "other_relationship": "",
        "notes": "",
        "action": action,
    }
    for name, value in (DETAILS[kind] if details is None else details).items():
        data[f"details-{name}"] = value
    data.update(extra)
    return data


def post_declaration(client, kind: str, *, token=None, url=None, **fields):
    token = token or form_token(client, kind)
    return client.post(
        url or reverse("declarations:create", args=[kind]),
        form_data(kind, token=token, **fields),
    )


def save_draft(client, kind: str, **fields) -> Declaration:
    """Fill in and save the form; the page moves on to check-your-answers."""
    before = set(Declaration.objects.values_list("pk", flat=True))
    response = post_declaration(client, kind, **fields)
    assert response.status_code == 302, response.context and response.context["form"].errors
    declaration = Declaration.objects.exclude(pk__in=before).get()
    assert response.url == reverse("declarations:review", args=[declaration.pk])
    return declaration


def upload(client, declaration, content: bytes, name: str):
    return client.post(
        reverse("declarations:attachment_upload", args=[declaration.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def make_declaration(person, setting, *, kind="unplanned_contact", pupils=(), **fields):
    """A declaration saved straight to the database, for pages that only read them."""
    fields.setdefault("details", {"channels": ["in_person"]})
    declaration = Declaration.objects.create(declarant=person, setting=setting, kind=kind, **fields)
    for pupil in pupils:
        DeclarationSubject.objects.create(declaration=declaration, pupil=pupil)
    return declaration


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def family(world):
    """A pupil of Ash Primary School and her mother."""
    return pupil_with_mother(world.school_a, given_name="Ava", family_name="Smith")


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "input":
            self.found.append(dict(attrs))


def checkboxes(html: str, name: str, *, ticked: bool | None = None) -> set[str]:
    """The values of the checkboxes called ``name`` on a page (only ticked ones if asked)."""
    parser = _Inputs()
    parser.feed(html)
    return {
        attrs.get("value")
        for attrs in parser.found
        if attrs.get("type") == "checkbox"
        and attrs.get("name") == name
        and (ticked is None or ("checked" in attrs) == ticked)
    }


def chosen(html: str, name: str) -> set[str]:
    """The people the picker holds as chosen (its chips' hidden inputs called ``name``)."""
    parser = _Inputs()
    parser.feed(html)
    return {
        attrs.get("value")
        for attrs in parser.found
        if attrs.get("type") == "hidden" and attrs.get("name") == name
    }


def results(client, **params):
    """The list's results alone, as the htmx filters request them."""
    response = client.get(reverse("declarations:list"), params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response


def listed(client, **params) -> list:
    return list(client.get(reverse("declarations:list"), params).context["declarations"])


# Sign-in --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "declarations:list", []),
        ("get", "declarations:choose", []),
        ("get", "declarations:create", ["planned_social_contact"]),
        ("post", "declarations:create", ["planned_social_contact"]),
        ("get", "declarations:people", []),
        ("get", "declarations:detail", [1]),
        ("get", "declarations:edit", [1]),
        ("get", "declarations:review", [1]),
        ("post", "declarations:submit", [1]),
        ("get", "declarations:withdraw", [1]),
        ("post", "declarations:withdraw", [1]),
        ("post", "declarations:amend", [1]),
        ("post", "declarations:attachment_upload", [1]),
        ("get", "declarations:attachment", [1]),
    ],
)
def test_every_declaration_page_sends_a_signed_out_visitor_to_sign_in(client, method, name, args):
    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_signed_out_visitor_cannot_download_an_existing_attachment(client, world, family, media):
    sign_in_with_mfa(client, world.teacher_a)
    declaration = save_draft(
        client, "correspondence_received", setting=world.school_a, pupils=[family[0]]
    )
    upload(client, declaration, JPEG, "card.jpg")
    attachment = Attachment.objects.get()
    client.logout()

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# The chooser ------------------------------------------------------------------------------


def test_chooser_asks_every_kind_of_question(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("declarations:choose"))

    assert response.status_code == 200
    for kind in KINDS.values():
        assert escape(kind.question) in response.text


@pytest.mark.parametrize("kind", list(KINDS))
def test_choosing_a_kind_leads_to_its_form(client, world, kind):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("declarations:choose"), {"kind": kind})

    assert response.status_code == 302
    assert response.url == reverse("declarations:create", args=[kind])
    form_page = client.get(response.url)
    assert form_page.status_code == 200
    assert escape(KINDS[kind].name) in form_page.text


def test_chooser_with_an_unknown_kind_asks_again(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("declarations:choose"), {"kind": "party"})

    assert response.status_code == 200
    assert response.context["form"].errors


def test_form_for_an_unknown_kind_is_not_found(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    assert client.get("/declarations/new/party-invitation/").status_code == 404
    assert client.post("/declarations/new/party-invitation/", {}).status_code == 404


def test_person_without_a_role_in_a_setting_is_sent_home_from_the_chooser(client, world):
    sign_in_with_mfa(client, PersonFactory())

    response = client.get(reverse("declarations:choose"), follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "You need a role in a school or setting to make a declaration." in response.text


# The teaching assistant's four declarations (the "done when") --------------------


def submit(client, declaration) -> None:
    review = client.get(reverse("declarations:review", args=[declaration.pk]))
    assert review.status_code == 200
    assert "Check your answers" in review.text
    assert "Before you can submit" not in review.text
    response = client.post(reverse("declarations:submit", args=[declaration.pk]), follow=True)
    assert response.redirect_chain == [(declaration.get_absolute_url(), 302)]
    assert "Your declaration has been submitted." in response.text


def test_teaching_assistant_declares_four_kinds_and_sees_them_submitted(
    client, world, family, media
):
    pupil, mother = family
    assistant = teaching_assistant(world.school_a)
    sign_in_with_mfa(client, assistant)

    friendship = save_draft(
        client, "pre_existing_relationship", setting=world.school_a, family_members=[mother]
    )
    submit(client, friendship)

    party = save_draft(client, "planned_social_contact", setting=world.school_a, pupils=[pupil])
    submit(client, party)

    card = save_draft(client, "correspondence_received", setting=world.school_a, pupils=[pupil])
    review = client.get(reverse("declarations:review", args=[card.pk]))
    assert "Attach a copy of what you received" in review.text
    uploaded = upload(client, card, JPEG, "card photo.jpg")
    assert uploaded.redirect_chain == [
        (reverse("declarations:review", args=[card.pk]) + "#attachments", 302)
    ]
    assert "card_photo.jpg is attached." in uploaded.text
    submit(client, card)

    trip = save_draft(client, "trip_phone_sharing", setting=world.school_a)
    submit(client, trip)

    mine = [friendship, party, card, trip]
    assert [subject.family_member for subject in friendship.subjects.all()] == [mother]
    assert [subject.pupil for subject in party.subjects.all()] == [pupil]
    assert not trip.subjects.exists()
    assert Declaration.objects.get(pk=party.pk).key_date == datetime.date.fromisoformat(
        DETAILS["planned_social_contact"]["planned_on"]
    )
    for declaration in mine:
        declaration.refresh_from_db()
        assert declaration.status == Declaration.Status.SUBMITTED
        assert declaration.setting == world.school_a
        assert declaration.submitted_at is not None

    page = client.get(reverse("declarations:list"))
    assert page.status_code == 200
    assert list(page.context["declarations"]) == mine[::-1]
    for declaration in mine:
        assert declaration.reference in page.text
        assert escape(declaration.kind_entry.name) in page.text
    assert "Ava Smith" in page.text
    assert "Grace Smith" in page.text
    only_results = results(client).text
    assert only_results.count("Submitted") == 4
    assert "Draft" not in only_results

    attachment = Attachment.objects.get()
    assert attachment.declaration == card
    assert attachment.content_type == "image/jpeg"
    assert attachment.original_name == "card_photo.jpg"
    assert stored_files(media) == [media / attachment.file.name]

    audited = AuditEvent.objects.filter(actor=assistant)
    for declaration in mine:
        actions = set(
            audited.filter(target_id=str(declaration.pk)).values_list("action", flat=True)
        )
        assert {"declaration.created", "declaration.submitted"} <= actions
    assert audited.filter(action="declaration.attachment_added", target_id=str(card.pk)).exists()


@pytest.mark.parametrize(
    ("kind", "needs_approval_text"),
    [
        ("planned_social_contact", "Do not go ahead until it is approved."),
        ("unplanned_contact", "Nothing needs approving."),
    ],
)
def test_detail_page_shows_the_history_and_what_happens_next(
    client, world, family, kind, needs_approval_text
):
    sign_in_with_mfa(client, world.teacher_a)
    declaration = save_draft(client, kind, setting=world.school_a, pupils=[family[0]])
    submit(client, declaration)

    response = client.get(declaration.get_absolute_url())

    assert response.status_code == 200
    assert "What happens next" in response.text
    assert needs_approval_text in response.text
    assert "Created as a draft" in response.text
    assert "Status: Draft → Submitted" in response.text
    assert "<strong>Submitted</strong>" in response.text


# Drafts -------------------------------------------------------------------------------


def test_saved_draft_is_listed_as_draft(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    draft = save_draft(client, "planned_social_contact", setting=world.school_a, pupils=[family[0]])

    page = results(client)

    assert draft.status == Declaration.Status.DRAFT
    assert "Draft" in page.text
    assert "Submitted" not in page.text
    assert draft.reference in page.text
    detail = client.get(draft.get_absolute_url())
    assert "This is a draft: nobody else can see it." in detail.text


def test_edit_page_is_filled_in_with_the_saved_answers(client, world, family):
    pupil, mother = family
    sign_in_with_mfa(client, world.teacher_a)
    draft = save_draft(
        client,
        "planned_social_contact",
        setting=world.school_a,
        pupils=[pupil],
        family_members=[mother],
        notes="Her mother is a friend of mine.",
    )

    response = client.get(reverse("declarations:edit", args=[draft.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert str(form["form_token"].value()) == str(draft.form_token)
    assert form["notes"].value() == "Her mother is a friend of mine."
    details = DETAILS["planned_social_contact"]
    assert form.details["place"].value() == details["place"]
    assert form.details["who"].value() == details["who"]
    assert form.details["channels"].value() == details["channels"]
    page = response.text
    assert f'value="{details["planned_on"]}"' in page
    assert 'value="15:00"' in page
    assert chosen(page, "pupils") == {str(pupil.pk)}
    assert chosen(page, "family_members") == {str(mother.pk)}


def test_changing_a_draft_keeps_one_declaration_and_saves_the_change(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    draft = save_draft(client, "planned_social_contact", setting=world.school_a, pupils=[family[0]])
    edit_url = reverse("declarations:edit", args=[draft.pk])
    token = str(client.get(edit_url).context["form"]["form_token"].value())
    details = {**DETAILS["planned_social_contact"], "place": "The park café"}

    response = post_declaration(
        client,
        "planned_social_contact",
        token=token,
        url=edit_url,
        setting=world.school_a,
        pupils=[family[0]],
        details=details,
    )

    assert response.status_code == 302
    assert Declaration.objects.count() == 1
    draft.refresh_from_db()
    assert draft.details["place"] == "The park café"
    assert AuditEvent.objects.filter(action="declaration.changed", target_id=str(draft.pk)).exists()


# Bad input ----------------------------------------------------------------------------


def test_missing_required_details_show_an_error_summary_and_save_nothing(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client,
        "planned_social_contact",
        setting=world.school_a,
        pupils=[family[0]],
        details={"channels": [], "planned_on": "", "place": "", "who": "", "purpose": ""},
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Tick at least one way the contact happens or happened." in response.text
    # The summary is the first thing on the page, above the heading and the guidance, and
    # is not said twice by a message as well (#22).
    page = response.text
    assert page.index("There is a problem") < page.index("<h1>") < page.index("Who is this about?")
    assert "Some answers need attention" not in page
    assert Declaration.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="declaration.").exists()


def test_missing_answers_are_kept_on_the_page_to_correct(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    details = {**DETAILS["planned_social_contact"], "place": ""}

    response = post_declaration(
        client,
        "planned_social_contact",
        setting=world.school_a,
        pupils=[family[0]],
        details=details,
    )

    assert response.status_code == 200
    assert escape(details["who"]) in response.text
    assert chosen(response.text, "pupils") == {str(family[0].pk)}
    assert Declaration.objects.count() == 0


def test_planned_date_in_the_past_is_refused_with_a_clear_message(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    details = {**DETAILS["planned_social_contact"], "planned_on": days(-1)}

    response = post_declaration(
        client,
        "planned_social_contact",
        setting=world.school_a,
        pupils=[family[0]],
        details=details,
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "The date is in the past: planned contact is declared before it happens." in (
        response.text
    )
    assert Declaration.objects.count() == 0


def test_trip_ending_before_it_starts_is_refused(client, world):
    sign_in_with_mfa(client, world.teacher_a)
    details = {**DETAILS["trip_phone_sharing"], "trip_ends_on": days(9)}

    response = post_declaration(
        client, "trip_phone_sharing", setting=world.school_a, details=details
    )

    assert response.status_code == 200
    assert "The last day cannot be before the first." in response.text
    assert Declaration.objects.count() == 0


@pytest.mark.parametrize("school", ["other_school", "school_b"])
def test_pupil_of_a_school_the_declarant_does_not_work_in_is_refused(client, world, school):
    stranger = PupilFactory(setting=getattr(world, school))
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "planned_social_contact", setting=world.school_a, pupils=[stranger]
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "is not someone you can choose at this setting" in response.text
    assert Declaration.objects.count() == 0
    assert not DeclarationSubject.objects.exists()


def test_family_member_of_another_schools_pupil_is_refused(client, world):
    _, stranger = pupil_with_mother(world.other_school)
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "pre_existing_relationship", setting=world.school_a, family_members=[stranger]
    )

    assert response.status_code == 200
    assert "is not someone you can choose at this setting" in response.text
    assert Declaration.objects.count() == 0


def test_setting_the_declarant_does_not_work_in_is_refused(client, world):
    pupil = PupilFactory(setting=world.school_b)
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "planned_social_contact", setting=world.school_b, pupils=[pupil]
    )

    assert response.status_code == 200
    assert "Choose one of your own settings." in response.text
    assert Declaration.objects.count() == 0


@pytest.mark.parametrize("bad_id", ["abc", "1; DROP TABLE", "1.5"])
def test_pupil_id_that_is_not_a_number_is_a_form_error_not_a_crash(client, world, bad_id):
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "planned_social_contact", setting=world.school_a, pupils=[bad_id]
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "is not someone you can choose at this setting" in response.text
    assert Declaration.objects.count() == 0


@pytest.mark.parametrize("field", ["pupils", "family_members"])
def test_family_member_or_pupil_id_that_is_not_a_number_is_a_form_error(client, world, field):
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "pre_existing_relationship", setting=world.school_a, **{field: ["x"]}
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert Declaration.objects.count() == 0


@pytest.mark.parametrize("bad_id", ["-1", "0", "99999999"])
def test_pupil_id_that_matches_nobody_is_a_form_error(client, world, bad_id):
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "planned_social_contact", setting=world.school_a, pupils=[bad_id]
    )

    assert response.status_code == 200
    assert "is not someone you can choose at this setting" in response.text
    assert Declaration.objects.count() == 0


def test_pupil_id_too_large_for_the_database_is_a_form_error_not_a_crash(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "planned_social_contact", setting=world.school_a, pupils=["9" * 30]
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert Declaration.objects.count() == 0


def test_other_name_without_a_relationship_is_refused(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client, "planned_social_contact", setting=world.school_a, other_name="Tom Jones"
    )

    assert response.status_code == 200
    assert "Say how this person is related to the pupil." in response.text
    assert Declaration.objects.count() == 0


def test_family_member_outside_the_directory_can_be_described(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    draft = save_draft(
        client,
        "planned_social_contact",
        setting=world.school_a,
        other_name="Tom Jones",
        other_relationship="Ava Smith's grandfather",
    )

    subject = draft.subjects.get()
    assert (subject.other_name, subject.other_relationship) == (
        "Tom Jones",
        "Ava Smith's grandfather",
    )


def test_same_form_posted_twice_makes_one_declaration(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    token = form_token(client, "planned_social_contact")

    first = post_declaration(
        client, "planned_social_contact", token=token, setting=world.school_a, pupils=[family[0]]
    )
    second = post_declaration(
        client, "planned_social_contact", token=token, setting=world.school_a, pupils=[family[0]]
    )

    declaration = Declaration.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("declarations:review", args=[declaration.pk])
    assert declaration.subjects.count() == 1
    assert AuditEvent.objects.filter(action="declaration.created").count() == 1


def test_submitting_twice_submits_once_and_says_why(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    draft = save_draft(client, "planned_social_contact", setting=world.school_a, pupils=[family[0]])
    submit_url = reverse("declarations:submit", args=[draft.pk])

    first = client.post(submit_url, follow=True)
    assert "Your declaration has been submitted." in first.text
    draft.refresh_from_db()
    submitted_at = draft.submitted_at
    response = client.post(submit_url, follow=True)

    assert response.redirect_chain == [(draft.get_absolute_url(), 302)]
    assert "has already been submitted" in response.text
    assert "Your declaration has been submitted." not in response.text
    draft.refresh_from_db()
    assert draft.status == Declaration.Status.SUBMITTED
    assert draft.submitted_at == submitted_at
    assert Declaration.objects.count() == 1
    assert AuditEvent.objects.filter(action="declaration.submitted").count() == 1


def test_submitting_without_the_required_copy_is_refused_and_keeps_the_draft(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    draft = save_draft(
        client, "correspondence_received", setting=world.school_a, pupils=[family[0]]
    )

    response = client.post(reverse("declarations:submit", args=[draft.pk]), follow=True)

    assert response.redirect_chain == [(reverse("declarations:review", args=[draft.pk]), 302)]
    assert "Attach a copy of what you received" in response.text
    draft.refresh_from_db()
    assert draft.status == Declaration.Status.DRAFT


def test_submitted_declaration_cannot_be_edited(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    draft = save_draft(client, "planned_social_contact", setting=world.school_a, pupils=[family[0]])
    client.post(reverse("declarations:submit", args=[draft.pk]))
    details = dict(Declaration.objects.get(pk=draft.pk).details)

    response = post_declaration(
        client,
        "planned_social_contact",
        token=str(draft.form_token),
        url=reverse("declarations:edit", args=[draft.pk]),
        setting=world.school_a,
        pupils=[family[0]],
        details={**DETAILS["planned_social_contact"], "place": "Somewhere else"},
    )

    assert response.status_code == 302
    assert response.url == draft.get_absolute_url()
    assert Declaration.objects.get(pk=draft.pk).details == details


def test_resubmitting_a_submitted_declarations_form_does_not_change_it(client, world, family):
    """The double-click guard on create must not let a post change a submitted declaration."""
    sign_in_with_mfa(client, world.teacher_a)
    token = form_token(client, "planned_social_contact")
    post_declaration(
        client, "planned_social_contact", token=token, setting=world.school_a, pupils=[family[0]]
    )
    declaration = Declaration.objects.get()
    client.post(reverse("declarations:submit", args=[declaration.pk]))

    response = post_declaration(
        client,
        "planned_social_contact",
        token=token,
        setting=world.school_a,
        pupils=[family[0]],
        details={**DETAILS["planned_social_contact"], "place": "Somewhere else"},
    )

    assert response.status_code == 200
    assert "cannot be changed" in response.text
    declaration.refresh_from_db()
    assert declaration.details["place"] == DETAILS["planned_social_contact"]["place"]
    assert declaration.status == Declaration.Status.SUBMITTED
    assert Declaration.objects.count() == 1


# Someone else's declaration ------------------------------------------------------------


@pytest.fixture
def colleagues_draft(world):
    pupil = PupilFactory(setting=world.school_a)
    return make_declaration(
        world.line_manager_a,
        world.school_a,
        kind="planned_social_contact",
        pupils=[pupil],
        details={**DETAILS["planned_social_contact"]},
    )


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "declarations:detail"),
        ("get", "declarations:edit"),
        ("post", "declarations:edit"),
        ("get", "declarations:review"),
        ("post", "declarations:submit"),
        ("get", "declarations:withdraw"),
        ("post", "declarations:withdraw"),
        ("post", "declarations:amend"),
    ],
)
@pytest.mark.parametrize("who", ["teacher_a", "teacher_b", "teacher_other", "head_other"])
def test_someone_elses_declaration_is_not_found_and_unchanged(
    client, world, colleagues_draft, method, name, who
):
    sign_in_with_mfa(client, getattr(world, who))
    url = reverse(name, args=[colleagues_draft.pk])
    data = form_data(
        "planned_social_contact",
        token=str(colleagues_draft.form_token),
        setting=world.school_a,
        details={**DETAILS["planned_social_contact"], "place": "Changed"},
        reason="Withdrawn by someone else",
    )

    response = client.get(url) if method == "get" else client.post(url, data)

    assert response.status_code == 404
    unchanged = Declaration.objects.get(pk=colleagues_draft.pk)
    assert unchanged.status == Declaration.Status.DRAFT
    assert unchanged.details == colleagues_draft.details
    assert unchanged.withdrawal_reason == ""
    assert Declaration.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="declaration.").exists()


def test_attaching_to_someone_elses_declaration_is_not_found(
    client, world, colleagues_draft, media
):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.post(
        reverse("declarations:attachment_upload", args=[colleagues_draft.pk]),
        {"file": SimpleUploadedFile("card.jpg", JPEG)},
    )

    assert response.status_code == 404
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_someone_elses_token_on_the_create_form_does_not_touch_their_draft(
    client, world, colleagues_draft, family
):
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client,
        "planned_social_contact",
        token=str(colleagues_draft.form_token),
        setting=world.school_a,
        pupils=[family[0]],
        details={**DETAILS["planned_social_contact"], "place": "Changed"},
    )

    assert response.status_code == 302
    assert Declaration.objects.get(pk=colleagues_draft.pk).details["place"] == "Village hall"
    assert Declaration.objects.filter(declarant=world.teacher_a).count() == 1


# Attachments ------------------------------------------------------------------------------


@pytest.fixture
def card(client, world, family, media):
    sign_in_with_mfa(client, world.teacher_a)
    return save_draft(client, "correspondence_received", setting=world.school_a, pupils=[family[0]])


def test_renamed_executable_is_refused_with_a_message(client, card, media):
    response = upload(client, card, EXECUTABLE, "card.pdf")

    assert response.redirect_chain == [
        (reverse("declarations:review", args=[card.pk]) + "#attachments", 302)
    ]
    assert "Only PDF files, photos (JPEG, PNG, GIF, WebP, HEIC) and Word documents" in (
        response.text
    )
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert not AuditEvent.objects.filter(action="declaration.attachment_added").exists()


def test_file_whose_name_disagrees_with_its_content_is_refused(client, card, media):
    response = upload(client, card, PDF, "card.jpg")

    assert "its content is PDF" in response.text
    assert not Attachment.objects.exists()


def test_oversized_file_is_refused_with_a_message(client, card, media, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PDF) - 1

    response = upload(client, card, PDF, "card.pdf")

    assert response.status_code == 200
    assert "Try a smaller photo or scan." in response.text
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "invitation.pdf",
            pdf_with_open_script(),
            "This PDF contains a script that runs when it is opened. Save it again as a plain "
            "PDF (Print to PDF) and attach that.",
        ),
        (
            "letter.docx",
            docx_with_macros(),
            "This Word file contains macros or controls: small programs that run inside Word.",
        ),
        ("letter.docx", docx_bomb(), "This Word file would grow to 100.0\xa0MB when opened"),
    ],
    ids=["pdf-script", "word-macros", "word-zip-bomb"],
)
def test_a_hostile_file_is_refused_with_the_reason_on_the_page(
    client, card, media, name, content, says
):
    response = upload(client, card, content, name)

    assert response.redirect_chain == [
        (reverse("declarations:review", args=[card.pk]) + "#attachments", 302)
    ]
    assert escape(says) in response.text
    assert "is attached." not in response.text
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    event = AuditEvent.objects.get(action="declaration.attachment_refused")
    assert event.actor == card.declarant
    assert event.target_id == str(card.pk)


def test_a_word_document_is_attached(client, card, media):
    response = upload(client, card, docx_bytes(), "Letter to Mrs Smith.docx")

    assert "Letter_to_Mrs_Smith.docx is attached." in response.text
    attachment = Attachment.objects.get()
    assert stored_files(media) == [media / attachment.file.name]


def test_a_full_disk_says_the_file_was_not_saved_and_keeps_nothing(client, card, media, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.files.DiskFillsUp"}}

    response = upload(client, card, pdf_bytes(5000), "card.pdf")

    assert response.status_code == 200
    assert "The file could not be saved just now, so nothing was attached." in response.text
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_upload_without_a_file_asks_for_one(client, card, media):
    response = client.post(
        reverse("declarations:attachment_upload", args=[card.pk]), {}, follow=True
    )

    assert "Choose a file to attach." in response.text
    assert not Attachment.objects.exists()


def test_pdf_is_attached_under_a_generated_name(client, card, media):
    response = upload(client, card, PDF, "../../etc/Thank you card.pdf")

    assert "is attached." in response.text
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert "/" not in attachment.original_name
    assert attachment.original_name.endswith(".pdf")
    assert "Thank" not in attachment.file.name
    assert attachment.file.name.startswith("attachments/")
    assert stored_files(media) == [media / attachment.file.name]


def test_declarant_downloads_the_attachment_as_a_file(client, world, card, media):
    upload(client, card, JPEG, "card.jpg")
    attachment = Attachment.objects.get()

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Disposition"] == 'attachment; filename="card.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="declaration.attachment_viewed")
    assert event.actor == world.teacher_a
    assert event.target_id == str(card.pk)
    assert event.data == {"attachment": attachment.pk}


@pytest.mark.parametrize("who", ["colleague", "teacher_b", "teacher_other", "governor"])
def test_other_people_cannot_download_the_attachment(client, world, card, media, who):
    upload(client, card, JPEG, "card.jpg")
    attachment = Attachment.objects.get()
    other = (
        person_with_roles(world.school_a, Role.STAFF) if who == "colleague" else getattr(world, who)
    )
    sign_in_with_mfa(client, other)

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="declaration.attachment_viewed").exists()


def test_files_cannot_be_added_once_submitted(client, world, family, media):
    sign_in_with_mfa(client, world.teacher_a)
    declaration = save_draft(
        client, "planned_social_contact", setting=world.school_a, pupils=[family[0]]
    )
    client.post(reverse("declarations:submit", args=[declaration.pk]), follow=True)

    response = upload(client, declaration, JPEG, "card.jpg")

    assert response.redirect_chain == [(declaration.get_absolute_url() + "#attachments", 302)]
    assert "Files can be added while a declaration is a draft" in response.text
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_attachment_link_is_on_the_detail_page(client, card, media):
    upload(client, card, JPEG, "card.jpg")
    attachment = Attachment.objects.get()

    response = client.get(card.get_absolute_url())

    assert f'href="{attachment.get_absolute_url()}"' in response.text


# The picker -------------------------------------------------------------------------------


def people(client, **params):
    return client.get(reverse("declarations:people"), params)


def test_picker_finds_pupils_and_family_members_of_the_setting(client, world, family):
    pupil, mother = family
    elsewhere, elsewhere_mother = pupil_with_mother(world.school_b, family_name="Smith")
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, kind="planned_social_contact", setting=world.school_a.pk, q="smi")

    assert response.status_code == 200
    assert "<html" not in response.text
    assert checkboxes(response.text, "pupils") == {str(pupil.pk)}
    assert checkboxes(response.text, "family_members") == {str(mother.pk)}
    assert elsewhere.pk != pupil.pk
    assert elsewhere_mother.pk != mother.pk


def test_picker_does_not_search_a_setting_the_person_is_not_in(client, world):
    pupil_with_mother(world.school_b, family_name="Smith")
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, kind="planned_social_contact", setting=world.school_b.pk, q="Smith")

    assert response.status_code == 200
    assert checkboxes(response.text, "pupils") == set()
    assert checkboxes(response.text, "family_members") == set()
    assert "Smith" not in response.text


def test_picker_finds_no_pupils_for_a_governor(client, world, family):
    sign_in_with_mfa(client, world.governor)

    response = people(client, kind="planned_social_contact", setting=world.school_a.pk, q="Smith")

    assert response.status_code == 200
    assert checkboxes(response.text, "pupils") == set()
    assert checkboxes(response.text, "family_members") == set()


def test_picker_offers_only_former_pupils_for_former_pupil_contact(client, world):
    current = PupilFactory(setting=world.school_a, family_name="Jones")
    former = PupilFactory(
        setting=world.school_a,
        family_name="Jones",
        status="former",
        left_on=datetime.date(2019, 7, 20),
    )
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, kind="former_pupil_contact", setting=world.school_a.pk, q="Jones")

    assert checkboxes(response.text, "pupils") == {str(former.pk)}
    assert current.pk != former.pk
    assert checkboxes(response.text, "family_members") == set()


@pytest.mark.parametrize("setting", ["", "abc", "99999999"])
def test_picker_with_no_usable_setting_finds_nobody(client, world, family, setting):
    sign_in_with_mfa(client, world.teacher_a)

    response = people(client, kind="planned_social_contact", setting=setting, q="Smith")

    assert response.status_code == 200
    assert checkboxes(response.text, "pupils") == set()
    assert "Choose which setting this is about first" in response.text


def test_picker_for_an_unknown_kind_is_not_found(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    assert people(client, kind="nonsense", setting=world.school_a.pk, q="Smith").status_code == 404


def test_search_button_without_javascript_shows_results_and_saves_nothing(client, world, family):
    pupil, mother = family
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client,
        "planned_social_contact",
        setting=world.school_a,
        details={"channels": []},
        action="search",
        q="Smith",
    )

    assert response.status_code == 200
    assert "<html" in response.text
    assert checkboxes(response.text, "pupils") == {str(pupil.pk)}
    assert checkboxes(response.text, "family_members") == {str(mother.pk)}
    assert Declaration.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="declaration.").exists()


def test_search_button_on_a_fresh_form_does_not_report_unanswered_questions(client, world, family):
    """Searching is not saving: the error summary is for a failed save, not a search."""
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client,
        "planned_social_contact",
        setting=world.school_a,
        details={"channels": []},
        action="search",
        q="Smith",
    )

    assert response.status_code == 200
    assert "There is a problem" not in response.text
    assert "Tick at least one way the contact happens or happened." not in response.text


def test_searching_keeps_the_people_already_chosen(client, world, family):
    pupil, _ = family
    other = PupilFactory(setting=world.school_a, given_name="Noah", family_name="Patel")
    sign_in_with_mfa(client, world.teacher_a)

    response = post_declaration(
        client,
        "planned_social_contact",
        setting=world.school_a,
        pupils=[pupil],
        action="search",
        q="Patel",
    )

    assert chosen(response.text, "pupils") == {str(pupil.pk)}
    assert checkboxes(response.text, "pupils", ticked=False) == {str(other.pk)}
    assert Declaration.objects.count() == 0


def test_former_pupil_contact_names_a_former_pupil_not_a_current_one(client, world, family):
    former = PupilFactory(
        setting=world.school_a, status="former", left_on=datetime.date(2019, 7, 20)
    )
    details = {
        "channels": ["social_network"],
        "current_age_or_setting": "19, at university",
        "nature_of_contact": "She sent me a friend request.",
        "proposed_plan": "None: I will not accept it.",
    }
    sign_in_with_mfa(client, world.teacher_a)

    refused = post_declaration(
        client,
        "former_pupil_contact",
        setting=world.school_a,
        pupils=[family[0]],
        details=details,
    )
    assert refused.status_code == 200
    assert "is not someone you can choose at this setting" in refused.text
    assert Declaration.objects.count() == 0

    declaration = save_draft(
        client, "former_pupil_contact", setting=world.school_a, pupils=[former], details=details
    )
    submit(client, declaration)
    assert [subject.pupil for subject in declaration.subjects.all()] == [former]


def test_person_in_two_settings_chooses_which_one_the_declaration_belongs_to(client, world):
    pupil = PupilFactory(setting=world.school_b)
    sign_in_with_mfa(client, world.executive_head)

    form_page = client.get(reverse("declarations:create", args=["unplanned_contact"]))
    assert form_page.context["form"].settings_count == 2
    assert list(form_page.context["form"].fields["setting"].queryset) == [
        world.school_a,
        world.school_b,
    ]
    unchosen = client.post(
        reverse("declarations:create", args=["unplanned_contact"]),
        {
            **form_data(
                "unplanned_contact",
                token=str(form_page.context["form"].initial["form_token"]),
                setting=world.school_b,
                pupils=[pupil],
            ),
            "setting": "",
        },
    )
    assert unchosen.status_code == 200
    assert Declaration.objects.count() == 0

    declaration = save_draft(client, "unplanned_contact", setting=world.school_b, pupils=[pupil])
    assert declaration.setting == world.school_b


# Withdrawing --------------------------------------------------------------------------


@pytest.fixture
def submitted(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    declaration = save_draft(
        client, "planned_social_contact", setting=world.school_a, pupils=[family[0]]
    )
    client.post(reverse("declarations:submit", args=[declaration.pk]))
    return declaration


def test_withdraw_asks_for_confirmation_first(client, submitted):
    response = client.get(reverse("declarations:withdraw", args=[submitted.pk]))

    assert response.status_code == 200
    assert "Withdraw this declaration?" in response.text
    submitted.refresh_from_db()
    assert submitted.status == Declaration.Status.SUBMITTED


def test_withdrawing_records_the_reason_and_the_history(client, world, submitted):
    response = client.post(
        reverse("declarations:withdraw", args=[submitted.pk]),
        {"reason": "The party was cancelled."},
        follow=True,
    )

    assert response.redirect_chain == [(submitted.get_absolute_url(), 302)]
    assert "Your declaration has been withdrawn." in response.text
    assert "Reason: The party was cancelled." in response.text
    assert "Status: Submitted → Withdrawn" in response.text
    submitted.refresh_from_db()
    assert submitted.status == Declaration.Status.WITHDRAWN
    assert submitted.withdrawal_reason == "The party was cancelled."
    event = AuditEvent.objects.get(action="declaration.withdrawn")
    assert event.actor == world.teacher_a
    assert event.data["before"] == {"status": "submitted"}
    assert event.data["after"] == {"status": "withdrawn"}


def test_a_draft_can_be_withdrawn(client, world, family):
    sign_in_with_mfa(client, world.teacher_a)
    draft = save_draft(client, "planned_social_contact", setting=world.school_a, pupils=[family[0]])

    client.post(reverse("declarations:withdraw", args=[draft.pk]), {"reason": ""})

    draft.refresh_from_db()
    assert draft.status == Declaration.Status.WITHDRAWN


def test_withdrawn_declaration_cannot_be_withdrawn_again(client, submitted):
    url = reverse("declarations:withdraw", args=[submitted.pk])
    client.post(url, {"reason": "First time."})
    submitted.refresh_from_db()
    withdrawn_at = submitted.withdrawn_at

    again = client.post(url, {"reason": "Second time."}, follow=True)
    asked = client.get(url, follow=True)

    assert again.redirect_chain == [(submitted.get_absolute_url(), 302)]
    assert "cannot be withdrawn now" in again.text
    assert asked.redirect_chain == [(submitted.get_absolute_url(), 302)]
    assert "This declaration can no longer be withdrawn." in asked.text
    submitted.refresh_from_db()
    assert submitted.withdrawn_at == withdrawn_at
    assert submitted.withdrawal_reason == "First time."
    assert AuditEvent.objects.filter(action="declaration.withdrawn").count() == 1


def test_withdrawn_declaration_cannot_be_submitted(client, submitted):
    client.post(reverse("declarations:withdraw", args=[submitted.pk]), {"reason": ""})

    response = client.post(reverse("declarations:submit", args=[submitted.pk]), follow=True)

    assert "cannot be submitted now" in response.text
    submitted.refresh_from_db()
    assert submitted.status == Declaration.Status.WITHDRAWN


# Amending -----------------------------------------------------------------------------


def test_amending_a_decided_declaration_starts_a_new_version(client, world, family):
    decided = make_declaration(
        world.teacher_a,
        world.school_a,
        kind="planned_social_contact",
        pupils=[family[0]],
        details={**DETAILS["planned_social_contact"]},
        status=Declaration.Status.DECIDED,
    )
    sign_in_with_mfa(client, world.teacher_a)

    response = client.post(reverse("declarations:amend", args=[decided.pk]))
    again = client.post(reverse("declarations:amend", args=[decided.pk]))

    amendment = Declaration.objects.get(previous_version=decided)
    assert response.url == again.url == reverse("declarations:edit", args=[amendment.pk])
    assert amendment.version == 2
    assert amendment.status == Declaration.Status.DRAFT
    assert [subject.pupil for subject in amendment.subjects.all()] == [family[0]]
    decided.refresh_from_db()
    assert decided.status == Declaration.Status.DECIDED
    assert AuditEvent.objects.filter(action="declaration.amended").count() == 1


def test_an_undecided_declaration_cannot_be_amended(client, submitted):
    response = client.post(reverse("declarations:amend", args=[submitted.pk]), follow=True)

    assert "Only a decided declaration can be amended." in response.text
    assert Declaration.objects.count() == 1


# The list -------------------------------------------------------------------------------


def test_list_filters_by_kind_status_and_date(client, world):
    now = timezone.now()
    party = make_declaration(
        world.teacher_a,
        world.school_a,
        kind="planned_social_contact",
        created_at=now - datetime.timedelta(days=40),
    )
    gift = make_declaration(
        world.teacher_a,
        world.school_a,
        kind="gift",
        status=Declaration.Status.SUBMITTED,
        created_at=now - datetime.timedelta(days=10),
    )
    chance = make_declaration(
        world.teacher_a,
        world.school_a,
        kind="unplanned_contact",
        status=Declaration.Status.WITHDRAWN,
        created_at=now,
    )
    sign_in_with_mfa(client, world.teacher_a)

    def shown(**params):
        page = results(client, **params).text
        return {item.reference for item in (party, gift, chance) if item.reference in page}

    assert shown() == {party.reference, gift.reference, chance.reference}
    assert shown(kind="gift") == {gift.reference}
    assert shown(status="withdrawn") == {chance.reference}
    assert shown(status="draft", kind="planned_social_contact") == {party.reference}
    assert shown(created_from=days(-20)) == {gift.reference, chance.reference}
    assert shown(created_to=days(-20)) == {party.reference}
    assert shown(created_from=days(-20), created_to=days(-5)) == {gift.reference}
    assert shown(kind="gift", status="draft") == set()


def test_list_says_when_no_declaration_matches_the_filters(client, world):
    make_declaration(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, world.teacher_a)

    assert "No declarations match these filters." in results(client, kind="gift").text


def test_list_with_a_nonsense_filter_explains_rather_than_fails(client, world):
    make_declaration(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(
        reverse("declarations:list"), {"status": "lost", "created_from": "yesterday"}
    )

    assert response.status_code == 200
    assert "alert-danger" in response.text


def test_htmx_request_gets_only_the_results(client, world):
    declaration = make_declaration(world.teacher_a, world.school_a)
    sign_in_with_mfa(client, world.teacher_a)

    response = results(client, kind="unplanned_contact")

    assert "<html" not in response.text
    assert declaration.reference in response.text
    assert 'name="kind"' not in response.text
    assert escape("Your declarations") not in response.text


def test_full_list_page_has_the_filters(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("declarations:list"))

    assert "<html" in response.text
    for name in ("kind", "status", "created_from", "created_to"):
        assert f'name="{name}"' in response.text


def test_list_never_shows_other_peoples_declarations(client, world):
    mine = make_declaration(world.teacher_a, world.school_a)
    theirs = [
        make_declaration(world.line_manager_a, world.school_a),
        make_declaration(world.head_a, world.school_a, status=Declaration.Status.SUBMITTED),
        make_declaration(world.teacher_b, world.school_b),
        make_declaration(world.teacher_other, world.other_school),
    ]
    sign_in_with_mfa(client, world.teacher_a)

    page = client.get(reverse("declarations:list")).text
    htmx_page = results(client, status="submitted").text

    assert mine.reference in page
    for declaration in theirs:
        assert declaration.reference not in page
        assert declaration.reference not in htmx_page
    assert listed(client) == [mine]
    assert listed(client, status="submitted") == []


def test_list_costs_the_same_number_of_queries_for_2_or_20_declarations(client, world):
    def make(count):
        for _ in range(count):
            pupil, mother = pupil_with_mother(world.school_a)
            declaration = make_declaration(world.teacher_a, world.school_a, pupils=[pupil])
            DeclarationSubject.objects.create(declaration=declaration, family_member=mother)

    sign_in_with_mfa(client, world.teacher_a)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("declarations:list"))
        assert response.status_code == 200
        return len(context.captured_queries), len(response.context["declarations"])

    make(2)
    few, shown_few = queries()
    make(18)
    many, shown_many = queries()

    assert (shown_few, shown_many) == (2, 20)
    assert few == many


# Home page and navigation ---------------------------------------------------------------


def test_home_page_offers_staff_the_declare_contact_panel(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("home"))

    assert "Declare contact" in response.text
    assert f'href="{reverse("declarations:choose")}"' in response.text


def test_home_page_counts_drafts_to_finish(client, world):
    make_declaration(world.teacher_a, world.school_a)
    make_declaration(world.teacher_a, world.school_a, status=Declaration.Status.SUBMITTED)
    make_declaration(world.teacher_b, world.school_b)
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("home"))

    # Each count is a link to those declarations (#22), the other teacher's draft not
    # counted.
    mine = reverse("declarations:list")
    assert (
        f'<a href="{mine}?status=draft"><span class="badge text-bg-primary rounded-pill me-2">'
        "1</span>draft to finish</a>" in response.text
    )
    assert (
        f'<a href="{mine}?status=submitted">'
        '<span class="badge text-bg-primary rounded-pill me-2">1</span>'
        "declaration waiting for a decision</a>" in response.text
    )
    assert "more information from you" not in response.text


def test_person_without_a_role_is_not_offered_the_declare_contact_panel(client, world):
    sign_in_with_mfa(client, PersonFactory())

    response = client.get(reverse("home"))

    assert "Declare contact" not in response.text
    assert "Your declarations" not in response.text


def test_navigation_links_to_your_declarations(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(reverse("home"))

    assert f'href="{reverse("declarations:list")}">Your declarations</a>' in response.text


# Urgent, and by when planned contact must be decided (R39, issue #19) ------------------


def test_the_declarant_can_mark_a_declaration_urgent_and_check_your_answers_says_so(
    world, client, family
):
    pupil, _mother = family
    sign_in_with_mfa(client, world.teacher_a)
    page = client.get(reverse("declarations:create", args=["planned_social_contact"]))
    assert "This is urgent" in page.content.decode()
    assert "speak to the designated safeguarding lead (DSL) in person" in page.content.decode()

    declaration = save_draft(
        client, "planned_social_contact", setting=world.school_a, pupils=[pupil], urgent="on"
    )

    assert declaration.urgent
    assert declaration.is_urgent
    review = client.get(reverse("declarations:review", args=[declaration.pk]))
    assert "Yes: due the same school day" in review.content.decode()
    created = AuditEvent.objects.get(action="declaration.created", target_id=str(declaration.pk))
    assert created.data["after"]["urgent"] is True


def test_a_declaration_not_ticked_urgent_is_not(world, client, family):
    pupil, _mother = family
    sign_in_with_mfa(client, world.teacher_a)

    declaration = save_draft(
        client, "planned_social_contact", setting=world.school_a, pupils=[pupil]
    )

    assert not declaration.urgent
    review = client.get(reverse("declarations:review", args=[declaration.pk]))
    assert "due the same school day" not in review.content.decode()


def test_a_concern_has_no_urgent_box_because_it_always_is(world, client):
    sign_in_with_mfa(client, world.teacher_a)

    page = client.get(reverse("declarations:create", args=["concern"]))

    html = page.content.decode()
    assert 'name="urgent"' not in html
    assert "this is always dealt with as urgent" in html
    assert "urgent" not in page.context["form"].fields


def test_check_your_answers_says_planned_contact_must_be_decided_the_last_school_day_before(
    world, client, family
):
    pupil, _mother = family
    sign_in_with_mfa(client, world.teacher_a)
    # 18 November 2026 is a Wednesday: contact on Sunday 29th is due by Friday 27th.
    details = {**DETAILS["planned_social_contact"], "planned_on": "2026-11-29"}

    declaration = save_draft(
        client, "planned_social_contact", setting=world.school_a, pupils=[pupil], details=details
    )

    review = client.get(reverse("declarations:review", args=[declaration.pk])).content.decode()
    assert (
        "It must be decided by Friday 27 November 2026, the last school day before Sunday 29 "
        "November 2026 (which is a weekend)." in review
    )


def test_check_your_answers_warns_when_no_school_day_is_left_before_the_contact(
    world, client, family
):
    pupil, _mother = family
    sign_in_with_mfa(client, world.teacher_a)
    details = {**DETAILS["planned_social_contact"], "planned_on": days(1)}  # tomorrow

    declaration = save_draft(
        client, "planned_social_contact", setting=world.school_a, pupils=[pupil], details=details
    )

    review = client.get(reverse("declarations:review", args=[declaration.pk])).content.decode()
    assert "no school day is left before Thursday 19 November 2026" in review
    assert "the person deciding and the next person up are told at once" in review


def test_a_gift_sent_empty_says_what_to_do_for_each_answer(client, world):
    """GOV.UK's way (#22): "Enter what the gift is", not Django's "This field is
    required." behind the field's label."""
    sign_in_with_mfa(client, world.teacher_a)

    response = client.post(
        reverse("declarations:create", kwargs={"kind": "gift"}),
        {"form_token": str(uuid.uuid4()), "action": "save"},
    )

    page = response.text
    assert response.status_code == 200
    for message in (
        "Choose which setting this is about",
        "Choose whether you received the gift or gave it",
        "Enter what the gift is",
        "Choose whether the gift is goods, a voucher or money",
        "Enter what the gift is worth, in pounds",
        "Enter who gave the gift, or who it is for",
    ):
        assert message in page, message
    assert "This field is required" not in page
    assert "What the gift is: " not in page
    assert "<title>Error: " in page


@pytest.mark.parametrize(
    ("direction", "told", "not_told"),
    [
        ("received", "Keep the gift aside, unused", "Do not go ahead until it is approved."),
        ("given", "Do not give the gift until it is approved.", "Keep the gift aside"),
    ],
)
def test_what_a_gift_declarant_is_told_to_do_fits_what_they_answered(
    client, world, family, direction, told, not_told
):
    """A gift already received cannot be "not gone ahead with" (#22)."""
    sign_in_with_mfa(client, world.teacher_a)
    declaration = save_draft(
        client,
        "gift",
        setting=world.school_a,
        pupils=[family[0]],
        details={
            "channels": ["in_person"],
            "direction": direction,
            "item": "Flowers",
            "gift_type": "goods",
            "value": "10.00",
            "other_party": "A parent",
        },
    )

    review = client.get(reverse("declarations:review", args=[declaration.pk])).text
    submit(client, declaration)
    detail = client.get(declaration.get_absolute_url()).text

    for page in (review, detail):
        assert told in page
        assert not_told not in page


def test_the_concern_is_set_apart_first_among_the_choices(client, world):
    sign_in_with_mfa(client, world.teacher_a)

    page = client.get(reverse("declarations:choose")).text

    radios = re.findall(r'<input type="radio" name="kind" value="([a-z_]+)"', page)
    assert len(radios) == len(KINDS)
    first = KINDS[radios[0]]
    assert first.urgent
    assert not any(KINDS[code].urgent for code in radios[1:])
    # Its hint is part of its label, so a screen reader reads it with the choice; then
    # "or" before the everyday choices.
    assert "It goes straight to the designated safeguarding lead." in page
    second = KINDS[radios[1]]
    assert page.index(escape(first.question)) < page.index(">or</p>")
    assert page.index(">or</p>") < page.index(escape(second.question))
