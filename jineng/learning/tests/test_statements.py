import json
import uuid

import pytest

from jineng.learning.models import Statement
from jineng.learning.tests.conftest import VERSION, Lrs, new_id, statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def test_post_single_statement_returns_its_id_and_stores_it(lrs, platform):
    sid = new_id()
    response = lrs.post("statements", statement(id=sid))
    assert response.status_code == 200
    assert response.json() == [sid]
    assert response["X-Experience-API-Version"] == "1.0.3"
    row = Statement.objects.get()
    assert str(row.statement_id) == sid
    assert row.platform == platform
    assert row.agent_key == "mbox:mailto:learner@example.com"
    assert row.activity_id == "http://example.com/activities/welding-1"
    assert row.data["version"] == "1.0.0"
    assert row.data["authority"]["account"]["name"] == f"platform-{platform.pk}"
    assert row.data["stored"]
    assert row.data["timestamp"]


def test_post_batch_assigns_missing_ids(lrs):
    given = new_id()
    response = lrs.post("statements", [statement(id=given), statement()])
    assert response.status_code == 200
    ids = response.json()
    assert ids[0] == given
    assert uuid.UUID(ids[1])
    assert Statement.objects.count() == 2


def test_put_stores_under_statement_id_and_identical_resend_is_no_op(lrs):
    sid = new_id()
    assert lrs.put("statements", statement(), {"statementId": sid}).status_code == 204
    assert lrs.put("statements", statement(), {"statementId": sid}).status_code == 204
    assert lrs.post("statements", statement(id=sid)).status_code == 200
    assert Statement.objects.count() == 1


def test_put_without_statement_id_is_400(lrs):
    assert lrs.put("statements", statement()).status_code == 400
    assert not Statement.objects.exists()


def test_put_with_other_id_in_body_is_400(lrs):
    response = lrs.put("statements", statement(id=new_id()), {"statementId": new_id()})
    assert response.status_code == 400


def test_same_id_with_other_content_is_409_and_batch_writes_nothing(lrs):
    sid = new_id()
    lrs.put("statements", statement(), {"statementId": sid})
    other = statement(verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    assert lrs.put("statements", other, {"statementId": sid}).status_code == 409
    response = lrs.post("statements", [statement(), {**other, "id": sid}])
    assert response.status_code == 409
    assert Statement.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"actor": None}, "actor"),
        ({"verb": None}, "verb"),
        ({"object": None}, "object"),
        ({"id": "not-a-uuid"}, "id"),
        ({"verb": {"id": "not an iri"}}, "verb.id"),
        ({"object": {"id": "no-scheme"}}, "object.id"),
        ({"timestamp": "2024-13-45 noon"}, "timestamp"),
        ({"timestamp": "2024-01-01T10:00:00-00:00"}, "timestamp"),
        ({"colour": "blue"}, ""),
        ({"result": {"duration": "90 minutes"}}, "result.duration"),
        ({"result": {"duration": "PT"}}, "result.duration"),
        ({"actor": {"mbox": "learner@example.com"}}, "actor.mbox"),
        ({"actor": {"mbox": "mailto:a@b.c", "openid": "http://a.b"}}, "actor"),
        ({"result": {"score": {"scaled": 2}}}, "result.score.scaled"),
        ({"context": {"registration": "123"}}, "context.registration"),
        ({"attachments": [{"usageType": "http://x.y"}]}, "attachments[0].display"),
        ({"version": "2.0.0"}, "version"),
    ],
)
def test_malformed_statement_is_400_with_json_error(lrs, change, field):
    data = statement()
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    response = lrs.post("statements", [statement(), data])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "xapi_malformed"
    assert body.get("field", "") == field
    assert body["index"] == 1
    assert not Statement.objects.exists()


def test_body_that_is_not_json_is_400(lrs):
    assert lrs.post("statements", "{nope").status_code == 400


def test_multipart_body_without_a_statements_part_is_400(lrs):
    response = lrs.post("statements", "--x", content_type="multipart/mixed; boundary=x")
    assert response.status_code == 400
    assert response.json()["field"] == "part[0]"


def test_valid_duration_forms_are_accepted(lrs):
    for duration in ("PT1H30M", "PT45M10.5S", "P1DT2H", "P2W", "PT0S"):
        data = statement(result={"duration": duration, "completion": True})
        assert lrs.post("statements", data).status_code == 200, duration


