"""The accreditation API: apply, upload, decide, licence actions, check; who may do what."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jineng.accreditations import services
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationSuspension,
    ApplicationDocument,
)
from jineng.api.tests.helpers import api_client
from jineng.core.models import AuditEvent

from .helpers import apply, approval

PDF = b"%PDF-1.7\n%%EOF\n"
APPLICATIONS = "/api/v1/accreditation-applications"
LICENCES = "/api/v1/accreditations"


@pytest.fixture
def application(staff_a, occupations, levels, private_media) -> AccreditationApplication:
    return apply(staff_a, occupations["electrician"], levels["level3"])


@pytest.fixture
def licence(application, bureau_admin) -> Accreditation:
    today = timezone.localdate()
    return services.approve_application(
        application.pk,
        approval(today - datetime.timedelta(days=5), today + datetime.timedelta(days=365)),
        actor=bureau_admin,
    )


def test_staff_apply_through_the_api(staff_a, school_a, occupations, levels):
    response = api_client(staff_a).post(
        APPLICATIONS,
        {"kind": "training", "occupation_code": "6-31-01-03", "max_level_code": "level4"},
        headers={"Idempotency-Key": "apply-1"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    application = AccreditationApplication.objects.get()
    assert body["id"] == application.pk
    assert body["organization"]["credit_code"] == school_a.credit_code
    assert body["status"] == "submitted"
    assert body["occupation"] == {"code": "6-31-01-03", "name": "电工"}
    assert response["Location"] == body["url"]
    again = api_client(staff_a).post(
        APPLICATIONS,
        {"kind": "training", "occupation_code": "6-31-01-03", "max_level_code": "level4"},
        headers={"Idempotency-Key": "apply-1"},
    )
    assert again.status_code == 201
    assert AccreditationApplication.objects.count() == 1


def test_apply_errors_share_the_error_shape(staff_a, bureau_admin, occupations, levels):
    unknown = api_client(staff_a).post(
        APPLICATIONS,
        {"kind": "training", "occupation_code": "9-99-99-99", "max_level_code": "level4"},
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "invalid"
    assert unknown.json()["field"] == "occupation_code"
    forbidden = api_client(bureau_admin).post(
        APPLICATIONS,
        {"kind": "training", "occupation_code": "6-31-01-03", "max_level_code": "level4"},
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"
    assert AccreditationApplication.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "visible"),
    [("staff_a", 1), ("bureau_admin", 1), ("auditor", 1), ("staff_b", 0), ("worker", 0)],
)
def test_application_list_and_detail_by_scope(request, application, who, visible):
    client = api_client(request.getfixturevalue(who))
    assert client.get(APPLICATIONS).json()["count"] == visible
    detail = client.get(f"{APPLICATIONS}/{application.pk}")
    assert detail.status_code == (200 if visible else 404)


def test_upload_and_download_documents(client, staff_a, staff_b, bureau_admin, application):
    url = f"{APPLICATIONS}/{application.pk}/documents"
    token_client = api_client(staff_a)
    response = token_client.client.post(
        url,
        {"title": "办学许可证", "file": SimpleUploadedFile("licence.pdf", PDF)},
        headers=token_client.headers,
    )
    assert response.status_code == 201, response.content
    document = ApplicationDocument.objects.get()
    assert response.json()["sha256"] == document.sha256
    download = api_client(bureau_admin).get(response.json()["url"])
    assert download.status_code == 200
    # Consuming the stream closes the file; close() again would end the test's connection.
    assert b"".join(download.streaming_content) == PDF
    assert api_client(staff_b).get(response.json()["url"]).status_code == 404
    other = api_client(staff_b)
    refused = other.client.post(
        url, {"title": "x", "file": SimpleUploadedFile("a.pdf", PDF)}, headers=other.headers
    )
    assert refused.status_code == 404
    disguised = token_client.client.post(
        url,
        {"title": "x", "file": SimpleUploadedFile("a.pdf", b"<html></html>")},
        headers=token_client.headers,
    )
    assert disguised.status_code == 400
    assert disguised.json()["field"] == "file"
    assert ApplicationDocument.objects.count() == 1


def test_bureau_approves_and_a_second_decision_conflicts(application, bureau_admin, levels):
    client = api_client(bureau_admin)
    body = {
        "licence_number": "API-001",
        "valid_from": "2025-01-01",
        "valid_until": "2027-12-31",
        "max_level_code": "level4",
    }
    response = client.post(f"{APPLICATIONS}/{application.pk}/approve", body)
    assert response.status_code == 201, response.content
    assert response.json()["licence_number"] == "API-001"
    assert response.json()["max_level"]["code"] == "level4"
    again = client.post(f"{APPLICATIONS}/{application.pk}/reject", {"reasons": "x"})
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert Accreditation.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("staff_a", 403), ("auditor", 403), ("staff_b", 404)])
def test_only_the_bureau_decides_through_the_api(request, application, who, status):
    client = api_client(request.getfixturevalue(who))
    approve = client.post(
        f"{APPLICATIONS}/{application.pk}/approve",
        {"licence_number": "X", "valid_from": "2025-01-01", "valid_until": "2026-01-01"},
    )
    reject = client.post(f"{APPLICATIONS}/{application.pk}/reject", {"reasons": "x"})
    assert (approve.status_code, reject.status_code) == (status, status)
    application.refresh_from_db()
    assert application.status == "submitted"
    assert Accreditation.objects.count() == 0


def test_reject_needs_reasons(application, bureau_admin):
    response = api_client(bureau_admin).post(
        f"{APPLICATIONS}/{application.pk}/reject", {"reasons": ""}
    )
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == "submitted"


def test_licence_actions_through_the_api(licence, bureau_admin):
    client = api_client(bureau_admin)
    url = f"{LICENCES}/{licence.pk}"
    suspended = client.post(f"{url}/suspend", {"reason": "投诉"})
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["suspensions"][0]["reason"] == "投诉"
    assert client.post(f"{url}/suspend", {"reason": "again"}).status_code == 409
    lifted = client.post(f"{url}/lift-suspension", {"reason": "整改完成"})
    assert lifted.json()["status"] == "active"
    withdrawn = client.post(f"{url}/withdraw", {"reason": "违规"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawal_reason"] == "违规"
    assert (
        AuditEvent.objects.filter(action__startswith="accreditations.accreditation.").count() == 3
    )


@pytest.mark.parametrize(("who", "status"), [("staff_a", 403), ("reviewer", 403), ("staff_b", 404)])
def test_only_the_bureau_acts_on_licences(request, licence, who, status):
    client = api_client(request.getfixturevalue(who))
    assert client.post(f"{LICENCES}/{licence.pk}/suspend", {"reason": "x"}).status_code == status
    assert client.post(f"{LICENCES}/{licence.pk}/withdraw", {"reason": "x"}).status_code == status
    assert AccreditationSuspension.objects.count() == 0
    licence.refresh_from_db()
    assert licence.withdrawn_on is None


def test_licence_list_status_on_a_date(licence, bureau_admin, staff_b):
    client = api_client(bureau_admin)
    later = licence.valid_until + datetime.timedelta(days=1)
    assert client.get(LICENCES, status="active").json()["count"] == 1
    expired = client.get(LICENCES, on=later.isoformat(), status="expired").json()
    assert [item["id"] for item in expired["items"]] == [licence.pk]
    assert api_client(staff_b).get(LICENCES).json()["count"] == 0


def test_check_answers_is_accredited(licence, worker, school_a):
    client = api_client(worker)
    params = {"organization": school_a.credit_code, "occupation": "6-31-01-03", "kind": "training"}
    assert client.get(f"{LICENCES}/check", level="level3", **params).json()["accredited"] is True
    assert client.get(f"{LICENCES}/check", level="level2", **params).json()["accredited"] is False
    after = (licence.valid_until + datetime.timedelta(days=1)).isoformat()
    assert client.get(f"{LICENCES}/check", on=after, **params).json() == {
        "accredited": False,
        "on": after,
    }
    unknown = client.get(f"{LICENCES}/check", **{**params, "occupation": "1-1"})
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "occupation"


def test_anonymous_callers_are_refused(application):
    assert api_client(None).get(APPLICATIONS).status_code == 401
    assert api_client(None).get(f"{LICENCES}/check").status_code == 401


def test_urls_are_named():
    assert reverse("api:accreditation_list") == LICENCES
