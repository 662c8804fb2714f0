"""Policy versions and acknowledgement (issue #7 items 1 and 2, R29 and R30): who may
publish a version, what it must contain, which version is in force where, acknowledging
it with the confidentiality agreement, who has acknowledged it, the policy document and
the review reminders."""

import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contactpolicy.models import AuditEvent
from directory.models import Role
from oversight.selectors import audit_events_for
from policies import selectors
from policies.exceptions import PolicyError
from policies.models import Acknowledgement, PolicyVersion
from policies.services import acknowledgement_record, policy_version_publish, scheduled_job
from tests.conftest import sign_in_with_mfa
from tests.factories import SchoolFactory, person_with_roles
from tests.factories.policies import AcknowledgementFactory, PolicyVersionFactory
from tests.files import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

NEW = reverse("policies:version_new")
ACKNOWLEDGE = reverse("policies:acknowledge")
REPORT = reverse("policies:acknowledgements")
BANNER = "Please read and acknowledge the policy"


# Helpers ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files land in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def days(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def as_(client, person):
    sign_in_with_mfa(client, person)
    return client


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def emails_of(*people) -> set[str]:
    return {person.email for person in people}


def publish(actor, organisation, **fields) -> PolicyVersion:
    """Publish through the service with sensible answers, overridden by ``fields``."""
    answers = {
        "title": "Staff contact with pupils and families",
        "text": "Declare contact with pupils and their families outside work.",
        "adopted_on": days(-7),
        "adopted_by": "the full governing board",
        "signatory_name": "Alex Chair",
        "signatory_role": "Chair of Governors",
        "next_review_on": days(358),
    }
    return policy_version_publish(actor=actor, organisation=organisation, **(answers | fields))


def form_data(organisation, **fields) -> dict:
    """What the publishing form posts, overridden by ``fields``."""
    data = {
        "organisation": organisation.pk,
        "title": "Staff contact with pupils and families",
        "text": "Declare contact with pupils and their families outside work.",
        "adopted_on": days(-7).isoformat(),
        "adopted_by": "the full governing board",
        "signatory_name": "Alex Chair",
        "signatory_role": "Chair of Governors",
        "next_review_on": days(358).isoformat(),
        "confidentiality_agreement": "I will keep confidential what I learn at work.",
    }
    return data | fields


def version_of(organisation, number: int = 1, **fields) -> PolicyVersion:
    return PolicyVersionFactory(organisation=organisation, number=number, **fields)


def ack_data(version, **fields) -> dict:
    return {"version": version.pk, "read": "on", "confidentiality_agreed": "on"} | fields


# Publishing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "where"), [("administrator", "federation"), ("head_a", "school_a")]
)
def test_federation_administrator_and_school_head_can_publish(world, who, where):
    version = publish(getattr(world, who), getattr(world, where))

    assert version.organisation == getattr(world, where)
    assert version.number == 1
    assert version.published_by == getattr(world, who)


def test_version_numbers_count_up_separately_for_each_organisation(world):
    first = publish(world.administrator, world.federation)
    second = publish(world.administrator, world.federation)
    school = publish(world.head_a, world.school_a)

    assert (first.number, second.number, school.number) == (1, 2, 1)


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("teacher_a", "school_a"),
        ("governor", "federation"),
        ("dsl_a", "school_a"),
        ("head_other", "school_a"),
        ("head_a", "federation"),
    ],
)
def test_people_without_a_policy_role_there_cannot_publish(world, who, where):
    with pytest.raises(PolicyError, match="Only the head or an administrator"):
        publish(getattr(world, who), getattr(world, where))

    assert not PolicyVersion.objects.exists()
    assert not events("policy.published").exists()


def test_publishing_leaves_an_audit_event_filed_under_the_organisation(world):
    version = publish(world.head_a, world.school_a)

    event = events("policy.published").get()
    assert event.actor == world.head_a
    assert event.organisation_pk == world.school_a.pk
    assert event.target_id == str(version.pk)
    assert event.data["number"] == 1


