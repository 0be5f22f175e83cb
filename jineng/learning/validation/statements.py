"""Check xAPI 1.0.3 statements and put them in their stored form."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from jineng.learning.validation.agents import check_agent, check_authority
from jineng.learning.validation.values import (
    check_extensions,
    check_iri,
    check_language_map,
    check_language_tag,
    check_object,
    check_uuid,
    fail,
    parse_duration,
    parse_timestamp,
)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
STATEMENT_KEYS = frozenset(
    {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    }
)
SUBSTATEMENT_KEYS = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
CONTEXT_KEYS = frozenset(
    {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
)
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
ACTIVITY_DEFINITION_KEYS = frozenset(
    {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        "choices",
        "scale",
        "source",
        "target",
        "steps",
    }
)

# The interaction types of xAPI 1.0.3 (Part Two, Interaction Activities) and the interaction
# components each may carry; a component with another type, or an unknown type, is refused.
INTERACTION_COMPONENTS: dict[str, frozenset[str]] = {
    "true-false": frozenset(),
    "choice": frozenset({"choices"}),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "numeric": frozenset(),
    "other": frozenset(),
}
COMPONENT_KEYS = ("choices", "scale", "source", "target", "steps")
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})


def _components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise fail(path, _("must be an array of interaction components"))
    seen = set()
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        component = check_object(item, where, frozenset({"id", "description"}))
        if not isinstance(component.get("id"), str) or not component["id"]:
            raise fail(where + ".id", _("must be a non-empty string"))
        if component["id"] in seen:
            raise fail(where + ".id", _("repeats the id of another component"))
        seen.add(component["id"])
        if "description" in component:
            check_language_map(component["description"], where + ".description")


def _interaction(definition: dict[str, Any], path: str) -> None:
    kind = definition.get("interactionType")
    if kind is None:
        if "correctResponsesPattern" in definition:
            raise fail(
                path + ".correctResponsesPattern", _("is allowed only with an interactionType")
            )
        allowed: frozenset[str] = frozenset()
    elif not isinstance(kind, str) or kind not in INTERACTION_COMPONENTS:
        raise fail(path + ".interactionType", _("not an xAPI interaction type"))
    else:
        allowed = INTERACTION_COMPONENTS[kind]
    if "correctResponsesPattern" in definition:
        pattern = definition["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
            raise fail(path + ".correctResponsesPattern", _("must be an array of strings"))
    for key in COMPONENT_KEYS:
        if key in definition:
            if key not in allowed:
                raise fail(
                    f"{path}.{key}",
                    _("is not allowed with interactionType {kind}").format(kind=kind or "-"),
                )
            _components(definition[key], f"{path}.{key}")


def _activity(value: Any, path: str) -> None:
    activity = check_object(value, path, frozenset({"objectType", "id", "definition"}))
    if activity.get("objectType", "Activity") != "Activity":
        raise fail(path + ".objectType", _("must be Activity"))
    check_iri(activity.get("id"), path + ".id")
    if "definition" in activity:
        where = path + ".definition"
        definition = check_object(activity["definition"], where, ACTIVITY_DEFINITION_KEYS)
        for key in ("name", "description"):
            if key in definition:
                check_language_map(definition[key], f"{where}.{key}")
        for key in ("type", "moreInfo"):
            if key in definition:
                check_iri(definition[key], f"{where}.{key}")
        _interaction(definition, where)
        if "extensions" in definition:
            check_extensions(definition["extensions"], where + ".extensions")


def _statement_object(value: Any, path: str, *, nested: bool) -> None:
    kind = value.get("objectType", "Activity") if isinstance(value, dict) else None
    if kind == "Activity":
        _activity(value, path)
    elif kind in ("Agent", "Group"):
        check_agent(value, path)
    elif kind == "StatementRef":
        ref = check_object(value, path, frozenset({"objectType", "id"}))
        check_uuid(ref.get("id"), path + ".id")
    elif kind == "SubStatement" and not nested:
        sub = check_object(value, path, SUBSTATEMENT_KEYS)
        _core(sub, path, nested=True)
    else:
        raise fail(path, _("unsupported object type"))


def _result(value: Any, path: str) -> None:
    result = check_object(value, path, RESULT_KEYS)
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            raise fail(f"{path}.{key}", _("must be true or false"))
    if "response" in result and not isinstance(result["response"], str):
        raise fail(path + ".response", _("must be a string"))
    if "duration" in result:
        parse_duration(result["duration"], path + ".duration")
    if "score" in result:
        score = check_object(
            result["score"], path + ".score", frozenset({"scaled", "raw", "min", "max"})
        )
        for key, number in score.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise fail(f"{path}.score.{key}", _("must be a number"))
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            raise fail(path + ".score.scaled", _("must lie between -1 and 1"))
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and low > high:
            raise fail(path + ".score.min", _("must not exceed max"))
        raw = score.get("raw")
        if raw is not None and (
            (low is not None and raw < low) or (high is not None and raw > high)
        ):
            raise fail(path + ".score.raw", _("must lie between min and max"))
    if "extensions" in result:
        check_extensions(result["extensions"], path + ".extensions")


def _context(value: Any, path: str, object_kind: str) -> None:
    context = check_object(value, path, CONTEXT_KEYS)
    if "registration" in context:
        check_uuid(context["registration"], path + ".registration")
    if "instructor" in context:
        check_agent(context["instructor"], path + ".instructor")
    if "team" in context:
        team = context["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            raise fail(path + ".team", _("must be a Group"))
        check_agent(team, path + ".team")
    if "contextActivities" in context:
        groups = check_object(
            context["contextActivities"], path + ".contextActivities", CONTEXT_ACTIVITY_KEYS
        )
        for key, items in groups.items():
            if not isinstance(items, list | dict):
                raise fail(
                    f"{path}.contextActivities.{key}", _("must be an Activity or an array of them")
                )
            for i, item in enumerate(items if isinstance(items, list) else [items]):
                _activity(item, f"{path}.contextActivities.{key}[{i}]")
    for key in ("revision", "platform"):
        if key in context:
            if object_kind != "Activity":
                raise fail(f"{path}.{key}", _("is allowed only about an Activity"))
            if not isinstance(context[key], str):
                raise fail(f"{path}.{key}", _("must be a string"))
    if "language" in context:
        check_language_tag(context["language"], path + ".language")
    if "statement" in context:
        where = path + ".statement"
        ref = check_object(context["statement"], where, frozenset({"objectType", "id"}))
        if ref.get("objectType") != "StatementRef":
            raise fail(path + ".statement", _("must be a StatementRef"))
        check_uuid(ref.get("id"), path + ".statement.id")
    if "extensions" in context:
        check_extensions(context["extensions"], path + ".extensions")


def _core(statement: dict[str, Any], path: str, *, nested: bool) -> None:
    prefix = path + "." if path else ""
    for key in ("actor", "verb", "object"):
        if key not in statement:
            raise fail(prefix + key, _("is required"))
    check_agent(statement["actor"], prefix + "actor")
    verb = check_object(statement["verb"], prefix + "verb", frozenset({"id", "display"}))
    check_iri(verb.get("id"), prefix + "verb.id")
    if "display" in verb:
        check_language_map(verb["display"], prefix + "verb.display")
    _statement_object(statement["object"], prefix + "object", nested=nested)
    if "result" in statement:
        _result(statement["result"], prefix + "result")
    if "context" in statement:
        kind = statement["object"].get("objectType", "Activity")
        _context(statement["context"], prefix + "context", kind)
    if "timestamp" in statement:
        parse_timestamp(statement["timestamp"], prefix + "timestamp")
    if statement.get("attachments"):
        raise fail(prefix + "attachments", _("attachments are not supported by this store"))


def normalise(statement: dict[str, Any]) -> dict[str, Any]:
    """Put a checked statement in its stored form, in place, and return it.

    A single Activity given for a ``contextActivities`` key (parent, grouping, category,
    other) becomes an array of that one Activity, in the statement and in a SubStatement
    (Part Two, ContextActivities: the LRS returns arrays).
    """
    targets = [statement]
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        targets.append(target)
    for part in targets:
        groups = (part.get("context") or {}).get("contextActivities") or {}
        for key, items in groups.items():
            if isinstance(items, dict):
                groups[key] = [items]
    return statement


def check_statement(statement: Any) -> dict[str, Any]:
    """Check one statement against xAPI 1.0.3 and return it in its stored form."""
    check_object(statement, "", STATEMENT_KEYS)
    if "id" in statement:
        check_uuid(statement["id"], "id")
    _core(statement, "", nested=False)
    if "version" in statement and not (
        isinstance(statement["version"], str) and re.match(r"^1\.0(\.\d+)?$", statement["version"])
    ):
        raise fail("version", _("must be a 1.0.x version"))
    if "stored" in statement:
        parse_timestamp(statement["stored"], "stored")
    if "authority" in statement:
        check_authority(statement["authority"])
    if statement["verb"]["id"] == VOIDED:
        target = statement["object"]
        if target.get("objectType") != "StatementRef":
            raise fail("object", _("a voiding statement must target a StatementRef"))
    return normalise(statement)
