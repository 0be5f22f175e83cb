"""The server gives every request its own id; the caller's X-Request-ID is kept beside it."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from unittest import mock

import pytest

from conftest import ID_A
from jineng.api.tests.helpers import ID_C, api_client
from jineng.core import context
from jineng.core.logging import RequestIds
from jineng.core.models import AuditEvent

SERVER_ID = re.compile(r"[0-9a-f]{32}")


def test_the_server_id_is_its_own_and_the_callers_id_comes_back_beside_it(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "partner-42.a:b_c"})
    assert SERVER_ID.fullmatch(response["X-Request-ID"])
    assert response["X-Client-Request-ID"] == "partner-42.a:b_c"


def test_without_a_callers_id_only_the_servers_comes_back(client, db):
    response = client.get("/healthz")
    assert SERVER_ID.fullmatch(response["X-Request-ID"])
    assert "X-Client-Request-ID" not in response


def test_two_requests_with_the_same_callers_id_get_different_server_ids(client, db):
    first = client.get("/healthz", headers={"X-Request-ID": "same"})
    second = client.get("/healthz", headers={"X-Request-ID": "same"})
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert first["X-Client-Request-ID"] == second["X-Client-Request-ID"] == "same"


@pytest.mark.parametrize(
    "sent",
    [
        "x" * 65,
        "has space",
        "line\u2028break",
        "<script>alert(1)</script>",
        "a;b",
        "中文",
        "",
    ],
)
def test_a_callers_id_that_is_not_a_plain_bounded_token_is_dropped(client, db, sent):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    assert SERVER_ID.fullmatch(response["X-Request-ID"])
    assert "X-Client-Request-ID" not in response


def test_a_callers_id_of_64_characters_is_kept(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "a" * 64})
    assert response["X-Client-Request-ID"] == "a" * 64


def test_an_id_number_sent_as_request_id_is_masked(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": ID_A})
    assert response["X-Client-Request-ID"] == "220581**********36"


def test_the_audit_event_carries_the_servers_id_not_the_callers(city, bureau_admin):
    client = api_client(bureau_admin)
    body = {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
    response = client.post("/api/v1/people", body, headers={"X-Request-ID": "forged-id"})
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="people.person.created")
    assert event.request_id == response["X-Request-ID"]
    assert SERVER_ID.fullmatch(event.request_id)
    assert response["X-Client-Request-ID"] == "forged-id"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """Capture what the root logger's configured console handler writes."""
    out = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert handlers
    previous = {handler: handler.setStream(out) for handler in handlers}
    yield out
    for handler, stream in previous.items():
        handler.setStream(stream)


def test_the_log_line_of_a_request_names_both_ids(city, bureau_admin, console):
    client = api_client(bureau_admin)
    body = {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
    with mock.patch("jineng.people.services.register_person", side_effect=RuntimeError("boom")):
        response = client.post("/api/v1/people", body, headers={"X-Request-ID": "partner-7"})
    assert response.status_code == 500
    line = next(
        line for line in console.getvalue().splitlines() if "Unhandled error in POST" in line
    )
    assert line == (
        f"ERROR jineng.api [request {response['X-Request-ID']} client partner-7] "
        "Unhandled error in POST /api/v1/people"
    )


def test_outside_a_request_the_ids_are_dashes():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    assert RequestIds().filter(record) is True
    assert (record.request_id, record.client_request_id) == ("-", "-")
    token = context.request_id.set("abc")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
        RequestIds().filter(record)
    finally:
        context.request_id.reset(token)
    assert (record.request_id, record.client_request_id) == ("abc", "-")
