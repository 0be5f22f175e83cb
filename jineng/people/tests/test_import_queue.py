import datetime
import stat

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from jineng.core.jobs import claim_job
from jineng.core.models import AuditEvent, Job
from jineng.people import tasks
from jineng.people.importers import jobs as import_jobs
from jineng.people.models import Person
from jineng.people.tests.test_import import bad_lines, good_lines, staff_lines
from jineng.people.tests.test_import_views import upload


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def english_client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def queue_upload(client, user, lines=None, *, name="people.csv", mode="commit_good"):
    """Log in as ``user`` and upload a people file (good rows by default); return the Job."""
    client.force_login(user)
    client.post(
        reverse("people:import"), {"file": upload(lines or staff_lines(), name=name), "mode": mode}
    )
    return Job.objects.filter(kind="people.import").latest("id")


def stored_files():
    folder = import_jobs.upload_folder()
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# The worker closes its database connections between tasks, as a long-running process should,
# so tests that run it need real transactions rather than the test's enclosing one.
worker_test = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@worker_test
def test_upload_is_queued_then_a_worker_imports_it(
    english_client, city, target_groups, staff_a, queued_tasks
):
    english_client.force_login(staff_a)

    response = english_client.post(
        reverse("people:import"), {"file": upload(staff_lines()), "mode": "all_or_nothing"}
    )

    job = Job.objects.get()
    assert response["Location"] == reverse("people:import_job", args=[job.pk])
    assert (job.status, job.owner, job.summary["file_name"]) == ("pending", staff_a, "people.csv")
    assert Person.objects.count() == 0
    [stored] = stored_files()
    assert stored.name == "upload"  # the clerk's file name never reaches the disk
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    waiting = english_client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    assert "Pending" in waiting

    run_worker()

    job.refresh_from_db()
    assert (job.status, job.summary["created"], job.summary["rows"]) == ("succeeded", 3, 3)
    assert (job.total, job.done) == (3, 3)
    assert Person.objects.visible_to(staff_a).count() == 3
    assert stored_files() == []
    done = english_client.get(response["Location"]).content.decode()
    assert "hx-trigger" not in done
    assert "Every row was imported" in done


@worker_test
def test_a_queued_import_reports_in_the_uploaders_language(
    client, city, target_groups, staff_a, queued_tasks
):
    queue_upload(client, staff_a, bad_lines())  # no language cookie: the city's default

    with translation.override("en"):
        run_worker()

    job = Job.objects.get()
    reasons = {(row, column): reason for row, column, reason in job.summary["errors"]}
    assert reasons[(6, "姓名")] == "姓名为必填项。"
    assert (job.status, job.summary["created"]) == ("succeeded", 2)


@worker_test
def test_a_job_is_run_once_however_often_it_is_handed_out(
    client, city, target_groups, staff_a, queued_tasks
):
    job = queue_upload(client, staff_a)

    tasks.import_people_file.call(job.pk)
    tasks.import_people_file.call(job.pk)
    run_worker()

    assert Person.objects.count() == 3
    assert AuditEvent.objects.filter(action="people.import.completed").count() == 1
    job.refresh_from_db()
    assert job.summary["created"] == 3


@worker_test
def test_an_uploader_who_can_no_longer_import_gets_a_failed_job(
    english_client, city, target_groups, staff_a, queued_tasks
):
    job = queue_upload(english_client, staff_a)
    staff_a.is_active = False
    staff_a.save()

    with translation.override("en"):
        run_worker()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.summary["detail"] == (
        "The account that uploaded this file can no longer import; nothing was written."
    )
    assert Person.objects.count() == 0
    assert stored_files() == []


