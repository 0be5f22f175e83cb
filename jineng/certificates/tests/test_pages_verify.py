"""The public verification page (/verify/<number>) and the check form (/verify/)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from jineng.certificates import queries
from jineng.certificates.tests.pages_fixtures import (
    NUMBER_A,
    NUMBER_A2,
    certs,
    levels,
    occupations,
)

__all__ = ["certs", "levels", "occupations"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def test_public_page_shows_the_masked_holder_and_says_valid(client: Client, certs) -> None:
    chinese = client.get(f"/verify/{NUMBER_A}").content.decode()
    assert '<html lang="zh-CN">' in chinese
    with translation.override("en"):
        response = client.get(f"/verify/{NUMBER_A}", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "This certificate is valid." in html
    assert response.status_code == 200
    assert "张*明" in html
    assert "张三明" not in html
    assert "220581" + "19900101" not in html
    assert "电工" in html
    assert "三级/高级工" in html
    assert "梅河口市职业技能鉴定中心" in html
    assert "2026-03-01" in html
    assert response["Cache-Control"] == "no-cache"


def test_public_page_says_revoked_in_words_without_the_reason(client: Client, certs) -> None:
    with translation.override("en"):
        response = client.get(f"/verify/{NUMBER_A2}", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "has been revoked" in html
    assert "考核舞弊" not in html


def test_public_page_reads_one_row(client: Client, certs, django_assert_max_num_queries) -> None:
    client.get(f"/verify/{NUMBER_A}")  # warm caches (content types, translations)
    with django_assert_max_num_queries(1):
        assert queries.public_view(NUMBER_A) is not None


def test_unknown_number_answers_plainly_with_404(client: Client, certs) -> None:
    with translation.override("en"):
        response = client.get("/verify/S00000000000000000000", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "No such certificate." in response.content.decode()


def test_many_unknown_numbers_from_one_address_are_refused_for_a_minute(
    client: Client, certs, settings
) -> None:
    settings.JINENG_VERIFY_MISSES_PER_MINUTE = 3
    statuses = [client.get(f"/verify/S0000000000000000000{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]
    # A real number is never refused.
    assert client.get(f"/verify/{NUMBER_A}").status_code == 200


def test_check_form_sends_a_number_to_its_page(client: Client, certs) -> None:
    response = client.get("/verify/", {"number": f" {NUMBER_A} "})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{NUMBER_A}"


def test_check_form_refuses_an_empty_credential(client: Client, certs) -> None:
    with translation.override("en"):
        response = client.post("/verify/", {"text": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Paste a credential" in response.content.decode()


def test_check_form_refuses_a_file_over_64_kb(client: Client, certs) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("x.jwt", b"a" * (64 * 1024 + 1), content_type="text/plain")
    response = client.post("/verify/", {"file": big})
    assert response.status_code == 400


def test_public_pages_need_no_login_and_label_their_fields(client: Client, certs) -> None:
    html = client.get("/verify/").content.decode()
    assert 'name="viewport"' in html
    assert '<label for="id_number"' in html
    assert '<label for="id_text"' in html
    assert '<label for="id_file"' in html
