"""The demo put back from its snapshot (tests/demo.py) is the demo as it was loaded, row
for row, on both databases: the modules given it back instead of seeding it see what
they saw when they seeded it themselves."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from directory.models import Person, Role
from tests import demo as demo_module
from tests.conftest import once_per_module
from tests.demo import Snapshot, _clock_caught_up, load_demo
from tests.factories import SchoolFactory, person_with_roles

pytestmark = pytest.mark.django_db


@once_per_module
def demo_for_the_module() -> str:
    return load_demo()


@pytest.fixture
def demo(demo_for_the_module, db) -> str:
    return demo_for_the_module


def every_row() -> dict[str, list[str]]:
    """Every row of every table but the migrations', in an order of their own."""
    with connection.cursor() as cursor:
        rows = {}
        for table in connection.introspection.table_names(cursor):
            if table == "django_migrations":
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = sorted(map(repr, cursor.fetchall()))
    return rows


def new_person() -> Person:
    return person_with_roles(SchoolFactory(), Role.STAFF)


def test_the_demo_put_back_is_the_demo_row_for_row(demo):
    before = every_row()
    snapshot = Snapshot()
    new_person()  # rows the snapshot does not hold

    snapshot.restore()

    after = every_row()
    assert after == before
    assert len(after["directory_person"]) > 15
    assert after["contactpolicy_auditevent"], "the append-only audit trail is put back too"


def test_a_row_made_after_the_demo_is_put_back_gets_an_id_no_row_had(demo):
    snapshot = Snapshot()
    made_before = [new_person().pk for _ in range(3)]

    snapshot.restore()
    made_after = new_person()

    assert not Person.objects.filter(pk__in=made_before).exists()
    others = Person.objects.exclude(pk=made_after.pk).values_list("pk", flat=True)
    assert made_after.pk > max(others)
    # Never an id handed out before the demo was put back, so that no row a rollback
    # brings back is given its id again.
    assert made_after.pk > max(made_before)


def test_loading_the_demo_over_people_is_refused(demo):
    with pytest.raises(AssertionError, match="no people or organisations yet"):
        load_demo()


def test_a_module_given_the_demo_later_has_its_clock_moved_on_to_the_end_of_the_seed(demo):
    end_of_the_seed = timezone.now() + datetime.timedelta(minutes=2)

    assert _clock_caught_up(end_of_the_seed)
    assert end_of_the_seed <= timezone.now() < end_of_the_seed + datetime.timedelta(seconds=30)


def test_the_demo_left_for_another_worker_is_put_back_row_for_row(demo, tmp_path, monkeypatch):
    """What the first pytest-xdist worker to seed the demo leaves in the run's shared
    folder is the demo the others put back."""
    before = every_row()
    monkeypatch.setattr(demo_module, "shared_folder", tmp_path)
    with demo_module._shared() as path:
        demo_module._write(path, demo_module._loaded)
    new_person()  # rows the demo does not hold

    with demo_module._shared() as path:
        left = demo_module._read(path)
    assert left is not None
    left.snapshot.restore()

    assert left.printed == demo
    assert every_row() == before


def test_the_demo_left_by_a_worker_with_other_tables_is_not_used(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(demo_module, "shared_folder", tmp_path)
    with demo_module._shared() as path:
        demo_module._write(path, demo_module._loaded)
        left = demo_module._read(path)
        left.snapshot.columns["directory_person"].append("a_column_this_database_has_not")
        demo_module._write(path, left)

        assert demo_module._read(path) is None
