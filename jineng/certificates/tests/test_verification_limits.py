"""Hostile input to verification: nesting too deep for the JSON decoder, oversize uploads.

Found by the certificates attack (deeply nested JSON or JWT headers raised RecursionError:
a 500 on the public API and page). Every answer here is a Verification in words.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client

from jineng.certificates import verification
from jineng.certificates.uploads import BoundedMemoryUploadHandler
from jineng.certificates.verification import Check

from .helpers import issue

pytestmark = pytest.mark.django_db

NESTED = "[" * 30000 + "]" * 30000  # 60 KB: under the 64 KB limit
TOO_DEEP = Check(
    "format", False, "It nests more than 64 levels deep: no credential does; it cannot be read."
)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ('{"a": [1, {"b": "[[[[{{"}]}', 3),
        ('"\\"[[[["', 0),
        ('["]]]]]]" [[', 3),
        ('"unterminated [[[', 0),
        (NESTED, 30000),
    ],
)
def test_json_depth_counts_brackets_outside_strings(text: str, depth: int) -> None:
    assert verification.json_depth(text) == depth


def test_deeply_nested_json_is_refused_before_parsing() -> None:
    result = verification.verify_credential(NESTED)
    assert (result.valid, result.status, result.checks) == (False, "invalid", [TOO_DEEP])


def test_deeply_nested_jwt_header_is_refused_before_parsing() -> None:
    token = f"{_b64(b'[' * 20000 + b']' * 20000)}.{_b64(b'{}')}.c2ln"
    result = verification.verify_credential(token)
    assert (result.valid, result.status) == (False, "invalid")
    assert result.checks == [
        Check("format", True, "A signed credential (JWT) was found."),
        TOO_DEEP,
    ]


def test_nesting_up_to_the_bound_is_read(
    accredited: Any, evaluator: Any, person: Any, occupations: Any, levels: Any
) -> None:
    certificate = issue(evaluator, person, accredited, occupations["electrician"], levels["level3"])
    inside = {"jwt": certificate.credential}
    for _ in range(verification.MAX_JSON_DEPTH - 1):
        inside = {"credential": inside}
    assert verification.verify_credential(json.dumps(inside)).valid
    result = verification.verify_credential(json.dumps({"credential": inside}))
    assert result.checks == [TOO_DEEP]


def test_a_recursion_error_past_the_bound_still_answers_in_words(monkeypatch: Any) -> None:
    monkeypatch.setattr(verification, "MAX_JSON_DEPTH", 10**6)
    result = verification.verify_credential(NESTED)
    assert (result.valid, result.status) == (False, "invalid")
    assert result.checks == [
        Check("format", False, "What was given cannot be read as a credential.")
    ]


def test_public_api_answers_nested_json_with_200_in_words() -> None:
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/v1/certificates/verify",
        data=json.dumps({"credential": NESTED}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["number"] == ""
    assert body["certificate"] is None
    assert body["checks"] == [
        {
            "name": "format",
            "label": "A credential can be read from it",
            "passed": False,
            "detail": TOO_DEEP.message,
        }
    ]


def test_public_page_answers_a_nested_upload_in_words() -> None:
    client = Client(raise_request_exception=False)
    upload = SimpleUploadedFile("c.json", NESTED.encode(), "application/json")
    response = client.post("/verify/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["result"].checks == [TOO_DEEP]
    assert "It nests more than 64 levels deep" in response.content.decode()


def test_an_oversize_upload_is_refused_without_a_temporary_file(
    settings: Any, monkeypatch: Any
) -> None:
    """The check page keeps at most 64 KB + 1 byte of an upload in memory, and no more."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # Django's own handlers would spill to disk

    def no_disk(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", no_disk)
    kept: list[tuple[int, int]] = []
    complete = BoundedMemoryUploadHandler.file_complete

    def spy(self: BoundedMemoryUploadHandler, file_size: int) -> Any:
        found = complete(self, file_size)
        kept.append((found.size, len(found.file.getvalue())))
        return found

    monkeypatch.setattr(BoundedMemoryUploadHandler, "file_complete", spy)
    big = SimpleUploadedFile("x.jwt", b"a" * (1024 * 1024), content_type="text/plain")
    response = Client(raise_request_exception=True).post(
        "/verify/", {"file": big}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["The file is larger than 64 KB."]}
    assert kept == [(1024 * 1024, 64 * 1024 + 1)]


def test_an_upload_within_the_limit_is_read_from_memory(
    accredited: Any, evaluator: Any, person: Any, occupations: Any, levels: Any, monkeypatch: Any
) -> None:
    certificate = issue(evaluator, person, accredited, occupations["electrician"], levels["level3"])
    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", None)
    upload = SimpleUploadedFile("c.jwt", certificate.credential.encode(), "application/jwt")
    response = Client().post("/verify/", {"file": upload})
    assert response.status_code == 200
    assert response.context["result"].valid


def test_the_check_page_still_demands_the_csrf_token() -> None:
    response = Client(enforce_csrf_checks=True).post("/verify/", {"text": "x"})
    assert response.status_code == 403
