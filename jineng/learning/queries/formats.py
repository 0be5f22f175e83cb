"""The formats a statement is served in (``ids``, ``exact``, ``canonical``) and its languages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import langcodes

from jineng.learning.queries.resources import activities_in, activity_definitions, as_list

_IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")


def _ids_agent(agent: dict[str, Any]) -> dict[str, Any]:
    """Keep an agent's objectType and identifier; an anonymous group's members, reduced."""
    reduced = {k: agent[k] for k in ("objectType", *_IFI_KEYS) if k in agent}
    if "member" in agent and not any(k in agent for k in _IFI_KEYS):
        reduced["member"] = [_ids_agent(m) for m in agent["member"]]
    return reduced


def _ids_activity(activity: dict[str, Any]) -> dict[str, Any]:
    """Keep an Activity's id and type, never its definition."""
    return {"objectType": "Activity", "id": activity["id"]}


def _ids_context(context: dict[str, Any]) -> dict[str, Any]:
    result = dict(context)
    for key in ("instructor", "team"):
        if key in context:
            result[key] = _ids_agent(context[key])
    if "contextActivities" in context:
        result["contextActivities"] = {
            key: [_ids_activity(a) for a in as_list(items)]
            for key, items in context["contextActivities"].items()
        }
    return result


def _ids_object(target: dict[str, Any]) -> dict[str, Any]:
    kind = target.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _ids_agent(target)
    if kind == "Activity":
        return _ids_activity(target)
    if kind == "SubStatement":
        return _ids_core(target)
    return target


def _ids_core(statement: dict[str, Any]) -> dict[str, Any]:
    result = dict(statement)
    result["actor"] = _ids_agent(statement["actor"])
    result["verb"] = {"id": statement["verb"]["id"]}
    result["object"] = _ids_object(statement["object"])
    if "context" in statement:
        result["context"] = _ids_context(statement["context"])
    return result


def accepted_languages(header: str | Sequence[str] | None) -> list[str]:
    """Return the language ranges of an Accept-Language header, most wanted first.

    Ranges with ``q=0`` are dropped; equal weights keep the header's order. A sequence is
    taken as the ranges already in order.
    """
    if header is None:
        return []
    if not isinstance(header, str):
        return [r for r in header if r]
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, *options = (part.strip() for part in item.split(";"))
        weight = 1.0
        for option in options:
            name, _sep, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            weighted.append((-weight, position, tag))
    return [tag for _w, _p, tag in sorted(weighted)]


def best_language(language_map: dict[str, str], ranges: Sequence[str]) -> dict[str, str]:
    """Return the one entry of a language map that best answers the language ranges.

    RFC 2616 section 14.4 per map (Part Three, format parameter): the first range equal to a
    tag or to a prefix of it ending before a hyphen wins, ``*`` takes any; failing that the
    tag closest to a range (``langcodes``, as en-GB for en-US); failing that the first entry.
    """
    tags = list(language_map)
    if len(tags) <= 1:
        return dict(language_map)
    for wanted in ranges:
        low = wanted.lower()
        for tag in tags:
            if low == "*" or tag.lower() == low or tag.lower().startswith(low + "-"):
                return {tag: language_map[tag]}
    for wanted in ranges:
        if wanted == "*" or not langcodes.tag_is_valid(wanted):
            continue
        tag, _distance = langcodes.closest_match(wanted, tags)
        if tag in language_map:
            return {tag: language_map[tag]}
    return {tags[0]: language_map[tags[0]]}


def _canonical_activity(
    activity: dict[str, Any], ranges: Sequence[str], known: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    definition = known.get(activity.get("id", ""), activity.get("definition"))
    if not isinstance(definition, dict) or not definition:
        return activity
    definition = dict(definition)
    for key in ("name", "description"):
        if isinstance(definition.get(key), dict):
            definition[key] = best_language(definition[key], ranges)
    for key in ("choices", "scale", "source", "target", "steps"):
        if isinstance(definition.get(key), list):
            definition[key] = [
                {**c, "description": best_language(c["description"], ranges)}
                if isinstance(c.get("description"), dict)
                else c
                for c in definition[key]
            ]
    return {**activity, "definition": definition}


def _canonical_core(
    statement: dict[str, Any], ranges: Sequence[str], known: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    result = dict(statement)
    verb = statement["verb"]
    if isinstance(verb.get("display"), dict):
        result["verb"] = {**verb, "display": best_language(verb["display"], ranges)}
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        result["object"] = _canonical_activity(target, ranges, known)
    elif kind == "SubStatement":
        result["object"] = _canonical_core(target, ranges, known)
    groups = (statement.get("context") or {}).get("contextActivities")
    if groups:
        result["context"] = {
            **statement["context"],
            "contextActivities": {
                key: [_canonical_activity(a, ranges, known) for a in as_list(items)]
                for key, items in groups.items()
            },
        }
    return result


def formatted(
    statement: dict[str, Any],
    fmt: str,
    languages: str | Sequence[str] | None = (),
    *,
    definitions: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a statement in the ``ids``, ``exact`` or ``canonical`` format.

    ``ids`` keeps only what identifies agents, verbs and activities (an Activity keeps its
    ``id`` and ``objectType``, never its definition); ``canonical`` gives each Activity the
    definition the store holds for it (``definitions``, by activity id, as
    ``activity_definitions`` merges them; the statement's own where none is given) and keeps
    one language in each language map of the verbs and activities, the best for
    ``languages`` (the Accept-Language header or its ranges).
    """
    if fmt == "canonical":
        return _canonical_core(statement, accepted_languages(languages), definitions or {})
    if fmt != "ids":
        return statement
    result = _ids_core(statement)
    if "authority" in statement:
        result["authority"] = _ids_agent(statement["authority"])
    return result


def formatted_page(
    statements: Sequence[dict[str, Any]],
    fmt: str,
    languages: str | Sequence[str] | None = (),
    *,
    platform_id: int,
) -> list[dict[str, Any]]:
    """Return statements in a format, reading the canonical definitions in one query.

    Part Three 2.1.3, format ``canonical``: "Activity Objects ... populated with the canonical
    definition of the Activity Objects ... as determined by the LRS", here the platform's
    definitions merged (``activity_definitions``) for every activity on the page.
    """
    definitions: dict[str, dict[str, Any]] = {}
    if fmt == "canonical":
        ids = {a["id"] for data in statements for a in activities_in(data) if "id" in a}
        definitions = activity_definitions(ids, platform_id=platform_id)
    return [formatted(data, fmt, languages, definitions=definitions) for data in statements]
