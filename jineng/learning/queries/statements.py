"""Reads of the xAPI statement resource: the filters of a query and its pages (Part Three)."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.core import signing
from django.db.models import BooleanField, Expression, F, Q, QuerySet

from jineng.learning.models import Statement

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
    # Match the agent in any agent position, the activity in any activity position.
    related_agents: bool = False
    related_activities: bool = False
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
            "related_agents": self.related_agents,
            "related_activities": self.related_activities,
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
            related_agents=state.get("related_agents", False),
            related_activities=state.get("related_activities", False),
            platform_id=state["platform_id"],
            after=(state["after"][0], state["after"][1]),
        )


# Where agents and activities stand in a statement (Part Three, GET Statements): with
# related_agents the agent filter looks at every agent position, with related_activities the
# activity filter at every activity position, a SubStatement's included.
_AGENT_PATHS = (
    "actor",
    "object",
    "authority",
    "context.instructor",
    "context.team",
    "object.actor",
    "object.object",
    "object.context.instructor",
    "object.context.team",
)
_CONTEXT_ACTIVITY_PATHS = ("context.contextActivities", "object.context.contextActivities")


def _ifi(key: str) -> tuple[str, dict[str, str]]:
    """Return the IFI property and its JSON parts from an ``agent_key`` string."""
    kind, _sep, value = key.partition(":")
    if kind == "account":
        # An IRI has no "|" (RFC 3987), so the first one ends the home page.
        home, _sep, name = value.partition("|")
        return "account", {"homePage": home, "name": name}
    return {"mbox": "mbox", "sha1": "mbox_sha1sum", "openid": "openid"}[kind], {"value": value}


class Mentions(Expression):
    """True when a statement's JSON names an agent or an activity in the given positions.

    Compiled per database: a JSON path query on PostgreSQL, ``json_each`` on SQLite.
    """

    output_field = BooleanField()

    def __init__(self, *, agent_key: str = "", activity_id: str = "") -> None:
        super().__init__()
        self.agent_key = agent_key
        self.activity_id = activity_id
        self.data = F("data")

    def get_source_expressions(self) -> list[Any]:
        return [self.data]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.data,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> NoReturn:
        raise NotImplementedError(connection.vendor)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        data, params = compiler.compile(self.data)
        if self.agent_key:
            ifi, parts = _ifi(self.agent_key)
            if ifi == "account":
                test = "@.account.homePage == $homePage && @.account.name == $name"
            else:
                test = f"@.{ifi} == $value"
            positions = [f"$.{p}" for p in _AGENT_PATHS]
            positions += [f"$.{p}.member[*]" for p in _AGENT_PATHS]
            variables = parts
        else:
            test = "@.id == $value"
            # Lax mode: [*] takes a single Activity as an array of one.
            positions = ["$.object", "$.object.object"]
            positions += [f"$.{p}.*[*]" for p in _CONTEXT_ACTIVITY_PATHS]
            variables = {"value": self.activity_id}
            test = f'({test}) && (!(exists(@.objectType)) || @.objectType == "Activity")'
        path = " || ".join(f"exists({p} ? ({test}))" for p in positions)
        sql = f"jsonb_path_exists({data}, %s::jsonpath, %s::jsonb)"
        return sql, [*params, f"$ ? ({path})", json.dumps(variables)]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        data, params = compiler.compile(self.data)
        tests: list[str] = []
        values: list[Any] = []
        if self.agent_key:
            ifi, parts = _ifi(self.agent_key)
            if ifi == "account":
                match = "(json_extract({e}, '$.account.homePage') = %s AND "
                match += "json_extract({e}, '$.account.name') = %s)"
                match_values = [parts["homePage"], parts["name"]]
            else:
                match = f"json_extract({{e}}, '$.{ifi}') = %s"
                match_values = [parts["value"]]
            for p in _AGENT_PATHS:
                tests.append(match.format(e=f"json_extract({data}, '$.{p}')"))
                values += [*params, *match_values]
                tests.append(
                    f"EXISTS (SELECT 1 FROM json_each({data}, '$.{p}.member') m "
                    f"WHERE {match.format(e='m.value')})"
                )
                values += [*params, *match_values]
        else:
            is_activity = (
                "(json_extract({e}, '$.id') = %s AND "
                "coalesce(json_extract({e}, '$.objectType'), 'Activity') = 'Activity')"
            )
            for p in ("object", "object.object"):
                tests.append(is_activity.format(e=f"json_extract({data}, '$.{p}')"))
                values += [*params, self.activity_id]
            for p in _CONTEXT_ACTIVITY_PATHS:
                tests.append(
                    f"EXISTS (SELECT 1 FROM json_each({data}, '$.{p}') g, json_each("
                    "CASE g.type WHEN 'array' THEN g.value ELSE json_array(json(g.value)) END"
                    f") a WHERE {is_activity.format(e='a.value')})"
                )
                values += [*params, self.activity_id]
        return "(" + " OR ".join(tests) + ")", values


def _conditions(flt: StatementFilter) -> Q | None:
    """Return what a statement must match by agent, verb, activity and registration."""
    parts = []
    if flt.agent:
        if flt.related_agents:
            parts.append(Q(Mentions(agent_key=flt.agent)))
        else:
            parts.append(Q(agent_key=flt.agent) | Q(object_agent_key=flt.agent))
    if flt.verb:
        parts.append(Q(verb_id=flt.verb))
    if flt.activity:
        if flt.related_activities:
            parts.append(Q(Mentions(activity_id=flt.activity)))
        else:
            parts.append(Q(activity_id=flt.activity))
    if flt.registration:
        parts.append(Q(registration=flt.registration))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition &= part
    return condition


def _referring(platform_id: int, condition: Q) -> set[uuid.UUID]:
    """Return the statements that target, through StatementRefs, one matching ``condition``.

    Part Three, GET Statements, filter conditions for StatementRefs: a statement whose object
    is a StatementRef meets the filter when its target does (voided or not), and so on down a
    chain of references.
    """
    platform = Statement.objects.filter(platform_id=platform_id)
    referrers: dict[uuid.UUID, list[uuid.UUID]] = {}
    refs = platform.filter(data__object__objectType="StatementRef")
    for statement_id, target in refs.values_list("statement_id", "data__object__id"):
        referrers.setdefault(uuid.UUID(target), []).append(statement_id)
    if not referrers:
        return set()
    targets = platform.filter(condition, statement_id__in=list(referrers))
    frontier = set(targets.values_list("statement_id", flat=True))
    found: set[uuid.UUID] = set()
    while frontier:
        reached = {r for t in frontier for r in referrers.get(t, ()) if r not in found}
        found |= reached
        frontier = reached
    return found


def _filtered(flt: StatementFilter) -> QuerySet[Statement]:
    rows = Statement.objects.filter(is_voided=False, platform_id=flt.platform_id)
    condition = _conditions(flt)
    if condition is not None:
        referring = _referring(flt.platform_id, condition)
        rows = rows.filter(condition | Q(statement_id__in=referring) if referring else condition)
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
