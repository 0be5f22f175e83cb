"""Check xAPI 1.0.3 statements, agents and parameters; raise Malformed (400) on any fault."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django.utils.translation import gettext as _

from jineng.core.errors import ValidationFailed

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
AGENT_KEYS = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
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

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
_DURATION = re.compile(
    r"^P(?!$)(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
# Seconds per unit; years and months are taken at their average length.
_UNIT_SECONDS = {
    "y": 365.25 * 86400,
    "mo": 30.44 * 86400,
    "w": 7 * 86400,
    "d": 86400,
    "h": 3600,
    "mi": 60,
    "s": 1,
}


class Malformed(ValidationFailed):
    """A request to the record store breaks the xAPI 1.0.3 specification."""

    code = "xapi_malformed"


def _fail(path: str, reason: str) -> Malformed:
    return Malformed(_("{path}: {reason}").format(path=path, reason=reason), field=path or None)


def parse_duration(value: Any, path: str = "result.duration") -> float:
    """Return the seconds of an ISO 8601 duration (PnYnMnDTnHnMnS or PnW)."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise _fail(path, _("not an ISO 8601 duration"))
    return sum(float(v) * _UNIT_SECONDS[k] for k, v in match.groupdict().items() if v)


def parse_timestamp(value: Any, path: str) -> datetime.datetime:
    """Return an aware datetime from an ISO 8601 timestamp; no zone means UTC."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value) or value.endswith("-00:00"):
        raise _fail(path, _("not an ISO 8601 timestamp"))
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise _fail(path, _("not an ISO 8601 timestamp")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def check_uuid(value: Any, path: str) -> uuid.UUID:
    """Return a UUID from its canonical text form."""
    try:
        if not isinstance(value, str) or len(value) != 36:
            raise ValueError
        return uuid.UUID(value)
    except ValueError:
        raise _fail(path, _("not a UUID")) from None


def check_iri(value: Any, path: str) -> str:
    """Return an absolute IRI (scheme and body, no whitespace)."""
    if not isinstance(value, str) or not _IRI.match(value):
        raise _fail(path, _("not an absolute IRI"))
    return value


def _object(value: Any, path: str, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, _("must be a JSON object"))
    if allowed is not None:
        extra = sorted(set(value) - allowed)
        if extra:
            raise _fail(path, _("unknown property {name}").format(name=extra[0]))
    return value


def _language_map(value: Any, path: str) -> None:
    _object(value, path)
    if not all(isinstance(v, str) for v in value.values()):
        raise _fail(path, _("must map language tags to strings"))


def _extensions(value: Any, path: str) -> None:
    for key in _object(value, path):
        check_iri(key, f"{path}.{key}")


def _ifis(value: dict[str, Any], path: str) -> list[str]:
    found = [k for k in IFI_KEYS if k in value]
    for key in found:
        item, where = value[key], f"{path}.{key}"
        if key == "mbox" and not (isinstance(item, str) and item.startswith("mailto:")):
            raise _fail(where, _("must be a mailto: IRI"))
        if key == "mbox_sha1sum" and not (isinstance(item, str) and _SHA1.match(item)):
            raise _fail(where, _("must be a SHA-1 hex digest"))
        if key == "openid":
            check_iri(item, where)
        if key == "account":
            account = _object(item, where, frozenset({"homePage", "name"}))
            check_iri(account.get("homePage"), where + ".homePage")
            if not isinstance(account.get("name"), str) or not account["name"]:
                raise _fail(where + ".name", _("must be a non-empty string"))
    return found


def check_agent(value: Any, path: str, *, group_allowed: bool = True) -> dict[str, Any]:
    """Check an Agent or (if allowed) Group object."""
    kind = value.get("objectType", "Agent") if isinstance(value, dict) else None
    if kind == "Group" and group_allowed:
        group = _object(value, path, GROUP_KEYS)
        found = _ifis(group, path)
        if len(found) > 1:
            raise _fail(path, _("has more than one identifier"))
        members = group.get("member")
        if not found and not isinstance(members, list):
            raise _fail(path, _("an anonymous group must list its members"))
        for i, member in enumerate(members or []):
            check_agent(member, f"{path}.member[{i}]", group_allowed=False)
    elif kind == "Agent":
        agent = _object(value, path, AGENT_KEYS)
        if len(_ifis(agent, path)) != 1:
            raise _fail(path, _("must have exactly one identifier"))
    else:
        raise _fail(path, _("must be an Agent or Group"))
    if "name" in value and not isinstance(value["name"], str):
        raise _fail(path + ".name", _("must be a string"))
    return value


def agent_key(agent: dict[str, Any]) -> str:
    """Return the one string that identifies an agent or identified group."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "sha1:" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid:" + agent["openid"]
    if "account" in agent:
        return "account:{home}|{name}".format(
            home=agent["account"]["homePage"], name=agent["account"]["name"]
        )
    return ""


def _activity(value: Any, path: str) -> None:
    activity = _object(value, path, frozenset({"objectType", "id", "definition"}))
    check_iri(activity.get("id"), path + ".id")
    if "definition" in activity:
        definition = _object(activity["definition"], path + ".definition", ACTIVITY_DEFINITION_KEYS)
        for key in ("name", "description"):
            if key in definition:
                _language_map(definition[key], f"{path}.definition.{key}")
        for key in ("type", "moreInfo"):
            if key in definition:
                check_iri(definition[key], f"{path}.definition.{key}")
        if "extensions" in definition:
            _extensions(definition["extensions"], path + ".definition.extensions")


