"""The national upload export (证书信息上传): full ID numbers, audited, only for roles that
may see them; columns from data/national_upload.yaml."""

from __future__ import annotations

import csv
import io

from django.test import Client
from openpyxl import load_workbook

from conftest import ID_A, ID_B, make_user
from jineng.accounts.roles import Role
from jineng.certificates import exports
from jineng.certificates.tests.pages_fixtures import NUMBER_A, NUMBER_B, certs, levels, occupations
from jineng.core.models import AuditEvent

__all__ = ["certs", "levels", "occupations"]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_layout_is_marked_unconfirmed_and_names_known_fields() -> None:
    layout = exports.layout()
    assert layout.confirmed is False
    assert layout.headers[0] == "证书编号"
    assert "证件号码" in layout.headers


def test_bureau_exports_csv_with_full_ids_and_an_audit_event(
    client: Client, certs, bureau_admin
) -> None:
    client.force_login(bureau_admin)
    response = client.get("/certificates/export", {"format": "csv", "status": "valid"})
    assert response.status_code == 200
    assert (
        response["Cache-Control"] == "private, no-store" or "no-store" in response["Cache-Control"]
    )
    rows = _csv(response)
    assert rows[0] == exports.layout().headers
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {NUMBER_A, NUMBER_B}
    id_column = rows[0].index("证件号码")
    assert by_number[NUMBER_A][id_column] == ID_A
    assert by_number[NUMBER_B][id_column] == ID_B
    event = AuditEvent.objects.get(action=exports.EXPORTED)
    assert event.actor_id == bureau_admin.pk
    assert event.data["rows"] == 2
    assert event.data["filters"] == {"status": "valid"}


def test_bureau_exports_xlsx(client: Client, certs, bureau_admin) -> None:
    client.force_login(bureau_admin)
    response = client.get("/certificates/export", {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == exports.layout().headers
    assert len(rows) == 4


def test_roles_without_full_ids_are_refused_and_nothing_is_audited(client: Client, certs) -> None:
    for user in (certs.staff_a, make_user("aud_t", Role.AUDITOR), certs.holder):
        client.force_login(user)
        assert client.get("/certificates/export", {"format": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action=exports.EXPORTED).exists()


def test_unknown_format_is_404(client: Client, certs, bureau_admin) -> None:
    client.force_login(bureau_admin)
    assert client.get("/certificates/export", {"format": "pdf"}).status_code == 404
