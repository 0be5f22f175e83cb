"""The certificates API: public verification by number and by credential, the staff list,
one certificate, and status changes with a reason."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from jineng.api.tests.helpers import api_client
from jineng.certificates.models import Certificate, CertificateStatus
from jineng.certificates.tests.pages_fixtures import (
    NUMBER_A,
    NUMBER_A2,
    NUMBER_B,
    certs,
    issued,
    levels,
    occupations,
)
from jineng.core.models import AuditEvent

__all__ = ["certs", "issued", "levels", "occupations"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def test_public_verify_by_number_needs_no_token_and_masks(certs) -> None:
    response = api_client(None).get(f"/api/v1/certificates/{NUMBER_A}/verify")
    assert response.status_code == 200
    body = response.json()
    assert body["holder"] == "张*明"
    assert body["status"] == "valid"
    assert body["occupation"] == {"code": "6-31-01-03", "name": "电工"}
    assert body["issuer"]["name"] == "梅河口市职业技能鉴定中心"
    assert "张三明" not in response.content.decode()


def test_public_verify_says_revoked_without_the_reason(certs) -> None:
    response = api_client(None).get(f"/api/v1/certificates/{NUMBER_A2}/verify")
    assert response.json()["status"] == "revoked"
    assert "考核舞弊" not in response.content.decode()


def test_public_verify_unknown_number_is_404(certs) -> None:
    response = api_client(None).get("/api/v1/certificates/S000/verify")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_and_api_give_the_same_facts(client: Client, certs) -> None:
    api = api_client(None).get(f"/api/v1/certificates/{NUMBER_A}/verify").json()
    page = client.get(f"/verify/{NUMBER_A}").context["certificate"]
    assert page.as_dict() == api


def test_posted_credential_verifies_and_then_reports_revoked(issued, bureau_admin) -> None:
    anonymous = api_client(None)
    body = anonymous.post("/api/v1/certificates/verify", {"credential": issued.credential}).json()
    assert body["valid"] is True
    assert body["number"] == issued.number
    assert body["certificate"]["holder"] == "张*明"
    assert all(check["passed"] for check in body["checks"])
    response = api_client(bureau_admin).post(
        f"/api/v1/certificates/{issued.pk}/revoke", {"reason": "证书信息有误"}
    )
    assert response.status_code == 200
    assert response.json()["status_reason"] == "证书信息有误"
    body = anonymous.post("/api/v1/certificates/verify", {"credential": issued.credential}).json()
    assert body["valid"] is False
    assert body["certificate"]["status"] == "revoked"
    assert [c["name"] for c in body["checks"] if not c["passed"]] == ["status"]


def test_tampered_credential_fails_the_signature(issued) -> None:
    head, payload, signature = issued.credential.split(".")
    tampered = f"{head}.{payload[:-4]}AAAA.{signature}"
    body = api_client(None).post("/api/v1/certificates/verify", {"credential": tampered}).json()
    assert body["valid"] is False


def test_wallet_json_download_verifies_on_the_public_form(client: Client, issued, certs) -> None:
    client.force_login(certs.holder)
    document = client.get(f"/certificates/{issued.pk}/credential.json").content.decode()
    client.logout()
    response = client.post("/verify/", {"text": document})
    assert response.status_code == 200
    assert response.context["result"].is_valid
    jwt = issued.credential
    assert api_client(None).post("/api/v1/certificates/verify", {"credential": jwt}).json()["valid"]


def test_staff_list_is_scoped(certs, bureau_admin) -> None:
    def numbers(user) -> list[str]:
        body = api_client(user).get("/api/v1/certificates", limit=200).json()
        return sorted(item["number"] for item in body["items"])

    assert numbers(bureau_admin) == sorted([NUMBER_A, NUMBER_A2, NUMBER_B])
    assert numbers(certs.staff_b) == [NUMBER_B]
    assert numbers(certs.holder) == sorted([NUMBER_A, NUMBER_A2])
    assert api_client(None).get("/api/v1/certificates").status_code == 401


def test_staff_list_filters(certs, bureau_admin) -> None:
    body = api_client(bureau_admin).get("/api/v1/certificates", status="revoked").json()
    assert [item["number"] for item in body["items"]] == [NUMBER_A2]
    assert body["count"] == 1


def test_reason_only_for_the_bureau_and_names_masked_for_issuer_staff(certs, bureau_admin) -> None:
    path = f"/api/v1/certificates/{certs.a2.pk}"
    assert api_client(bureau_admin).get(path).json()["status_reason"] == "考核舞弊"
    as_issuer = api_client(certs.staff_a).get(path).json()
    assert as_issuer["status_reason"] is None
    assert as_issuer["holder"]["name"] == "张*明"


def test_out_of_scope_certificate_answers_like_a_missing_one(certs) -> None:
    client = api_client(certs.staff_b)
    outside = client.get(f"/api/v1/certificates/{certs.a.pk}")
    missing = client.get("/api/v1/certificates/999999")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_evaluator_may_not_revoke_and_nothing_changes(certs) -> None:
    response = api_client(certs.staff_a).post(
        f"/api/v1/certificates/{certs.a.pk}/revoke", {"reason": "x"}
    )
    assert response.status_code == 403
    assert Certificate.objects.get(pk=certs.a.pk).status == CertificateStatus.VALID
    assert not AuditEvent.objects.filter(action="certificates.certificate.revoked").exists()


def test_change_needs_a_reason(certs, bureau_admin) -> None:
    response = api_client(bureau_admin).post(
        f"/api/v1/certificates/{certs.a.pk}/suspend", {"reason": ""}
    )
    assert response.status_code in (400, 422)


def test_suspend_then_reinstate(issued, bureau_admin) -> None:
    client = api_client(bureau_admin)
    path = f"/api/v1/certificates/{issued.pk}"
    assert client.post(f"{path}/suspend", {"reason": "核查中"}).json()["status"] == "suspended"
    verify = api_client(None).get(f"/api/v1/certificates/{issued.number}/verify").json()
    assert verify["status"] == "suspended"
    assert client.post(f"{path}/reinstate", {"reason": "核查无误"}).json()["status"] == "valid"
    # Revoking a revoked one is refused as a conflict.
    client.post(f"{path}/revoke", {"reason": "舞弊"})
    assert client.post(f"{path}/revoke", {"reason": "舞弊"}).status_code == 409


def test_credential_body_is_bounded(certs) -> None:
    response = api_client(None).post(
        "/api/v1/certificates/verify", {"credential": "a" * (64 * 1024 + 1)}
    )
    assert response.status_code in (400, 422)
    assert json.loads(response.content)["code"]