def test_federation_version_emails_everyone_in_the_federation_after_commit(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(world.administrator, world.federation)
    assert mail.outbox == []  # nothing is sent unless the version is saved

    for callback in callbacks:
        callback()

    everyone = emails_of(
        world.executive_head,
        world.chair,
        world.governor,
        world.administrator,
        world.head_a,
        world.dsl_a,
        world.line_manager_a,
        world.teacher_a,
        world.volunteer_a,
        world.teacher_b,
    )
    assert recipients() == everyone
    assert all(len(message.to) == 1 for message in mail.outbox)  # one email each
    assert "acknowledge" in mail.outbox[0].subject


def test_school_with_its_own_policy_is_not_emailed_about_the_federations_new_version(
    world, django_capture_on_commit_callbacks
):
    version_of(world.school_a)

    with django_capture_on_commit_callbacks(execute=True):
        publish(world.administrator, world.federation)

    assert world.teacher_b.email in recipients()
    assert world.executive_head.email in recipients()
    assert not recipients() & emails_of(world.head_a, world.teacher_a, world.dsl_a)
    assert not recipients() & emails_of(world.head_other, world.teacher_other)


def test_school_version_emails_only_the_people_of_that_school(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish(world.head_a, world.school_a)

    assert recipients() == emails_of(
        world.head_a, world.dsl_a, world.line_manager_a, world.teacher_a, world.volunteer_a
    )


def test_head_publishes_a_version_with_its_document_through_the_form(
    world, client, media, django_capture_on_commit_callbacks
):
    as_(client, world.head_a)
    upload = SimpleUploadedFile("Staff contact policy.pdf", pdf_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, form_data(world.school_a, text="", document=upload))

    version = PolicyVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == version.get_absolute_url()
    assert (version.organisation, version.number) == (world.school_a, 1)
    assert version.document_type == "application/pdf"
    assert version.document_name == "Staff_contact_policy.pdf"
    assert len(stored_files(media)) == 1
    assert events("policy.published").filter(organisation_pk=world.school_a.pk).count() == 1
    assert world.teacher_a.email in recipients()


@pytest.mark.parametrize("who", ["teacher_a", "governor", "dsl_a"])
def test_publishing_page_is_not_found_for_people_with_nowhere_to_publish(world, client, who):
    as_(client, getattr(world, who))

    assert client.get(NEW).status_code == 404
    assert client.post(NEW, form_data(world.school_a)).status_code == 404
    assert not PolicyVersion.objects.exists()


def test_head_of_another_school_cannot_choose_a_school_that_is_not_theirs(world, client):
    as_(client, world.head_other)

    response = client.post(NEW, form_data(world.school_a))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not PolicyVersion.objects.exists()


# Bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("adopted", "review", "message"),
    [
        (-7, -7, "The next review date must be after the adoption date."),
        (-7, -30, "The next review date must be after the adoption date."),
        (3, 300, "The adoption date cannot be in the future."),
        (-400, -1, "The next review date has already passed"),
    ],
    ids=["review-on-adoption-day", "review-before-adoption", "future-adoption", "review-passed"],
)
def test_publishing_form_refuses_impossible_dates(world, client, adopted, review, message):
    as_(client, world.administrator)

    response = client.post(
        NEW,
        form_data(
            world.federation,
            adopted_on=days(adopted).isoformat(),
            next_review_on=days(review).isoformat(),
        ),
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert not PolicyVersion.objects.exists()
    assert not events("policy.published").exists()


def test_publishing_form_needs_the_text_or_the_document(world, client):
    as_(client, world.administrator)

    response = client.post(NEW, form_data(world.federation, text="   "))

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Paste the policy&#x27;s text or attach the policy document" in response.content.decode()
    assert not PolicyVersion.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("policy.pdf", png_bytes()),
        ("policy.pdf", b"This is plain text pretending to be a PDF.\n" * 5),
        ("policy.png", pdf_bytes()),
    ],
    ids=["png-named-pdf", "text-named-pdf", "pdf-named-png"],
)
def test_disguised_document_is_refused_and_nothing_is_kept(world, client, media, name, content):
    as_(client, world.administrator)

    response = client.post(
        NEW, form_data(world.federation, document=SimpleUploadedFile(name, content))
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert ("This file is none of those" in body) or ("Rename it or attach the original" in body)
    assert not PolicyVersion.objects.exists()
    assert not events("policy.published").exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"adopted_on": days(-7), "next_review_on": days(-7)}, "must be after the adoption"),
        ({"adopted_on": days(1), "next_review_on": days(300)}, "cannot be in the future"),
        ({"adopted_on": days(-400), "next_review_on": days(0)}, "has already passed"),
        ({"text": "  "}, "Paste the policy's text or attach"),
        (
            {"document": SimpleUploadedFile("policy.pdf", png_bytes())},
            "Rename it or attach the original file",
        ),
    ],
    ids=["review-on-adoption", "future-adoption", "review-today", "empty", "disguised"],
)
def test_service_refuses_bad_input_with_a_clear_message(world, media, fields, message):
    with pytest.raises(PolicyError, match=message):
        publish(world.administrator, world.federation, **fields)

    assert not PolicyVersion.objects.exists()
    assert not events("policy.published").exists()
    assert stored_files(media) == []


