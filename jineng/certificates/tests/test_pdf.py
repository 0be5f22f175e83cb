"""The printable PDF: Chinese text, the number, and a QR code that opens /verify/<number>."""

from __future__ import annotations

from unittest import mock

import pytest
import segno
from django.test import Client

from jineng.certificates import pdf
from jineng.certificates.tests.pages_fixtures import NUMBER_A, certs, levels, occupations
from jineng.records.tests.test_views import pdf_text

__all__ = ["certs", "levels", "occupations"]


@pytest.fixture
def public_base(settings) -> str:
    settings.JINENG_PUBLIC_BASE_URL = "https://jineng.example.cn"
    return settings.JINENG_PUBLIC_BASE_URL


def test_holder_pdf_parses_and_shows_number_and_full_name(
    client: Client, certs, public_base
) -> None:
    client.force_login(certs.holder)
    response = client.get(f"/certificates/{certs.a.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    text = pdf_text(response.content)
    assert NUMBER_A in text
    assert "张三明" in text
    assert "电工" in text
    assert f"{public_base}/verify/{NUMBER_A}" in text


def test_qr_code_encodes_the_absolute_verify_url(client: Client, certs, public_base) -> None:
    client.force_login(certs.holder)
    made = []
    real = segno.make

    def spy(data, **kwargs):
        made.append(data)
        return real(data, **kwargs)

    with mock.patch.object(pdf.segno, "make", side_effect=spy):
        client.get(f"/certificates/{certs.a.pk}/pdf")
    assert made == [f"{public_base}/verify/{NUMBER_A}"]
    # The modules drawn are segno's for exactly that URL.
    expected = [[bool(m) for m in row] for row in real(made[0], error="m").matrix_iter(border=2)]
    assert pdf.qr_matrix(made[0]) == expected


def test_issuer_staff_print_the_holder_masked(client: Client, certs, public_base) -> None:
    client.force_login(certs.staff_a)
    text = pdf_text(client.get(f"/certificates/{certs.a.pk}/pdf").content)
    assert "张*明" in text
    assert "张三明" not in text


def test_bureau_prints_the_full_name(client: Client, certs, bureau_admin, public_base) -> None:
    client.force_login(bureau_admin)
    assert "张三明" in pdf_text(client.get(f"/certificates/{certs.a.pk}/pdf").content)


def test_out_of_scope_pdf_is_404(client: Client, certs) -> None:
    client.force_login(certs.other_holder)
    assert client.get(f"/certificates/{certs.a.pk}/pdf").status_code == 404
