"""Reads of online learning: statement queries, online minutes and record entries."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.learning.models import Document, LearningPlatform, Statement
from jineng.learning.validation import VOIDED, agent_key
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope
from jineng.training.models import TrainingClass

# Verbs whose result.duration is time spent learning; any other verb's duration is ignored.
TIME_VERBS = (
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/progressed",
)
MAX_PAGE = 500
_MORE_SALT = "jineng.learning.more"


@dataclass
class StatementFilter:
    """The checked filters of one statement query."""

    agent: str = ""
    verb: str = ""
    activity: str = ""
    registration: uuid.UUID | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    limit: int = MAX_PAGE
    ascending: bool = False
    format: str = "exact"
    # Each platform reads only the statements it reported.
    platform_id: int = 0
    # Where the previous page ended: (stored, row id).
    after: tuple[str, int] | None = field(default=None)

    def token(self, last: Statement) -> str:
        """Return the opaque continuation token of the page ending at ``last``."""
        state = {
            "agent": self.agent,
            "verb": self.verb,
            "activity": self.activity,
            "registration": str(self.registration) if self.registration else None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "limit": self.limit,
            "ascending": self.ascending,
            "format": self.format,
            "platform_id": self.platform_id,
            "after": [last.stored.isoformat(), last.pk],
        }
        return signing.dumps(state, salt=_MORE_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> StatementFilter:
        """Return the filter a continuation token carries; raise BadSignature if forged."""
        state = signing.loads(token, salt=_MORE_SALT)
        return cls(
            agent=state["agent"],
            verb=state["verb"],
            activity=state["activity"],
            registration=uuid.UUID(state["registration"]) if state["registration"] else None,
            since=datetime.datetime.fromisoformat(state["since"]) if state["since"] else None,
            until=datetime.datetime.fromisoformat(state["until"]) if state["until"] else None,
            limit=state["limit"],
            ascending=state["ascending"],
            format=state["format"],
            platform_id=state["platform_id"],
            after=(state["after"][0], state["after"][1]),
        )


def _filtered(flt: StatementFilter) -> QuerySet[Statement]:
    rows = Statement.objects.filter(is_voided=False, platform_id=flt.platform_id)
    if flt.agent:
        rows = rows.filter(Q(agent_key=flt.agent) | Q(object_agent_key=flt.agent))
    if flt.verb:
        rows = rows.filter(verb_id=flt.verb)
    if flt.activity:
        rows = rows.filter(activity_id=flt.activity)
    if flt.registration:
        rows = rows.filter(registration=flt.registration)
    if flt.since:
        rows = rows.filter(stored__gt=flt.since)
    if flt.until:
        rows = rows.filter(stored__lte=flt.until)
    if flt.after:
        stored = datetime.datetime.fromisoformat(flt.after[0])
        op = "gt" if flt.ascending else "lt"
        rows = rows.filter(
            Q(**{"stored__" + op: stored}) | Q(stored=stored, **{"pk__" + op: flt.after[1]})
        )
    order = ("stored", "pk") if flt.ascending else ("-stored", "-pk")
    return rows.order_by(*order)


def find_statements(flt: StatementFilter) -> tuple[list[Statement], str | None]:
    """Return one page of unvoided statements and the continuation token, if more remain."""
    rows = list(_filtered(flt).only("pk", "stored", "data")[: flt.limit + 1])
    if len(rows) <= flt.limit:
        return rows, None
    page = rows[: flt.limit]
    return page, flt.token(page[-1])


def get_statement(statement_id: uuid.UUID, *, platform_id: int, voided: bool) -> Statement | None:
    """Return a platform's statement by id: an unvoided one, or (``voided``) a voided one."""
    rows = Statement.objects.filter(platform_id=platform_id, is_voided=voided)
    return rows.filter(statement_id=statement_id).first()


def _ids_agent(agent: dict[str, Any]) -> dict[str, Any]:
    reduced = {k: v for k, v in agent.items() if k in ("objectType", "mbox", "mbox_sha1sum")}
    reduced.update({k: v for k, v in agent.items() if k in ("openid", "account")})
    if "member" in agent:
        reduced["member"] = [_ids_agent(m) for m in agent["member"]]
    return reduced


