"""The DSL's audit history (issue #6 item 8, R34): who may read it, which events each
reader sees, its filters, paging, the CSV export, and that reading it is audited too."""

import csv
import datetime
import io
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record
from declarations.audit_actions import DECLARATION_VIEWED
from directory.models import Role
from tests.conftest import sign_in_with_mfa
from tests.factories import (
    FamilyLinkFactory,
    FamilyMemberFactory,
    MembershipFactory,
    PupilFactory,
    person_with_roles,
)
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

HEADER = ["When", "Who", "Action", "What", "Record and its number", "Details", "IP address"]


def search(client, user, **filters):
    sign_in_with_mfa(client, user)
    return client.get(reverse("oversight:audit"), filters)


def found(response) -> set[int]:
    """The ids of every event the search found, on any page."""
    assert response.status_code == 200
    page = response.context["page"]
    assert page is not None, response.context["form"].errors
    return set(page.queryset.values_list("pk", flat=True))


def table(response) -> str:
    """The results table's body, without the form (whose options name every action)."""
    return response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def export(client, user, **filters):
    sign_in_with_mfa(client, user)
    return client.get(reverse("oversight:audit_export"), filters)


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def deputy_dsl_a(world):
    return person_with_roles(world.school_a, Role.DEPUTY_DSL, Role.STAFF)


@pytest.fixture
def scene(world):
    """One event of each sort in each school: about a pupil, about a declaration, and
    with no organisation (a staff file read, a sign-in)."""
    s = SimpleNamespace()
    s.pupil_a = PupilFactory(setting=world.school_a, given_name="Xanthe", family_name="Ashgrove")
    s.pupil_b = PupilFactory(setting=world.school_b, given_name="Yolanda", family_name="Birchley")
    s.pupil_other = PupilFactory(
        setting=world.other_school, given_name="Ulrika", family_name="Cedarholt"
    )
    s.declaration_a = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    s.declaration_b = DeclarationFactory(declarant=world.teacher_b, setting=world.school_b)
    s.declaration_other = DeclarationFactory(
        declarant=world.teacher_other, setting=world.other_school
    )
    read = "register.pupil_file_viewed"
    s.pupil_file_a = audit_event_record(actor=world.head_a, action=read, target=s.pupil_a)
    s.pupil_file_b = audit_event_record(actor=world.executive_head, action=read, target=s.pupil_b)
    s.pupil_file_other = audit_event_record(
        actor=world.head_other, action=read, target=s.pupil_other
    )
    submitted = "declaration.submitted"
    s.declared_a = audit_event_record(
        actor=world.teacher_a, action=submitted, target=s.declaration_a
    )
    s.declared_b = audit_event_record(
        actor=world.teacher_b, action=submitted, target=s.declaration_b
    )
    s.declared_other = audit_event_record(
        actor=world.teacher_other, action=submitted, target=s.declaration_other
    )
    staff_read = "register.staff_file_viewed"
    # The Executive Headteacher is not a member of school A, but teacher A is.
    s.staff_file_a = audit_event_record(
        actor=world.executive_head, action=staff_read, target=world.teacher_a
    )
    s.staff_file_b = audit_event_record(
        actor=world.executive_head, action=staff_read, target=world.teacher_b
    )
    s.signed_in_a = audit_event_record(
        actor=world.line_manager_a, action="auth.signed_in", target=world.line_manager_a
    )
    s.signed_in_other = audit_event_record(
        actor=world.teacher_other, action="auth.signed_in", target=world.teacher_other
    )
    s.of_a = {s.pupil_file_a.pk, s.declared_a.pk, s.staff_file_a.pk, s.signed_in_a.pk}
    s.of_b = {s.pupil_file_b.pk, s.declared_b.pk, s.staff_file_b.pk}
    s.of_other = {s.pupil_file_other.pk, s.declared_other.pk, s.signed_in_other.pk}
    return s


