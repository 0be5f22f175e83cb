"""The bureau's certificate pages: list with filters, detail with history, status changes;
and the holder's downloads (theirs only)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.certificates.models import Certificate, CertificateStatus
from jineng.certificates.tests.pages_fixtures import (
    NUMBER_A,
    NUMBER_A2,
    NUMBER_B,
    certs,
    levels,
    occupations,
)
from jineng.core.models import AuditEvent

__all__ = ["certs", "levels", "occupations"]


def _numbers(response) -> list[str]:
    return [c.number for c in response.context["page"]]


def test_bureau_lists_every_certificate(client: Client, certs, bureau_admin) -> None:
    client.force_login(bureau_admin)
    response = client.get("/certificates/")
    assert response.status_code == 200
    assert sorted(_numbers(response)) == sorted([NUMBER_A, NUMBER_A2, NUMBER_B])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "revoked"}, [NUMBER_A2]),
        ({"occupation": "6-18"}, [NUMBER_B]),
        ({"occupation": "电工"}, [NUMBER_A, NUMBER_A2]),
        ({"issuer": "91220581MA0000002Y"}, [NUMBER_B]),
        ({"issuer": "鉴定中心"}, [NUMBER_A, NUMBER_A2]),
        ({"number": NUMBER_A[:-1]}, [NUMBER_A, NUMBER_A2]),
        ({"kind": "qualification"}, []),
    ],
)
def test_list_filters(client: Client, certs, bureau_admin, query, expected) -> None:
    client.force_login(bureau_admin)
    assert sorted(_numbers(client.get("/certificates/", query))) == sorted(expected)


def test_list_query_count_does_not_grow_with_rows(
    client: Client, certs, bureau_admin, django_assert_max_num_queries
) -> None:
    client.force_login(bureau_admin)
    client.get("/certificates/")
    with django_assert_max_num_queries(8):
        client.get("/certificates/")


def test_institution_lists_only_what_it_issued(client: Client, certs) -> None:
    client.force_login(certs.staff_b)
    assert _numbers(client.get("/certificates/")) == [NUMBER_B]


def test_institution_cannot_open_another_holders_certificate(client: Client, certs) -> None:
    client.force_login(certs.staff_b)
    for path in ("/", "/pdf", "/credential.jwt"):
        assert client.get(f"/certificates/{certs.a.pk}{path}").status_code == 404
    assert client.get("/certificates/999999/").status_code == 404


def test_issuer_staff_see_the_holder_masked(client: Client, certs) -> None:
    client.force_login(certs.staff_a)
    html = client.get(f"/certificates/{certs.a.pk}/").content.decode()
    assert "张*明" in html
    assert "张三明" not in html


def test_bureau_sees_the_reason_issuer_staff_do_not(client: Client, certs, bureau_admin) -> None:
    client.force_login(bureau_admin)
    assert "考核舞弊" in client.get(f"/certificates/{certs.a2.pk}/").content.decode()
    client.force_login(certs.staff_a)
    assert "考核舞弊" not in client.get(f"/certificates/{certs.a2.pk}/").content.decode()


def test_bureau_gets_the_forms_that_fit_the_status(client: Client, certs, bureau_admin) -> None:
    client.force_login(bureau_admin)
    names = [n for n, _f in client.get(f"/certificates/{certs.a.pk}/").context["status_forms"]]
    assert names == ["suspend", "revoke"]
    names = [n for n, _f in client.get(f"/certificates/{certs.a2.pk}/").context["status_forms"]]
    assert names == []


def test_revoking_needs_a_reason(client: Client, certs, bureau_admin) -> None:
    client.force_login(bureau_admin)
    response = client.post(f"/certificates/{certs.a.pk}/revoke", {"revoke-reason": ""})
    assert response.status_code == 400
    assert Certificate.objects.get(pk=certs.a.pk).status == CertificateStatus.VALID


def test_evaluator_may_not_revoke(client: Client, certs) -> None:
    client.force_login(certs.staff_a)
    response = client.post(f"/certificates/{certs.a.pk}/revoke", {"revoke-reason": "x"})
    assert response.status_code == 403
    assert Certificate.objects.get(pk=certs.a.pk).status == CertificateStatus.VALID


def test_worker_downloads_only_their_own_credentials(client: Client, certs) -> None:
    client.force_login(certs.holder)
    jwt = client.get(f"/certificates/{certs.a.pk}/credential.jwt")
    assert jwt.status_code == 200
    assert jwt.content.decode() == certs.a.credential
    assert jwt["Content-Disposition"] == f'attachment; filename="{NUMBER_A}.jwt"'
    document = json.loads(client.get(f"/certificates/{certs.a.pk}/credential.json").content)
    assert document["jwt"] == certs.a.credential
    assert "OpenBadgeCredential" in document["credential"]["type"]
    for path in ("credential.jwt", "credential.json"):
        assert client.get(f"/certificates/{certs.b.pk}/{path}").status_code == 404


def test_only_the_holder_downloads_the_credential(client: Client, certs, bureau_admin) -> None:
    for user in (bureau_admin, certs.staff_a):
        client.force_login(user)
        assert client.get(f"/certificates/{certs.a.pk}/credential.jwt").status_code == 403
        assert client.get(f"/certificates/{certs.a.pk}/credential.json").status_code == 403


def test_detail_lists_history_from_the_audit_trail(client: Client, certs, bureau_admin) -> None:
    from jineng.core import audit

    audit.record(
        bureau_admin, "certificates.certificate.suspended", certs.a, data={"reason": "核查"}
    )
    client.force_login(bureau_admin)
    with translation.override("en"):
        response = client.get(f"/certificates/{certs.a.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    history = response.context["history"]
    assert [h["action"] for h in history] == ["suspended"]
    assert history[0]["reason"] == "核查"
    assert AuditEvent.objects.for_object(certs.a).count() == 1


def test_worker_without_certificates_of_others_sees_no_list(client: Client, certs) -> None:
    client.force_login(certs.other_holder)
    assert client.get("/certificates/").status_code == 403


def test_anonymous_is_sent_to_log_in(client: Client, certs) -> None:
    response = client.get("/certificates/")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_region_reviewer_sees_the_city_list(client: Client, certs) -> None:
    reviewer = make_user("rev_t", Role.REVIEWER)
    client.force_login(reviewer)
    assert len(_numbers(client.get("/certificates/"))) == 3