@pytest.mark.parametrize("version", [None, "", "0.95", "2.0.0", "1.1.0"])
def test_missing_or_unsupported_version_header_is_400(pair, version):
    lrs = Lrs(pair)
    if version is None:
        lrs.headers.pop("HTTP_X_EXPERIENCE_API_VERSION")
    else:
        lrs.headers["HTTP_X_EXPERIENCE_API_VERSION"] = version
    response = lrs.post("statements", statement())
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response.json()["field"] == "X-Experience-API-Version"
    assert not Statement.objects.exists()


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.2", "1.0.3"])
def test_any_1_0_version_header_is_accepted(pair, version):
    lrs = Lrs(pair)
    lrs.headers["HTTP_X_EXPERIENCE_API_VERSION"] = version
    assert lrs.get("statements").status_code == 200


def test_get_by_statement_id_sends_headers(lrs):
    sid = new_id()
    lrs.post("statements", statement(id=sid))
    response = lrs.get("statements", {"statementId": sid})
    assert response.status_code == 200
    assert response.json()["id"] == sid
    assert response["X-Experience-API-Consistent-Through"]
    assert response["Last-Modified"]
    assert lrs.get("statements", {"statementId": new_id()}).status_code == 404


def test_statement_id_with_other_filters_is_400(lrs):
    response = lrs.get("statements", {"statementId": new_id(), "verb": "http://a.b/c"})
    assert response.status_code == 400


def test_unknown_query_parameter_is_400(lrs):
    assert lrs.get("statements", {"colour": "blue"}).status_code == 400


def test_voiding_hides_target_from_queries_and_serves_it_as_voided(lrs):
    target = new_id()
    lrs.post("statements", statement(id=target))
    voiding = statement(
        id=new_id(),
        verb={"id": VOIDED},
        object={"objectType": "StatementRef", "id": target},
    )
    assert lrs.post("statements", voiding).status_code == 200
    assert Statement.objects.get(statement_id=target).is_voided
    assert lrs.get("statements", {"statementId": target}).status_code == 404
    voided = lrs.get("statements", {"voidedStatementId": target})
    assert voided.status_code == 200
    assert voided.json()["id"] == target
    listed = [s["id"] for s in lrs.get("statements").json()["statements"]]
    assert listed == [voiding["id"]]
    not_voided = lrs.get("statements", {"voidedStatementId": voiding["id"]})
    assert not_voided.status_code == 404


def test_voiding_a_voiding_statement_is_400(lrs):
    target = new_id()
    first = statement(
        id=new_id(), verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}
    )
    lrs.post("statements", statement(id=target))
    lrs.post("statements", first)
    second = statement(
        verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": first["id"]}
    )
    response = lrs.post("statements", second)
    assert response.status_code == 400
    assert Statement.objects.count() == 2
    assert not Statement.objects.get(statement_id=first["id"]).is_voided


def test_voiding_must_target_a_statement_ref(lrs):
    assert lrs.post("statements", statement(verb={"id": VOIDED})).status_code == 400


def test_more_pages_through_every_statement_once(lrs):
    ids = [new_id() for _ in range(7)]
    for sid in ids:
        lrs.post("statements", statement(id=sid))
    seen, page = [], lrs.get("statements", {"limit": 3, "ascending": "true"}).json()
    pages = 1
    while True:
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        assert page["more"].startswith("/xapi/statements?more=")
        page = lrs.client.get(page["more"], **lrs.headers).json()
        pages += 1
    assert seen == ids
    assert pages == 3


def test_forged_more_link_is_400(lrs):
    assert lrs.get("statements", {"more": "forged"}).status_code == 400


def test_filters_by_agent_verb_activity_registration_and_time(lrs):
    registration = str(uuid.uuid4())
    other_agent = {"objectType": "Agent", "account": {"homePage": "http://x.y", "name": "7"}}
    completed = {"id": "http://adlnet.gov/expapi/verbs/completed"}
    rows = {
        "plain": statement(id=new_id()),
        "agent": statement(id=new_id(), actor=other_agent),
        "verb": statement(id=new_id(), verb=completed),
        "activity": statement(id=new_id(), object={"id": "http://example.com/other"}),
        "registration": statement(id=new_id(), context={"registration": registration}),
    }
    for data in rows.values():
        lrs.post("statements", data)

    def ids(params):
        response = lrs.get("statements", params)
        assert response.status_code == 200
        return {s["id"] for s in response.json()["statements"]}

    assert ids({"agent": json.dumps(other_agent)}) == {rows["agent"]["id"]}
    assert ids({"verb": completed["id"]}) == {rows["verb"]["id"]}
    assert ids({"activity": "http://example.com/other"}) == {rows["activity"]["id"]}
    assert ids({"registration": registration}) == {rows["registration"]["id"]}
    assert len(ids({})) == 5
    first = Statement.objects.get(statement_id=rows["plain"]["id"]).stored
    last = Statement.objects.get(statement_id=rows["registration"]["id"]).stored
    assert ids({"until": "2000-01-01T00:00:00Z"}) == set()
    assert len(ids({"since": "2000-01-01T00:00:00Z"})) == 5
    assert ids({"since": last.isoformat()}) == set()
    assert ids({"until": first.isoformat()}) == {rows["plain"]["id"]}
    assert len(ids({"since": first.isoformat()})) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"agent": "not json"},
        {"agent": json.dumps({"name": "nobody"})},
        {"since": "yesterday"},
        {"limit": "-1"},
        {"ascending": "maybe"},
        {"format": "pretty"},
        {"registration": "x"},
        {"related_agents": "yes"},
    ],
)
def test_bad_query_parameters_are_400(lrs, params):
    assert lrs.get("statements", params).status_code == 400


