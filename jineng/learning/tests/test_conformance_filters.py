"""GET Statements filters of xAPI 1.0.3 (Part Three, Statement Resource, GET Statements).

``related_agents`` and ``related_activities`` widen the agent and activity filters to every
position; a statement whose object is a StatementRef meets a filter when the statement it
targets does, voided or not, down a chain of references, while since/until still apply to
the referring statement itself.
"""

import json
from typing import Any

import pytest

from jineng.learning import queries, services
from jineng.learning.models import Statement
from jineng.learning.tests.conftest import new_id, statement

TEACHER = {"objectType": "Agent", "mbox": "mailto:teacher@example.com"}
TEACHER_KEY = "mbox:mailto:teacher@example.com"
MEMBER = {"account": {"homePage": "http://example.com/home", "name": "member-7"}}
MEMBER_KEY = "account:http://example.com/home|member-7"
SHA1 = "cd9b00a5611f94eaa7b1661edab976068e364975"
COURSE = "http://example.com/activities/course"
ANSWERED = {"id": "http://adlnet.gov/expapi/verbs/answered"}
CONFIRMED = {"id": "http://example.com/verbs/confirmed"}
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided"}


def sub(**overrides: Any) -> dict[str, Any]:
    data = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:sub@example.com"},
        "verb": ANSWERED,
        "object": {"id": "http://example.com/activities/other"},
    }
    data.update(overrides)
    return data


def ref(target: str, verb: dict[str, str] = CONFIRMED, **overrides: Any) -> dict[str, Any]:
    data = statement(
        id=new_id(),
        actor={"mbox": "mailto:confirmer@example.com"},
        verb=verb,
        object={"objectType": "StatementRef", "id": target},
    )
    data.update(overrides)
    return data


def store(platform: Any, *statements: dict[str, Any]) -> list[str]:
    """Store each statement in its own request, so each has its own stored time."""
    for data in statements:
        services.store_statements(platform, [data])
    return [data["id"] for data in statements]


def found(platform: Any, **filters: Any) -> set[str]:
    flt = queries.StatementFilter(platform_id=platform.pk, **filters)
    rows, _more = queries.find_statements(flt)
    return {str(r.statement_id) for r in rows}


@pytest.fixture
def agents(platform):
    """One statement per agent position the teacher takes, and one without the teacher."""
    rows = {
        "actor": statement(id=new_id(), actor=TEACHER),
        "object": statement(id=new_id(), object=dict(TEACHER)),
        "instructor": statement(id=new_id(), context={"instructor": TEACHER}),
        "team member": statement(
            id=new_id(), context={"team": {"objectType": "Group", "member": [TEACHER]}}
        ),
        "group member": statement(
            id=new_id(), actor={"objectType": "Group", "member": [TEACHER, MEMBER]}
        ),
        "sub actor": statement(id=new_id(), object=sub(actor=TEACHER)),
        "sub object": statement(id=new_id(), object=sub(object=dict(TEACHER))),
        "sub instructor": statement(id=new_id(), object=sub(context={"instructor": TEACHER})),
        "sha1 actor": statement(id=new_id(), actor={"mbox_sha1sum": SHA1}),
        "unrelated": statement(id=new_id(), context={"extensions": {"http://x.y/e": TEACHER}}),
    }
    store(platform, *rows.values())
    return {name: data["id"] for name, data in rows.items()}


def test_agent_filter_without_related_agents_matches_actor_and_object_only(platform, agents):
    assert found(platform, agent=TEACHER_KEY) == {agents["actor"], agents["object"]}


def test_related_agents_matches_every_agent_position(platform, agents):
    expected = {v for k, v in agents.items() if k not in ("unrelated", "sha1 actor")}
    assert found(platform, agent=TEACHER_KEY, related_agents=True) == expected


def test_related_agents_matches_accounts_and_sha1_sums(platform, agents):
    assert found(platform, agent=MEMBER_KEY, related_agents=True) == {agents["group member"]}
    assert found(platform, agent="sha1:" + SHA1, related_agents=True) == {agents["sha1 actor"]}


@pytest.fixture
def activities(platform):
    """One statement per activity position the course takes, and one that only mentions it."""
    course = {"id": COURSE, "objectType": "Activity"}
    rows = {
        "object": statement(id=new_id(), object=dict(course)),
        "category": statement(id=new_id(), context={"contextActivities": {"category": course}}),
        "grouping": statement(
            id=new_id(),
            context={"contextActivities": {"grouping": [{"id": "http://x.y/a"}, {"id": COURSE}]}},
        ),
        "sub object": statement(id=new_id(), object=sub(object={"id": COURSE})),
        "sub parent": statement(
            id=new_id(), object=sub(context={"contextActivities": {"parent": [course]}})
        ),
        "unrelated": statement(id=new_id(), result={"extensions": {"http://x.y/e": course}}),
    }
    store(platform, *rows.values())
    return {name: data["id"] for name, data in rows.items()}


