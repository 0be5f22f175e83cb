"""An import that waits too long on another import's rows is told to try again (PostgreSQL).

While one school import is still in its transaction (paused after writing, as a long file
would be), a second import by the same school ties the same registered people: its COPY
into people_affiliation waits on the first's rows until lock_timeout. COPY goes around the
connection's execute wrappers (core.db), so bulk.copy_rows turns the timeout into Busy
itself; a queued import then finishes its job with "busy, try again", not as an unexpected
error (issue 10).
"""

from __future__ import annotations

import pytest
from django.utils import translation

from jineng.core import audit
from jineng.core.errors import Busy
from jineng.core.models import Job
from jineng.people.importers import import_people
from jineng.people.importers import jobs as import_jobs
from jineng.people.models import Affiliation
from jineng.people.tests.test_import import csv_file, good_lines, staff_lines
from jineng.people.tests.test_import_audit_lock import PausedImport
from jineng.people.tests.test_import_views import upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def registered(city, target_groups, bureau_admin):
    """The people of staff_lines(), registered by the bureau (the school ties them)."""
    import_people(csv_file(good_lines()), actor=bureau_admin)


def _school_ties(staff) -> int:
    return Affiliation.objects.filter(organization=staff.organization).count()


@pytest.mark.usefixtures("registered")
def test_import_waiting_on_another_imports_rows_is_busy(staff_a):
    with PausedImport(staff_a), pytest.raises(Busy) as busy:
        import_people(csv_file(staff_lines(), name="again.csv"), actor=staff_a)
    assert busy.value.retry_after == 3
    assert "COPY people_affiliation" in str(busy.value)
    # The first import committed once released; the second wrote nothing.
    assert _school_ties(staff_a) == 3
    assert audit.verify() is None


@pytest.mark.usefixtures("registered")
def test_queued_import_that_meets_a_busy_database_says_try_again(staff_a):
    with PausedImport(staff_a), translation.override("en"):
        job = import_jobs.queue_import(
            upload(staff_lines(), name="again.csv"), actor=staff_a, mode="commit_good"
        )
    job = Job.objects.get(pk=job.pk)
    assert job.status == Job.Status.FAILED
    assert job.summary == {
        "file_name": "again.csv",
        "mode": "commit_good",
        "busy": True,
        "detail": (
            "Another change to these people was being written at the same time, so nothing "
            "was written. Import the file again in a minute."
        ),
    }
    assert not any(p.is_file() for p in import_jobs.upload_folder().rglob("*"))
    assert _school_ties(staff_a) == 3
    assert audit.verify() is None