def test_format_ids_keeps_only_identifiers(lrs):
    data = statement(
        object={"id": "http://example.com/a", "definition": {"name": {"zh-CN": "焊接"}}}
    )
    lrs.post("statements", data)
    got = lrs.get("statements", {"format": "ids"}).json()["statements"][0]
    assert got["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
    assert got["object"] == {"objectType": "Activity", "id": "http://example.com/a"}
    assert got["verb"] == {"id": data["verb"]["id"]}
    exact = lrs.get("statements", {"format": "exact"}).json()["statements"][0]
    assert exact["object"]["definition"] == {"name": {"zh-CN": "焊接"}}


def test_statement_query_sends_consistent_through_and_last_modified(lrs):
    response = lrs.get("statements")
    assert response.status_code == 200
    assert response.json() == {"statements": [], "more": ""}
    assert response["X-Experience-API-Consistent-Through"]
    assert response["Last-Modified"]


def test_method_not_allowed(lrs):
    assert lrs.delete("statements").status_code == 405


def test_about_needs_no_credentials_or_version(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == ["1.0.3"]
    assert not any(
        "attachments" in item for items in body.get("extensions", {}).values() for item in items
    )
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_activities_and_agents_resources(lrs):
    data = statement(object={"id": "http://example.com/a", "definition": {"name": {"en-US": "A"}}})
    lrs.post("statements", data)
    got = lrs.get("activities", {"activityId": "http://example.com/a"}).json()
    assert got == {
        "objectType": "Activity",
        "id": "http://example.com/a",
        "definition": data["object"]["definition"],
    }
    agent = lrs.get("agents", {"agent": json.dumps(data["actor"])}).json()
    assert agent["objectType"] == "Person"
    assert agent["mbox"] == ["mailto:learner@example.com"]


def test_version_header_required_on_documents(pair):
    lrs = Lrs(pair)
    lrs.headers.pop("HTTP_X_EXPERIENCE_API_VERSION")
    assert lrs.get("activities/profile", {"activityId": "http://a.b/c"}).status_code == 400
    assert VERSION


def test_insert_race_on_same_id_is_409_and_writes_nothing(lrs, monkeypatch):
    from jineng.learning.services import statements as storing

    sid = new_id()
    lrs.post("statements", statement(id=sid))
    # Another request stored this id between our existence check and our insert.
    monkeypatch.setattr(storing, "_existing", lambda ids: {})
    response = lrs.post("statements", [statement(), statement(id=sid)])
    assert response.status_code == 409
    assert Statement.objects.count() == 1


def test_awkward_text_round_trips_exactly(lrs):
    name = 'tab\there, back\\slash, new\nline, quote " and 中文 \u0001'
    data = statement(id=new_id(), actor={"mbox": "mailto:a@b.c", "name": name})
    lrs.post("statements", data)
    got = lrs.get("statements", {"statementId": data["id"]}).json()
    assert got["actor"]["name"] == name
    assert Statement.objects.get().data["actor"]["name"] == name


def test_statement_query_runs_a_fixed_number_of_queries(lrs, django_assert_num_queries):
    lrs.post("statements", [statement() for _ in range(30)])
    # Credential lookup and one page query, whatever the page size.
    with django_assert_num_queries(2):
        response = lrs.get("statements", {"limit": 10})
    assert len(response.json()["statements"]) == 10


def test_oversized_body_is_413(lrs, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = lrs.post("statements", [statement() for _ in range(20)])
    assert response.status_code == 413
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert not Statement.objects.exists()