def _ids_object(target: dict[str, Any]) -> dict[str, Any]:
    kind = target.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _ids_agent(target)
    if kind == "Activity":
        return {"objectType": "Activity", "id": target["id"]}
    if kind == "SubStatement":
        return {
            **target,
            "actor": _ids_agent(target["actor"]),
            "object": _ids_object(target["object"]),
        }
    return target


def formatted(statement: dict[str, Any], fmt: str) -> dict[str, Any]:
    """Return a statement in the ``ids`` or ``exact`` format (``canonical`` is ``exact`` here)."""
    if fmt != "ids":
        return statement
    result = dict(statement)
    result["actor"] = _ids_agent(statement["actor"])
    result["verb"] = {"id": statement["verb"]["id"]}
    result["object"] = _ids_object(statement["object"])
    if "authority" in statement:
        result["authority"] = _ids_agent(statement["authority"])
    return result


def filter_key(agent: dict[str, Any]) -> str:
    """Return the stored key an agent filter matches."""
    return agent_key(agent)


def _counted() -> QuerySet[Statement]:
    return Statement.objects.filter(
        is_voided=False, verb_id__in=TIME_VERBS, duration_seconds__isnull=False
    ).exclude(verb_id=VOIDED)


def online_minutes(person_id: int, class_code: str) -> int:
    """Return a person's whole minutes of online learning in a class, from statement durations.

    One SQL sum over unvoided completed/progressed statements; each statement is one row (its id
    is unique), so a resent statement counts once.
    """
    total = (
        _counted()
        .filter(person_id=person_id, class_code=class_code)
        .aggregate(seconds=Sum("duration_seconds"))["seconds"]
    )
    return int((total or 0) // 60)


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


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Return one record entry per day and activity with the person's online learning minutes.

    An organisation's scope keeps only the learning reported for its own classes.
    """
    rows = (
        _in_scope(_counted().filter(person=person), scope)
        .annotate(day=TruncDate("timestamp", tzinfo=timezone.get_current_timezone()))
        .values("day", "activity_id", "class_code")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by("day", "activity_id", "class_code")
    )
    rows = [r for r in rows if r["seconds"] >= 60]
    names: dict[str, str] = {}
    activities = {r["activity_id"] for r in rows}
    if activities:
        latest = (
            _counted()
            .filter(person=person, activity_id__in=activities)
            .order_by("activity_id", "-stored")
            .values_list("activity_id", "data")
        )
        for activity_id, data in latest:
            names.setdefault(activity_id, _activity_name(data))
    return [
        RecordEntry(
            day=r["day"],
            kind="learning.online",
            title=_("Online learning: {minutes} minutes in {activity}").format(
                minutes=int(r["seconds"] // 60), activity=names.get(r["activity_id"], "")
            ),
            details={
                "minutes": int(r["seconds"] // 60),
                "activity": r["activity_id"],
                "class_code": r["class_code"],
            },
        )
        for r in rows
    ]


def activity_definition(activity_id: str, *, platform_id: int) -> dict[str, Any] | None:
    """Return the Activity object with the latest definition the platform's statements gave it."""
    rows = Statement.objects.filter(activity_id=activity_id, platform_id=platform_id)
    rows = rows.order_by("-stored")
    data = rows.values_list("data", flat=True).first()
    if data is None:
        return None
    target = data["object"]
    result = {"objectType": "Activity", "id": activity_id}
    if target.get("definition"):
        result["definition"] = target["definition"]
    return result


def documents_of(lookup: dict[str, Any]) -> QuerySet[Document]:
    """Return the documents of one resource key, by document id."""
    return Document.objects.filter(**lookup).order_by("document_id")


def platforms_with_credentials() -> QuerySet[LearningPlatform]:
    """Return every learning platform with its organisation and credentials, by name."""
    return LearningPlatform.objects.select_related("organization").prefetch_related("credentials")
