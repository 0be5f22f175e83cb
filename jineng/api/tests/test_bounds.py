"""Numbers and bodies the database or the parser cannot take are refused with 400, never 500.

The checks walk the OpenAPI document, so every list, every id in a path and every id in a
query string is covered, including operations added later.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from django.utils import translation

from jineng.api.tests.helpers import api_client
from jineng.composition.api import api

TOO_BIG = str(2**63)
PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")
ID_IN_PATH = re.compile(r"\{([a-z_]+_id)\}")
# Path parameters that are not ids, with a value that names something that exists.
OTHER_PATH_VALUES = {"kind": "subsidised_training"}


@functools.cache
def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    """The operations of the OpenAPI document, built once (four parametrizations read it)."""
    with translation.override("en"):
        schema = api.get_openapi_schema()
    return [
        (method, path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def _query_parameters(operation: dict[str, Any]) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]


def _lists() -> list[str]:
    return [
        path
        for method, path, operation in _operations()
        if method == "get" and "offset" in _query_parameters(operation)
    ]


def _paths_with_ids() -> list[tuple[str, str]]:
    return [(method, path) for method, path, _op in _operations() if ID_IN_PATH.search(path)]


def _query_ids() -> list[tuple[str, str]]:
    return [
        (path, name)
        for method, path, operation in _operations()
        if method == "get"
        for name in _query_parameters(operation)
        if name.endswith("_id") or name == "against"
    ]


def _send(client: Any, method: str, path: str, **params: Any) -> Any:
    call = getattr(client.client, method)
    if method == "get":
        return call(path, params, headers={**client.headers, "Accept-Language": "en"})
    return call(
        path,
        "{}",
        content_type="application/json",
        headers={**client.headers, "Accept-Language": "en"},
    )


def _fill(path: str, value: str) -> str:
    """Put the value in every id of the path, and an existing value in its other parameters."""
    path = ID_IN_PATH.sub(value, path)
    return PATH_PARAMETER.sub(lambda match: OTHER_PATH_VALUES[match.group(1)], path)


def test_the_walk_finds_the_lists_and_ids(db):
    assert "/api/v1/people" in _lists()
    assert "/api/v1/training/classes" in _lists()
    assert ("get", "/api/v1/training/classes/{class_id}") in _paths_with_ids()
    assert ("/api/v1/training/enrolments", "class_id") in _query_ids()


@pytest.mark.parametrize("path", _lists())
def test_offset_beyond_64_bits_is_400_on_every_list(bureau_admin, path):
    response = _send(api_client(bureau_admin), "get", _fill(path, "1"), offset=TOO_BIG)
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "offset")


@pytest.mark.parametrize("path", [path for path in _lists() if not ID_IN_PATH.search(path)])
def test_the_largest_offset_is_an_empty_page(bureau_admin, path):
    response = _send(api_client(bureau_admin), "get", _fill(path, "1"), offset=str(2**63 - 1))
    assert response.status_code == 200, response.content
    assert (response.json()["items"], response.json()["offset"]) == ([], 2**63 - 1)


@pytest.mark.parametrize(("method", "path"), _paths_with_ids())
def test_path_id_beyond_64_bits_is_400(bureau_admin, method, path):
    response = _send(api_client(bureau_admin), method, _fill(path, TOO_BIG))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] in ID_IN_PATH.findall(path)
    assert "less than or equal to 9223372036854775807" in body["detail"]


@pytest.mark.parametrize(("method", "path"), _paths_with_ids())
def test_path_id_zero_is_400(bureau_admin, method, path):
    response = _send(api_client(bureau_admin), method, _fill(path, "0"))
    assert response.status_code == 400, response.content
    assert response.json()["field"] in ID_IN_PATH.findall(path)


@pytest.mark.parametrize(("path", "name"), _query_ids())
def test_query_id_beyond_64_bits_is_400(bureau_admin, path, name):
    response = _send(api_client(bureau_admin), "get", _fill(path, "1"), **{name: TOO_BIG})
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["field"]) == ("invalid", name)


def test_class_id_beyond_64_bits_is_400(bureau_admin):
    """The case reported: on SQLite the id reached the database and overflowed."""
    client = api_client(bureau_admin)
    for path in (f"/api/v1/training/classes/{TOO_BIG}", f"/api/v1/training/classes/{2**70}"):
        response = _send(client, "get", path)
        assert response.status_code == 400
        assert response.json()["field"] == "class_id"


MULTIPART_WITHOUT_BOUNDARY = [
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; charset=utf-8",
    "multipart/form-data; boundary=" + "x" * 202,
]


@pytest.mark.parametrize("content_type", MULTIPART_WITHOUT_BOUNDARY)
def test_multipart_without_a_boundary_is_400_on_an_upload(staff_a, content_type):
    client = api_client(staff_a)
    response = client.client.post(
        "/api/v1/accreditation-applications/1/documents",
        b"--x\r\nContent-Disposition: form-data; name=title\r\n\r\n1\r\n--x--\r\n",
        content_type=content_type,
        headers={**client.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 400, response.content
    assert response.json() == {
        "code": "invalid",
        "detail": "The request body could not be read: send it as multipart/form-data with a "
        "boundary, as HTTP clients do for file uploads.",
        "field": "body",
    }


@pytest.mark.parametrize("content_type", MULTIPART_WITHOUT_BOUNDARY)
def test_multipart_without_a_boundary_is_400_on_a_json_operation(bureau_admin, content_type):
    client = api_client(bureau_admin)
    response = client.client.post(
        "/api/v1/people", b"--x--\r\n", content_type=content_type, headers=client.headers
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"


def test_multipart_without_a_boundary_is_400_on_a_page(client, staff_a):
    client.force_login(staff_a)
    response = client.post("/people/import/", b"--x--\r\n", content_type="multipart/form-data")
    assert response.status_code == 400
