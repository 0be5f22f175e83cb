"""Check xAPI 1.0.3 statements, agents and parameters; raise Malformed (400) on any fault."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import langcodes
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
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

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
# ISO 8601:2004 section 4.4.3.2, the only form xAPI allows (Part Two, ISO 8601 Durations):
# PnYnMnDTnHnMnS, or PnW alone; a decimal fraction only on the smallest unit given.
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?:(?P<w>{_NUMBER})W|(?!$)(?:(?P<y>{_NUMBER})Y)?(?:(?P<mo>{_NUMBER})M)?"
    rf"(?:(?P<d>{_NUMBER})D)?"
    rf"(?:T(?=\d)(?:(?P<h>{_NUMBER})H)?(?:(?P<mi>{_NUMBER})M)?(?:(?P<s>{_NUMBER})S)?)?)$"
)
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<zone>Z|[+-]\d{2}(:?\d{2})?)?$"
)
# RFC 3339 section 4.3 and ISO 8601: "-00:00" is an unknown offset, which xAPI refuses.
_UNKNOWN_OFFSETS = frozenset({"-00:00", "-0000", "-00"})
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


class _MailboxValidator(EmailValidator):
    """Django's address check, also taking a one-letter top-level label (``a@b.c``)."""

    domain_regex = re.compile(
        r"((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)(?:[a-z0-9-]{1,63}(?<!-))\Z",
        re.IGNORECASE,
    )


_check_address = _MailboxValidator()


class Malformed(ValidationFailed):
    """A request to the record store breaks the xAPI 1.0.3 specification."""

    code = "xapi_malformed"


def _fail(path: str, reason: str) -> Malformed:
    return Malformed(_("{path}: {reason}").format(path=path, reason=reason), field=path or None)


def parse_duration(value: Any, path: str = "result.duration") -> float:
    """Return the seconds of an ISO 8601 duration (PnYnMnDTnHnMnS, or PnW alone)."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise _fail(path, _("not an ISO 8601 duration"))
    given = [(k, v.replace(",", ".")) for k, v in match.groupdict().items() if v]
    if any("." in v for _k, v in given[:-1]):
        raise _fail(path, _("only the smallest unit of a duration may have a fraction"))
    return sum(float(v) * _UNIT_SECONDS[k] for k, v in given)


def parse_timestamp(value: Any, path: str) -> datetime.datetime:
    """Return an aware datetime from an ISO 8601 timestamp; no zone means UTC.

    The offset ``-00:00`` (``-0000``, ``-00``) says the offset is unknown; xAPI refuses it.
    """
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        raise _fail(path, _("not an ISO 8601 timestamp"))
    if match["zone"] in _UNKNOWN_OFFSETS:
        raise _fail(path, _("the offset -00:00 is not allowed"))
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


def check_language_tag(value: Any, path: str) -> str:
    """Return an RFC 5646 language tag (registered subtags, in their well-formed order)."""
    # langcodes reads "en_US" as "en-US"; RFC 5646 separates subtags only with hyphens.
    if not isinstance(value, str) or "_" in value or not langcodes.tag_is_valid(value):
        raise _fail(path, _("not an RFC 5646 language tag"))
    return value


def check_language_map(value: Any, path: str) -> None:
    """Check a language map: at least one entry, RFC 5646 tags to strings."""
    _object(value, path)
    if not value:
        raise _fail(path, _("must have at least one entry"))
    for tag, text in value.items():
        check_language_tag(tag, f"{path}.{tag}")
        if not isinstance(text, str):
            raise _fail(f"{path}.{tag}", _("must be a string"))


_language_map = check_language_map


def _extensions(value: Any, path: str) -> None:
    for key in _object(value, path):
        check_iri(key, f"{path}.{key}")


def _ifis(value: dict[str, Any], path: str) -> list[str]:
    found = [k for k in IFI_KEYS if k in value]
    for key in found:
        item, where = value[key], f"{path}.{key}"
        if key == "mbox":
            check_mailbox(item, where)
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


def check_mailbox(value: Any, path: str) -> str:
    """Return a mailbox IRI: ``mailto:`` and one valid e-mail address."""
    if not isinstance(value, str) or not value.startswith("mailto:"):
        raise _fail(path, _("must be a mailto: IRI"))
    try:
        _check_address(value.removeprefix("mailto:"))
    except ValidationError:
        raise _fail(path, _("must be mailto: followed by a valid e-mail address")) from None
    return value


def check_authority(value: Any, path: str = "authority") -> dict[str, Any]:
    """Check an authority: an Agent, or (OAuth three-legged) an anonymous Group of two Agents."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        if any(key in value for key in IFI_KEYS):
            raise _fail(path, _("an authority group must be anonymous"))
        members = value.get("member")
        if not isinstance(members, list) or len(members) != 2:
            raise _fail(path + ".member", _("an authority group must have exactly two members"))
    return check_agent(value, path)


