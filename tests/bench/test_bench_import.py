"""The import benchmark (README Performance, #20) runs the real pipeline end to end."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from directory.models import FamilyLink, Membership, Pupil
from onboarding.models import ImportRun

pytestmark = pytest.mark.django_db


def test_bench_import_writes_the_trust_through_the_pipeline_in_batches(settings):
    settings.IMPORT_BATCH_ROWS = 10
    out = StringIO()
    call_command(
        "bench_import", schools=3, staff=12, pupils=30, families=45, name="tinytrust", stdout=out
    )
    run = ImportRun.objects.get()
    assert (run.status, run.added, run.problem_count) == (ImportRun.Status.DONE, 87, 0)
    assert Pupil.objects.filter(setting__parent=run.organisation).count() == 30
    assert FamilyLink.objects.count() == 45
    assert Membership.objects.filter(organisation__parent=run.organisation).count() == 12
    assert re.search(r"writing took \d+ queries for 9 batches", out.getvalue())
