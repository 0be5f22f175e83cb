import json

import pytest

from jineng.learning.models import Document

AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:learner@example.com"})
ACTIVITY = "http://example.com/activities/welding-1"
STATE = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark"}
ACTIVITY_PROFILE = {"activityId": ACTIVITY, "profileId": "settings"}
AGENT_PROFILE = {"agent": AGENT, "profileId": "preferences"}


def test_state_put_get_delete(lrs):
    assert lrs.put("activities/state", {"page": 3}, STATE).status_code == 204
    response = lrs.get("activities/state", STATE)
    assert response.status_code == 200
    assert response.json() == {"page": 3}
    assert response["Content-Type"] == "application/json"
    assert response["ETag"].strip('"') == Document.objects.get().etag
    assert response["Last-Modified"]
    # The State resource overwrites without a precondition, as the specification allows.
    assert lrs.put("activities/state", {"page": 4}, STATE).status_code == 204
    assert lrs.get("activities/state", STATE).json() == {"page": 4}
    assert lrs.delete("activities/state", STATE).status_code == 204
    assert lrs.get("activities/state", STATE).status_code == 404
    assert not Document.objects.exists()


def test_state_post_merges_json_objects(lrs):
    lrs.post("activities/state", {"page": 3, "score": 1}, STATE)
    assert lrs.post("activities/state", {"score": 2, "done": True}, STATE).status_code == 204
    assert lrs.get("activities/state", STATE).json() == {"page": 3, "score": 2, "done": True}


def test_post_merge_of_non_json_is_400(lrs):
    lrs.put("activities/state", b"plain", STATE, content_type="text/plain")
    response = lrs.post("activities/state", {"a": 1}, STATE)
    assert response.status_code == 400
    assert bytes(Document.objects.get().content) == b"plain"


def test_state_list_since_and_registration(lrs):
    registration = "b4e1c0b0-8c3c-4b1b-9e53-2a0a4f1e9a11"
    lrs.put("activities/state", {"a": 1}, STATE)
    lrs.put("activities/state", {"b": 2}, {**STATE, "stateId": "other"})
    lrs.put("activities/state", {"c": 3}, {**STATE, "registration": registration})
    listing = lrs.get("activities/state", {"activityId": ACTIVITY, "agent": AGENT})
    assert listing.json() == ["bookmark", "other"]
    scoped = {"activityId": ACTIVITY, "agent": AGENT, "registration": registration}
    assert lrs.get("activities/state", scoped).json() == ["bookmark"]
    since = {"activityId": ACTIVITY, "agent": AGENT, "since": "2999-01-01T00:00:00Z"}
    assert lrs.get("activities/state", since).json() == []
    assert (
        lrs.delete("activities/state", {"activityId": ACTIVITY, "agent": AGENT}).status_code == 204
    )
    assert Document.objects.count() == 1


@pytest.mark.parametrize(
    "params",
    [
        {"agent": AGENT, "stateId": "x"},
        {"activityId": ACTIVITY, "stateId": "x"},
        {"activityId": "not an iri", "agent": AGENT, "stateId": "x"},
        {"activityId": ACTIVITY, "agent": "{}", "stateId": "x"},
        {**STATE, "registration": "nope"},
        {**STATE, "colour": "blue"},
    ],
)
def test_state_bad_parameters_are_400(lrs, params):
    assert lrs.put("activities/state", {"a": 1}, params).status_code == 400
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("path", "params"),
    [("activities/profile", ACTIVITY_PROFILE), ("agents/profile", AGENT_PROFILE)],
)
def test_profile_concurrency(lrs, path, params):
    assert lrs.put(path, {"v": 1}, params).status_code == 204
    etag = lrs.get(path, params)["ETag"]
    # An existing document is not replaced without a precondition header.
    assert lrs.put(path, {"v": 2}, params).status_code == 409
    assert lrs.put(path, {"v": 2}, params, HTTP_IF_MATCH='"0000"').status_code == 412
    assert lrs.put(path, {"v": 2}, params, HTTP_IF_NONE_MATCH="*").status_code == 412
    assert lrs.get(path, params).json() == {"v": 1}
    assert lrs.put(path, {"v": 2}, params, HTTP_IF_MATCH=etag).status_code == 204
    assert lrs.get(path, params).json() == {"v": 2}
    assert lrs.delete(path, params, HTTP_IF_MATCH=etag).status_code == 412
    assert lrs.get(path, params).json() == {"v": 2}
    assert lrs.delete(path, params, HTTP_IF_MATCH="*").status_code == 204
    assert lrs.get(path, params).status_code == 404


@pytest.mark.parametrize(
    ("path", "params"),
    [("activities/profile", ACTIVITY_PROFILE), ("agents/profile", AGENT_PROFILE)],
)
def test_profile_if_none_match_creates_only_new(lrs, path, params):
    assert lrs.put(path, {"v": 1}, params, HTTP_IF_NONE_MATCH="*").status_code == 204
    assert lrs.put(path, {"v": 1}, params, HTTP_IF_MATCH='"x"').status_code == 412
    listing = {k: v for k, v in params.items() if k != "profileId"}
    assert lrs.get(path, listing).json() == [params["profileId"]]
    assert lrs.post(path, {"w": 2}, params).status_code == 204
    assert lrs.get(path, params).json() == {"v": 1, "w": 2}


def test_if_match_on_missing_document_is_412(lrs):
    response = lrs.put("activities/profile", {"v": 1}, ACTIVITY_PROFILE, HTTP_IF_MATCH='"abc"')
    assert response.status_code == 412
    assert not Document.objects.exists()


def test_profile_delete_needs_profile_id(lrs):
    assert lrs.delete("activities/profile", {"activityId": ACTIVITY}).status_code == 400


def test_binary_document_round_trips(lrs):
    body = bytes(range(256))
    params = {"activityId": ACTIVITY, "profileId": "blob"}
    lrs.put("activities/profile", body, params, content_type="application/octet-stream")
    response = lrs.get("activities/profile", params)
    assert response.content == body
    assert response["Content-Type"] == "application/octet-stream"
