"""The format parameter of GET Statements and the Activities resource (xAPI 1.0.3 Part Three).

``canonical`` returns one language per language map, chosen by Accept-Language as RFC 2616
chooses, per map; ``ids`` keeps only identifiers; the Activities resource answers the
definitions it has seen for an activity, merged, the newer winning per key.
"""

import copy
from typing import Any

import pytest

from jineng.learning import queries, services
from jineng.learning.tests.conftest import new_id, statement

COURSE = "http://example.com/activities/course"
NAMES = {"en-US": "Welding", "en-GB": "Welding (GB)", "zh-CN": "焊接"}
CHOICES = [
    {"id": "a", "description": {"en-US": "Arc", "zh-CN": "电弧焊"}},
    {"id": "b", "description": {"en-US": "Gas", "zh-CN": "气焊"}},
]


def rich() -> dict[str, Any]:
    """A statement with language maps in the verb, object, context activities and components."""
    activity = {
        "objectType": "Activity",
        "id": COURSE,
        "definition": {
            "name": dict(NAMES),
            "description": {"en-US": "A course", "zh-CN": "一门课"},
            "interactionType": "choice",
            "choices": copy.deepcopy(CHOICES),
            "correctResponsesPattern": ["a"],
        },
    }
    return statement(
        id=new_id(),
        verb={
            "id": "http://adlnet.gov/expapi/verbs/passed",
            "display": {"en-US": "passed", "zh-CN": "通过"},
        },
        object=activity,
        context={
            "instructor": {"objectType": "Agent", "name": "T", "mbox": "mailto:t@example.com"},
            "contextActivities": {
                "parent": {"id": "http://example.com/p", "definition": {"name": dict(NAMES)}}
            },
        },
    )


@pytest.mark.parametrize(
    ("header", "tag"),
    [
        ("en-GB", "en-GB"),
        ("zh-CN, en;q=0.5", "zh-CN"),
        ("en;q=0.5, zh-CN", "zh-CN"),
        ("fr, en;q=0.8", "en-US"),
        ("zh", "zh-CN"),
        ("EN-gb", "en-GB"),
        ("en-US;q=0, zh", "zh-CN"),
        # No range names a tag or a prefix of one: the closest tag (langcodes), as en-AU to en-GB.
        ("en-AU", "en-GB"),
        ("*", "en-US"),
        # Nothing near: still exactly one entry, the first.
        ("ja", "en-US"),
        ("", "en-US"),
    ],
)
def test_best_language_takes_one_entry_per_rfc_2616(header, tag):
    ranges = queries.accepted_languages(header)
    assert queries.best_language(NAMES, ranges) == {tag: NAMES[tag]}


def test_canonical_keeps_one_language_in_every_map():
    data = rich()
    got = queries.formatted(data, "canonical", "zh-CN,en;q=0.8")
    assert got["verb"]["display"] == {"zh-CN": "通过"}
    definition = got["object"]["definition"]
    assert definition["name"] == {"zh-CN": "焊接"}
    assert definition["description"] == {"zh-CN": "一门课"}
    assert [c["description"] for c in definition["choices"]] == [
        {"zh-CN": "电弧焊"},
        {"zh-CN": "气焊"},
    ]
    assert definition["correctResponsesPattern"] == ["a"]
    parent = got["context"]["contextActivities"]["parent"]
    assert parent == [{"id": "http://example.com/p", "definition": {"name": {"zh-CN": "焊接"}}}]
    # Agents stay exact; the statement passed in is left as it was.
    assert got["context"]["instructor"] == data["context"]["instructor"]
    assert data["object"]["definition"]["name"] == NAMES


def test_canonical_reaches_into_a_substatement():
    data = statement(
        object={
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:sub@example.com"},
            "verb": {"id": "http://x.y/v", "display": {"en-US": "did", "zh-CN": "做了"}},
            "object": {"id": COURSE, "definition": {"name": dict(NAMES)}},
        }
    )
    got = queries.formatted(data, "canonical", ["en-GB"])
    assert got["object"]["verb"]["display"] == {"en-US": "did"}
    assert got["object"]["object"]["definition"]["name"] == {"en-GB": "Welding (GB)"}