@pytest.fixture
def cast(world):
    """People, a pupil with a mother, three declarations in school A, and events about them."""
    s = SimpleNamespace()
    s.staff = person_with_roles(
        world.school_a, Role.STAFF, given_name="Zebedee", family_name="Quillfeather"
    )
    s.pupil = PupilFactory(
        setting=world.school_a, given_name="Xanthe", family_name="Wolfsbane", reference="MIS-0451"
    )
    s.mother = FamilyMemberFactory(given_name="Morwenna", family_name="Pendragon")
    FamilyLinkFactory(family_member=s.mother, pupil=s.pupil)
    s.other_pupil = PupilFactory(
        setting=world.school_a, given_name="Oswin", family_name="Tregarthen", reference="MIS-0999"
    )
    s.gift = DeclarationFactory(declarant=s.staff, setting=world.school_a, kind="gift")
    DeclarationSubjectFactory(declaration=s.gift, pupil=s.pupil)
    s.about_mother = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=s.about_mother, pupil=None, family_member=s.mother)
    s.unrelated = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=s.unrelated, pupil=s.other_pupil)

    record = audit_event_record
    s.gift_viewed = record(actor=world.line_manager_a, action="declaration.viewed", target=s.gift)
    s.gift_attachment = record(actor=s.staff, action="declaration.attachment_viewed", target=s.gift)
    s.staff_signed_in = record(actor=s.staff, action="auth.signed_in", target=s.staff)
    s.staff_file = record(actor=world.head_a, action="register.staff_file_viewed", target=s.staff)
    s.mother_submitted = record(
        actor=world.teacher_a, action="declaration.submitted", target=s.about_mother
    )
    s.unrelated_submitted = record(
        actor=world.teacher_a, action="declaration.submitted", target=s.unrelated
    )
    s.pupil_file = record(actor=world.head_a, action="register.pupil_file_viewed", target=s.pupil)
    s.other_pupil_file = record(
        actor=world.head_a, action="register.pupil_file_viewed", target=s.other_pupil
    )
    return s


# Who may read it --------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["dsl_a", "deputy", "administrator", "executive_head"])
def test_audit_roles_can_open_the_audit_history(client, world, deputy_dsl_a, reader):
    user = deputy_dsl_a if reader == "deputy" else getattr(world, reader)

    response = search(client, user)

    assert response.status_code == 200
    assert response.context["page"] is not None


@pytest.mark.parametrize(
    "reader", ["teacher_a", "line_manager_a", "head_a", "governor", "chair", "volunteer_a"]
)
def test_people_without_an_audit_role_get_a_404(client, world, reader):
    user = getattr(world, reader)

    assert search(client, user).status_code == 404
    assert export(client, user).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_a_head_who_is_also_the_dsl_can_open_the_audit_history(client, world):
    MembershipFactory(person=world.head_a, organisation=world.school_a, role=Role.DSL)

    assert search(client, world.head_a).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for name in ("oversight:audit", "oversight:audit_export"):
        response = client.get(reverse(name))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


# What each reader sees --------------------------------------------------------------------


def test_the_dsl_sees_their_schools_events_and_never_another_schools(client, world, scene):
    seen = found(search(client, world.dsl_a))

    assert scene.of_a <= seen
    assert not seen & (scene.of_b | scene.of_other)


def test_a_deputy_dsl_sees_the_same_school_as_the_dsl(client, world, scene, deputy_dsl_a):
    seen = found(search(client, deputy_dsl_a))

    assert scene.of_a <= seen
    assert not seen & (scene.of_b | scene.of_other)


@pytest.mark.parametrize("reader", ["executive_head", "administrator"])
def test_federation_readers_see_both_its_schools_but_not_the_other_school(
    client, world, scene, reader
):
    seen = found(search(client, getattr(world, reader)))

    assert scene.of_a | scene.of_b <= seen
    assert not seen & scene.of_other


def test_the_other_schools_administrator_sees_only_the_other_school(client, world, scene):
    response = search(client, world.administrator_other)
    seen = found(response)

    assert scene.of_other <= seen
    assert not seen & (scene.of_a | scene.of_b)
    assert escape(str(scene.pupil_other)) in table(response)
    assert escape(str(scene.pupil_a)) not in response.text


