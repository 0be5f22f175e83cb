"""Reads of online learning: statement queries, online minutes and record entries.

Online minutes count toward a class only when the platform that reported them is registered
for that class or for its institution (``LearningPlatform.institutions`` and
``training_classes``), the class has an online part (an in-person class has none), and the
learning was done on one of the class's days. A person's minutes in a class count at most
``MAX_SECONDS_A_DAY`` a day and at most the class's online part (``online_part_minutes``).
Statements about other classes are stored and served over xAPI as usual, but credit nothing;
the pages that show a class's or a person's online learning say so and why
(``uncounted_in_class``, ``record_entries``).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import langcodes
from django.core import signing
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.learning.models import Document, LearningPlatform, Statement
from jineng.learning.validation import VOIDED, agent_key
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope
from jineng.training.choices import ClassMode
from jineng.training.models import TrainingClass

# Verbs whose result.duration is time spent learning; any other verb's duration is ignored.
TIME_VERBS = (
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/progressed",
)
MAX_PAGE = 500
# A person's learning in one class counts at most a whole day's hours on any one day, however
# long the durations a platform reports for that day (one statement may claim 90 hours).
MAX_SECONDS_A_DAY = 24 * 60 * 60
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


class _Mentions(Expression):
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
            parts.append(Q(_Mentions(agent_key=flt.agent)))
        else:
            parts.append(Q(agent_key=flt.agent) | Q(object_agent_key=flt.agent))
    if flt.verb:
        parts.append(Q(verb_id=flt.verb))
    if flt.activity:
        if flt.related_activities:
            parts.append(Q(_Mentions(activity_id=flt.activity)))
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


_IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")


def _as_list(items: Any) -> list[Any]:
    return items if isinstance(items, list) else [items]


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
            key: [_ids_activity(a) for a in _as_list(items)]
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
                key: [_canonical_activity(a, ranges, known) for a in _as_list(items)]
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
        ids = {a["id"] for data in statements for a in _activities(data) if "id" in a}
        definitions = activity_definitions(ids, platform_id=platform_id)
    return [formatted(data, fmt, languages, definitions=definitions) for data in statements]


def filter_key(agent: dict[str, Any]) -> str:
    """Return the stored key an agent filter matches."""
    return agent_key(agent)


def _counted() -> QuerySet[Statement]:
    """Statements that carry learning time, whichever class they name."""
    return Statement.objects.filter(
        is_voided=False, verb_id__in=TIME_VERBS, duration_seconds__isnull=False
    ).exclude(verb_id=VOIDED)


def registered_for_class() -> Exists:
    """Match statements whose platform is registered for the class they name or its institution."""
    return Exists(
        LearningPlatform.objects.filter(pk=OuterRef("platform_id")).filter(
            Q(training_classes__code=OuterRef("class_code"))
            | Q(institutions__programmes__classes__code=OuterRef("class_code"))
        )
    )


# Why a statement about a class credits nothing, in the order the reasons are given.
UNREGISTERED = "unregistered"
IN_PERSON = "in_person"
OUTSIDE_DATES = "outside_dates"


def _with_class(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """Add the local day of each statement and the mode and dates of the class it names."""
    named = TrainingClass.objects.filter(code=OuterRef("class_code"))
    return statements.annotate(
        learned_on=TruncDate("timestamp", tzinfo=timezone.get_current_timezone()),
        class_mode=Subquery(named.values("mode")[:1]),
        class_starts=Subquery(named.values("starts_on")[:1]),
        class_ends=Subquery(named.values("ends_on")[:1]),
    )


def _why_not() -> Case:
    """The reason a statement about a class credits nothing, or None when it counts."""
    return Case(
        When(~registered_for_class(), then=Value(UNREGISTERED)),
        When(class_mode=ClassMode.OFFLINE, then=Value(IN_PERSON)),
        When(
            Q(learned_on__lt=F("class_starts")) | Q(learned_on__gt=F("class_ends")),
            then=Value(OUTSIDE_DATES),
        ),
        default=None,
        output_field=CharField(),
    )


def _about_classes() -> QuerySet[Statement]:
    """Statements with learning time that name a class, each with ``why_not`` (None: counts)."""
    return _with_class(_counted().exclude(class_code="")).annotate(why_not=_why_not())


def credited() -> QuerySet[Statement]:
    """Statements whose time counts toward the class they name (the one rule of crediting).

    The platform is registered for the class or its institution, the class has an online part
    and the statement's day (local time) lies within the class's dates. The caps on a person's
    total (``online_minutes``) come on top.
    """
    # why_not is _about_classes()'s annotation, which django-stubs cannot follow.
    return _about_classes().filter(why_not__isnull=True)  # type: ignore[misc]


def online_part_minutes(training_class: TrainingClass) -> int:
    """Return the minutes of a class's programme that may be learned online.

    Whatever a class does not hold in person (``workflow.classroom_hours``): all of an online
    class, the theory of a blended one, none of an in-person one.
    """
    from jineng.training.services.workflow import classroom_hours

    programme = training_class.programme
    return (programme.required_hours - classroom_hours(programme, training_class.mode)) * 60


def online_minutes(person_id: int, class_code: str) -> int:
    """Return a person's whole minutes of online learning in a class, from statement durations.

    Sums the credited statements per day (each statement is one row, its id unique, so a
    resent statement counts once), counts at most ``MAX_SECONDS_A_DAY`` of each day and at
    most the class's online part in all.
    """
    training_class = (
        TrainingClass.objects.select_related("programme").filter(code=class_code).first()
    )
    if training_class is None:
        return 0
    limit = online_part_minutes(training_class)
    if limit <= 0:
        return 0
    days = (
        credited()
        .filter(person_id=person_id, class_code=class_code)
        .values("learned_on")  # type: ignore[misc]  # credited()'s annotation
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    )
    seconds = sum(min(r["seconds"] or 0, MAX_SECONDS_A_DAY) for r in days)
    return min(int(seconds // 60), limit)


@dataclass(frozen=True)
class Uncounted:
    """Online learning a platform reported for a class that does not count, and why."""

    platform: str
    people: int
    statements: int
    minutes: int
    reason: str


def not_registered_reason(platform: str, institution: str) -> str:
    """Say why a platform's minutes do not count toward a class of an institution."""
    return _(
        "Not counted: platform {platform} is not registered for the classes of {institution}."
    ).format(platform=platform, institution=institution)