# Which version is in force ----------------------------------------------------------


def test_federation_version_is_in_force_for_its_schools_and_no_other(world):
    federation = version_of(world.federation)

    assert selectors.version_in_force_for(world.school_a) == federation
    assert selectors.version_in_force_for(world.school_b) == federation
    assert selectors.version_in_force_for(world.other_school) is None
    assert list(selectors.versions_to_acknowledge(user=world.teacher_b)) == [federation]
    assert list(selectors.versions_to_acknowledge(user=world.teacher_other)) == []


def test_school_own_version_is_in_force_there_even_after_a_newer_federation_version(world):
    own = version_of(world.school_a)
    version_of(world.federation, 1)
    newest_federation = version_of(world.federation, 2)

    assert selectors.version_in_force_for(world.school_a) == own
    assert selectors.version_in_force_for(world.school_b) == newest_federation
    assert list(selectors.versions_to_acknowledge(user=world.teacher_a)) == [own]
    assert list(selectors.versions_to_acknowledge(user=world.executive_head)) == [newest_federation]


# Acknowledgement -------------------------------------------------------------------


def test_first_page_after_sign_in_is_the_policy_then_a_banner_on_every_page(world, client):
    version_of(world.federation)
    as_(client, world.teacher_a)

    first = client.get("/registers/")
    later = client.get("/")

    assert first.status_code == 302
    assert first["Location"] == f"{ACKNOWLEDGE}?next={quote('/registers/', safe='')}"
    assert later.status_code == 200
    assert BANNER in later.content.decode()


def test_nobody_is_sent_to_the_policy_or_shown_the_banner_with_nothing_to_acknowledge(
    world, client
):
    version = version_of(world.federation)
    AcknowledgementFactory(person=world.teacher_a, version=version)
    as_(client, world.teacher_a)

    response = client.get("/")

    assert response.status_code == 200
    assert BANNER not in response.content.decode()


def test_htmx_requests_and_account_pages_are_never_sent_to_the_policy(world, client):
    version_of(world.federation)
    as_(client, world.teacher_a)

    htmx = client.get("/", headers={"HX-Request": "true"})
    account = client.get(reverse("account_change_password"))
    full_page = client.get("/")

    assert htmx.status_code == 200
    assert account.status_code == 200
    # Neither used up the one prompt: the first full page still goes to the policy.
    assert full_page.status_code == 302
    assert full_page["Location"].startswith(ACKNOWLEDGE)


def test_acknowledging_records_the_agreement_and_audit_and_returns_to_the_page(world, client):
    version = version_of(world.federation)
    as_(client, world.teacher_a)

    response = client.post(f"{ACKNOWLEDGE}?next=/registers/", ack_data(version, next="/registers/"))

    acknowledgement = Acknowledgement.objects.get()
    assert (acknowledgement.person, acknowledgement.version) == (world.teacher_a, version)
    assert acknowledgement.confidentiality_agreed is True
    event = events("policy.acknowledged").get()
    assert event.actor == world.teacher_a
    # Filed under the person, so their own school's DSL sees it in the audit history.
    assert event.target_id == str(world.teacher_a.pk)
    assert event.data["version"] == version.pk
    assert event.organisation_pk is None
    assert event in audit_events_for(user=world.dsl_a)
    assert event not in audit_events_for(user=world.administrator_other)
    assert response.status_code == 302
    assert response["Location"] == "/registers/"
    assert BANNER not in client.get("/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/steal"])
def test_acknowledging_never_follows_a_next_to_another_site(world, client, target):
    version = version_of(world.federation)
    as_(client, world.teacher_a)

    response = client.post(ACKNOWLEDGE, ack_data(version, next=target))

    assert Acknowledgement.objects.filter(person=world.teacher_a, version=version).exists()
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "evil.example" not in client.get(f"{ACKNOWLEDGE}?next={target}").content.decode()


def test_acknowledgement_needs_the_confidentiality_agreement_ticked(world, client):
    version = version_of(world.federation)
    as_(client, world.teacher_a)
    data = ack_data(version)
    del data["confidentiality_agreed"]

    response = client.post(ACKNOWLEDGE, data)

    assert response.status_code == 200
    assert "Tick to confirm you agree to the confidentiality agreement" in (
        response.content.decode()
    )
    assert not Acknowledgement.objects.exists()
    assert not events("policy.acknowledged").exists()


