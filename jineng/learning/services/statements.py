"""Writes of the statement resource: checking, storing and voiding statements (学习记录)."""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.core import audit
from jineng.core.errors import Conflict, PermissionDenied
from jineng.learning import attachments, linking, signatures
from jineng.learning.attachments import Part
from jineng.learning.errors import Malformed
from jineng.learning.models import LearningPlatform, Statement, account_homepage
from jineng.learning.validation import (
    VOIDED,
    agent_key,
    check_statement,
    parse_duration,
    parse_timestamp,
)

_STORE_SET = ("id", "stored", "authority", "version")


def _comparable(statement: dict[str, Any], *, keep_timestamp: bool) -> dict[str, Any]:
    skip = _STORE_SET if keep_timestamp else (*_STORE_SET, "timestamp")
    return {k: v for k, v in statement.items() if k not in skip}


def _same(stored: dict[str, Any], incoming: dict[str, Any]) -> bool:
    keep = "timestamp" in incoming
    if keep and "timestamp" in stored:
        same_time = parse_timestamp(stored["timestamp"], "timestamp") == parse_timestamp(
            incoming["timestamp"], "timestamp"
        )
        if not same_time:
            return False
    return _comparable(stored, keep_timestamp=False) == _comparable(incoming, keep_timestamp=False)


def _authority(platform: LearningPlatform) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": platform.name,
        "account": {"homePage": account_homepage(), "name": f"platform-{platform.pk}"},
    }


@dataclass
class _Prepared:
    statement: dict[str, Any]
    statement_id: uuid.UUID


def _checked(raw: Any) -> dict[str, Any]:
    """Check one statement, its attachment declarations (and its SubStatement's) included."""
    if not isinstance(raw, dict):
        return check_statement(raw)
    holders = [("", raw)]
    target = raw.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        holders.append(("object.", target))
    declared = {}
    for prefix, holder in holders:
        if "attachments" in holder:
            items = holder.pop("attachments")
            declared[prefix] = attachments.check_declarations(items, prefix + "attachments")
    try:
        statement = check_statement(raw)
    finally:
        for prefix, holder in holders:
            if prefix in declared:
                holder["attachments"] = declared[prefix]
    return statement


def _prepare(
    statements: list[Any], put_id: uuid.UUID | None, parts: dict[str, Part]
) -> list[_Prepared]:
    prepared, seen = [], set()
    for index, raw in enumerate(statements):
        try:
            statement = _checked(raw)
        except Malformed as exc:
            if len(statements) > 1:
                exc.extra["index"] = index
            raise
        if put_id is not None:
            if "id" in statement and uuid.UUID(statement["id"]) != put_id:
                raise Malformed(_("The statement id differs from statementId."), field="id")
            statement["id"] = str(put_id)
        statement_id = uuid.UUID(statement["id"]) if "id" in statement else uuid.uuid4()
        statement["id"] = str(statement_id)
        if statement_id in seen:
            raise Malformed(
                _("Statement {id} appears twice in the batch.").format(id=statement_id), field="id"
            )
        seen.add(statement_id)
        signatures.verify(statement, parts, _checked)
        prepared.append(_Prepared(statement, statement_id))
    attachments.match_parts([p.statement for p in prepared], parts)
    return prepared


def _check_voiding(platform: LearningPlatform, prepared: list[_Prepared]) -> list[uuid.UUID]:
    targets = {
        uuid.UUID(p.statement["object"]["id"]): p
        for p in prepared
        if p.statement["verb"]["id"] == VOIDED
    }
    if not targets:
        return []
    batch_voiding = {p.statement_id for p in prepared if p.statement["verb"]["id"] == VOIDED}
    stored = dict(
        Statement.objects.filter(statement_id__in=targets).values_list(
            "statement_id", "platform_id"
        )
    )
    stored_voiding = set(
        Statement.objects.filter(statement_id__in=targets, verb_id=VOIDED).values_list(
            "statement_id", flat=True
        )
    )
    for target in targets:
        if target in stored and stored[target] != platform.pk:
            # A platform may take back only its own statements (and so its own hours).
            raise PermissionDenied(
                _("Statement {id} was reported by another platform.").format(id=target),
                field="object.id",
            )
        if target in batch_voiding or target in stored_voiding:
            raise Malformed(
                _("Statement {id} is a voiding statement and cannot be voided.").format(id=target),
                field="object.id",
            )
    return list(targets)


