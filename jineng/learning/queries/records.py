"""A person's online learning on their lifelong record, counted or not and why."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.learning.models import Statement
from jineng.learning.queries.credit import (
    IN_PERSON,
    OUTSIDE_DATES,
    about_classes,
    with_learning_time,
)
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope
from jineng.training.models import TrainingClass


def _activity_name(statement: dict[str, Any]) -> str:
    target = statement.get("object") or {}
    names = (target.get("definition") or {}).get("name") or {}
    for lang in ("zh-CN", "zh-Hans", "zh", "en-US", "en"):
        if names.get(lang):
            return names[lang]
    return next(iter(names.values()), "") or target.get("id", "")


def _in_scope(statements: QuerySet[Statement], scope: RecordScope) -> QuerySet[Statement]:
    """Keep, for an organisation's scope, only the learning done in its own classes."""
    if scope.organization_ids is None:
        return statements
    classes = scope.by_organization(TrainingClass.objects.all(), "programme__organization_id")
    return statements.filter(class_code__in=classes.values("code"))


def _in_record(person: Person, scope: RecordScope) -> QuerySet[Statement]:
    return _in_scope(with_learning_time().filter(person=person), scope)


def _names(person: Person, activities: set[str]) -> dict[str, str]:
    """Name each activity by the definition of its latest statement."""
    names: dict[str, str] = {}
    if activities:
        latest = (
            with_learning_time()
            .filter(person=person, activity_id__in=activities)
            .order_by("activity_id", "-stored")
            .values_list("activity_id", "data")
        )
        for activity_id, data in latest:
            names.setdefault(activity_id, _activity_name(data))
    return names


def _daily(rows: QuerySet[Statement], *keys: str) -> list[dict[str, Any]]:
    grouped = (
        rows.annotate(day=TruncDate("timestamp", tzinfo=timezone.get_current_timezone()))
        .values("day", "activity_id", "class_code", *keys)
        .annotate(seconds=Sum("duration_seconds"))
        .order_by("day", "activity_id", "class_code", *keys)
    )
    return [r for r in grouped if r["seconds"] >= 60]


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Return one record entry per day and activity with the person's online learning minutes.

    Learning outside any class, and learning in a class that ``credited()`` counts, counts.
    Learning reported for a class that does not count it (platform not registered, class held
    in person, day outside the class's dates) is shown too, per platform, marked not counted
    with the reason. An organisation's scope keeps only the learning reported for its own
    classes. The record shows the minutes reported; the caps on a class's total apply to the
    class's result.
    """
    rows = _in_record(person, scope)
    free = _daily(rows.filter(class_code=""))
    in_classes = _in_scope(about_classes().filter(person=person), scope)
    # why_not is about_classes()'s annotation, which django-stubs cannot follow.
    counts = _daily(in_classes.filter(why_not__isnull=True))  # type: ignore[misc]
    uncounted = _daily(
        in_classes.filter(why_not__isnull=False),  # type: ignore[misc]
        "platform__name",
        "why_not",
    )
    counts = sorted(free + counts, key=lambda r: (r["day"], r["activity_id"], r["class_code"]))
    names = _names(person, {r["activity_id"] for r in counts + uncounted})
    entries = [_entry(r, names, counted=True) for r in counts]
    entries += [_entry(r, names, counted=False) for r in uncounted]
    return sorted(entries, key=lambda e: (e.day, e.details["activity"], e.details["class_code"]))


def _not_counted_title(title: str, row: dict[str, Any]) -> str:
    """Say on the record why a day's learning in a class does not count."""
    if row["why_not"] == IN_PERSON:
        return _(
            "{title} (not counted: class {code} is held in person, so online learning adds "
            "no hours to it)"
        ).format(title=title, code=row["class_code"])
    if row["why_not"] == OUTSIDE_DATES:
        return _("{title} (not counted: learned outside the dates of class {code})").format(
            title=title, code=row["class_code"]
        )
    # The record names the class code the platform gave, not whose class it is.
    return _(
        "{title} (not counted: platform {platform} is not registered for class {code})"
    ).format(title=title, platform=row["platform__name"], code=row["class_code"])


def _entry(row: dict[str, Any], names: dict[str, str], *, counted: bool) -> RecordEntry:
    minutes = int(row["seconds"] // 60)
    title = _("Online learning: {minutes} minutes in {activity}").format(
        minutes=minutes, activity=names.get(row["activity_id"], "")
    )
    details: dict[str, Any] = {
        "minutes": minutes,
        "activity": row["activity_id"],
        "class_code": row["class_code"],
        "is_counted": counted,
    }
    if not counted:
        title = _not_counted_title(title, row)
        details["platform"] = row["platform__name"]
        details["reason"] = row["why_not"]
    return RecordEntry(day=row["day"], kind="learning.online", title=title, details=details)