def test_a_leavers_later_events_at_another_school_are_not_in_the_old_schools_history(client, world):
    mover = person_with_roles(world.other_school, Role.STAFF)
    MembershipFactory(
        person=mover,
        organisation=world.school_a,
        role=Role.STAFF,
        starts_on=datetime.date(2019, 9, 1),
        ends_on=datetime.date(2023, 7, 31),
    )
    signed_in = audit_event_record(actor=mover, action="auth.signed_in", target=mover)
    file_read = audit_event_record(
        actor=world.head_other, action="register.staff_file_viewed", target=mover
    )

    seen = found(search(client, world.dsl_a))

    assert signed_in.pk not in seen
    assert file_read.pk not in seen


# Filing events under an organisation ------------------------------------------------------


def test_events_are_filed_under_the_setting_of_a_declaration_or_pupil_or_the_organisation(
    world,
):
    declaration = DeclarationFactory(setting=world.school_a, declarant=world.teacher_a)
    pupil = PupilFactory(setting=world.school_b)

    def filed(target, **extra):
        return audit_event_record(
            actor=world.dsl_a, action=DECLARATION_VIEWED, target=target, **extra
        ).organisation_pk

    assert filed(declaration) == world.school_a.pk
    assert filed(pupil) == world.school_b.pk
    assert filed(world.other_school) == world.other_school.pk
    assert filed(world.federation) == world.federation.pk
    assert filed(world.teacher_a) is None
    assert filed(None) is None
    assert filed(declaration, organisation_pk=world.other_school.pk) == world.other_school.pk


# Filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["Zebedee Quillfeather", "quillfeather", "QUILL zeb"])
def test_the_staff_member_filter_matches_actor_target_person_or_declarant(
    client, world, cast, words
):
    seen = found(search(client, world.dsl_a, person=words))

    assert seen == {
        cast.gift_viewed.pk,  # by the line manager, of the staff member's declaration
        cast.gift_attachment.pk,  # by the staff member
        cast.staff_signed_in.pk,
        cast.staff_file.pk,  # their file, read by the head
    }


@pytest.mark.parametrize("text", ["Xanthe", "wolfsbane xanthe", "mis-0451"])
def test_the_pupil_filter_matches_the_pupil_and_declarations_about_them_or_their_family(
    client, world, cast, text
):
    seen = found(search(client, world.dsl_a, pupil=text))

    assert seen == {
        cast.gift_viewed.pk,
        cast.gift_attachment.pk,
        cast.mother_submitted.pk,  # names the pupil's mother
        cast.pupil_file.pk,
    }


def test_the_family_member_filter_matches_declarations_naming_them(client, world, cast):
    seen = found(search(client, world.dsl_a, family="Morwenna Pendragon"))

    assert seen == {cast.mother_submitted.pk}


def test_the_kind_filter_matches_declarations_of_that_kind_only(client, world, cast):
    seen = found(search(client, world.dsl_a, kind="gift"))

    assert seen == {cast.gift_viewed.pk, cast.gift_attachment.pk}


def test_the_action_filter_is_exact(client, world, cast):
    response = search(client, world.dsl_a, action="declaration.viewed")

    assert found(response) == {cast.gift_viewed.pk}
    assert "Declaration opened" in table(response)
    assert "Attachment opened" not in table(response)


def test_filters_combine(client, world, cast):
    seen = found(
        search(client, world.dsl_a, pupil="Xanthe", person="Quillfeather", action="auth.signed_in")
    )

    assert seen == set()
    seen = found(search(client, world.dsl_a, pupil="Xanthe", person="Quillfeather"))

    assert seen == {cast.gift_viewed.pk, cast.gift_attachment.pk}


def test_the_date_filters_use_the_day_the_event_happened(client, world, cast):
    ten_days_ago = timezone.make_aware(
        datetime.datetime.combine(days_ago(10), datetime.time(12, 0))
    )
    old = AuditEvent.objects.create(
        occurred_at=ten_days_ago,
        actor=world.teacher_a,
        action="declaration.viewed",
        organisation_pk=world.school_a.pk,
    )

    since = found(search(client, world.dsl_a, date_from=days_ago(5).isoformat()))
    until = found(search(client, world.dsl_a, date_to=days_ago(5).isoformat()))
    that_day = found(
        search(
            client,
            world.dsl_a,
            date_from=days_ago(10).isoformat(),
            date_to=days_ago(10).isoformat(),
        )
    )

    assert cast.gift_viewed.pk in since
    assert old.pk not in since
    assert until == {old.pk}
    assert that_day == {old.pk}


