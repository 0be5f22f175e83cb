"""Every write of online learning: platforms, credentials, statements and documents."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from jineng.learning import attachments, linking, locks, signatures
from jineng.learning.attachments import Part
from jineng.learning.models import (
    Document,
    DocumentKind,
    LearningPlatform,
    PlatformCredential,
    Statement,
    account_homepage,
)
from jineng.learning.validation import (
    VOIDED,
    Malformed,
    agent_key,
    check_statement,
    check_uuid,
    parse_duration,
    parse_timestamp,
)

# Properties the store sets itself, left out when comparing a statement with its resend.
_STORE_SET = ("id", "stored", "authority", "version")


class PreconditionFailed(DomainError):
    """An If-Match or If-None-Match header does not hold for the document."""

    code = "precondition_failed"
    status = 412


@dataclass(frozen=True)
class Registrations:
    """What a platform is registered for: institutions (all their classes) and single classes."""

    institutions: tuple[Any, ...] = ()
    class_codes: tuple[str, ...] = ()


def _classes(codes: tuple[str, ...], actor: Actor | None) -> list[Any]:
    """Return the classes named by code, refusing codes that name no class the actor sees."""
    from jineng.training.models import TrainingClass

    wanted = sorted({code.strip() for code in codes if code.strip()})
    found = list(TrainingClass.objects.visible_to(actor).filter(code__in=wanted))
    missing = sorted(set(wanted) - {c.code for c in found})
    if missing:
        raise ValidationFailed(
            _("No training class with the code {codes}.").format(codes=", ".join(missing)),
            field="class_codes",
        )
    return found


def _register(
    platform: LearningPlatform, registrations: Registrations, actor: Actor | None
) -> dict[str, list[str]]:
    """Set what the platform is registered for; return the new registrations for the audit."""
    classes = _classes(registrations.class_codes, actor)
    platform.institutions.set(registrations.institutions)
    platform.training_classes.set(classes)
    return _registered(platform)


def _registered(platform: LearningPlatform) -> dict[str, list[str]]:
    return {
        "institutions": sorted(platform.institutions.values_list("credit_code", flat=True)),
        "classes": sorted(platform.training_classes.values_list("code", flat=True)),
    }


@transaction.atomic(durable=True)
def create_platform(
    name: str,
    *,
    actor: Actor | None,
    organization: Any | None = None,
    registrations: Registrations | None = None,
) -> LearningPlatform:
    """Register a learning platform (学习平台) that may report statements.

    Its minutes count only toward the classes of the institutions and the single classes it
    is registered for; it may report about others, which are kept but not counted.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("A platform needs a name of 1 to 200 characters."), field="name")
    if LearningPlatform.objects.filter(name=name).exists():
        raise Conflict(_("A platform named {name} already exists.").format(name=name), field="name")
    platform = LearningPlatform.objects.create(name=name, organization=organization)
    registered = _register(platform, registrations or Registrations(), actor)
    audit.record(
        actor,
        "learning.learningplatform.created",
        platform,
        data={"name": name, **registered},
    )
    return platform


@transaction.atomic(durable=True)
def register_platform(
    platform_id: int, registrations: Registrations, *, actor: Actor
) -> LearningPlatform:
    """Set the institutions and classes a platform's online minutes may count toward (备案)."""
    platform = locks.platform_for_update(platform_id)
    if platform is None:
        raise NotFound(_("No such platform."), field="platform")
    before = _registered(platform)
    after = _register(platform, registrations, actor)
    audit.record(
        actor,
        "learning.learningplatform.registered",
        platform,
        data={"name": platform.name, "before": before, "after": after},
    )
    return platform


@transaction.atomic(durable=True)
def create_credential(
    platform: LearningPlatform, *, actor: Actor | None
) -> tuple[PlatformCredential, str]:
    """Issue a Basic-auth credential (平台凭据) to a platform; return it with the secret once."""
    if not platform.is_active:
        raise ValidationFailed(
            _("Platform {name} is inactive.").format(name=platform.name), field="platform"
        )
    key, secret = PlatformCredential.generate()
    credential = PlatformCredential.objects.create(
        platform=platform, key=key, secret_hash=PlatformCredential.hash_secret(secret)
    )
    audit.record(
        actor,
        "learning.platformcredential.created",
        credential,
        data={"platform": platform.name, "key": key},
    )
    return credential, secret