def test_an_unexpected_error_fails_the_job_and_removes_the_file(
    english_client, city, target_groups, staff_a, queued_tasks, monkeypatch
):
    job = queue_upload(english_client, staff_a)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_jobs, "import_people", broken)
    with pytest.raises(RuntimeError):
        tasks.import_people_file.call(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.summary["detail"].startswith("The import stopped because of an unexpected error")
    assert job.summary["file_name"] == "people.csv"
    assert stored_files() == []
    page = english_client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    assert "unexpected error" in page


def test_a_file_that_cannot_be_read_is_refused_on_the_form_and_nothing_is_queued(
    english_client, city, target_groups, staff_a, queued_tasks
):
    english_client.force_login(staff_a)

    response = english_client.post(
        reverse("people:import"), {"file": upload(["name,phone", "x,1"]), "mode": "commit_good"}
    )

    assert "Required columns are missing" in response.content.decode()
    assert not Job.objects.exists()
    assert stored_files() == []


def test_a_long_chinese_file_name_is_kept_for_display_and_never_used_on_disk(
    english_client, city, target_groups, staff_a, queued_tasks
):
    name = "梅河口市" + "职业技能培训学员花名册" * 8 + ".csv"  # far over 255 bytes in UTF-8

    job = queue_upload(english_client, staff_a, name=name)

    assert job.summary["file_name"] == name
    assert [p.name for p in stored_files()] == ["upload"]
    tasks.import_people_file.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.summary["file_name"], job.summary["created"]) == ("succeeded", name, 3)
    assert AuditEvent.objects.get(action="people.import.completed").data["file_name"] == name


def test_a_stopped_worker_leaves_a_failed_job_not_a_running_one(
    english_client, city, target_groups, staff_a, queued_tasks, monkeypatch
):
    job = queue_upload(english_client, staff_a)

    def stopped(*args, **kwargs):
        raise SystemExit(1)  # db_worker told to stop at once

    monkeypatch.setattr(import_jobs, "import_people", stopped)
    with pytest.raises(SystemExit), translation.override("en"):
        tasks.import_people_file.call(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.summary["detail"].startswith("The import stopped because of an unexpected error")
    assert stored_files() == []
    assert Person.objects.count() == 0


def test_an_uploader_whose_role_lost_the_right_gets_a_failed_job_naming_the_file(
    english_client, city, target_groups, staff_a, queued_tasks
):
    job = queue_upload(english_client, staff_a)
    staff_a.role = "employer"
    staff_a.save()

    with translation.override("en"):
        tasks.import_people_file.call(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.summary == {
        "detail": "Your role may not import people.",
        "mode": "commit_good",
        "file_name": "people.csv",
    }
    assert Person.objects.count() == 0
    assert stored_files() == []


def test_the_job_page_says_when_no_worker_has_taken_a_file_for_a_while(
    english_client, city, target_groups, staff_a, queued_tasks
):
    job = queue_upload(english_client, staff_a)
    url = reverse("people:import_job", args=[job.pk])
    assert "No import worker" not in english_client.get(url).content.decode()

    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=6))

    page = english_client.get(url).content.decode()
    assert "No import worker has taken this file for 6 minutes" in page


def claimed_by_a_worker_that_was_killed(job, *, minutes_ago):
    """The job as a worker killed mid-import leaves it: running, progress long unmoved."""
    assert claim_job(job.pk, kind="people.import") is not None
    moved = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Job.objects.filter(pk=job.pk).update(done=4000, updated_at=moved)


def test_the_job_page_fails_an_import_whose_worker_was_killed(
    english_client, city, target_groups, staff_a, queued_tasks
):
    job = queue_upload(english_client, staff_a)
    claimed_by_a_worker_that_was_killed(job, minutes_ago=11)
    url = reverse("people:import_job", args=[job.pk])

    page = english_client.get(url).content.decode()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.summary["detail"] == (
        "The import stopped without finishing: its worker was stopped. Nothing was written; "
        "import the file again."
    )
    assert job.summary["file_name"] == "people.csv"
    assert "its worker was stopped" in page
    assert "hx-trigger" not in page
    assert stored_files() == []
    assert Person.objects.count() == 0


def test_an_import_that_is_still_moving_is_left_running(
    english_client, city, target_groups, staff_a, queued_tasks
):
    job = queue_upload(english_client, staff_a)
    claimed_by_a_worker_that_was_killed(job, minutes_ago=9)

    english_client.get(reverse("people:import_job", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == "running"
    assert len(stored_files()) == 1


def test_a_worker_taking_an_import_first_fails_those_a_killed_worker_left(
    english_client, client, city, target_groups, staff_a, bureau_admin, queued_tasks
):
    left = queue_upload(english_client, staff_a)
    claimed_by_a_worker_that_was_killed(left, minutes_ago=30)
    client.force_login(bureau_admin)
    client.post(reverse("people:import"), {"file": upload(good_lines()), "mode": "commit_good"})
    new = Job.objects.exclude(pk=left.pk).get()

    tasks.import_people_file.call(new.pk)

    left.refresh_from_db()
    new.refresh_from_db()
    assert (left.status, new.status, new.summary["created"]) == ("failed", "succeeded", 3)
    assert stored_files() == []