def test_an_end_date_before_the_start_date_is_refused_without_results(client, world, cast):
    response = search(
        client, world.dsl_a, date_from=days_ago(1).isoformat(), date_to=days_ago(9).isoformat()
    )

    assert response.status_code == 200
    assert response.context["page"] is None
    assert "The end date is before the start date." in response.text
    assert "<table" not in response.text
    assert not AuditEvent.objects.filter(action="audit.searched").exists()


def test_a_date_in_the_future_is_refused(client, world, cast):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    for field in ("date_from", "date_to"):
        response = search(client, world.dsl_a, **{field: tomorrow})

        assert response.context["page"] is None
        assert "The date cannot be in the future." in response.text
        assert "<table" not in response.text


@pytest.mark.parametrize(
    "bad",
    [
        {"action": "audit.deleted"},
        {"kind": "bribe"},
        {"date_from": "yesterday"},
        {"date_from": "1999-12-31"},
    ],
)
def test_bad_filters_are_form_errors_not_crashes(client, world, cast, bad):
    response = search(client, world.dsl_a, **bad)

    assert response.status_code == 200
    assert response.context["page"] is None
    assert set(response.context["form"].errors) == set(bad)
    assert "There is a problem" in response.text
    assert not AuditEvent.objects.filter(action="audit.searched").exists()


# Reading the history is audited -----------------------------------------------------------


def test_each_search_is_audited_with_its_non_empty_filters(client, world, cast):
    search(client, world.dsl_a, person="Zebedee", pupil="", date_from=days_ago(3).isoformat())
    search(client, world.dsl_a, action="declaration.viewed", page="2")

    first, second = AuditEvent.objects.filter(action="audit.searched").order_by("pk")
    assert first.actor == world.dsl_a
    assert first.data == {"filters": {"person": "Zebedee", "date_from": days_ago(3).isoformat()}}
    assert first.ip_address == "127.0.0.1"
    assert second.data == {"filters": {"action": "declaration.viewed"}}


def test_the_dsls_own_searches_appear_in_the_federations_history(client, world):
    search(client, world.dsl_a, pupil="Xanthe")
    searched = AuditEvent.objects.get(action="audit.searched", actor=world.dsl_a)

    response = search(client, world.executive_head, action="audit.searched")

    assert searched.pk in found(response)
    assert "Audit history read" in table(response)


# Pages ------------------------------------------------------------------------------------


def viewed_events(world, count: int) -> None:
    declaration = DeclarationFactory(setting=world.school_a, declarant=world.teacher_a)
    actors = [world.teacher_a, world.head_a, world.line_manager_a]
    for number in range(count):
        audit_event_record(
            actor=actors[number % len(actors)], action="declaration.viewed", target=declaration
        )


def test_the_history_shows_50_events_a_page(client, world):
    viewed_events(world, 120)
    filters = {"action": "declaration.viewed"}

    first = search(client, world.dsl_a, **filters)
    second = search(client, world.dsl_a, **filters, page="2")
    last = search(client, world.dsl_a, **filters, page="3")

    assert len(first.context["page"].object_list) == 50
    assert "Events 1 to 50, newest first; older events on the next page." in first.text
    assert "page=2" in first.text
    assert "Events 101 to 120, newest first." in last.text
    assert "page=4" not in last.text
    assert len(second.context["page"].object_list) == 50
    assert len(last.context["page"].object_list) == 20
    pages = [first, second, last]
    shown = [event.pk for page in pages for event in page.context["page"].object_list]
    assert len(set(shown)) == 120


@pytest.mark.parametrize(("page", "number"), [("abc", 1), ("999", 999), ("-1", 1), ("0", 1)])
def test_a_page_number_that_does_not_exist_does_not_crash(client, world, page, number):
    """The trail is not counted (#10): a page past the end says so and links to the
    newest events; anything that is not a page number shows the first page."""
    viewed_events(world, 120)

    response = search(client, world.dsl_a, action="declaration.viewed", page=page)

    assert response.status_code == 200
    assert response.context["page"].number == number
    if number == 999:
        assert "past the last one" in response.text
        assert "Back to the newest events" in response.text
    else:
        assert len(response.context["page"].object_list) == 50


