"""Fixes from the independent xAPI 1.0.3 conformance check (ADR 0014).

Each test sends the request the checker sent and asserts the exact answer, quoting the
requirement it failed.
"""

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jineng.learning.models import Document, Statement
from jineng.learning.tests.conftest import new_id, statement
from jineng.learning.tests.test_attachments import declaration

ACTIVITY = "http://example.com/activities/welding"
ANONYMOUS = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}
REFUSED = {
    "code": "xapi_malformed",
    "detail": "agent: must be an Agent or an identified Group, not an anonymous Group",
    "field": "agent",
}


def test_canonical_gives_the_definition_the_store_learned_later(lrs: Any) -> None:
    """Part Three 2.1.3 format (XAPI-00169): "canonical: Return Activity Objects ... populated
    with the canonical definition of the Activity Objects ... as determined by the LRS" - a
    later statement's definition shows in an earlier statement read as canonical, one
    language per map."""
    first = new_id()
    assert lrs.post("statements", statement(id=first, object={"id": ACTIVITY})).status_code == 200
    later = {
        "id": ACTIVITY,
        "definition": {
            "name": {"en-US": "Welding", "zh-CN": "焊接"},
            "type": "http://adlnet.gov/expapi/activities/course",
        },
    }
    assert lrs.post("statements", statement(object=later)).status_code == 200

    response = lrs.get(
        "statements", {"statementId": first, "format": "canonical"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )

    assert response.status_code == 200
    assert response.json()["object"] == {
        "id": ACTIVITY,
        "definition": {
            "name": {"zh-CN": "焊接"},
            "type": "http://adlnet.gov/expapi/activities/course",
        },
    }
    exact = lrs.get("statements", {"statementId": first}).json()
    assert exact["object"] == {"id": ACTIVITY}


def _canonical_page(lrs: Any, activities: int) -> tuple[list[dict[str, Any]], int]:
    for i in range(activities):
        parent = {"id": f"{ACTIVITY}/{i}/parent", "definition": {"name": {"en-US": f"P{i}"}}}
        data = statement(
            object={"id": f"{ACTIVITY}/{i}", "definition": {"name": {"en-US": f"A{i}"}}},
            context={"contextActivities": {"parent": [parent]}},
        )
        assert lrs.post("statements", data).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = lrs.get("statements", {"format": "canonical"}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 200
    return response.json()["statements"], len(queries)


def test_canonical_page_reads_the_definitions_in_one_query(lrs: Any) -> None:
    """A page naming two activities and a page naming six cost the same number of queries."""
    _rows, one = _canonical_page(lrs, 1)
    Statement.objects.all().delete()
    rows, many = _canonical_page(lrs, 3)

    assert many == one
    assert [r["object"]["definition"] for r in rows] == [
        {"name": {"en-US": "A2"}},
        {"name": {"en-US": "A1"}},
        {"name": {"en-US": "A0"}},
    ]
    assert rows[0]["context"]["contextActivities"]["parent"] == [
        {"id": f"{ACTIVITY}/2/parent", "definition": {"name": {"en-US": "P2"}}}
    ]


def test_attachment_display_with_an_underscore_tag_is_refused(lrs: Any) -> None:
    """Part Two 2.4.11 (attachment display, description: "Language Map") and Part Two 5.2.2
    (Language Map: "keys ... MUST be an RFC 5646 Language Tag") - "en_US" is not one."""
    data = statement(
        attachments=[
            declaration(
                display={"en_US": "A test attachment"},
                fileUrl="http://example.com/files/essay.txt",
            )
        ]
    )

    response = lrs.post("statements", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {
        "code": "xapi_malformed",
        "detail": "attachments[0].display.en_US: not an RFC 5646 language tag",
        "field": "attachments[0].display.en_US",
    }
    assert not Statement.objects.exists()


def test_attachment_description_with_an_underscore_tag_is_refused(lrs: Any) -> None:
    """The same rule for an attachment's description."""
    data = statement(
        attachments=[
            declaration(description={"zh_CN": "附件"}, fileUrl="http://example.com/files/a.txt")
        ]
    )

    response = lrs.post("statements", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["field"] == "attachments[0].description.zh_CN"
    assert not Statement.objects.exists()


def test_anonymous_group_as_the_agent_filter_is_refused(lrs: Any) -> None:
    """Part Three 2.1.3 GET Statements, agent: "Filter, only return Statements for which the
    specified Agent or identified Group is the Actor or Object" - an anonymous Group
    identifies no one, so it is 400, never a filter switched off."""
    assert lrs.post("statements", statement()).status_code == 200

    response = lrs.get("statements", {"agent": json.dumps(ANONYMOUS)}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == REFUSED


def test_identified_group_as_the_agent_filter_still_filters(lrs: Any) -> None:
    """An identified Group (one inverse functional identifier) stays a valid agent filter."""
    group = {"objectType": "Group", "mbox": "mailto:team@example.com", "member": []}
    assert lrs.post("statements", statement()).status_code == 200
    mine = lrs.post("statements", statement(actor=group)).json()

    response = lrs.get("statements", {"agent": json.dumps(group)})

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["statements"]] == mine


STATE = {"activityId": ACTIVITY, "stateId": "s1", "agent": json.dumps(ANONYMOUS)}
PROFILE = {"profileId": "p1", "agent": json.dumps(ANONYMOUS)}


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("put", "activities/state", STATE),
        ("post", "activities/state", STATE),
        ("get", "activities/state", STATE),
        ("delete", "activities/state", STATE),
        ("put", "agents/profile", PROFILE),
        ("get", "agents/profile", PROFILE),
        ("delete", "agents/profile", PROFILE),
        ("get", "agents", {"agent": json.dumps(ANONYMOUS)}),
    ],
)
def test_anonymous_group_as_a_document_agent_is_refused(
    lrs: Any, method: str, path: str, params: dict[str, str]
) -> None:
    """Part Three 2.3 State, 2.6 Agent Profile and 2.5 Agents resources take an "agent"
    that is an "Agent object (JSON)" or identified Group - an anonymous Group has no key of
    its own, so it is 400 and no document is kept under an empty agent key."""
    if method in ("put", "post"):
        response = getattr(lrs, method)(path, {"x": 1}, params, HTTP_ACCEPT_LANGUAGE="en")
    else:
        response = getattr(lrs, method)(path, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == REFUSED
    assert not Document.objects.exists()


def test_stored_and_timestamp_keep_their_fraction_on_a_whole_second(lrs: Any) -> None:
    """Part Two 4.5 (XAPI-00122/123): "A Timestamp MUST preserve precision to at least
    milliseconds" - stored and the timestamp the store sets keep their fraction when the
    clock is on a whole second, in the microseconds they have otherwise."""
    whole = datetime.datetime(2026, 3, 2, 8, 0, 0, tzinfo=datetime.UTC)
    with time_machine.travel(whole, tick=False):
        (sid,) = lrs.post("statements", statement()).json()
        got = lrs.get("statements", {"statementId": sid}).json()

    assert got["stored"] == "2026-03-02T08:00:00.000000+00:00"
    assert got["timestamp"] == "2026-03-02T08:00:00.000000+00:00"