def _class_reason(why: str, platform: str, training_class: TrainingClass) -> str:
    """Say why a platform's minutes do not count toward this class."""
    if why == IN_PERSON:
        return _(
            "Not counted: this class is held in person, so all its hours are attended in "
            "its sessions and online learning adds none."
        )
    if why == OUTSIDE_DATES:
        return _(
            "Not counted: learned on days outside the class's dates ({starts} to {ends})."
        ).format(starts=training_class.starts_on, ends=training_class.ends_on)
    return not_registered_reason(platform, training_class.programme.organization.name)


def uncounted_in_class(training_class: TrainingClass) -> list[Uncounted]:
    """Return, per platform and reason, the online learning reported for a class that does not
    count.

    One grouped query; the rows name platforms and counts, never the people (a platform may
    name anyone, and the class's staff see only their own trainees).
    """
    rows = (
        _about_classes()
        .filter(class_code=training_class.code, why_not__isnull=False)  # type: ignore[misc]
        .values("platform__name", "why_not")
        .annotate(
            people=Count("person_id", distinct=True),
            statements=Count("pk"),
            seconds=Sum("duration_seconds"),
        )
        .order_by("platform__name", "why_not")
    )
    return [
        Uncounted(
            platform=r["platform__name"],
            people=r["people"],
            statements=r["statements"],
            minutes=int((r["seconds"] or 0) // 60),
            reason=_class_reason(r["why_not"], r["platform__name"], training_class),
        )
        for r in rows
    ]


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
    return _in_scope(_counted().filter(person=person), scope)


def _names(person: Person, activities: set[str]) -> dict[str, str]:
    """Name each activity by the definition of its latest statement."""
    names: dict[str, str] = {}
    if activities:
        latest = (
            _counted()
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
    in_classes = _in_scope(_about_classes().filter(person=person), scope)
    # why_not is _about_classes()'s annotation, which django-stubs cannot follow.
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


def _activities(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each Activity object in a statement, a SubStatement's included."""
    found = []
    for part in (statement, statement.get("object") or {}):
        target = part.get("object") or {}
        if isinstance(target, dict) and target.get("objectType", "Activity") == "Activity":
            found.append(target)
        groups = (part.get("context") or {}).get("contextActivities") or {}
        for items in groups.values():
            found += _as_list(items)
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
        condition |= Q(_Mentions(activity_id=activity_id))
    rows = Statement.objects.filter(platform_id=platform_id).filter(condition)
    definitions: dict[str, dict[str, Any]] = {}
    for data in rows.order_by("stored", "pk").values_list("data", flat=True).iterator():
        for activity in _activities(data):
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


def documents_of(lookup: dict[str, Any]) -> QuerySet[Document]:
    """Return the documents of one resource key, by document id."""
    return Document.objects.filter(**lookup).order_by("document_id")


def platforms_with_credentials() -> QuerySet[LearningPlatform]:
    """Return every learning platform with its organisation, credentials and registrations."""
    return LearningPlatform.objects.select_related("organization").prefetch_related(
        "credentials", "institutions", "training_classes"
    )
