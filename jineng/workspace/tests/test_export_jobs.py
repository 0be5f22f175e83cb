"""An export too large to write while the page waits: the list's form is sent on (307) to a
background job, whose page offers the file to its owner only; the download is audited."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent, Job
from jineng.fraud import engine, integration
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window, rule
from jineng.fraud.views import exports as alert_export_views
from jineng.workspace import export_jobs

pytestmark = pytest.mark.django_db
CODE = "T95"
INLINE = reverse("fraud:alert_export")
QUEUE = reverse("auditor_export_alerts")


@pytest.fixture(autouse=True)
def private_files(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def alerts(monkeypatch: Any, person: Any) -> Iterator[None]:
    hits = [
        Hit(
            subject="person",
            subject_id=person.pk,
            key=f"p:{n}",
            summary=f"手机号 138******78 关联 {n} 名学员",
            evidence=({"person_id": person.pk},),
            evidence_count=1,
            person_ids=(person.pk,),
        )
        for n in (1, 2, 3)
    ]

    def check(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
        yield from hits

    rule(CODE, name="共用手机号", action="hold", defaults={}, explanation="", labels={})(check)
    monkeypatch.setattr(integration, "place_holds", lambda alert, *, actor: 0)
    engine.run([CODE])
    yield
    del REGISTRY[CODE]


def as_user(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_large_export_goes_to_a_background_job_and_its_file_to_its_owner(
    alerts: None, auditor: User, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_export_views, "INLINE_MAX_ROWS", 2)
    client = as_user(auditor)
    sent_on = client.post(INLINE, {"status": "open"})
    assert (sent_on.status_code, sent_on["Location"]) == (307, QUEUE)
    queued = client.post(QUEUE, {"status": "open"})
    job = Job.objects.get(kind=export_jobs.JOB_KIND)
    assert queued["Location"] == reverse("auditor_export_job", args=[job.pk])
    # The tests' task backend runs the job at once.
    assert (job.status, job.owner_id, job.summary["rows"]) == ("succeeded", auditor.pk, 3)
    assert job.summary["filters"] == {"status": "open"}
    exported = AuditEvent.objects.get(action="fraud.alerts.exported")
    assert (exported.actor_id, exported.data) == (
        auditor.pk,
        {"rows": 3, "filters": {"status": "open"}},
    )
    page = client.get(queued["Location"]).content.decode()
    download = reverse("auditor_export_download", args=[job.pk])
    assert download in page
    response: Any = client.get(download)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book["Fraud alerts"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[5] for row in rows) == [
        f"手机号 138******78 关联 {n} 名学员" for n in (1, 2, 3)
    ]
    downloaded = AuditEvent.objects.get(action="workspace.export.downloaded")
    assert (downloaded.actor_id, downloaded.data) == (auditor.pk, {"export": "alerts", "rows": 3})
    # Another account's job answers like a missing one.
    other = as_user(reviewer)
    assert other.get(queued["Location"]).status_code == 404
    assert other.get(download).status_code == 404
    assert AuditEvent.objects.filter(action="workspace.export.downloaded").count() == 1


def test_a_role_that_does_not_read_the_list_may_not_queue_its_export(
    alerts: None, school_a: Any
) -> None:
    staff = make_user("staff_queue", Role.INSTITUTION_STAFF, organization=school_a)
    client = as_user(staff)
    for url in (QUEUE, reverse("auditor_export_claims"), reverse("auditor_export_ledger")):
        assert client.post(url).status_code == 403
    assert not Job.objects.filter(kind=export_jobs.JOB_KIND).exists()


def test_a_job_whose_owner_lost_the_right_fails_with_the_reason(
    alerts: None, auditor: User, queued_tasks: None
) -> None:
    job = export_jobs.queue_export(auditor, "alerts", {})
    User.objects.filter(pk=auditor.pk).update(role=Role.WORKER)
    export_jobs.run_queued_export(job.pk)
    job.refresh_from_db()
    assert (job.status, job.summary["detail"]) == (
        "failed",
        "Your role may not export fraud alerts.",
    )
    assert not AuditEvent.objects.filter(action="fraud.alerts.exported").exists()
    with pytest.raises(Exception, match="no file"):
        export_jobs.download_path(job)


def test_a_bad_filter_is_refused_before_anything_is_queued(alerts: None, auditor: User) -> None:
    assert as_user(auditor).post(QUEUE, {"status": "bogus"}).status_code == 400
    assert not Job.objects.filter(kind=export_jobs.JOB_KIND).exists()