def _statement_object(value: Any, path: str, *, nested: bool) -> None:
    kind = value.get("objectType", "Activity") if isinstance(value, dict) else None
    if kind == "Activity":
        _activity(value, path)
    elif kind in ("Agent", "Group"):
        check_agent(value, path)
    elif kind == "StatementRef":
        ref = _object(value, path, frozenset({"objectType", "id"}))
        check_uuid(ref.get("id"), path + ".id")
    elif kind == "SubStatement" and not nested:
        sub = _object(value, path, SUBSTATEMENT_KEYS)
        _core(sub, path, nested=True)
    else:
        raise _fail(path, _("unsupported object type"))


def _result(value: Any, path: str) -> None:
    result = _object(value, path, RESULT_KEYS)
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            raise _fail(f"{path}.{key}", _("must be true or false"))
    if "response" in result and not isinstance(result["response"], str):
        raise _fail(path + ".response", _("must be a string"))
    if "duration" in result:
        parse_duration(result["duration"], path + ".duration")
    if "score" in result:
        score = _object(
            result["score"], path + ".score", frozenset({"scaled", "raw", "min", "max"})
        )
        for key, number in score.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise _fail(f"{path}.score.{key}", _("must be a number"))
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            raise _fail(path + ".score.scaled", _("must lie between -1 and 1"))
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and low > high:
            raise _fail(path + ".score.min", _("must not exceed max"))
        raw = score.get("raw")
        if raw is not None and (
            (low is not None and raw < low) or (high is not None and raw > high)
        ):
            raise _fail(path + ".score.raw", _("must lie between min and max"))
    if "extensions" in result:
        _extensions(result["extensions"], path + ".extensions")


def _context(value: Any, path: str, object_kind: str) -> None:
    context = _object(value, path, CONTEXT_KEYS)
    if "registration" in context:
        check_uuid(context["registration"], path + ".registration")
    if "instructor" in context:
        check_agent(context["instructor"], path + ".instructor")
    if "team" in context:
        team = context["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            raise _fail(path + ".team", _("must be a Group"))
        check_agent(team, path + ".team")
    if "contextActivities" in context:
        groups = _object(
            context["contextActivities"],
            path + ".contextActivities",
            frozenset({"parent", "grouping", "category", "other"}),
        )
        for key, items in groups.items():
            for i, item in enumerate(items if isinstance(items, list) else [items]):
                _activity(item, f"{path}.contextActivities.{key}[{i}]")
    for key in ("revision", "platform"):
        if key in context:
            if object_kind != "Activity":
                raise _fail(f"{path}.{key}", _("is allowed only about an Activity"))
            if not isinstance(context[key], str):
                raise _fail(f"{path}.{key}", _("must be a string"))
    if "language" in context and not isinstance(context["language"], str):
        raise _fail(path + ".language", _("must be a string"))
    if "statement" in context:
        ref = _object(context["statement"], path + ".statement", frozenset({"objectType", "id"}))
        if ref.get("objectType") != "StatementRef":
            raise _fail(path + ".statement", _("must be a StatementRef"))
        check_uuid(ref.get("id"), path + ".statement.id")
    if "extensions" in context:
        _extensions(context["extensions"], path + ".extensions")


def _core(statement: dict[str, Any], path: str, *, nested: bool) -> None:
    prefix = path + "." if path else ""
    for key in ("actor", "verb", "object"):
        if key not in statement:
            raise _fail(prefix + key, _("is required"))
    check_agent(statement["actor"], prefix + "actor")
    verb = _object(statement["verb"], prefix + "verb", frozenset({"id", "display"}))
    check_iri(verb.get("id"), prefix + "verb.id")
    if "display" in verb:
        _language_map(verb["display"], prefix + "verb.display")
    _statement_object(statement["object"], prefix + "object", nested=nested)
    if "result" in statement:
        _result(statement["result"], prefix + "result")
    if "context" in statement:
        kind = statement["object"].get("objectType", "Activity")
        _context(statement["context"], prefix + "context", kind)
    if "timestamp" in statement:
        parse_timestamp(statement["timestamp"], prefix + "timestamp")
    if statement.get("attachments"):
        raise _fail(prefix + "attachments", _("attachments are not supported by this store"))


def check_statement(statement: Any) -> dict[str, Any]:
    """Check one statement against xAPI 1.0.3 and return it."""
    _object(statement, "", STATEMENT_KEYS)
    if "id" in statement:
        check_uuid(statement["id"], "id")
    _core(statement, "", nested=False)
    if "version" in statement and not (
        isinstance(statement["version"], str) and re.match(r"^1\.0(\.\d+)?$", statement["version"])
    ):
        raise _fail("version", _("must be a 1.0.x version"))
    if "stored" in statement:
        parse_timestamp(statement["stored"], "stored")
    if "authority" in statement:
        check_agent(statement["authority"], "authority")
    if statement["verb"]["id"] == VOIDED:
        target = statement["object"]
        if target.get("objectType") != "StatementRef":
            raise _fail("object", _("a voiding statement must target a StatementRef"))
    return statement
