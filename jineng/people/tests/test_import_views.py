import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from jineng.core.models import AuditEvent, Job
from jineng.people.models import Person
from jineng.people.tests.test_import import bad_lines, good_lines, staff_lines


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Pages follow the visitor's language; these tests read the English messages.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def upload(lines, name="people.csv"):
    return SimpleUploadedFile(name, "\n".join(lines).encode("utf-8"), content_type="text/csv")


@pytest.mark.parametrize(
    ("actor", "status"),
    [("worker", 403), ("reviewer", 403), ("staff_a", 200), ("bureau_admin", 200)],
)
def test_upload_page_permission(client, request, city, actor, status):
    user = request.getfixturevalue(actor)
    client.force_login(user)

    response = client.get(reverse("people:import"))

    assert response.status_code == status


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("people:import"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_worker_post_writes_nothing(client, city, target_groups, worker):
    client.force_login(worker)

    response = client.post(reverse("people:import"), {"file": upload(good_lines())})

    assert response.status_code == 403
    assert Person.objects.count() == 1
    assert not Job.objects.exists()


def test_staff_upload_imports_and_shows_the_job(client, city, target_groups, staff_a, staff_b):
    client.force_login(staff_a)

    response = client.post(
        reverse("people:import"), {"file": upload(staff_lines()), "mode": "all_or_nothing"}
    )

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:import_job", args=[job.pk])
    assert (job.owner, job.status, job.summary["created"]) == (staff_a, "succeeded", 3)
    assert Person.objects.visible_to(staff_a).count() == 3
    assert Person.objects.visible_to(staff_b).count() == 0
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "people.csv" in page.content.decode()


def test_job_page_counts_registered_people_tied_to_the_school(
    client, city, target_groups, bureau_admin, staff_a
):
    from jineng.people.importers import import_people
    from jineng.people.tests.test_import import csv_file

    import_people(csv_file(good_lines()), actor=bureau_admin)
    client.force_login(staff_a)

    response = client.post(
        reverse("people:import"), {"file": upload(staff_lines()), "mode": "all_or_nothing"}
    )

    page = client.get(response["Location"]).content.decode()
    assert "<dt>Of these, now tied to your organisation</dt><dd>3</dd>" in page


def test_job_page_lists_row_errors_and_offers_them_as_csv(client, city, target_groups, staff_a):
    client.force_login(staff_a)
    client.post(reverse("people:import"), {"file": upload(bad_lines()), "mode": "commit_good"})
    job = Job.objects.get()

    page = client.get(reverse("people:import_job", args=[job.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "<td>8</td><td>身份证号</td><td>The same citizen ID is already in row 7" in body
    assert reverse("people:import_errors", args=[job.pk]) in body
    download = client.get(reverse("people:import_errors", args=[job.pk]))
    assert download["Content-Type"].startswith("text/csv")
    assert download["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    # The school's 重点群体 column is ignored (with a note), so 外星人 is no error of its own.
    assert len(rows) == 1 + 7
    assert rows[1][:2] == ["2", "身份证号"]
    assert sorted(Person.objects.values_list("name", flat=True)) == ["戊", "辛"]


def test_all_or_nothing_upload_with_bad_rows_writes_nothing(client, city, target_groups, staff_a):
    client.force_login(staff_a)

    client.post(reverse("people:import"), {"file": upload(bad_lines()), "mode": "all_or_nothing"})

    assert Person.objects.count() == 0
    assert Job.objects.get().status == "failed"
    assert not AuditEvent.objects.filter(action="people.import.completed").exists()


def test_unreadable_upload_shows_the_reason_on_the_form(client, city, target_groups, staff_a):
    client.force_login(staff_a)

    response = client.post(
        reverse("people:import"), {"file": upload(["name,phone", "x,1"]), "mode": "commit_good"}
    )

    assert response.status_code == 200
    assert "Required columns are missing" in response.content.decode()
    assert not Job.objects.exists()
    assert Person.objects.count() == 0


def test_another_users_job_is_not_found(client, city, target_groups, staff_a, staff_b):
    client.force_login(staff_a)
    client.post(reverse("people:import"), {"file": upload(bad_lines()), "mode": "commit_good"})
    job = Job.objects.get()
    client.force_login(staff_b)

    assert client.get(reverse("people:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("people:import_errors", args=[job.pk])).status_code == 404


def test_errors_are_in_the_visitors_language(client, city, target_groups, staff_a):
    client.cookies.clear()
    client.force_login(staff_a)

    response = client.post(
        reverse("people:import"), {"file": upload(["name,phone", "x,1"]), "mode": "commit_good"}
    )

    assert "缺少必需的列" in response.content.decode()