def test_the_page_costs_the_same_queries_with_5_or_120_events(client, world):
    viewed_events(world, 5)
    sign_in_with_mfa(client, world.dsl_a)
    url = reverse("oversight:audit")
    client.get(url)  # warm the content-type cache

    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert len(response.context["page"].object_list) >= 5
    viewed_events(world, 115)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(response.context["page"].object_list) == 50
    assert len(many) == len(few)


# Export -----------------------------------------------------------------------------------


def test_the_export_is_a_csv_attachment_of_the_events_in_scope(client, world, scene):
    response = export(client, world.dsl_a)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-history-')
    rows = csv_rows(response)
    assert rows[0] == HEADER
    what = {row[3] for row in rows[1:]}
    assert str(scene.pupil_a) in what
    assert str(world.teacher_a) in what
    assert str(scene.declaration_a) in what
    assert str(scene.pupil_b) not in what
    assert str(scene.pupil_other) not in what
    assert str(scene.declaration_b) not in what
    assert str(world.teacher_b) not in what
    row = next(row for row in rows if row[3] == str(scene.pupil_a))
    assert row[1:5] == [
        world.head_a.get_full_name(),
        "Pupil file opened",
        str(scene.pupil_a),
        f"Pupil {scene.pupil_a.pk}",
    ]


def test_the_export_is_filtered_like_the_page_and_is_audited(client, world, cast):
    response = export(client, world.dsl_a, family="Pendragon")

    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert [(row[2], row[3]) for row in rows[1:]] == [
        ("Declaration submitted", str(cast.about_mother))
    ]
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == world.dsl_a
    assert exported.data == {"filters": {"family": "Pendragon"}}
    assert not AuditEvent.objects.filter(action="audit.searched").exists()


def test_the_export_neutralises_cells_that_start_a_spreadsheet_formula(client, world):
    pupil = PupilFactory(
        setting=world.school_a, given_name='=HYPERLINK("http://evil.example")', family_name="X"
    )
    actor = person_with_roles(world.school_a, Role.STAFF, given_name="+1", family_name="Sum")
    audit_event_record(actor=actor, action="register.pupil_file_viewed", target=pupil)

    rows = csv_rows(export(client, world.dsl_a, action="register.pupil_file_viewed"))

    assert len(rows) == 2
    assert rows[1][1] == "'+1 Sum"
    assert rows[1][3] == "'" + str(pupil)
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in rows[1])


def test_an_export_with_a_bad_range_goes_back_with_a_message_and_is_not_audited(client, world):
    filters = {"date_from": days_ago(1).isoformat(), "date_to": days_ago(9).isoformat()}

    response = export(client, world.dsl_a, **filters)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("oversight:audit") + "?")
    assert f"date_to={filters['date_to']}" in response["Location"]
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
    page = client.get(response["Location"])
    assert "The export was not made: The end date is before the start date." in page.text


# Opening a declaration --------------------------------------------------------------------


def test_the_dsl_finds_the_declarant_opening_their_declaration_by_the_pupils_name(client, world):
    pupil = PupilFactory(setting=world.school_a, given_name="Xanthe", family_name="Wolfsbane")
    declaration = DeclarationFactory(declarant=world.teacher_a, setting=world.school_a)
    DeclarationSubjectFactory(declaration=declaration, pupil=pupil)
    sign_in_with_mfa(client, world.teacher_a)

    assert client.get(reverse("declarations:detail", args=[declaration.pk])).status_code == 200

    viewed = AuditEvent.objects.get(action="declaration.viewed")
    assert viewed.actor == world.teacher_a
    assert viewed.target_id == str(declaration.pk)
    assert viewed.organisation_pk == world.school_a.pk
    response = search(client, world.dsl_a, pupil="Xanthe Wolfsbane")
    assert viewed.pk in found(response)
    rows = table(response)
    assert "Declaration opened" in rows
    assert escape(world.teacher_a.get_full_name()) in rows
    assert search(client, world.dsl_a, pupil="Nobody Atall").context["page"].queryset.count() == 0
