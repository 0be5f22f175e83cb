"""xAPI 1.0.3 statement validation and normalisation, as an independent client sends them.

Each case is a request the ADL conformance run makes (lrs-conformance-test-suite, v1_0_3
configs) or a rule of the specification's own text (Part Two: Statements, Data Types), with
the 400 and the field it names.
"""

import copy
from typing import Any

import pytest

from jineng.learning.models import Statement
from jineng.learning.tests.conftest import new_id, statement

ACTIVITY = "http://example.com/activities/quiz"
TWO_MEMBERS = {
    "objectType": "Group",
    "member": [
        {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_x75db"}},
        {"mbox": "mailto:bob@example.com"},
    ],
}


def interaction(**definition: Any) -> dict[str, Any]:
    return statement(object={"id": ACTIVITY, "definition": definition})


def substatement(**overrides: Any) -> dict[str, Any]:
    sub = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:sub@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": ACTIVITY},
    }
    sub.update(overrides)
    return statement(object=sub)


def refused(lrs: Any, data: dict[str, Any]) -> dict[str, Any]:
    response = lrs.post("statements", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert not Statement.objects.exists()
    body = response.json()
    assert body["code"] == "xapi_malformed"
    return body


CHOICES = [{"id": "a", "description": {"en-US": "A"}}, {"id": "b", "description": {"en-US": "B"}}]


@pytest.mark.parametrize(
    ("data", "field", "detail"),
    [
        # Interaction activities: the enumerated types, exactly.
        (interaction(interactionType="Choice"), "object.definition.interactionType", None),
        (
            interaction(interactionType="http://x.y/choice"),
            "object.definition.interactionType",
            None,
        ),
        (interaction(interactionType=12345), "object.definition.interactionType", None),
        (interaction(interactionType={"a": 1}), "object.definition.interactionType", None),
        # Components only with the types that use them.
        (
            interaction(interactionType="true-false", choices=CHOICES),
            "object.definition.choices",
            "object.definition.choices: is not allowed with interactionType true-false",
        ),
        (interaction(interactionType="choice", scale=CHOICES), "object.definition.scale", None),
        (interaction(interactionType="likert", steps=CHOICES), "object.definition.steps", None),
        (
            interaction(interactionType="matching", choices=CHOICES),
            "object.definition.choices",
            None,
        ),
        (
            interaction(interactionType="performance", source=CHOICES),
            "object.definition.source",
            None,
        ),
        (interaction(choices=CHOICES), "object.definition.choices", None),
        (
            interaction(interactionType="choice", choices=[CHOICES[0], CHOICES[0]]),
            "object.definition.choices[1].id",
            None,
        ),
        (
            interaction(interactionType="choice", choices=[{"id": "a", "description": {}}]),
            "object.definition.choices[0].description",
            None,
        ),
        # correctResponsesPattern only with an interactionType, and an array of strings.
        (
            interaction(correctResponsesPattern=["true"]),
            "object.definition.correctResponsesPattern",
            "object.definition.correctResponsesPattern: is allowed only with an interactionType",
        ),
        (
            interaction(interactionType="true-false", correctResponsesPattern="true"),
            "object.definition.correctResponsesPattern",
            None,
        ),
        # Language maps: RFC 5646 tags, at least one entry (Data 4.2, XAPI-00121).
        (
            statement(verb={"id": "http://x.y/v", "display": {"a12345": "should error"}}),
            "verb.display.a12345",
            "verb.display.a12345: not an RFC 5646 language tag",
        ),
        (statement(verb={"id": "http://x.y/v", "display": {}}), "verb.display", None),
        (statement(verb={"id": "http://x.y/v", "display": "x"}), "verb.display", None),
        (
            statement(verb={"id": "http://x.y/v", "display": {"en_US": "x"}}),
            "verb.display.en_US",
            None,
        ),
        (interaction(name={"xx-yyy-zzzz": "x"}), "object.definition.name.xx-yyy-zzzz", None),
        (interaction(description={"en-US": 5}), "object.definition.description.en-US", None),
        (statement(context={"language": "not a tag"}), "context.language", None),
        (statement(context={"language": 5}), "context.language", None),
        # mbox: mailto: and a valid address, in every agent position.
        (
            statement(actor={"mbox": "mailto:not an address"}),
            "actor.mbox",
            "actor.mbox: must be mailto: followed by a valid e-mail address",
        ),
        (statement(actor={"mbox": "mailto:"}), "actor.mbox", None),
        (
            statement(actor={"objectType": "Group", "member": [{"mbox": "mailto:x"}]}),
            "actor.member[0].mbox",
            None,
        ),
        (
            statement(context={"instructor": {"mbox": "mailto:@example.com"}}),
            "context.instructor.mbox",
            None,
        ),
        (
            statement(context={"team": {"objectType": "Group", "mbox": "bob@example.com"}}),
            "context.team.mbox",
            None,
        ),
        (statement(object={"objectType": "Agent", "mbox": "mailto:a@"}), "object.mbox", None),
        (substatement(actor={"mbox": "mailto:no-at-sign"}), "object.actor.mbox", None),
        (
            substatement(object={"objectType": "Agent", "mbox": "mailto:a b@c.de"}),
            "object.object.mbox",
            None,
        ),
        (statement(authority={"mbox": "mailto:nobody"}), "authority.mbox", None),
        # authority: an Agent, or an anonymous Group of exactly two (Data 2.4.9, XAPI-00098).
        (
            statement(authority={**TWO_MEMBERS, "member": TWO_MEMBERS["member"][:1]}),
            "authority.member",
            "authority.member: an authority group must have exactly two members",
        ),
        (
            statement(
                authority={
                    **TWO_MEMBERS,
                    "member": [*TWO_MEMBERS["member"], {"mbox": "mailto:james@example.com"}],
                }
            ),
            "authority.member",
            None,
        ),
        (statement(authority={**TWO_MEMBERS, "mbox": "mailto:bob@example.com"}), "authority", None),
        (
            statement(authority={**TWO_MEMBERS, "openid": "http://openid.example.org/1"}),
            "authority",
            None,
        ),
        (statement(authority={"objectType": "Group"}), "authority.member", None),
        # Timestamps: the unknown offset -00:00 in any spelling (Data 4.5).
        (
            statement(timestamp="2013-05-18T05:32:34.804-00:00"),
            "timestamp",
            "timestamp: the offset -00:00 is not allowed",
        ),
        (statement(timestamp="2013-05-18T05:32:34.804-0000"), "timestamp", None),
        (statement(timestamp="2013-05-18T05:32:34.804-00"), "timestamp", None),
        (substatement(timestamp="2013-05-18T05:32:34-00:00"), "object.timestamp", None),
        # Durations: ISO 8601:2004 4.4.3.2 only; weeks stand alone (Data 4.6, XAPI-00077).
        (
            statement(result={"duration": "P4W1D"}),
            "result.duration",
            "result.duration: not an ISO 8601 duration",
        ),
        (statement(result={"duration": "PA1H0M0S"}), "result.duration", None),
        (statement(result={"duration": "should fail"}), "result.duration", None),
        (statement(result={"duration": 12345}), "result.duration", None),
        (statement(result={"duration": {"key": "invalid"}}), "result.duration", None),
        (statement(result={"duration": "PT1.5H30M"}), "result.duration", None),
        (statement(result={"duration": "P1WT1H"}), "result.duration", None),
        (substatement(result={"duration": "P4W1D"}), "object.result.duration", None),
    ],
)
def test_statement_breaking_a_must_is_400_naming_the_field(lrs, data, field, detail):
    body = refused(lrs, data)
    assert body["field"] == field
    if detail is not None:
        assert body["detail"] == detail


@pytest.mark.parametrize(
    "data",
    [
        interaction(interactionType="true-false", correctResponsesPattern=["true"]),
        interaction(interactionType="choice", choices=CHOICES, correctResponsesPattern=["a[,]b"]),
        interaction(interactionType="sequencing", choices=CHOICES),
        interaction(interactionType="likert", scale=CHOICES),
        interaction(interactionType="matching", source=CHOICES, target=CHOICES),
        interaction(interactionType="performance", steps=CHOICES),
        interaction(interactionType="fill-in", correctResponsesPattern=["Bob's your uncle"]),
        interaction(interactionType="long-fill-in"),
        interaction(interactionType="numeric", correctResponsesPattern=["4[:]"]),
        interaction(interactionType="other"),
        interaction(name={"zh-Hans-CN": "焊接", "en-US": "Welding", "es-419": "Soldadura"}),
        statement(verb={"id": "http://x.y/v", "display": {"sgn-BE-FR": "x", "und": "y"}}),
        statement(context={"language": "zh-CN"}),
        statement(actor={"mbox": "mailto:a@b.c"}),
        statement(actor={"mbox": "mailto:xapi@adlnet.gov"}),
        statement(
            actor={"objectType": "Group", "member": [{"mbox": "mailto:m@example.com"}]},
            context={"instructor": {"mbox": "mailto:i@example.com"}},
        ),
        statement(authority={"mbox": "mailto:authority@example.com"}),
        statement(authority=copy.deepcopy(TWO_MEMBERS)),
        statement(timestamp="2013-05-18T05:32:34.804+00:00"),
        statement(timestamp="2013-05-18T05:32:34.804+0000"),
        statement(timestamp="2013-05-18T05:32:34.804Z"),
        statement(timestamp="2013-05-18T05:32:34-05:00"),
        statement(result={"duration": "PT1H0M0.1S"}),
        statement(result={"duration": "PT4H35M59.14S"}),
        statement(result={"duration": "PT16559.14S"}),
        statement(result={"duration": "P3Y1M29DT4H35M59.14S"}),
        statement(result={"duration": "P3Y"}),
        statement(result={"duration": "P4W"}),
        statement(result={"duration": "PT0,5S"}),
        substatement(result={"duration": "PT1H0M0.1S"}),
    ],
)
def test_statement_the_specification_allows_is_stored(lrs, data):
    response = lrs.post("statements", data)
    assert response.status_code == 200, response.content
    assert Statement.objects.count() == 1


def test_fractional_week_duration_counts_its_seconds(lrs):
    lrs.post("statements", statement(result={"duration": "P0.5W"}))
    assert Statement.objects.get().duration_seconds == 3.5 * 86400


def test_single_context_activities_are_stored_and_returned_as_arrays(lrs):
    one = {"id": "http://example.com/activities/course", "objectType": "Activity"}
    groups = {
        key: dict(one, id=f"{one['id']}/{key}")
        for key in ("parent", "grouping", "category", "other")
    }
    sid = new_id()
    data = statement(id=sid, context={"contextActivities": copy.deepcopy(groups)})
    data["object"] = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:sub@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": ACTIVITY},
        "context": {"contextActivities": {"parent": dict(one)}},
    }
    assert lrs.post("statements", data).status_code == 200
    expected = {key: [value] for key, value in groups.items()}
    stored = Statement.objects.get().data
    assert stored["context"]["contextActivities"] == expected
    assert stored["object"]["context"]["contextActivities"] == {"parent": [one]}
    got = lrs.get("statements", {"statementId": sid}).json()
    assert got["context"]["contextActivities"] == expected
    assert got["object"]["context"]["contextActivities"] == {"parent": [one]}


def test_resending_a_single_context_activity_as_an_array_is_the_same_statement(lrs):
    sid = new_id()
    one = {"id": "http://example.com/activities/course"}
    assert (
        lrs.post(
            "statements", statement(id=sid, context={"contextActivities": {"parent": one}})
        ).status_code
        == 200
    )
    again = statement(id=sid, context={"contextActivities": {"parent": [one]}})
    assert lrs.post("statements", again).status_code == 200
    assert Statement.objects.count() == 1


def test_context_activity_that_is_neither_object_nor_array_is_400(lrs):
    body = refused(lrs, statement(context={"contextActivities": {"parent": "http://x.y/a"}}))
    assert body["field"] == "context.contextActivities.parent"