@transaction.atomic(durable=True)
def revoke_credential(key: str, *, actor: Actor | None) -> PlatformCredential:
    """Revoke a platform credential so that it stops working at once."""
    credential = (
        PlatformCredential.objects.select_related("platform")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
    if credential is None:
        raise NotFound(_("No active credential {key}.").format(key=key), field="key")
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["revoked_at"])
    audit.record(
        actor,
        "learning.platformcredential.revoked",
        credential,
        data={"platform": credential.platform.name, "key": key},
    )
    return credential


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


def etag_of(content: bytes) -> str:
    """Return the ETag of a document's content."""
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - an identifier, not a secret


@dataclass(frozen=True)
class DocumentKey:
    """Identify a platform's documents of one resource, activity, agent and registration."""

    kind: str
    platform_id: int
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""

    def filter(self) -> dict[str, str | int]:
        """Return the lookup of this key's documents."""
        return {
            "kind": self.kind,
            "platform_id": self.platform_id,
            "activity_id": self.activity_id,
            "agent_key": self.agent_key,
            "registration": self.registration,
        }


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


def check_preconditions(
    document: Document | None, *, if_match: str | None, if_none_match: str | None
) -> None:
    """Refuse with 412 when If-Match or If-None-Match does not hold for the document."""
    if if_match is not None:
        tags = _etags(if_match)
        if document is None or ("*" not in tags and document.etag not in tags):
            raise PreconditionFailed(_("The document's ETag does not match If-Match."))
    if if_none_match is not None and document is not None:
        tags = _etags(if_none_match)
        if "*" in tags or document.etag in tags:
            raise PreconditionFailed(_("The document exists and If-None-Match forbids it."))


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def _merge(document: Document, content: bytes, content_type: str) -> bytes:
    try:
        old, new = json.loads(bytes(document.content)), json.loads(content)
    except (ValueError, UnicodeDecodeError):
        old = new = None
    if not (
        _is_json(content_type)
        and _is_json(document.content_type)
        and isinstance(old, dict)
        and isinstance(new, dict)
    ):
        raise Malformed(_("Only JSON objects can be merged by POST."), field="content")
    old.update(new)
    return json.dumps(old, ensure_ascii=False, separators=(",", ":")).encode()


@transaction.atomic(durable=True)
def save_document(
    key: DocumentKey,
    document_id: str,
    content: bytes,
    content_type: str,
    *,
    merge: bool,
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> Document:
    """Put (replace) or post (merge JSON) one document under the ETag concurrency rules."""
    document = locks.documents_for_update(key.filter()).filter(document_id=document_id).first()
    check_preconditions(document, if_match=if_match, if_none_match=if_none_match)
    needs_precondition = key.kind != DocumentKind.STATE and not merge
    if document is not None and needs_precondition and if_match is None and if_none_match is None:
        raise Conflict(
            _("The document exists: send If-Match or If-None-Match to replace it."),
            field="If-Match",
        )
    if merge and document is not None:
        content = _merge(document, content, content_type)
        content_type = "application/json"
    elif merge and _is_json(content_type):
        try:
            if not isinstance(json.loads(content), dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            raise Malformed(
                _("A posted JSON document must be an object."), field="content"
            ) from None
    values = {
        "content": content,
        "content_type": content_type or "application/octet-stream",
        "etag": etag_of(content),
        "updated": timezone.now(),
    }
    if document is None:
        return Document.objects.create(**key.filter(), document_id=document_id, **values)
    for name, value in values.items():
        setattr(document, name, value)
    document.save()
    return document


@transaction.atomic(durable=True)
def delete_documents(
    key: DocumentKey, document_id: str | None, *, if_match: str | None = None
) -> int:
    """Delete one document (or, for State without stateId, all of the key's); return the count."""
    documents = locks.documents_for_update(key.filter())
    if document_id is not None:
        document = documents.filter(document_id=document_id).first()
        check_preconditions(document, if_match=if_match, if_none_match=None)
        documents = documents.filter(document_id=document_id)
    count, _deleted = documents.delete()
    return count


def registration_text(value: str | None) -> str:
    """Return a registration parameter in canonical form, or '' for none."""
    return str(check_uuid(value, "registration")) if value else ""
