"""A queued people import tells its uploader when it finished or failed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jineng.core.models import Job
from jineng.notifications.models import Notification
from jineng.people.importers import jobs as import_jobs
from jineng.people.tests.test_import import bad_lines, staff_lines
from jineng.people.tests.test_import_views import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def queue_upload(client, user, lines, *, mode="commit_good"):
    client.force_login(user)
    client.post(reverse("people:import"), {"file": upload(lines), "mode": mode})
    return Job.objects.filter(kind="people.import").latest("id")


def import_notes():
    rows = Notification.objects.filter(kind__startswith="import_").order_by("pk")
    return [(n.recipient.username, n.kind, n.params, n.target) for n in rows]


def test_a_finished_import_tells_its_owner(client, city, target_groups, staff_a, staff_b):
    job = queue_upload(client, staff_a, staff_lines())
    assert job.status == Job.Status.SUCCEEDED
    created = job.summary["created"]
    assert created > 0
    assert import_notes() == [
        (
            "staff_a",
            "import_succeeded",
            {"number": job.pk, "created": created, "skipped": 0, "bad_rows": 0},
            reverse("people:import_job", kwargs={"pk": job.pk}),
        )
    ]


def test_a_failed_import_tells_its_owner(client, city, target_groups, staff_a):
    job = queue_upload(client, staff_a, bad_lines(), mode="all_or_nothing")
    assert job.status == Job.Status.FAILED
    assert import_notes() == [
        (
            "staff_a",
            "import_failed",
            {"number": job.pk},
            reverse("people:import_job", kwargs={"pk": job.pk}),
        )
    ]


def test_a_stalled_import_tells_its_owner(staff_a, city):
    job = Job.objects.create(
        kind="people.import", status=Job.Status.RUNNING, owner=staff_a, summary={}
    )
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    assert [j.pk for j in import_jobs.fail_stalled_imports()] == [job.pk]
    assert [(u, k) for u, k, _p, _t in import_notes()] == [("staff_a", "import_failed")]


def test_a_running_import_tells_nobody_yet(staff_a):
    job = Job.objects.create(kind="people.import", status=Job.Status.RUNNING, owner=staff_a)
    import_jobs.tell_owner(job.pk)
    assert import_notes() == []