def check_agent(
    value: Any, path: str, *, group_allowed: bool = True, identified: bool = False
) -> dict[str, Any]:
    """Check an Agent or (if allowed) Group object.

    ``identified`` refuses an anonymous Group: a parameter that names whose statements or
    documents it means (agent) takes an Agent or an identified Group, one with an inverse
    functional identifier (xAPI 1.0.3 Part Three 2.1.3, 2.3, 2.4, 2.6).
    """
    kind = value.get("objectType", "Agent") if isinstance(value, dict) else None
    if kind == "Group" and group_allowed:
        group = _object(value, path, GROUP_KEYS)
        found = _ifis(group, path)
        if len(found) > 1:
            raise _fail(path, _("has more than one identifier"))
        if identified and not found:
            raise _fail(path, _("must be an Agent or an identified Group, not an anonymous Group"))
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


def _components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise _fail(path, _("must be an array of interaction components"))
    seen = set()
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        component = _object(item, where, frozenset({"id", "description"}))
        if not isinstance(component.get("id"), str) or not component["id"]:
            raise _fail(where + ".id", _("must be a non-empty string"))
        if component["id"] in seen:
            raise _fail(where + ".id", _("repeats the id of another component"))
        seen.add(component["id"])
        if "description" in component:
            _language_map(component["description"], where + ".description")


def _interaction(definition: dict[str, Any], path: str) -> None:
    kind = definition.get("interactionType")
    if kind is None:
        if "correctResponsesPattern" in definition:
            raise _fail(
                path + ".correctResponsesPattern", _("is allowed only with an interactionType")
            )
        allowed: frozenset[str] = frozenset()
    elif not isinstance(kind, str) or kind not in INTERACTION_COMPONENTS:
        raise _fail(path + ".interactionType", _("not an xAPI interaction type"))
    else:
        allowed = INTERACTION_COMPONENTS[kind]
    if "correctResponsesPattern" in definition:
        pattern = definition["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
            raise _fail(path + ".correctResponsesPattern", _("must be an array of strings"))
    for key in COMPONENT_KEYS:
        if key in definition:
            if key not in allowed:
                raise _fail(
                    f"{path}.{key}",
                    _("is not allowed with interactionType {kind}").format(kind=kind or "-"),
                )
            _components(definition[key], f"{path}.{key}")


def _activity(value: Any, path: str) -> None:
    activity = _object(value, path, frozenset({"objectType", "id", "definition"}))
    if activity.get("objectType", "Activity") != "Activity":
        raise _fail(path + ".objectType", _("must be Activity"))
    check_iri(activity.get("id"), path + ".id")
    if "definition" in activity:
        where = path + ".definition"
        definition = _object(activity["definition"], where, ACTIVITY_DEFINITION_KEYS)
        for key in ("name", "description"):
            if key in definition:
                _language_map(definition[key], f"{where}.{key}")
        for key in ("type", "moreInfo"):
            if key in definition:
                check_iri(definition[key], f"{where}.{key}")
        _interaction(definition, where)
        if "extensions" in definition:
            _extensions(definition["extensions"], where + ".extensions")


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
            context["contextActivities"], path + ".contextActivities", CONTEXT_ACTIVITY_KEYS
        )
        for key, items in groups.items():
            if not isinstance(items, list | dict):
                raise _fail(
                    f"{path}.contextActivities.{key}", _("must be an Activity or an array of them")
                )
            for i, item in enumerate(items if isinstance(items, list) else [items]):
                _activity(item, f"{path}.contextActivities.{key}[{i}]")
    for key in ("revision", "platform"):
        if key in context:
            if object_kind != "Activity":
                raise _fail(f"{path}.{key}", _("is allowed only about an Activity"))
            if not isinstance(context[key], str):
                raise _fail(f"{path}.{key}", _("must be a string"))
    if "language" in context:
        check_language_tag(context["language"], path + ".language")
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
        check_authority(statement["authority"])
    if statement["verb"]["id"] == VOIDED:
        target = statement["object"]
        if target.get("objectType") != "StatementRef":
            raise _fail("object", _("a voiding statement must target a StatementRef"))
    return normalise(statement)
