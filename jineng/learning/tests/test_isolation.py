import json

import pytest

from jineng.learning import services
from jineng.learning.models import Document, Statement
from jineng.learning.tests.conftest import Lrs, new_id, statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


@pytest.fixture
def other(bureau_admin):
    platform = services.create_platform("另一平台", actor=bureau_admin)
    credential, secret = services.create_credential(platform, actor=bureau_admin)
    return Lrs((credential.key, secret))


def test_a_platform_reads_only_its_own_statements(lrs, other):
    mine = new_id()
    lrs.post("statements", statement(id=mine))
    assert other.get("statements", {"statementId": mine}).status_code == 404
    assert other.get("statements").json()["statements"] == []
    assert [s["id"] for s in lrs.get("statements").json()["statements"]] == [mine]


def test_a_platform_cannot_void_another_platforms_statement(lrs, other):
    mine = new_id()
    lrs.post("statements", statement(id=mine))
    voiding = statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": mine})
    response = other.post("statements", voiding)
    assert response.status_code == 403
    assert Statement.objects.count() == 1
    assert not Statement.objects.get().is_voided


def test_a_platform_cannot_reuse_another_platforms_statement_id(lrs, other):
    mine = new_id()
    lrs.post("statements", statement(id=mine))
    changed = statement(verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    assert other.put("statements", changed, {"statementId": mine}).status_code == 409


def test_a_more_link_works_only_for_its_platform(lrs, other):
    lrs.post("statements", [statement(), statement()])
    more = lrs.get("statements", {"limit": 1}).json()["more"]
    assert more
    assert other.client.get(more, **other.headers).status_code == 400
    assert lrs.client.get(more, **lrs.headers).status_code == 200


def test_documents_are_kept_per_platform(lrs, other):
    params = {
        "activityId": "http://example.com/a",
        "agent": json.dumps({"mbox": "mailto:a@b.c"}),
        "stateId": "bookmark",
    }
    lrs.put("activities/state", {"page": 1}, params)
    assert other.get("activities/state", params).status_code == 404
    other.put("activities/state", {"page": 9}, params)
    assert lrs.get("activities/state", params).json() == {"page": 1}
    assert Document.objects.count() == 2
