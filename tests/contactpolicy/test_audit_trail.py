"""The audit trail is append-only in the app and in the database (R34)."""

import pytest
from django.db import DatabaseError, connection, transaction

from contactpolicy.audit_actions import SIGNED_IN
from contactpolicy.exceptions import AppendOnlyError
from contactpolicy.models import AuditEvent
from contactpolicy.services import audit_event_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(person):
    return audit_event_record(
        actor=person, action=SIGNED_IN, target=person, data={"before": 1, "after": 2}
    )


def test_recording_an_event_keeps_who_what_and_the_target(event, person):
    saved = AuditEvent.objects.get(pk=event.pk)

    assert saved.actor == person
    assert saved.action == SIGNED_IN
    assert saved.target_id == str(person.pk)
    assert saved.target_label == person.get_full_name()
    assert saved.data == {"before": 1, "after": 2}
    assert saved.occurred_at is not None


def test_an_event_cannot_be_changed_through_the_model(event):
    event.action = "test.tampered"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_an_event_cannot_be_deleted_through_the_model_or_a_queryset(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.tampered")
    assert AuditEvent.objects.get(pk=event.pk).action == SIGNED_IN


def test_the_database_refuses_an_update_that_goes_around_the_app(event):
    table = AuditEvent._meta.db_table
    with (
        pytest.raises(DatabaseError, match=f"{table} is append-only: rows cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET action = 'test.tampered' WHERE id = %s", [event.pk])  # noqa: S608

    assert AuditEvent.objects.get(pk=event.pk).action == SIGNED_IN


@pytest.mark.postgres
def test_postgres_refuses_a_delete_that_goes_around_the_app(event):
    if connection.vendor != "postgresql":
        pytest.skip("the delete trigger is PostgreSQL's; SQLite keeps DELETE for test flushes")
    table = AuditEvent._meta.db_table
    with (
        pytest.raises(
            DatabaseError, match=f"{table} is append-only: rows cannot be changed or deleted"
        ),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_events_of_anonymous_visitors_have_no_actor():
    from django.contrib.auth.models import AnonymousUser

    event = audit_event_record(actor=AnonymousUser(), action="auth.sign_in_failed")

    assert event.actor is None