def test_canonical_over_http_follows_accept_language(lrs):
    data = rich()
    assert lrs.post("statements", data).status_code == 200
    got = lrs.get(
        "statements",
        {"statementId": data["id"], "format": "canonical"},
        HTTP_ACCEPT_LANGUAGE="en-GB",
    ).json()
    assert got["object"]["definition"]["name"] == {"en-GB": "Welding (GB)"}
    assert got["verb"]["display"] == {"en-US": "passed"}
    listed = lrs.get("statements", {"format": "canonical"}, HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert listed["statements"][0]["object"]["definition"]["name"] == {"zh-CN": "焊接"}
    exact = lrs.get("statements", {"statementId": data["id"]}, HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert exact["object"]["definition"]["name"] == NAMES


def test_ids_keeps_only_identifiers_everywhere():
    member = {"objectType": "Agent", "name": "M", "mbox": "mailto:m@example.com"}
    data = rich()
    data["actor"] = {"objectType": "Group", "name": "Anonymous", "member": [member]}
    data["context"]["team"] = {
        "objectType": "Group",
        "name": "Team",
        "mbox": "mailto:team@example.com",
        "member": [member],
    }
    data["authority"] = {
        "objectType": "Agent",
        "name": "A",
        "account": {"homePage": "http://h", "name": "1"},
    }
    got = queries.formatted(data, "ids")
    assert got["actor"] == {
        "objectType": "Group",
        "member": [{"objectType": "Agent", "mbox": "mailto:m@example.com"}],
    }
    assert got["verb"] == {"id": "http://adlnet.gov/expapi/verbs/passed"}
    assert got["object"] == {"objectType": "Activity", "id": COURSE}
    assert got["context"]["instructor"] == {"objectType": "Agent", "mbox": "mailto:t@example.com"}
    # An identified group is identified by its IFI alone.
    assert got["context"]["team"] == {"objectType": "Group", "mbox": "mailto:team@example.com"}
    assert got["context"]["contextActivities"] == {
        "parent": [{"objectType": "Activity", "id": "http://example.com/p"}]
    }
    assert got["authority"] == {
        "objectType": "Agent",
        "account": {"homePage": "http://h", "name": "1"},
    }


def test_ids_reduces_a_substatement():
    data = statement(
        object={
            "objectType": "SubStatement",
            "actor": {"name": "S", "mbox": "mailto:sub@example.com"},
            "verb": {"id": "http://x.y/v", "display": {"en-US": "did"}},
            "object": {"id": COURSE, "definition": {"name": dict(NAMES)}},
            "context": {"contextActivities": {"other": [{"id": "http://x.y/o", "definition": {}}]}},
        }
    )
    got = queries.formatted(data, "ids")["object"]
    assert got == {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:sub@example.com"},
        "verb": {"id": "http://x.y/v"},
        "object": {"objectType": "Activity", "id": COURSE},
        "context": {
            "contextActivities": {"other": [{"objectType": "Activity", "id": "http://x.y/o"}]}
        },
    }


def test_activities_resource_merges_the_definitions_it_has_seen(lrs, platform, bureau_admin):
    first = statement(
        object={
            "id": COURSE,
            "definition": {
                "name": {"en-US": "Welding", "zh-CN": "焊接"},
                "description": {"en-US": "Old"},
                "type": "http://adlnet.gov/expapi/activities/course",
                "extensions": {"http://x.y/level": 1, "http://x.y/kept": True},
            },
        }
    )
    second = statement(
        object={
            "id": COURSE,
            "definition": {
                "name": {"en-US": "Welding I"},
                "extensions": {"http://x.y/level": 2},
                "moreInfo": "http://example.com/more",
            },
        }
    )
    # Seen last, and only as a context activity.
    third = statement(
        context={
            "contextActivities": {
                "parent": {"id": COURSE, "definition": {"description": {"fr": "Cours"}}}
            }
        }
    )
    for data in (first, second, third):
        assert lrs.post("statements", data).status_code == 200
    other = services.create_platform("另一平台", actor=bureau_admin)
    services.store_statements(
        other, [statement(object={"id": COURSE, "definition": {"name": {"en-US": "Theirs"}}})]
    )
    got = lrs.get("activities", {"activityId": COURSE}).json()
    assert got == {
        "objectType": "Activity",
        "id": COURSE,
        "definition": {
            "name": {"en-US": "Welding I", "zh-CN": "焊接"},
            "description": {"en-US": "Old", "fr": "Cours"},
            "type": "http://adlnet.gov/expapi/activities/course",
            "moreInfo": "http://example.com/more",
            "extensions": {"http://x.y/level": 2, "http://x.y/kept": True},
        },
    }


def test_activity_seen_only_inside_a_substatement_is_known(platform):
    data = statement(
        object={
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:sub@example.com"},
            "verb": {"id": "http://x.y/v"},
            "object": {"id": COURSE, "definition": {"name": {"en-US": "Inner"}}},
        }
    )
    services.store_statements(platform, [data])
    assert queries.activity_definition(COURSE, platform_id=platform.pk) == {
        "objectType": "Activity",
        "id": COURSE,
        "definition": {"name": {"en-US": "Inner"}},
    }
    assert queries.activity_definition("http://x.y/unseen", platform_id=platform.pk) is None
