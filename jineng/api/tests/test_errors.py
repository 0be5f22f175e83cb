"""Every error of the API has one shape, and unexpected ones leak nothing."""

import json
from unittest import mock

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation
from ninja.errors import AuthenticationError, HttpError, ValidationError

from jineng.api.tests.helpers import ID_C, api_client
from jineng.composition.api import api
from jineng.core.errors import Conflict, DomainError
from jineng.core.models import AuditEvent
from jineng.people.models import Person


class _Handled:
    def __init__(self, response):
        self.content = response.content

    def json(self):
        return json.loads(self.content)


def _handle(exc):
    request = RequestFactory().get("/api/v1/people")
    response = api.on_exception(request, exc)
    return response.status_code, _Handled(response)


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (
            Conflict("Taken.", field="name", existing_id=3),
            409,
            {"code": "conflict", "detail": "Taken.", "field": "name", "existing_id": 3},
        ),
        (DomainError("Bad."), 400, {"code": "invalid", "detail": "Bad."}),
        (HttpError(405, "Nope"), 405, {"code": "method_not_allowed", "detail": "Nope"}),
        (HttpError(418, "Teapot"), 418, {"code": "error", "detail": "Teapot"}),
    ],
)
def test_handlers_give_the_shared_shape(exc, status, body):
    got_status, response = _handle(exc)
    assert got_status == status
    assert response.json() == body


def test_http404_and_authentication_errors_have_codes():
    status, response = _handle(Http404("secret detail"))
    assert (status, response.json()["code"]) == (404, "not_found")
    assert "secret detail" not in response.content.decode()
    status, response = _handle(AuthenticationError())
    assert (status, response.json()["code"]) == (401, "unauthenticated")


def test_validation_error_names_field_and_reason():
    errors = [
        {"loc": ("body", "payload", "name"), "msg": "Input should be a valid string"},
        {"loc": ("query", "limit"), "msg": "Input should be greater than or equal to 1"},
    ]
    with translation.override("en"):
        status, response = _handle(ValidationError(errors))
    assert status == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "name: Input should be a valid string",
        "field": "name",
        "errors": [
            {"field": "name", "detail": "Input should be a valid string"},
            {"field": "limit", "detail": "Input should be greater than or equal to 1"},
        ],
    }


def test_missing_and_mistyped_body_fields(city, bureau_admin):
    response = api_client(bureau_admin).post("/api/v1/people", {"name": 5})
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert payload["field"] == "id_number"
    assert payload["detail"].startswith("id_number")
    assert {e["field"] for e in payload["errors"]} == {"id_number", "name", "region_code"}
    assert not Person.objects.exists()


def test_malformed_json_is_400(city, bureau_admin):
    client = api_client(bureau_admin)
    response = client.client.post(
        "/api/v1/people", "{not json", content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("raw", ["null", "[]", '"x"', "1"])
def test_body_that_is_not_an_object_is_400(city, bureau_admin, raw):
    client = api_client(bureau_admin)
    response = client.client.post(
        "/api/v1/people",
        raw,
        content_type="application/json",
        headers={**client.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "The request body must be a JSON object.",
        "field": "body",
    }
    assert not Person.objects.exists()


@pytest.mark.parametrize("value", ["abc", "0", "99999999999999999999999"])
def test_bad_path_parameter_names_it(bureau_admin, value):
    response = api_client(bureau_admin).get(f"/api/v1/people/{value}")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "person_id")


def test_wrong_method_is_json_405(bureau_admin):
    response = api_client(bureau_admin).client.delete("/api/v1/people")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_unknown_api_path_is_json_404(db):
    response = api_client(None).get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": response.json()["detail"]}


def test_unexpected_error_is_500_without_traceback(city, bureau_admin):
    client = api_client(bureau_admin)
    events = AuditEvent.objects.count()
    body = {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
    with mock.patch(
        "jineng.people.services.register_person",
        side_effect=RuntimeError("database password is hunter2"),
    ):
        response = client.post("/api/v1/people", body)
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    text = response.content.decode()
    assert "hunter2" not in text
    assert "Traceback" not in text
    assert not Person.objects.exists()
    assert AuditEvent.objects.count() == events
