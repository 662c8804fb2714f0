"""Refusals on the audit trail (contactpolicy/refusals.py, #21): a scoped lookup tells a
record that is hidden from one that is missing, and what is recorded once stays once,
even when two workers record it at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse

from contactpolicy.audit_actions import SIGNED_IN
from contactpolicy.models import AuditEvent
from contactpolicy.refusals import Refused, visible_or_404
from contactpolicy.services import (
    access_refusal_record,
    audit_event_record,
    audit_event_record_once,
)
from directory.models import Pupil
from policies.middleware import SESSION_KEY
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_a_hidden_record_is_refused_and_a_missing_one_is_not_found(world):
    pupil = PupilFactory(setting=world.school_a)
    visible = Pupil.objects.filter(setting=world.school_b)

    with pytest.raises(Refused) as refused:
        visible_or_404(visible, pk=pupil.pk)
    assert refused.value.record == pupil
    with pytest.raises(Http404) as missing:
        visible_or_404(visible, pk=987654)
    assert not isinstance(missing.value, Refused)
    assert visible_or_404(Pupil.objects.all(), pk=pupil.pk) == pupil


def test_a_refusal_about_a_part_is_recorded_against_the_record_holding_it(world):
    pupil = PupilFactory(setting=world.school_a)

    with pytest.raises(Refused) as refused:
        visible_or_404(Pupil.objects.none().select_related("setting"), about="setting", pk=pupil.pk)

    assert refused.value.record == world.school_a
    assert refused.value.asked_for == "pupil"


def test_a_refusal_is_recorded_once_per_person_record_and_hour(world):
    pupil = PupilFactory(setting=world.school_a)

    first = access_refusal_record(actor=world.teacher_other, record=pupil)
    again = access_refusal_record(actor=world.teacher_other, record=pupil)
    page = access_refusal_record(actor=world.teacher_other, record=None, page="Audit history")

    assert first is not None
    assert first.organisation_pk == world.school_a.pk
    assert again is None
    assert page is not None
    assert AuditEvent.objects.filter(action="access.refused").count() == 2


def test_nobody_signed_in_leaves_no_refusal(world):
    from django.contrib.auth.models import AnonymousUser

    pupil = PupilFactory(setting=world.school_a)

    assert access_refusal_record(actor=AnonymousUser(), record=pupil) is None
    assert not AuditEvent.objects.filter(action="access.refused").exists()


def test_the_database_refuses_a_second_event_with_the_same_once_key(world):
    audit_event_record(actor=world.teacher_a, action=SIGNED_IN, once_key="test:once")

    with pytest.raises(IntegrityError), transaction.atomic():
        audit_event_record(actor=world.teacher_a, action=SIGNED_IN, once_key="test:once")
    # ... which the once-only service takes as "recorded already".
    assert audit_event_record_once(once_key="test:once", actor=None, action=SIGNED_IN) is None
    # Events without a key are never held to one another.
    audit_event_record(actor=world.teacher_a, action=SIGNED_IN)
    audit_event_record(actor=world.teacher_a, action=SIGNED_IN)
    assert AuditEvent.objects.filter(action=SIGNED_IN, once_key__isnull=True).count() >= 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_flood_from_two_workers_at_once_leaves_one_refusal(world):
    if connection.vendor != "postgresql":
        pytest.skip("Two workers writing at once need PostgreSQL.")
    pupil = PupilFactory(setting=world.school_a)
    url = reverse("registers:pupil_file", args=[pupil.pk])
    clients = []
    for _ in range(2):
        client = sign_in_with_mfa(Client(), world.teacher_other)
        session = client.session
        session[SESSION_KEY] = True
        session.save()
        clients.append(client)
    barrier = threading.Barrier(2)
    statuses: list[object] = []

    def flood(client: Client) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.extend(client.get(url).status_code for _ in range(25))
        except Exception as error:  # handed back to the test thread
            statuses.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=flood, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert statuses == [404] * 50, statuses
    assert AuditEvent.objects.filter(action="access.refused", target_id=str(pupil.pk)).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_recording_the_same_refusal_at_the_same_moment_leave_one_row(world):
    """Both past the check that none is recorded yet, both writing: the second waits for
    the first to commit, then finds its row and writes nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("Two workers writing at once need PostgreSQL.")
    checked = threading.Barrier(2)
    results: list[object] = []

    def record() -> None:
        try:
            with transaction.atomic():
                # As if the other's row were not yet there when this one looked.
                assert not AuditEvent.objects.filter(once_key="test:race").exists()
                checked.wait(timeout=10)
                try:
                    with transaction.atomic():
                        results.append(
                            audit_event_record(actor=None, action=SIGNED_IN, once_key="test:race")
                        )
                except IntegrityError as error:
                    results.append(error)
        except Exception as error:  # handed back to the test thread
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads)
    assert sum(isinstance(result, AuditEvent) for result in results) == 1, results
    assert sum(isinstance(result, IntegrityError) for result in results) == 1, results
    assert AuditEvent.objects.filter(once_key="test:race").count() == 1
