import datetime
import stat

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from jineng.core.jobs import claim_job
from jineng.core.models import AuditEvent, Job
from jineng.people import tasks
from jineng.people.exporters import jobs as export_jobs
from jineng.people.importers import import_people
from jineng.people.tests.test_export import A_PEOPLE, read_csv
from jineng.people.tests.test_import import csv_file


@pytest.fixture(autouse=True)
def _setting(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def registered(city, target_groups, bureau_admin):
    lines = ["身份证号,姓名,手机号,区划代码,重点群体", *(",".join(p) for p in A_PEOPLE)]
    import_people(csv_file(lines), actor=bureau_admin)


@pytest.fixture
def small_limit(monkeypatch):
    """Treat any search of more than one person as too large to export in the request."""
    monkeypatch.setattr("jineng.people.views.people.INLINE_MAX_ROWS", 1)


def queue(client, **data):
    return client.post(reverse("people:export_queue"), {"format": "csv", **data})


def test_a_large_search_offers_a_background_export_instead_of_links(
    client, registered, bureau_admin, small_limit
):
    client.force_login(bureau_admin)

    page = client.get(reverse("people:list"), {"region_code": "220581001"}).content.decode()

    assert f'action="{reverse("people:export_queue")}"' in page
    assert '<input type="hidden" name="region_code" value="220581001">' in page
    assert 'href="/people/export/?' not in page


def test_a_small_search_keeps_its_download_links(client, registered, bureau_admin):
    client.force_login(bureau_admin)

    page = client.get(reverse("people:list")).content.decode()

    assert reverse("people:export_queue") not in page
    assert 'href="/people/export/?format=csv"' in page


def test_a_background_export_is_written_then_downloaded_once_audited(
    client, registered, bureau_admin
):
    client.force_login(bureau_admin)

    response = queue(client, name="李")

    job = Job.objects.get(kind="people.export")
    assert response["Location"] == reverse("people:export_job", args=[job.pk])
    assert (job.status, job.summary["rows"], job.summary["filters"]) == (
        "succeeded",
        1,
        {"name": "李"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "Name contains: 李" in page
    download_url = reverse("people:export_download", args=[job.pk])
    assert download_url in page
    [stored] = export_jobs.export_folder().rglob("people.csv")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    download = client.get(download_url)
    rows = read_csv(b"".join(download.streaming_content))
    assert [r[1] for r in rows[1:]] == ["李芳"]
    assert download["Content-Disposition"].startswith('attachment; filename="people-')
    assert download["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="people.export.completed").count() == 1
    event = AuditEvent.objects.get(action="people.export.downloaded")
    assert (event.actor, event.object_id, event.data["rows"]) == (bureau_admin, str(job.pk), 1)


@pytest.mark.django_db(transaction=True)
def test_a_queued_export_waits_for_a_worker_and_its_page_follows_it(
    client, registered, bureau_admin, queued_tasks
):
    from jineng.people.tests.test_import_queue import run_worker

    client.force_login(bureau_admin)
    url = queue(client)["Location"]
    waiting = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    job = Job.objects.get(kind="people.export")
    assert reverse("people:export_download", args=[job.pk]) not in waiting

    run_worker()

    job.refresh_from_db()
    assert (job.status, job.summary["rows"], job.total) == ("succeeded", 3, 3)
    assert reverse("people:export_download", args=[job.pk]) in client.get(url).content.decode()


def test_an_export_file_is_deleted_a_day_after_it_was_made(client, registered, bureau_admin):
    client.force_login(bureau_admin)
    queue(client)
    job = Job.objects.get(kind="people.export")
    Job.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - export_jobs.EXPORT_KEEP - datetime.timedelta(minutes=1)
    )

    page = client.get(reverse("people:export_job", args=[job.pk])).content.decode()
    assert "This export was deleted 24 hours after it was made; export again." in page
    assert client.get(reverse("people:export_download", args=[job.pk])).status_code == 404

    assert export_jobs.delete_expired_exports() == 1
    assert list(export_jobs.export_folder().rglob("people.csv")) == []
    assert export_jobs.delete_expired_exports() == 0
    assert not AuditEvent.objects.filter(action="people.export.downloaded").exists()


def test_another_users_export_is_not_found(client, registered, bureau_admin, staff_a):
    client.force_login(bureau_admin)
    queue(client)
    job = Job.objects.get(kind="people.export")
    client.force_login(staff_a)

    assert client.get(reverse("people:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("people:export_download", args=[job.pk])).status_code == 404


def test_a_search_by_id_or_phone_is_never_queued(client, registered, bureau_admin):
    client.force_login(bureau_admin)

    by_id = queue(client, id_number=A_PEOPLE[0][0])
    by_phone = queue(client, phone="13812345678")

    # Numbers are looked up, never searched: refused rather than ignored into a city export.
    assert (by_id.status_code, by_phone.status_code) == (400, 400)
    assert not Job.objects.filter(kind="people.export").exists()


@pytest.mark.parametrize("role", ["worker", "reviewer"])
def test_roles_without_export_cannot_queue_one(client, request, registered, role):
    client.force_login(request.getfixturevalue(role))

    assert queue(client).status_code == 403
    assert not Job.objects.filter(kind="people.export").exists()


def test_the_task_entry_point_runs_a_job_once(client, registered, bureau_admin, queued_tasks):
    client.force_login(bureau_admin)
    queue(client)
    job = Job.objects.get(kind="people.export")

    tasks.export_people_file.call(job.pk)
    tasks.export_people_file.call(job.pk)

    assert AuditEvent.objects.filter(action="people.export.completed").count() == 1


def test_an_export_whose_worker_was_killed_fails_and_its_file_is_deleted_later(
    client, registered, bureau_admin, queued_tasks
):
    client.force_login(bureau_admin)
    queue(client)
    job = Job.objects.get(kind="people.export")
    # The worker named the folder, wrote part of the file, and was killed.
    assert claim_job(job.pk, kind="people.export") is not None
    folder = export_jobs.export_folder() / "0123456789abcdef0123456789abcdef"
    folder.mkdir(parents=True)
    (folder / "people.csv").write_text("身份证号,姓名\n220581**********36,王小明\n")
    long_ago = timezone.now() - datetime.timedelta(minutes=11)
    Job.objects.filter(pk=job.pk).update(
        summary={**job.summary, "file": folder.name}, updated_at=long_ago
    )

    page = client.get(reverse("people:export_job", args=[job.pk])).content.decode()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.summary["detail"] == (
        "The export stopped without finishing: its worker was stopped. Export again."
    )
    assert "its worker was stopped" in page
    assert not folder.exists()  # a half-written file of personal data goes at once


def test_the_page_link_never_exports_a_large_search_inside_the_request(
    client, registered, bureau_admin, monkeypatch
):
    monkeypatch.setattr(export_jobs, "INLINE_MAX_ROWS", 1)
    client.force_login(bureau_admin)

    too_large = client.get(reverse("people:export"), {"format": "csv"})
    small = client.get(reverse("people:export"), {"format": "csv", "name": "李"})

    assert too_large.status_code == 400
    assert small.status_code == 200
    assert small["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="people.export.completed").count() == 1


def test_an_import_run_deletes_expired_export_files(client, registered, bureau_admin):
    from jineng.people.tests.test_import_queue import queue_upload

    client.force_login(bureau_admin)
    queue(client)
    job = Job.objects.get(kind="people.export")
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=2))

    queue_upload(client, bureau_admin)

    assert list(export_jobs.export_folder().rglob("people.csv")) == []


def test_an_export_made_under_another_scope_cannot_be_downloaded(
    client, registered, staff_a, school_b
):
    client.force_login(staff_a)
    queue(client)
    job = Job.objects.get(kind="people.export")
    before = client.get(reverse("people:export_download", args=[job.pk]))
    assert before.status_code == 200
    assert b"".join(before.streaming_content)  # read to the end, which closes the file
    staff_a.organization = school_b
    staff_a.save()

    page = client.get(reverse("people:export_job", args=[job.pk])).content.decode()

    assert "Your organisation or region changed since this export was made." in page
    assert client.get(reverse("people:export_download", args=[job.pk])).status_code == 404