def _row(
    p: _Prepared, platform: LearningPlatform, now: datetime.datetime, authority: dict[str, Any]
) -> dict[str, Any]:
    statement = p.statement
    statement["stored"] = now.isoformat(timespec="microseconds")
    statement["authority"] = authority
    statement["version"] = statement.get("version", "1.0.0")
    if "timestamp" in statement:
        timestamp = parse_timestamp(statement["timestamp"], "timestamp")
    else:
        timestamp = now
        statement["timestamp"] = now.isoformat(timespec="microseconds")
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    duration = (statement.get("result") or {}).get("duration")
    registration = (statement.get("context") or {}).get("registration")
    return dict(
        statement_id=p.statement_id,
        platform_id=platform.pk,
        data=statement,
        verb_id=statement["verb"]["id"],
        activity_id=target["id"] if kind == "Activity" else "",
        agent_key=agent_key(statement["actor"])[:500],
        object_agent_key=agent_key(target)[:500] if kind in ("Agent", "Group") else "",
        registration=uuid.UUID(registration) if registration else None,
        stored=now,
        timestamp=timestamp,
        voided_target=uuid.UUID(target["id"]) if statement["verb"]["id"] == VOIDED else None,
        duration_seconds=parse_duration(duration) if duration else None,
        person_id=linking.person_id_of(statement),
        class_code=linking.class_code_of(statement),
        is_voided=False,
    )


def _link(rows: list[dict[str, Any]]) -> None:
    people = linking.existing_people(r["person_id"] for r in rows if r["person_id"])
    classes = linking.training_class_ids(r["class_code"] for r in rows)
    for row in rows:
        if row["person_id"] not in people:
            row["person_id"] = None
        row["training_class_id"] = classes.get(row["class_code"])


def _existing(statement_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Return the stored statements among these ids, by id."""
    rows = Statement.objects.filter(statement_id__in=statement_ids)
    return dict(rows.values_list("statement_id", "data"))


_COPY_COLUMNS = (
    "statement_id",
    "platform_id",
    "data",
    "verb_id",
    "activity_id",
    "agent_key",
    "object_agent_key",
    "registration",
    "stored",
    "timestamp",
    "is_voided",
    "voided_target",
    "duration_seconds",
    "person_id",
    "class_code",
    "training_class_id",
)


def _insert(rows: list[dict[str, Any]]) -> None:
    """Insert new statements: COPY on PostgreSQL (see bench/xapi_ingest.py), else bulk_create."""
    if connection.vendor != "postgresql":
        Statement.objects.bulk_create([Statement(**row) for row in rows])
        return
    sql = "COPY {table} ({columns}) FROM STDIN".format(
        table=Statement._meta.db_table, columns=", ".join(_COPY_COLUMNS)
    )
    # COPY goes to psycopg directly: wrap its errors so a unique violation is an IntegrityError.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as stream,
    ):
        for row in rows:
            values = [row[column] for column in _COPY_COLUMNS]
            values[2] = json.dumps(values[2], ensure_ascii=False, separators=(",", ":"))
            stream.write_row(values)


@transaction.atomic(durable=True)
def _store(
    platform: LearningPlatform, prepared: list[_Prepared], parts: dict[str, Part]
) -> tuple[list[str], int]:
    existing = _existing([p.statement_id for p in prepared])
    fresh = []
    for p in prepared:
        if p.statement_id in existing:
            if not _same(existing[p.statement_id], p.statement):
                raise Conflict(
                    _("Statement {id} already exists with other content.").format(
                        id=p.statement_id
                    ),
                    field="id",
                )
        else:
            fresh.append(p)
    targets = _check_voiding(platform, fresh)
    now, authority = timezone.now(), _authority(platform)
    rows = [_row(p, platform, now, authority) for p in fresh]
    _link(rows)
    _insert(rows)
    attachments.save(platform.pk, [p.statement for p in prepared], parts, now)
    if targets:
        voided = Statement.objects.filter(statement_id__in=targets).exclude(verb_id=VOIDED)
        voided_people = list(voided.exclude(person=None).values_list("statement_id", "person_id"))
        voided.update(is_voided=True)
        for statement_id, person_id in voided_people:
            # Voiding takes online hours out of a person's record: keep it in the audit trail.
            audit.record(
                None,
                "learning.statement.voided",
                object_type="learning.statement",
                object_id=str(statement_id),
                person_id=person_id,
                data={"platform": platform.name},
            )
    return [str(p.statement_id) for p in prepared], len(rows)


def store_statements(
    platform: LearningPlatform,
    statements: list[Any],
    *,
    put_id: uuid.UUID | None = None,
    parts: dict[str, Part] | None = None,
) -> tuple[list[str], int]:
    """Store statements (学习记录) all or none; return their ids and how many were new.

    The statements are parsed JSON that the store takes over: it adds id, stored, authority,
    version and timestamp to them in place.

    A resend identical to a stored statement is a no-op; different content under a stored id
    is a conflict. Voiding statements mark their target voided.

    ``parts`` are the attachments received with the statements (multipart/mixed), by SHA-2:
    each must be declared by a statement, every declared attachment needs a part or a fileUrl,
    and signed statements must match their signature. The parts' bytes are kept once per
    platform and SHA-2.
    """
    parts = parts or {}
    prepared = _prepare(statements, put_id, parts)
    try:
        return _store(platform, prepared, parts)
    except IntegrityError:
        # Another request stored one of these ids between our check and our insert.
        raise Conflict(_("A statement with one of these ids was stored meanwhile.")) from None
