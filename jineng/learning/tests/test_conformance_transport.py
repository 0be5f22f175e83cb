"""Transport rules of xAPI 1.0.3 Part Three: headers on every statement response, 204 bodies
and the alternate request syntax (1.3), written from the specification and the requests of
the ADL conformance suite."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from jineng.learning.models import Document, Statement
from jineng.learning.tests.conftest import VERSION, basic, new_id, statement

FIXED_ID = "3c9d5f2e-7a41-4b8e-9f6d-2a1b0c8e7d65"


def _consistent(response) -> timezone.datetime:
    return timezone.datetime.fromisoformat(response["X-Experience-API-Consistent-Through"])


@pytest.mark.parametrize(
    ("call", "status"),
    [
        (lambda lrs: lrs.get("statements"), 200),
        (lambda lrs: lrs.get("statements", {"statementId": new_id()}), 404),
        (lambda lrs: lrs.get("statements", {"format": "pretty"}), 400),
        (lambda lrs: lrs.post("statements", {"actor": {}}), 400),
        (lambda lrs: lrs.put("statements", statement(), {"statementId": new_id()}), 204),
        (lambda lrs: lrs.post("statements", statement()), 200),
        (lambda lrs: lrs.delete("statements"), 405),
        (lambda lrs: lrs.get("statements", HTTP_X_EXPERIENCE_API_VERSION="0.9"), 400),
    ],
)
def test_every_statement_response_says_how_consistent_it_is(lrs, call, status):
    before = timezone.now()
    response = call(lrs)
    assert response.status_code == status
    assert before <= _consistent(response) <= timezone.now()


def test_a_conflict_and_an_unauthorised_request_also_say_it(lrs, client):
    sid = new_id()
    lrs.put("statements", statement(), {"statementId": sid})
    other = statement(verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    conflict = lrs.put("statements", other, {"statementId": sid})
    assert conflict.status_code == 409
    assert conflict["X-Experience-API-Consistent-Through"]
    anonymous = client.get("/xapi/statements", **VERSION)
    assert anonymous.status_code == 401
    assert anonymous["X-Experience-API-Consistent-Through"]


def test_consistent_through_is_not_sent_by_the_document_resources(lrs):
    params = {"activityId": "http://example.com/a", "agent": json.dumps({"mbox": "mailto:a@b.c"})}
    assert "X-Experience-API-Consistent-Through" not in lrs.get("activities/state", params)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("activities/state", {"stateId": "s"}),
        ("activities/profile", {"profileId": "p"}),
        ("agents/profile", {"profileId": "p"}),
    ],
)
def test_document_204_responses_carry_no_content_type(lrs, path, params):
    base = (
        {"activityId": "http://example.com/a", "agent": json.dumps({"mbox": "mailto:a@b.c"})}
        if path == "activities/state"
        else {"activityId": "http://example.com/a"}
        if path == "activities/profile"
        else {"agent": json.dumps({"mbox": "mailto:a@b.c"})}
    )
    saved = lrs.put(path, {"x": 1}, {**base, **params})
    merged = lrs.post(path, {"y": 2}, {**base, **params}, HTTP_IF_MATCH="*")
    deleted = lrs.delete(path, {**base, **params}, HTTP_IF_MATCH="*")
    for response in (saved, merged, deleted):
        assert response.status_code == 204
        assert "Content-Type" not in response
        assert response.content == b""


def test_statement_put_204_carries_no_content_type(lrs):
    response = lrs.put("statements", statement(), {"statementId": new_id()})
    assert response.status_code == 204
    assert "Content-Type" not in response


def _alternate(client: Client, path: str, method: str, form: dict, **headers):
    return client.post(
        f"/xapi/{path}?method={method}",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def test_alternate_get_returns_the_statement_result(lrs):
    lrs.post("statements", [statement(), statement()])
    response = _alternate(lrs.client, "statements", "GET", {"limit": "1"}, **lrs.headers)
    assert response.status_code == 200
    body = response.json()
    assert len(body["statements"]) == 1
    assert body["more"]
    assert response["X-Experience-API-Consistent-Through"]


def test_alternate_put_stores_the_content_under_the_form_statement_id(lrs, platform):
    sid = new_id()
    form = {"statementId": sid, "content": json.dumps(statement())}
    response = _alternate(lrs.client, "statements", "PUT", form, **lrs.headers)
    assert response.status_code == 204
    row = Statement.objects.get()
    assert str(row.statement_id) == sid
    assert row.platform == platform


def test_alternate_syntax_takes_credentials_and_headers_from_the_form(pair, platform):
    sid = new_id()
    form = {
        "statementId": sid,
        "content": json.dumps(statement()),
        "Content-Type": "application/json",
        "X-Experience-API-Version": "1.0.3",
        "Authorization": basic(*pair),
    }
    response = _alternate(Client(), "statements", "PUT", form)
    assert response.status_code == 204
    assert Statement.objects.get().statement_id.hex == sid.replace("-", "")


def test_alternate_syntax_with_wrong_credentials_in_the_form_is_401(pair):
    form = {"content": json.dumps(statement()), "Authorization": basic(pair[0], "wrong")}
    response = _alternate(Client(), "statements", "POST", form, **VERSION)
    assert response.status_code == 401
    assert not Statement.objects.exists()


def test_alternate_syntax_sends_if_match_to_the_documents(lrs):
    params = {
        "activityId": "http://example.com/a",
        "agent": json.dumps({"mbox": "mailto:a@b.c"}),
        "profileId": "p",
    }
    lrs.put("agents/profile", {"x": 1}, {"agent": params["agent"], "profileId": "p"})
    form = {"agent": params["agent"], "profileId": "p", "content": '{"x": 2}'}
    refused = _alternate(lrs.client, "agents/profile", "PUT", form, **lrs.headers)
    assert refused.status_code == 409
    form["If-Match"] = '"nope"'
    assert _alternate(lrs.client, "agents/profile", "PUT", form, **lrs.headers).status_code == 412
    form["If-Match"] = "*"
    assert _alternate(lrs.client, "agents/profile", "PUT", form, **lrs.headers).status_code == 204
    assert bytes(Document.objects.get().content) == b'{"x": 2}'


def test_alternate_delete_of_a_state(lrs):
    params = {
        "activityId": "http://example.com/a",
        "agent": json.dumps({"mbox": "mailto:a@b.c"}),
        "stateId": "s",
    }
    lrs.put("activities/state", {"x": 1}, params)
    response = _alternate(lrs.client, "activities/state", "DELETE", params, **lrs.headers)
    assert response.status_code == 204
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("url", "body", "content_type"),
    [
        # Other query parameters must travel in the form.
        (f"/xapi/statements?method=PUT&statementId={FIXED_ID}", "content=%7B%7D", None),
        # Not a method of the record store.
        ("/xapi/statements?method=PATCH", "", None),
        # A form that is JSON, not form-encoded.
        ("/xapi/statements?method=PUT", json.dumps({"content": "{}"}), None),
        # The outer request must be form-encoded.
        ("/xapi/statements?method=GET", "limit=1", "text/plain"),
        # PUT without content.
        ("/xapi/statements?method=PUT", f"statementId={new_id()}", None),
    ],
    ids=["query-parameter", "unknown-method", "json-form", "not-form-encoded", "no-content"],
)
def test_malformed_alternate_requests_are_400(lrs, url, body, content_type):
    response = lrs.client.post(
        url,
        data=body,
        content_type=content_type or "application/x-www-form-urlencoded",
        **lrs.headers,
    )
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_method_parameter_on_a_get_is_400(lrs):
    assert lrs.get("statements", {"method": "POST"}).status_code == 400


def test_about_declares_no_limitations(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json() == {"version": ["1.0.3"]}