def test_service_refuses_an_acknowledgement_without_the_confidentiality_agreement(world):
    version = version_of(world.federation)

    with pytest.raises(PolicyError, match="confidentiality agreement"):
        acknowledgement_record(actor=world.teacher_a, version=version, confidentiality_agreed=False)

    assert not Acknowledgement.objects.exists()


def test_superseded_version_cannot_be_acknowledged(world, client):
    old = version_of(world.federation, 1)
    version_of(world.federation, 2)
    as_(client, world.teacher_a)

    response = client.post(ACKNOWLEDGE, ack_data(old))

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "A newer version of this policy has replaced this one" in body
    assert not Acknowledgement.objects.exists()
    assert not events("policy.acknowledged").exists()


@pytest.mark.parametrize("where", ["other_school", "school_b"])
def test_a_version_of_another_organisation_cannot_be_acknowledged(world, client, where):
    elsewhere = version_of(getattr(world, where))
    version_of(world.federation)
    as_(client, world.teacher_a)

    response = client.post(ACKNOWLEDGE, ack_data(elsewhere))

    assert response.status_code == 404
    assert not Acknowledgement.objects.exists()


def test_service_refuses_a_version_not_in_force_where_the_person_works(world):
    school = version_of(world.school_a)

    with pytest.raises(PolicyError, match="not the one in force"):
        acknowledgement_record(
            actor=world.executive_head, version=school, confidentiality_agreed=True
        )

    assert not Acknowledgement.objects.exists()


def test_acknowledging_twice_keeps_one_acknowledgement_and_one_audit_event(world, client):
    version = version_of(world.federation)
    as_(client, world.teacher_a)

    client.post(ACKNOWLEDGE, ack_data(version))
    first = Acknowledgement.objects.get()
    again = client.post(ACKNOWLEDGE, ack_data(version))

    assert again.status_code in {200, 302}
    assert list(Acknowledgement.objects.all()) == [first]
    assert events("policy.acknowledged").count() == 1


def test_a_new_version_makes_everyone_acknowledge_again(world):
    first = version_of(world.federation, 1)
    for person in (world.teacher_a, world.teacher_b, world.administrator):
        acknowledgement_record(actor=person, version=first, confidentiality_agreed=True)
    assert not selectors.versions_to_acknowledge(user=world.teacher_a).exists()

    second = publish(world.administrator, world.federation)

    for person in (world.teacher_a, world.teacher_b, world.administrator):
        assert list(selectors.versions_to_acknowledge(user=person)) == [second]
    assert Acknowledgement.objects.filter(version=first).count() == 3  # the record stays


# Who has acknowledged --------------------------------------------------------------


def test_report_lists_who_has_and_has_not_acknowledged_with_the_percentage(world, client):
    version = version_of(world.federation)
    for person in (world.head_a, world.teacher_a):
        AcknowledgementFactory(person=person, version=version)
    AcknowledgementFactory(person=world.teacher_b, version=version)  # another school
    as_(client, world.dsl_a)

    response = client.get(REPORT, {"organisation": world.school_a.pk})

    report = response.context["report"]
    assert response.status_code == 200
    assert report.version == version
    assert set(report.acknowledged) == {world.head_a, world.teacher_a}
    assert set(report.outstanding) == {world.dsl_a, world.line_manager_a, world.volunteer_a}
    assert report.percentage == 40
    body = response.content.decode()
    assert "(40%)" in body
    assert escape(world.volunteer_a.get_full_name()) in body  # O'Connor is escaped
    assert escape(world.teacher_b.get_full_name()) not in body


def test_report_says_how_many_of_how_many_people_have_acknowledged(world, client):
    version = version_of(world.federation)
    for person in (world.head_a, world.teacher_a):
        AcknowledgementFactory(person=person, version=version)
    as_(client, world.dsl_a)

    response = client.get(REPORT, {"organisation": world.school_a.pk})

    assert "<strong>2 of 5</strong> people have acknowledged it (40%)" in (
        response.content.decode()
    )


@pytest.mark.parametrize("who", ["teacher_a", "governor", "line_manager_a"])
def test_report_is_not_found_for_people_without_a_compliance_role(world, client, who):
    version_of(world.federation)
    as_(client, getattr(world, who))

    assert client.get(REPORT).status_code == 404
    assert client.get(REPORT, {"organisation": world.school_a.pk}).status_code == 404


@pytest.mark.parametrize("where", ["other_school", "federation", "school_b"])
def test_report_for_an_organisation_outside_the_viewers_scope_is_not_found(world, client, where):
    version_of(world.federation)
    as_(client, world.head_a)

    response = client.get(REPORT, {"organisation": getattr(world, where).pk})

    assert response.status_code == 404


