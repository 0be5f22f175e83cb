"""Reads of the Activities and document resources, and of the platforms the store serves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from jineng.learning.models import Document, LearningPlatform, Statement
from jineng.learning.queries.statements import Mentions


def as_list(items: Any) -> list[Any]:
    """Return a value that may be one item or a list of them as a list."""
    return items if isinstance(items, list) else [items]


def activities_in(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each Activity object in a statement, a SubStatement's included."""
    found = []
    for part in (statement, statement.get("object") or {}):
        target = part.get("object") or {}
        if isinstance(target, dict) and target.get("objectType", "Activity") == "Activity":
            found.append(target)
        groups = (part.get("context") or {}).get("contextActivities") or {}
        for items in groups.values():
            found += as_list(items)
    return found


def merge_definitions(older: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """Merge two definitions of an activity: language maps and extensions per key, newer wins.

    Every other property (type, moreInfo, interaction type and components) is the newer one's
    where it gives one.
    """
    merged = dict(older)
    for key, value in newer.items():
        if key in ("name", "description", "extensions") and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def activity_definitions(
    activity_ids: Iterable[str], *, platform_id: int
) -> dict[str, dict[str, Any]]:
    """Return, by activity id, the definitions the platform's statements gave it, merged.

    One query for all the ids. Every position counts (object, context activities, a
    SubStatement's), voided statements too, read oldest first so a newer definition wins per
    key (Part Three, Activities resource: the LRS keeps the canonical definition it has
    learned). An activity seen without any definition maps to ``{}``; one never seen is
    left out.
    """
    wanted = set(activity_ids)
    if not wanted:
        return {}
    condition = Q(activity_id__in=wanted)
    for activity_id in sorted(wanted):
        condition |= Q(Mentions(activity_id=activity_id))
    rows = Statement.objects.filter(platform_id=platform_id).filter(condition)
    definitions: dict[str, dict[str, Any]] = {}
    for data in rows.order_by("stored", "pk").values_list("data", flat=True).iterator():
        for activity in activities_in(data):
            mentioned = activity.get("id")
            if not isinstance(mentioned, str) or mentioned not in wanted:
                continue
            definition = definitions.setdefault(mentioned, {})
            if isinstance(activity.get("definition"), dict):
                definitions[mentioned] = merge_definitions(definition, activity["definition"])
    return definitions


def activity_definition(activity_id: str, *, platform_id: int) -> dict[str, Any] | None:
    """Return the Activity object with its merged definition (``activity_definitions``).

    None when none of the platform's statements names the activity.
    """
    definitions = activity_definitions([activity_id], platform_id=platform_id)
    if activity_id not in definitions:
        return None
    result: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definitions[activity_id]:
        result["definition"] = definitions[activity_id]
    return result


def documents_of(lookup: dict[str, str | int]) -> QuerySet[Document]:
    """Return the documents of one resource key, by document id."""
    return Document.objects.filter(**lookup).order_by("document_id")


def platforms_with_credentials() -> QuerySet[LearningPlatform]:
    """Return every learning platform with its organisation, credentials and registrations."""
    return LearningPlatform.objects.select_related("organization").prefetch_related(
        "credentials", "institutions", "training_classes"
    )
