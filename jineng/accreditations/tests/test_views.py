"""Pages: apply and track, the bureau's queue and decisions, licence actions; who sees what."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jineng.accreditations import services
from jineng.accreditations.choices import ApplicationStatus
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationSuspension,
    ApplicationDocument,
)
from jineng.core.models import AuditEvent

from .helpers import apply, approval

PDF = b"%PDF-1.4\n%%EOF\n"
TODAY = timezone.localdate
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def application(staff_a, occupations, levels, private_media) -> AccreditationApplication:
    return apply(staff_a, occupations["electrician"], levels["level3"], statement="两间实训室")


@pytest.fixture
def licence(application, bureau_admin) -> Accreditation:
    today = TODAY()
    return services.approve_application(
        application.pk,
        approval(today - datetime.timedelta(days=10), today + datetime.timedelta(days=700)),
        actor=bureau_admin,
    )


def login(client, user):
    client.force_login(user)
    return client


def test_institution_applies_online_with_documents(
    client, staff_a, occupations, levels, private_media
):
    login(client, staff_a)
    page = client.get(reverse("accreditations:apply"))
    assert page.status_code == 200
    response = client.post(
        reverse("accreditations:apply"),
        {
            "kind": "training",
            "occupation": "电工",
            "max_level": "level4",
            "evaluation_kind": "",
            "statement": "实训设备齐全",
            "documents": [
                SimpleUploadedFile("办学许可证.pdf", PDF),
                SimpleUploadedFile("场地.png", b"\x89PNG\r\n\x1a\n0000"),
            ],
        },
    )
    application = AccreditationApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accreditations:application", args=[application.pk])
    assert application.occupation == occupations["electrician"]
    assert application.max_level == levels["level4"]
    assert application.organization_id == staff_a.organization_id
    assert sorted(d.title for d in application.documents.all()) == ["办学许可证", "场地"]
    detail = client.get(response["Location"])
    assert "办学许可证".encode() in detail.content


def test_a_disguised_document_stops_the_application_before_anything_is_written(
    client, staff_a, occupations, levels, private_media
):
    login(client, staff_a)
    response = client.post(
        reverse("accreditations:apply"),
        {
            "kind": "training",
            "occupation": "6-31-01-03",
            "max_level": "level4",
            "documents": [SimpleUploadedFile("licence.pdf", b"<html>hi</html>")],
        },
        **EN,
    )
    assert response.status_code == 400
    assert b"is not a PDF, JPEG or PNG file" in response.content
    assert AccreditationApplication.objects.count() == 0
    assert ApplicationDocument.objects.count() == 0


def test_unknown_occupation_is_reported_on_its_field(client, staff_a, levels):
    login(client, staff_a)
    response = client.post(
        reverse("accreditations:apply"),
        {"kind": "training", "occupation": "不存在的职业", "max_level": "level4"},
        **EN,
    )
    assert response.status_code == 400
    assert "No occupation has the code or name “不存在的职业”.".encode() in response.content
    assert AccreditationApplication.objects.count() == 0


@pytest.mark.parametrize("who", ["bureau_admin", "reviewer", "worker"])
def test_apply_page_is_forbidden_to_those_who_cannot_apply(client, request, who):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("accreditations:apply")).status_code == 403


def test_institution_sees_only_its_own_applications(
    client, application, staff_a, staff_b, occupations, levels
):
    other = apply(staff_b, occupations["welder"], levels["level5"])
    login(client, staff_a)
    listing = client.get(reverse("accreditations:applications"))
    assert list(listing.context["page"]) == [application]
    assert client.get(reverse("accreditations:application", args=[other.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff_a", 200),
        ("bureau_admin", 200),
        ("reviewer", 200),
        ("auditor", 200),
        ("staff_b", 404),
        ("evaluator", 404),
        ("worker", 404),
    ],
)
def test_application_detail_matrix(client, request, application, who, status):
    login(client, request.getfixturevalue(who))
    assert (
        client.get(reverse("accreditations:application", args=[application.pk])).status_code
        == status
    )


@pytest.mark.parametrize(("who", "status"), [("worker", 403), ("staff_a", 200), ("reviewer", 200)])
def test_lists_are_for_applicants_and_the_bureau(client, request, who, status):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("accreditations:applications")).status_code == status
    assert client.get(reverse("accreditations:list")).status_code == status


def test_bureau_queue_lists_pending_applications(
    client, bureau_admin, application, staff_b, occupations, levels
):
    decided = apply(staff_b, occupations["welder"], levels["level5"])
    services.reject_application(decided.pk, reasons="材料不全", actor=bureau_admin)
    login(client, bureau_admin)
    queue = client.get(reverse("accreditations:applications"), {"status": "submitted"})
    assert list(queue.context["page"]) == [application]
    assert queue.context["pending_count"] == 1
    assert len(client.get(reverse("accreditations:applications")).context["page"]) == 2


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_query_counts_do_not_grow_with_rows(
    client, bureau_admin, staff_a, staff_b, occupations, levels
):
    login(client, bureau_admin)
    applications, licences = reverse("accreditations:applications"), reverse("accreditations:list")
    first = apply(staff_a, occupations["electrician"], levels["level5"])
    services.approve_application(first.pk, approval(TODAY(), TODAY()), actor=bureau_admin)
    before = (_queries(client, applications), _queries(client, licences))
    for staff in (staff_a, staff_b):
        for key in ("welder", "mechanic"):
            done = apply(staff, occupations[key], levels["level5"])
            services.approve_application(done.pk, approval(TODAY(), TODAY()), actor=bureau_admin)
    apply(staff_b, occupations["electrician"], levels["level5"])
    assert (_queries(client, applications), _queries(client, licences)) == before


def test_bureau_approves_from_the_page(client, bureau_admin, application, levels):
    login(client, bureau_admin)
    page = client.get(reverse("accreditations:application", args=[application.pk]))
    assert page.context["approve_form"] is not None
    response = client.post(
        reverse("accreditations:approve", args=[application.pk]),
        {
            "licence_number": "MHK-2025-0001",
            "valid_from": "2025-01-01",
            "valid_until": "2027-12-31",
            "max_level": "level4",
            "note": "",
        },
    )
    licence = Accreditation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accreditations:detail", args=[licence.pk])
    assert licence.max_level == levels["level4"]
    assert licence.valid_until == datetime.date(2027, 12, 31)


def test_approval_form_refuses_a_level_above_the_request(client, bureau_admin, application):
    login(client, bureau_admin)
    response = client.post(
        reverse("accreditations:approve", args=[application.pk]),
        {
            "licence_number": "X-1",
            "valid_from": "2025-01-01",
            "valid_until": "2027-12-31",
            "max_level": "level1",
        },
    )
    assert response.status_code == 400
    assert Accreditation.objects.count() == 0


def test_reject_with_reasons_from_the_page(client, bureau_admin, application, staff_a):
    login(client, bureau_admin)
    missing = client.post(reverse("accreditations:reject", args=[application.pk]), {"reason": ""})
    assert missing.status_code == 400
    response = client.post(
        reverse("accreditations:reject", args=[application.pk]), {"reason": "师资不足"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decision_reasons) == (
        ApplicationStatus.REJECTED,
        "师资不足",
    )
    login(client, staff_a)
    assert "师资不足".encode() in client.get(response["Location"]).content


@pytest.mark.parametrize(("who", "status"), [("staff_a", 403), ("reviewer", 403), ("staff_b", 404)])
def test_only_the_bureau_decides_from_the_page(client, request, application, who, status):
    login(client, request.getfixturevalue(who))
    approve = client.post(
        reverse("accreditations:approve", args=[application.pk]),
        {
            "licence_number": "X",
            "valid_from": "2025-01-01",
            "valid_until": "2026-01-01",
            "max_level": "level3",
        },
    )
    reject = client.post(reverse("accreditations:reject", args=[application.pk]), {"reason": "x"})
    assert (approve.status_code, reject.status_code) == (status, status)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AuditEvent.objects.filter(
        action__in=["accreditations.application.approved", "accreditations.application.rejected"]
    ).exists()


def test_decision_forms_are_hidden_from_the_applicant(client, staff_a, application):
    login(client, staff_a)
    page = client.get(reverse("accreditations:application", args=[application.pk]))
    assert page.context["approve_form"] is None
    assert page.context["reject_form"] is None
    assert page.context["document_form"] is not None


def test_applicant_adds_a_document_on_the_page(client, staff_a, application, staff_b):
    url = reverse("accreditations:document_add", args=[application.pk])
    login(client, staff_b)
    assert (
        client.post(url, {"title": "x", "file": SimpleUploadedFile("a.pdf", PDF)}).status_code
        == 404
    )
    login(client, staff_a)
    response = client.post(url, {"title": "消防验收", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 302
    assert [d.title for d in application.documents.all()] == ["消防验收"]
    bad = client.post(url, {"title": "x", "file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00")})
    assert bad.status_code == 400
    assert application.documents.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff_a", 200), ("bureau_admin", 200), ("auditor", 200), ("staff_b", 404), ("worker", 404)],
)
def test_licence_detail_matrix(client, request, licence, who, status):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("accreditations:detail", args=[licence.pk])).status_code == status


def test_bureau_suspends_lifts_and_withdraws_from_the_page(client, bureau_admin, licence):
    login(client, bureau_admin)
    detail = reverse("accreditations:detail", args=[licence.pk])
    page = client.get(detail)
    assert page.context["suspend_form"]
    assert page.context["withdraw_form"]
    assert not page.context["lift_form"]
    suspended = client.post(
        reverse("accreditations:suspend", args=[licence.pk]), {"suspend-reason": "投诉"}
    )
    assert suspended.status_code == 302
    assert AccreditationSuspension.objects.get().reason == "投诉"
    page = client.get(detail)
    assert page.context["status"] == "suspended"
    assert page.context["lift_form"]
    assert not page.context["suspend_form"]
    lifted = client.post(
        reverse("accreditations:lift", args=[licence.pk]), {"lift-reason": "整改完成"}
    )
    assert lifted.status_code == 302
    assert AccreditationSuspension.objects.get().lift_reason == "整改完成"
    withdrawn = client.post(
        reverse("accreditations:withdraw", args=[licence.pk]),
        {"withdraw-reason": "违规", "withdraw-effective_on": ""},
    )
    assert withdrawn.status_code == 302
    licence.refresh_from_db()
    assert licence.withdrawn_on == TODAY()
    page = client.get(detail)
    assert page.context["status"] == "withdrawn"
    assert not (page.context["suspend_form"])
    assert not (page.context["lift_form"])
    assert not (page.context["withdraw_form"])


def test_refused_licence_action_shows_the_reason(client, bureau_admin, licence):
    login(client, bureau_admin)
    response = client.post(
        reverse("accreditations:withdraw", args=[licence.pk]),
        {"withdraw-reason": "违规", "withdraw-effective_on": "2000-01-01"},
        **EN,
    )
    assert response.status_code == 400
    assert b"cannot be back-dated" in response.content
    licence.refresh_from_db()
    assert licence.withdrawn_on is None


@pytest.mark.parametrize(("who", "status"), [("staff_a", 403), ("auditor", 403), ("staff_b", 404)])
def test_only_the_bureau_suspends_or_withdraws(client, request, licence, who, status):
    login(client, request.getfixturevalue(who))
    suspend = client.post(
        reverse("accreditations:suspend", args=[licence.pk]), {"suspend-reason": "x"}
    )
    withdraw = client.post(
        reverse("accreditations:withdraw", args=[licence.pk]), {"withdraw-reason": "x"}
    )
    assert (suspend.status_code, withdraw.status_code) == (status, status)
    assert AccreditationSuspension.objects.count() == 0
    licence.refresh_from_db()
    assert licence.withdrawn_on is None


def test_licence_list_filters_by_status_today(
    client, bureau_admin, licence, staff_b, occupations, levels
):
    other = apply(staff_b, occupations["welder"], levels["level5"])
    expired = services.approve_application(
        other.pk, approval(datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)), actor=bureau_admin
    )
    login(client, bureau_admin)
    url = reverse("accreditations:list")
    assert list(client.get(url, {"status": "active"}).context["page"]) == [licence]
    assert list(client.get(url, {"status": "expired"}).context["page"]) == [expired]
    assert list(client.get(url, {"q": "焊工"}).context["page"]) == [expired]
    assert len(client.get(url).context["page"]) == 2


def test_pages_render_in_chinese_by_default(client, staff_a, licence):
    login(client, staff_a)
    response = client.get(reverse("accreditations:detail", args=[licence.pk]))
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()