def test_report_costs_the_same_queries_whatever_the_number_of_people(world, client):
    version = version_of(world.federation)
    as_(client, world.administrator)

    def queries(school) -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(REPORT, {"organisation": school.pk})
        assert response.status_code == 200
        return len(context.captured_queries)

    small = SchoolFactory(name="Elm Primary School", parent=world.federation)
    many = SchoolFactory(name="Fir Primary School", parent=world.federation)
    for index in range(3):
        person = person_with_roles(small, Role.STAFF)
        if index % 2:
            AcknowledgementFactory(person=person, version=version)
    for index in range(20):
        person = person_with_roles(many, Role.STAFF)
        if index % 2:
            AcknowledgementFactory(person=person, version=version)

    client.get(REPORT, {"organisation": small.pk})  # warm the session and caches
    assert queries(many) == queries(small)


# The policy document ----------------------------------------------------------------


@pytest.fixture
def with_document(world, media):
    return publish(
        world.administrator,
        world.federation,
        text="",
        document=SimpleUploadedFile("Contact policy.pdf", pdf_bytes()),
    )


@pytest.mark.parametrize("who", ["teacher_a", "teacher_b", "governor"])
def test_policy_document_downloads_as_a_sandboxed_attachment(world, client, with_document, who):
    as_(client, getattr(world, who))

    response = client.get(reverse("policies:version_document", args=[with_document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Contact_policy.pdf" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == pdf_bytes()


@pytest.mark.parametrize("who", ["teacher_other", "head_other"])
def test_policy_document_is_not_found_for_people_of_another_school(
    world, client, with_document, who
):
    as_(client, getattr(world, who))

    response = client.get(reverse("policies:version_document", args=[with_document.pk]))

    assert response.status_code == 404


def test_school_policy_document_is_not_found_for_a_teacher_of_the_sister_school(
    world, client, media
):
    school = publish(
        world.head_a,
        world.school_a,
        document=SimpleUploadedFile("Ash policy.pdf", pdf_bytes()),
    )
    as_(client, world.teacher_b)

    response = client.get(reverse("policies:version_document", args=[school.pk]))

    assert response.status_code == 404


# Review reminders ------------------------------------------------------------------


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The scheduled job on a given day; returns who was emailed that day."""

    def run(today: datetime.date) -> list[str]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            scheduled_job(today)
        return sorted(address for message in mail.outbox for address in message.to)

    return run


def test_review_reminder_is_sent_once_as_the_date_nears_and_once_more_when_it_passes(world, run):
    review_on = days(100)
    version = version_of(world.federation, next_review_on=review_on)
    managers = sorted(emails_of(world.administrator, world.executive_head))
    day = datetime.timedelta(days=1)

    assert run(review_on - 31 * day) == []
    assert run(review_on - 30 * day) == managers
    assert run(review_on - 30 * day) == []  # the same day again
    assert run(review_on - 29 * day) == []  # the next day
    assert run(review_on - day) == []
    assert run(review_on) == managers  # the date has come: once more
    assert run(review_on + day) == []
    assert run(review_on + 30 * day) == []
    assert all("due for review" in message.subject for message in mail.outbox)
    assert events("policy.review_reminded").filter(target_id=str(version.pk)).count() == 2


def test_school_policy_review_reminder_goes_to_its_head_and_the_federation_managers(world, run):
    version_of(world.school_a, next_review_on=days(20))

    assert run(timezone.localdate()) == sorted(
        emails_of(world.head_a, world.administrator, world.executive_head)
    )
    assert world.teacher_a.email not in recipients()


def test_superseded_version_is_not_reminded_about_its_review(world, run):
    old = version_of(world.federation, 1, next_review_on=days(10))
    version_of(world.federation, 2, next_review_on=days(300))

    assert run(timezone.localdate()) == []
    assert run(days(11)) == []
    old.refresh_from_db()
    assert old.review_reminded_on is None
    assert not events("policy.review_reminded").exists()


def test_a_failed_acknowledgement_has_an_error_summary_linked_to_the_box(world, client):
    version = version_of(world.federation)
    as_(client, world.teacher_a)

    response = client.post(ACKNOWLEDGE, {"version": version.pk, "read": "on"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert "There is a problem" in page
    assert f'href="#agree-{version.pk}"' in page
    assert f'aria-describedby="agree-{version.pk}-error"' in page
    assert not Acknowledgement.objects.exists()