def test_activity_filter_without_related_activities_matches_the_object_only(platform, activities):
    assert found(platform, activity=COURSE) == {activities["object"]}


def test_related_activities_matches_context_activities_and_substatements(platform, activities):
    expected = {v for k, v in activities.items() if k != "unrelated"}
    assert found(platform, activity=COURSE, related_activities=True) == expected


def test_related_filters_survive_the_more_link(platform, activities):
    flt = queries.StatementFilter(
        platform_id=platform.pk, activity=COURSE, related_activities=True, limit=2
    )
    seen: set[str] = set()
    while True:
        rows, token = queries.find_statements(flt)
        seen |= {str(r.statement_id) for r in rows}
        if token is None:
            break
        flt = queries.StatementFilter.from_token(token)
        assert flt.related_activities is True
        assert flt.related_agents is False
    assert seen == {v for k, v in activities.items() if k != "unrelated"}


def test_statements_targeting_a_match_through_statement_refs_match_too(platform):
    # "Ben passed explosives training", "Andrew confirmed <StatementRef>" (Part Three).
    passed = statement(id=new_id(), actor=TEACHER, object={"id": COURSE})
    other = statement(id=new_id(), object={"id": "http://example.com/activities/other"})
    confirmed = ref(passed["id"])
    chained = ref(confirmed["id"], verb={"id": "http://example.com/verbs/noted"})
    about_other = ref(other["id"])
    store(platform, passed, other, confirmed, chained, about_other)
    expected = {passed["id"], confirmed["id"], chained["id"]}
    assert found(platform, activity=COURSE) == expected
    assert found(platform, agent=TEACHER_KEY) == expected
    assert found(platform, verb=CONFIRMED["id"]) == {
        confirmed["id"],
        about_other["id"],
        chained["id"],
    }


def test_voiding_statement_of_a_matching_statement_is_returned_and_the_voided_one_is_not(platform):
    target = statement(id=new_id(), object={"id": COURSE})
    voiding = ref(target["id"], verb=VOIDED)
    store(platform, target, voiding)
    assert Statement.objects.get(statement_id=target["id"]).is_voided
    assert found(platform, activity=COURSE) == {voiding["id"]}


def test_since_and_until_apply_to_the_referring_statement(platform):
    target = statement(id=new_id(), object={"id": COURSE})
    confirmed = ref(target["id"])
    store(platform, target, confirmed)
    first = Statement.objects.get(statement_id=target["id"]).stored
    assert found(platform, activity=COURSE, since=first) == {confirmed["id"]}
    assert found(platform, activity=COURSE, until=first) == {target["id"]}


def test_statement_refs_in_a_cycle_end(platform):
    one, two = new_id(), new_id()
    # A StatementRef may name a statement the store has not seen yet.
    store(
        platform,
        ref(two, id=one, verb={"id": "http://example.com/verbs/one"}),
        ref(one, id=two, verb={"id": "http://example.com/verbs/two"}),
    )
    assert found(platform, verb="http://example.com/verbs/one") == {one, two}


def test_statement_refs_of_another_platform_are_not_followed(platform, bureau_admin):
    target = statement(id=new_id(), object={"id": COURSE})
    store(platform, target)
    other = services.create_platform("另一平台", actor=bureau_admin)
    store(other, ref(target["id"]))
    assert found(platform, activity=COURSE) == {target["id"]}
    assert found(other, activity=COURSE) == set()


def test_related_filters_over_http(lrs, platform):
    """The query parameters as the conformance run sends them (GET, true as text)."""
    course = {"id": COURSE, "objectType": "Activity"}
    data = statement(
        id=new_id(),
        context={"instructor": TEACHER, "contextActivities": {"category": course}},
    )
    assert lrs.post("statements", data).status_code == 200

    def ids(params: dict[str, str]) -> list[str]:
        response = lrs.get("statements", params)
        assert response.status_code == 200, response.content
        return [s["id"] for s in response.json()["statements"]]

    assert ids({"agent": json.dumps(TEACHER), "related_agents": "true"}) == [data["id"]]
    assert ids({"agent": json.dumps(TEACHER), "related_agents": "false"}) == []
    assert ids({"activity": COURSE, "related_activities": "true"}) == [data["id"]]
    assert ids({"activity": COURSE}) == []
