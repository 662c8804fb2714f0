"""Annual safeguarding training (R31) and the permitted ways to communicate (R32), issue 7
items 3 and 4: recording training, due dates and the report, evidence downloads,
setting the list, the guidance on the declaration form and the flag for the decider."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import ApprovalRequest
from contactpolicy.exceptions import AppendOnlyError
from contactpolicy.models import AuditEvent
from declarations.services import declaration_submit
from directory.models import Person, Role
from policies.exceptions import PolicyError
from policies.models import Channel, PermittedChannel, TrainingRecord, one_year_after
from policies.selectors import (
    channels_not_permitted,
    permitted_channels_for,
    training_report,
)
from policies.services import permitted_channels_set, training_record_add
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory, SchoolFactory, person_with_roles
from tests.factories.declarations import (
    DeclarationFactory,
    DeclarationSubjectFactory,
    details_json,
)
from tests.factories.policies import PermittedChannelFactory, TrainingRecordFactory
from tests.files import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

TRAINING_URL = reverse("policies:training")
TRAINING_NEW_URL = reverse("policies:training_new")
CHANNELS_URL = reverse("policies:channels")


# Helpers ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files land in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def exe_bytes():
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def named(person: Person, given: str, family: str) -> str:
    """Give ``person`` a name no fake name can clash with; return the full name."""
    Person.objects.filter(pk=person.pk).update(given_name=given, family_name=family)
    person.refresh_from_db()
    return person.get_full_name()


def in_page(response, text: str) -> bool:
    return escape(text) in response.content.decode()


def events(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def person_type():
    return ContentType.objects.get_for_model(Person)


def record(actor, person, **changes):
    """Record training through the service, with valid answers unless changed."""
    fields = {
        "completed_on": days_ago(10),
        "course": "Annual safeguarding and child protection update",
        "provider": "The local authority",
        "evidence": None,
    }
    fields.update(changes)
    return training_record_add(actor=actor, person=person, **fields)


def training_post(person, **changes):
    data = {
        "person": person.pk,
        "completed_on": days_ago(10).isoformat(),
        "course": "Annual safeguarding and child protection update",
        "provider": "The local authority",
    }
    data.update(changes)
    return data


def nothing_recorded(media) -> bool:
    return (
        not TrainingRecord.objects.exists()
        and not events("training.recorded")
        and stored_files(media) == []
    )


# Recording training -------------------------------------------------------------------


def test_a_person_records_their_own_training_with_a_certificate(world, client, media):
    sign_in_with_mfa(client, world.teacher_a)
    upload = SimpleUploadedFile("My certificate.pdf", pdf_bytes(), content_type="application/pdf")

    response = client.post(TRAINING_NEW_URL, training_post(world.teacher_a, evidence=upload))

    assert response.status_code == 302
    assert response.url == reverse("policies:index")
    saved = TrainingRecord.objects.get()
    assert saved.person == world.teacher_a
    assert saved.recorded_by == world.teacher_a
    assert saved.completed_on == days_ago(10)
    assert saved.provider == "The local authority"
    assert saved.evidence_name == "My_certificate.pdf"
    assert saved.evidence_type == "application/pdf"
    [path] = stored_files(media)
    assert path.read_bytes() == pdf_bytes()
    assert "certificate" not in path.name  # stored under a generated name


@pytest.mark.parametrize("recorder", ["dsl_a", "head_a", "administrator", "executive_head"])
def test_the_dsl_head_or_administrator_records_training_for_someone_in_their_setting(
    world, client, recorder
):
    actor = getattr(world, recorder)
    sign_in_with_mfa(client, actor)

    response = client.post(TRAINING_NEW_URL, training_post(world.teacher_a))

    assert response.status_code == 302
    assert response.url == TRAINING_URL
    saved = TrainingRecord.objects.get()
    assert saved.person == world.teacher_a
    assert saved.recorded_by == actor


def test_a_teacher_cannot_record_training_for_another_person(world, media):
    with pytest.raises(PolicyError, match="for yourself and for the people you manage"):
        record(world.teacher_a, world.volunteer_a)

    assert nothing_recorded(media)


def test_another_person_is_not_a_choice_on_a_teachers_training_form(world, client, media):
    sign_in_with_mfa(client, world.teacher_a)

    response = client.post(TRAINING_NEW_URL, training_post(world.volunteer_a))

    assert response.status_code == 200
    assert in_page(response, "Select a valid choice")
    assert nothing_recorded(media)


def test_the_head_of_another_school_cannot_record_training_for_a_teacher(world, client, media):
    with pytest.raises(PolicyError):
        record(world.head_other, world.teacher_a)

    sign_in_with_mfa(client, world.head_other)
    response = client.post(TRAINING_NEW_URL, training_post(world.teacher_a))

    assert response.status_code == 200
    assert in_page(response, "Select a valid choice")
    assert nothing_recorded(media)


def test_a_training_date_in_the_future_is_refused_with_a_clear_message(world, client, media):
    tomorrow = today() + datetime.timedelta(days=1)

    with pytest.raises(PolicyError, match="cannot be in the future"):
        record(world.teacher_a, world.teacher_a, completed_on=tomorrow)

    sign_in_with_mfa(client, world.teacher_a)
    response = client.post(
        TRAINING_NEW_URL, training_post(world.teacher_a, completed_on=tomorrow.isoformat())
    )

    assert response.status_code == 200
    assert in_page(
        response, "The training date cannot be in the future: record it once it is done."
    )
    assert nothing_recorded(media)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("certificate.pdf", png_bytes(), "its content is PNG"),
        ("certificate.pdf", exe_bytes(), "Only PDF files, photos"),
        ("certificate.jpg", pdf_bytes(), "its content is PDF"),
    ],
    ids=["png-named-pdf", "program-named-pdf", "pdf-named-jpg"],
)
def test_disguised_evidence_is_refused_and_leaves_no_record_or_file(
    world, media, name, content, message
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    with pytest.raises(PolicyError, match=message):
        record(world.dsl_a, world.teacher_a, evidence=upload)

    assert nothing_recorded(media)


def test_disguised_evidence_on_the_form_shows_why_and_saves_nothing(world, client, media):
    sign_in_with_mfa(client, world.teacher_a)
    upload = SimpleUploadedFile("certificate.pdf", png_bytes(), content_type="application/pdf")

    response = client.post(TRAINING_NEW_URL, training_post(world.teacher_a, evidence=upload))

    assert response.status_code == 200
    assert in_page(response, "its content is PNG")
    assert nothing_recorded(media)


def test_evidence_over_the_size_limit_is_refused_and_leaves_no_record_or_file(
    world, client, media, settings
):
    settings.ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(PolicyError, match="smaller"):
        record(
            world.teacher_a,
            world.teacher_a,
            evidence=SimpleUploadedFile("scan.pdf", pdf_bytes(1025)),
        )

    sign_in_with_mfa(client, world.teacher_a)
    response = client.post(
        TRAINING_NEW_URL,
        training_post(world.teacher_a, evidence=SimpleUploadedFile("scan.pdf", pdf_bytes(1025))),
    )

    assert response.status_code == 200
    assert in_page(response, "Try a smaller photo or scan")
    assert nothing_recorded(media)


def test_recording_training_writes_an_audit_event(world, client):
    sign_in_with_mfa(client, world.dsl_a)
    upload = SimpleUploadedFile("certificate.pdf", pdf_bytes())

    client.post(TRAINING_NEW_URL, training_post(world.teacher_a, evidence=upload))

    saved = TrainingRecord.objects.get()
    [event] = events("training.recorded")
    assert event.actor == world.dsl_a
    assert event.target_type == person_type()
    assert event.target_id == str(world.teacher_a.pk)
    assert event.ip_address == "127.0.0.1"
    assert event.data == {
        "record": saved.pk,
        "completed_on": days_ago(10).isoformat(),
        "course": "Annual safeguarding and child protection update",
        "provider": "The local authority",
        "evidence": "certificate.pdf",
    }


def test_training_records_cannot_be_changed_or_deleted(world):
    saved = record(world.teacher_a, world.teacher_a)
    saved.course = "Something else"

    with pytest.raises(AppendOnlyError):
        saved.save()
    with pytest.raises(AppendOnlyError):
        saved.delete()
    with pytest.raises(AppendOnlyError):
        TrainingRecord.objects.filter(pk=saved.pk).update(course="Something else")

    saved.refresh_from_db()
    assert saved.course == "Annual safeguarding and child protection update"


# Due dates and the report -------------------------------------------------------------

FIXED_TODAY = datetime.date(2025, 6, 15)


def report_row(world, person, *, on):
    [row] = [p for p in training_report(organisation=world.school_a, today=on) if p == person]
    return row


def test_training_is_due_one_year_after_the_most_recent_course(world):
    TrainingRecordFactory(person=world.teacher_a, completed_on=datetime.date(2024, 9, 2))
    TrainingRecordFactory(person=world.teacher_a, completed_on=datetime.date(2025, 1, 10))
    # Recorded later, but done earlier: the most recent course still counts.
    TrainingRecordFactory(person=world.teacher_a, completed_on=datetime.date(2023, 5, 1))

    row = report_row(world, world.teacher_a, on=FIXED_TODAY)

    assert row.last_trained == datetime.date(2025, 1, 10)
    assert row.training_due_on == datetime.date(2026, 1, 10)
    assert row.training_status_label == "Up to date"


@pytest.mark.parametrize(
    ("completed_on", "due_on", "label"),
    [
        (None, None, "No training recorded"),
        (datetime.date(2024, 6, 14), datetime.date(2025, 6, 14), "Overdue"),
        (datetime.date(2024, 6, 15), datetime.date(2025, 6, 15), "Due within 30 days"),
        (datetime.date(2024, 7, 15), datetime.date(2025, 7, 15), "Due within 30 days"),
        (datetime.date(2024, 7, 16), datetime.date(2025, 7, 16), "Up to date"),
    ],
    ids=["none", "due-yesterday", "due-today", "due-in-30-days", "due-in-31-days"],
)
def test_training_status_at_its_boundaries(world, completed_on, due_on, label):
    if completed_on:
        TrainingRecordFactory(person=world.teacher_a, completed_on=completed_on)

    row = report_row(world, world.teacher_a, on=FIXED_TODAY)

    assert row.training_due_on == due_on
    assert row.training_status_label == label


@pytest.mark.parametrize(
    ("on", "label"),
    [
        (datetime.date(2025, 2, 27), "Due within 30 days"),
        (datetime.date(2025, 2, 28), "Due within 30 days"),
        (datetime.date(2025, 3, 1), "Overdue"),
    ],
)
def test_training_on_29_february_is_due_on_28_february_the_next_year(world, on, label):
    TrainingRecordFactory(person=world.teacher_a, completed_on=datetime.date(2024, 2, 29))

    row = report_row(world, world.teacher_a, on=on)

    assert one_year_after(datetime.date(2024, 2, 29)) == datetime.date(2025, 2, 28)
    assert row.training_due_on == datetime.date(2025, 2, 28)
    assert row.training_status_label == label


@pytest.fixture
def trained(world):
    """School A: one person up to date, one due soon, one overdue, one with none."""
    names = {
        "current": named(world.teacher_a, "Connie", "Current"),
        "soon": named(world.line_manager_a, "Sunny", "Soon"),
        "overdue": named(world.dsl_a, "Olive", "Overdue"),
        "none": named(world.head_a, "Nora", "Nothing"),
    }
    TrainingRecordFactory(person=world.teacher_a, completed_on=days_ago(60))
    TrainingRecordFactory(person=world.line_manager_a, completed_on=days_ago(350))
    TrainingRecordFactory(person=world.dsl_a, completed_on=days_ago(400))
    named(world.volunteer_a, "Vera", "Volunteer")
    TrainingRecordFactory(person=world.volunteer_a, completed_on=days_ago(5))
    return names


def test_the_training_report_lists_only_people_needing_attention_by_default(world, client, trained):
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(TRAINING_URL, {"organisation": world.school_a.pk})

    assert response.status_code == 200
    assert [p.get_full_name() for p in response.context["people"]] == [
        trained["none"],
        trained["overdue"],
        trained["soon"],
    ]
    assert in_page(response, trained["none"])
    assert in_page(response, trained["overdue"])
    assert in_page(response, trained["soon"])
    assert not in_page(response, trained["current"])
    assert in_page(response, "No training recorded")
    assert in_page(response, "Overdue")
    assert in_page(response, "Due within 30 days")


def test_show_all_lists_everyone_in_the_setting(world, client, trained):
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(TRAINING_URL, {"organisation": world.school_a.pk, "show": "all"})

    assert response.status_code == 200
    shown = {p.get_full_name() for p in response.context["people"]}
    assert shown == {*trained.values(), "Vera Volunteer"}
    assert in_page(response, trained["current"])
    assert in_page(response, "Up to date")


def test_people_from_another_school_never_appear_in_the_training_report(world, client, trained):
    outsiders = [
        named(world.teacher_b, "Bertie", "Birch"),
        named(world.teacher_other, "Cecil", "Cedar"),
        named(world.head_other, "Hattie", "Cedar"),
    ]
    TrainingRecordFactory(person=world.teacher_b, completed_on=days_ago(500))
    TrainingRecordFactory(person=world.teacher_other, completed_on=days_ago(500))

    for viewer in (world.dsl_a, world.executive_head):
        sign_in_with_mfa(client, viewer)
        response = client.get(TRAINING_URL, {"organisation": world.school_a.pk, "show": "all"})

        assert response.status_code == 200
        for name in outsiders:
            assert not in_page(response, name)


@pytest.mark.parametrize("viewer", ["teacher_a", "governor", "chair", "volunteer_a"])
def test_a_teacher_or_governor_cannot_see_the_training_report(world, client, viewer):
    sign_in_with_mfa(client, getattr(world, viewer))

    assert client.get(TRAINING_URL).status_code == 404
    assert client.get(TRAINING_URL, {"organisation": world.school_a.pk}).status_code == 404


@pytest.mark.parametrize(
    ("viewer", "forged"),
    [("dsl_a", "other_school"), ("dsl_a", "school_b"), ("head_a", "federation")],
)
def test_a_forged_organisation_on_the_training_report_is_404(world, client, viewer, forged):
    sign_in_with_mfa(client, getattr(world, viewer))

    response = client.get(TRAINING_URL, {"organisation": getattr(world, forged).pk, "show": "all"})

    assert response.status_code == 404


def test_the_training_report_costs_the_same_queries_for_3_or_20_people(client):
    school = SchoolFactory()
    dsl = person_with_roles(school, Role.DSL, Role.STAFF)
    sign_in_with_mfa(client, dsl)
    client.get(TRAINING_URL, {"show": "all"})  # warm up: the session, content types

    def add_people(count):
        for index in range(count):
            person = person_with_roles(school, Role.STAFF)
            if index % 3:
                TrainingRecordFactory(person=person, completed_on=days_ago(100 * (index % 5)))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(TRAINING_URL, {"show": "all"})
        assert response.status_code == 200
        return len(response.context["people"]), len(captured.captured_queries)

    add_people(2)
    few_people, few_queries = queries()
    add_people(17)
    many_people, many_queries = queries()

    assert (few_people, many_people) == (3, 20)
    assert many_queries == few_queries


# Evidence downloads --------------------------------------------------------------------


@pytest.fixture
def with_evidence(world):
    return record(
        world.teacher_a,
        world.teacher_a,
        evidence=SimpleUploadedFile("certificate.pdf", pdf_bytes()),
    )


@pytest.mark.parametrize("viewer", ["teacher_a", "dsl_a"])
def test_the_person_and_their_dsl_download_the_evidence_as_an_attachment(
    world, client, with_evidence, viewer
):
    actor = getattr(world, viewer)
    sign_in_with_mfa(client, actor)

    response = client.get(reverse("policies:training_evidence", args=[with_evidence.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="certificate.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()
    [event] = events("training.evidence_viewed")
    assert event.actor == actor
    assert event.target_type == person_type()
    assert event.target_id == str(world.teacher_a.pk)
    assert event.data == {"record": with_evidence.pk}


@pytest.mark.parametrize("viewer", ["teacher_other", "teacher_b", "head_other", "volunteer_a"])
def test_someone_outside_the_persons_management_cannot_download_the_evidence(
    world, client, with_evidence, viewer
):
    sign_in_with_mfa(client, getattr(world, viewer))

    response = client.get(reverse("policies:training_evidence", args=[with_evidence.pk]))

    assert response.status_code == 404
    assert not events("training.evidence_viewed")


def test_a_record_without_evidence_is_404_and_no_viewing_is_audited(world, client):
    bare = record(world.teacher_a, world.teacher_a)
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(reverse("policies:training_evidence", args=[bare.pk]))

    assert response.status_code == 404
    assert not events("training.evidence_viewed")


# Permitted channels --------------------------------------------------------------------


def channels_post(organisation, **chosen):
    data = {"organisation": organisation.pk}
    for code, conditions in chosen.items():
        data[f"permitted_{code}"] = "on"
        data[f"conditions_{code}"] = conditions
    return data


def listed(organisation) -> dict[str, str]:
    return dict(
        PermittedChannel.objects.filter(organisation=organisation).values_list(
            "channel", "conditions"
        )
    )


@pytest.mark.parametrize(
    ("setter", "where"),
    [("head_a", "school_a"), ("administrator", "school_b"), ("administrator", "federation")],
)
def test_the_head_or_administrator_sets_the_permitted_ways(world, client, setter, where):
    organisation = getattr(world, where)
    sign_in_with_mfa(client, getattr(world, setter))

    response = client.post(
        CHANNELS_URL,
        channels_post(
            organisation,
            email="  School account only.  ",
            learning_platform="",
            phone="The school's phone, in school hours.",
        ),
    )

    assert response.status_code == 302
    assert response.url == f"{CHANNELS_URL}?organisation={organisation.pk}"
    assert listed(organisation) == {
        "email": "School account only.",
        "learning_platform": "",
        "phone": "The school's phone, in school hours.",
    }


def test_changing_the_permitted_ways_is_audited_with_before_and_after(world, client):
    PermittedChannelFactory(organisation=world.school_a, channel="email", conditions="Any.")
    PermittedChannelFactory(organisation=world.school_a, channel="text", conditions="")
    sign_in_with_mfa(client, world.head_a)

    client.post(
        CHANNELS_URL,
        channels_post(world.school_a, email="School account only.", in_person="At school."),
    )

    assert listed(world.school_a) == {"email": "School account only.", "in_person": "At school."}
    [event] = events("policy.channels_changed")
    assert event.actor == world.head_a
    assert event.target_id == str(world.school_a.pk)
    assert event.organisation_pk == world.school_a.pk
    assert event.data == {
        "before": {"email": "Any.", "text": ""},
        "after": {"email": "School account only.", "in_person": "At school."},
    }


def test_saving_the_same_list_again_writes_no_audit_event(world):
    PermittedChannelFactory(organisation=world.school_a, channel="email", conditions="Any.")

    permitted_channels_set(
        actor=world.head_a, organisation=world.school_a, channels={"email": "Any."}
    )

    assert not events("policy.channels_changed")


@pytest.mark.parametrize("person", ["teacher_a", "dsl_a", "governor", "chair", "line_manager_a"])
def test_a_teacher_dsl_or_governor_cannot_set_the_permitted_ways(world, client, person):
    PermittedChannelFactory(organisation=world.school_a, channel="email")
    sign_in_with_mfa(client, getattr(world, person))

    assert client.get(CHANNELS_URL).status_code == 404
    response = client.post(CHANNELS_URL, channels_post(world.school_a, messaging_app="Any."))

    assert response.status_code == 404
    assert listed(world.school_a) == {"email": "School account only."}
    assert not events("policy.channels_changed")


def test_the_service_refuses_someone_without_a_policy_role(world):
    with pytest.raises(PolicyError, match="Only the head or an administrator"):
        permitted_channels_set(
            actor=world.dsl_a, organisation=world.school_a, channels={"email": ""}
        )

    assert not PermittedChannel.objects.exists()


@pytest.mark.parametrize(
    ("setter", "forged"),
    [
        ("head_a", "other_school"),
        ("head_a", "school_b"),
        ("head_a", "federation"),
        ("administrator", "other_school"),
        ("administrator_other", "school_a"),
    ],
)
def test_a_forged_organisation_id_for_the_permitted_ways_is_404(world, client, setter, forged):
    organisation = getattr(world, forged)
    sign_in_with_mfa(client, getattr(world, setter))

    response = client.post(CHANNELS_URL, channels_post(organisation, messaging_app="Any."))

    assert response.status_code == 404
    assert client.get(CHANNELS_URL, {"organisation": organisation.pk}).status_code == 404
    assert not PermittedChannel.objects.exists()
    assert not events("policy.channels_changed")


def test_an_unknown_channel_code_is_refused_by_the_service(world):
    PermittedChannelFactory(organisation=world.school_a, channel="email", conditions="Any.")

    with pytest.raises(PolicyError, match="not recognised"):
        permitted_channels_set(
            actor=world.head_a,
            organisation=world.school_a,
            channels={"phone": "", "carrier_pigeon": "Weather permitting."},
        )

    assert listed(world.school_a) == {"email": "Any."}
    assert not events("policy.channels_changed")


def test_a_school_without_its_own_list_inherits_the_federations(world, client):
    PermittedChannelFactory(organisation=world.federation, channel="email")
    PermittedChannelFactory(organisation=world.federation, channel="phone", conditions="")
    PermittedChannelFactory(organisation=world.school_a, channel="in_person", conditions="")

    assert {row.channel for row in permitted_channels_for(world.school_b)} == {"email", "phone"}
    assert {row.channel for row in permitted_channels_for(world.school_a)} == {"in_person"}
    assert permitted_channels_for(world.other_school) == []

    sign_in_with_mfa(client, world.administrator)
    response = client.get(CHANNELS_URL, {"organisation": world.school_b.pk})

    assert response.status_code == 200
    assert (
        "Birch Primary School has no list of its own, so Oak Federation's applies"
        in response.content.decode()
    )


# The guidance on the declaration form ------------------------------------------------

DECLARE_URL = reverse("declarations:create", args=["planned_social_contact"])


def test_the_declaration_form_shows_the_settings_permitted_ways_with_conditions(world, client):
    PermittedChannelFactory(
        organisation=world.school_a, channel="email", conditions="School account only."
    )
    PermittedChannelFactory(
        organisation=world.school_a,
        channel="learning_platform",
        conditions="Class pages, during term.",
    )
    PermittedChannelFactory(organisation=world.school_a, channel="in_person", conditions="")
    PermittedChannelFactory(organisation=world.other_school, channel="gaming", conditions="Never.")
    sign_in_with_mfa(client, world.teacher_a)

    response = client.get(DECLARE_URL)

    assert response.status_code == 200
    assert in_page(response, "Ways you may communicate with pupils and families")
    assert in_page(response, "Email: School account only.")
    assert in_page(response, "The school's learning platform: Class pages, during term.")
    assert "<li>In person</li>" in response.content.decode()
    assert not in_page(response, "Never.")


def test_the_declaration_form_shows_the_federations_ways_to_a_school_without_a_list(world, client):
    PermittedChannelFactory(
        organisation=world.federation, channel="phone", conditions="School phone."
    )
    sign_in_with_mfa(client, world.teacher_b)

    response = client.get(DECLARE_URL)

    assert response.status_code == 200
    assert in_page(response, "Phone call: School phone.")


def test_the_declaration_form_has_no_permitted_ways_without_a_list(world, client):
    sign_in_with_mfa(client, world.teacher_other)

    response = client.get(DECLARE_URL)

    assert response.status_code == 200
    assert not in_page(response, "Ways you may communicate with pupils and families")


# The flag for the decider --------------------------------------------------------------


@pytest.fixture
def routed(world, django_capture_on_commit_callbacks):
    """Submit teacher A's declaration using ``channels``; return the decider's request."""

    def routed(channels: list[str]) -> ApprovalRequest:
        details = {**details_json("planned_social_contact"), "channels": channels}
        declaration = DeclarationFactory(
            declarant=world.teacher_a,
            setting=world.school_a,
            kind="planned_social_contact",
            details=details,
        )
        DeclarationSubjectFactory(
            declaration=declaration, pupil=PupilFactory(setting=world.school_a)
        )
        with django_capture_on_commit_callbacks(execute=True):
            declaration_submit(actor=world.teacher_a, declaration=declaration)
        return ApprovalRequest.objects.get(
            declaration=declaration,
            purpose=ApprovalRequest.Purpose.DECIDE,
            status=ApprovalRequest.Status.OPEN,
        )

    return routed


FLAG = "Not on Ash Primary School's list of permitted ways to communicate"


def test_the_decider_is_told_of_a_channel_not_on_the_settings_list(world, client, routed):
    PermittedChannelFactory(organisation=world.school_a, channel="in_person", conditions="")
    PermittedChannelFactory(organisation=world.school_a, channel="email")
    request = routed(["in_person", "messaging_app", "gaming"])
    sign_in_with_mfa(client, request.decider)

    response = client.get(request.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert FLAG in page
    warning = page.split(FLAG, 1)[1].split("</div>", 1)[0]
    assert escape(f"{Channel.MESSAGING_APP.label}, {Channel.GAMING.label}.") in warning
    assert Channel.IN_PERSON.label not in warning


def test_no_flag_when_every_channel_is_permitted(world, client, routed):
    PermittedChannelFactory(organisation=world.school_a, channel="in_person", conditions="")
    PermittedChannelFactory(organisation=world.school_a, channel="messaging_app")
    request = routed(["in_person", "messaging_app"])
    sign_in_with_mfa(client, request.decider)

    response = client.get(request.get_absolute_url())

    assert response.status_code == 200
    assert "list of permitted ways to communicate" not in response.content.decode()


def test_no_flag_when_the_setting_has_no_list(world, client, routed):
    PermittedChannelFactory(organisation=world.other_school, channel="email")
    request = routed(["messaging_app"])
    sign_in_with_mfa(client, request.decider)

    response = client.get(request.get_absolute_url())

    assert response.status_code == 200
    assert "list of permitted ways to communicate" not in response.content.decode()


def test_a_school_without_its_own_list_is_checked_against_the_federations(world):
    PermittedChannelFactory(organisation=world.federation, channel="email")

    assert channels_not_permitted(setting=world.school_b, channels=["email", "messaging_app"]) == [
        Channel.MESSAGING_APP.label
    ]
    assert channels_not_permitted(setting=world.other_school, channels=["messaging_app"]) == []


def test_the_dashboard_marks_only_declarations_using_a_way_not_permitted(world, client, routed):
    PermittedChannelFactory(organisation=world.federation, channel="in_person", conditions="")
    flagged = routed(["in_person", "social_network"])
    fine = routed(["in_person"])
    assert flagged.decider == fine.decider
    sign_in_with_mfa(client, flagged.decider)

    page = client.get(reverse("approvals:dashboard")).content.decode()

    assert page.count("Not a permitted way to communicate") == 1
    row = page.split(flagged.get_absolute_url(), 1)[1].split("</li>", 1)[0]
    assert "Not a permitted way to communicate" in row
    assert escape(Channel.SOCIAL_NETWORK.label) in row


def test_conditions_typed_for_a_way_left_unticked_are_not_silently_dropped(world, client):
    sign_in_with_mfa(client, world.head_a)
    data = channels_post(world.school_a, in_person="At school only.")
    data["conditions_email"] = "School account only."

    response = client.post(reverse("policies:channels"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Tick Email to permit it, or clear its conditions." in page
    assert "School account only." in page  # what was typed is kept
    assert listed(world.school_a) == {}


def test_the_policy_page_costs_the_same_queries_however_many_schools(world, client):
    PermittedChannelFactory(organisation=world.federation, channel="email")
    sign_in_with_mfa(client, world.executive_head)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("policies:index")).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for _ in range(5):
        SchoolFactory(parent=world.federation)
    assert queries() == few


def test_a_channels_post_with_an_organisation_that_is_not_an_id_changes_nothing(world, client):
    sign_in_with_mfa(client, world.head_a)
    data = channels_post(world.school_a, email="School account only.")
    data["organisation"] = "school_a"

    response = client.post(reverse("policies:channels"), data)

    assert response.status_code == 404
    assert listed(world.school_a) == {}


def test_two_schools_with_the_same_ways_show_them_once(world, client):
    """Someone at two schools of a federation reads the federation's list once, not once
    per school (#22); a way only one school allows names that school."""
    PermittedChannelFactory(organisation=world.federation, channel="email", conditions="")
    PermittedChannelFactory(organisation=world.school_b, channel="email", conditions="")
    PermittedChannelFactory(
        organisation=world.school_b, channel="phone", conditions="School phone."
    )
    both = person_with_roles(world.school_a, Role.STAFF)
    both.memberships.create(organisation=world.school_b, role=Role.STAFF)
    sign_in_with_mfa(client, both)

    page = client.get(DECLARE_URL).content.decode()

    assert page.count("<summary>Ways you may communicate with pupils and families</summary>") == 1
    assert page.count("<li>Email</li>") == 1
    assert "<li>Phone call: School phone. (at Birch Primary School)</li>" in page
