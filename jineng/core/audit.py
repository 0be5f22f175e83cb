"""Write and verify the hash-chained audit trail (审计日志).

Events form one chain per stream: the writer's organisation, or the city for the bureau, the
platform and accounts of no organisation. Each event is numbered in its stream (``seq``) and
its hash is an HMAC, with a key kept outside the database, of its own fields and the
previous event's hash; so editing, deleting or reordering any row breaks the chain from that
row on, and without the key nobody can recompute the hashes after it. Truncating the newest
rows is found against the signed checkpoints (core.checkpoints). Events are written inside
the caller's transaction: if the change rolls back, so does its event.
See docs/adr/0002-audit-chain.md.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from jineng.core import context, locks
from jineng.core.models import AuditEvent

GENESIS = "0" * 64
# Keys whose values never enter the audit trail in clear.
SENSITIVE_KEYS = frozenset({"id_number", "phone", "password", "token", "secret", "otp"})
# The stream of the bureau, the platform itself and accounts of no organisation.
CITY_STREAM = "city"
# Events written before streams and keyed hashes: one plain-sha256 chain, closed for writing
# and anchored by the first checkpoint published after the upgrade.
LEGACY_STREAM = "legacy"
LEGACY_ALGORITHM = "sha256"
HMAC_ALGORITHM = "hmac-sha256"


def _mask(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: ("***" if k in SENSITIVE_KEYS else _mask(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_mask(v) for v in data]
    return data


def key_id(key: str) -> str:
    """A short public name of an HMAC key, stored with each event it hashed."""
    return hashlib.sha256(b"jineng.audit.key:" + key.encode()).hexdigest()[:12]


@lru_cache(maxsize=8)
def _keys(current: str, previous: tuple[str, ...]) -> dict[str, bytes]:
    return {key_id(k): k.encode() for k in (current, *previous)}


def hmac_keys() -> dict[str, bytes]:
    """Every HMAC key that verifies events, by key id: the current one and earlier ones."""
    return _keys(settings.AUDIT_KEY, tuple(settings.AUDIT_PREVIOUS_KEYS))


def current_algorithm() -> str:
    """The algorithm name new events carry: the keyed hash and the current key's id."""
    return f"{HMAC_ALGORITHM}:{key_id(settings.AUDIT_KEY)}"


def _legacy_canonical(event: AuditEvent) -> dict[str, Any]:
    return {
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "person_id": event.person_id,
        "data": event.data,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }


def _canonical(event: AuditEvent) -> bytes:
    payload = _legacy_canonical(event)
    if event.algorithm != LEGACY_ALGORITHM:
        payload.update(stream=event.stream, seq=event.seq, algorithm=event.algorithm)
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str | None:
    """Return the chain hash of an event, or None when no key of its algorithm is known."""
    if event.algorithm == LEGACY_ALGORITHM:
        return hashlib.sha256(_canonical(event)).hexdigest()
    name, _, kid = event.algorithm.partition(":")
    key = hmac_keys().get(kid)
    if name != HMAC_ALGORITHM or key is None:
        return None
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


class AuditActor(Protocol):
    """What the audit trail reads of whoever acts (操作人): an account's number, name and unit.

    Apps pass ``jineng.accounts.actors.Actor`` (an account), or None for the system's own
    actions; the core cannot import accounts (docs/adr/0012-app-layers.md), so it names only
    what it reads.
    """

    @property
    def pk(self) -> int | None: ...

    @property
    def username(self) -> str: ...

    @property
    def organization_id(self) -> int | None: ...


def _sign(event: AuditEvent) -> str:
    """The keyed hash of a new event: with the current key, the one its algorithm names."""
    key = settings.AUDIT_KEY.encode()
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


def stream_for(actor: AuditActor | None) -> str:
    """The stream an actor's events go to: their organisation's, or one of the city's.

    Accounts of no organisation (workers, the bureau) are spread over
    ``JINENG_AUDIT_CITY_STREAMS`` city streams by account, so thousands of workers enrolling
    themselves at once do not queue on one lock; the platform's own events go to ``city``.
    Every event of one account is in one stream, so counting them under that stream's lock
    (core.throttle) still counts parallel requests one after another.
    """
    if actor is not None and actor.organization_id:
        return f"org-{actor.organization_id}"
    account_id = actor.pk if actor is not None else None
    if account_id is None:
        return CITY_STREAM
    return f"{CITY_STREAM}-{account_id % settings.AUDIT_CITY_STREAMS}"


def _actor_label(actor: AuditActor | None) -> str:
    if actor is None:
        return "system"
    return actor.username or str(actor)


@dataclass(frozen=True, slots=True)
class Entry:
    """One event to append with record_many: what record() takes after the actor."""

    action: str
    obj: models.Model | None = None
    object_type: str = ""
    object_id: str = ""
    person_id: int | None = None
    data: dict[str, Any] | None = None


def _event(
    actor: AuditActor | None, entry: Entry, stream: str, seq: int, prev_hash: str
) -> AuditEvent:
    obj = entry.obj
    event = AuditEvent(
        stream=stream,
        seq=seq,
        algorithm=current_algorithm(),
        created_at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_label=_actor_label(actor),
        action=entry.action,
        object_type=obj._meta.label_lower if obj is not None else entry.object_type,
        object_id=str(obj.pk) if obj is not None else entry.object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        person_id=entry.person_id,
        data=_json_safe(_mask(entry.data or {})),
        request_id=context.request_id.get(),
        prev_hash=prev_hash,
    )
    event.hash = _sign(event)
    return event


def _locked_head(stream: str) -> tuple[int, str]:
    """Take the stream's lock (held to commit) and return its newest number and hash."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change.")
    locks.audit_chain_for_update(stream)
    last = AuditEvent.objects.filter(stream=stream).order_by("-seq").values("seq", "hash").first()
    return (last["seq"], last["hash"]) if last else (0, GENESIS)


def record(
    actor: AuditActor | None,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str = "",
    person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the actor's stream; call it inside the change's transaction.

    From here to the commit the actor's stream is locked: a long transaction should record
    its events last, with record_many, so that the stream's other writers do not wait.
    """
    stream = stream_for(actor)
    seq, prev_hash = _locked_head(stream)
    entry = Entry(action, obj, object_type, object_id, person_id, data)
    event = _event(actor, entry, stream, seq + 1, prev_hash)
    event.save(force_insert=True)
    return event


# Events inserted at a time by record_many: what it holds in memory, whatever their number.
BATCH_SIZE = 2000


def record_many(actor: AuditActor | None, entries: Iterable[Entry]) -> int:
    """Append many events of one actor in order, taking the stream's lock once; return how many.

    Long transactions (bulk imports) collect their events and call this just before they
    commit, so the actor's stream is locked only while the batch is written rather than from
    the first event on. ``entries`` may be a generator: events are chained and inserted
    BATCH_SIZE at a time. Nothing is locked when there are no entries.
    """
    entries = iter(entries)
    first = next(entries, None)
    if first is None:
        return 0
    stream = stream_for(actor)
    seq, prev_hash = _locked_head(stream)
    written = 0
    batch: list[AuditEvent] = []
    for entry in itertools.chain((first,), entries):
        seq += 1
        event = _event(actor, entry, stream, seq, prev_hash)
        prev_hash = event.hash
        batch.append(event)
        if len(batch) == BATCH_SIZE:
            AuditEvent.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
        written += len(batch)
    return written


def _json_safe(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


@dataclass(frozen=True)
class ChainBreak:
    """The first event at which a stream stops verifying, and why.

    ``reason`` is lazy: it is translated when shown, into the language of the page (or the
    command line) that shows it.
    """

    event_id: int
    reason: Any
    stream: str = ""


def streams() -> list[str]:
    """Every stream that holds events, in name order."""
    return list(AuditEvent.objects.order_by("stream").values_list("stream", flat=True).distinct())


def _check(event: AuditEvent, expected_seq: int, expected_prev: str) -> Any:
    if event.seq != expected_seq:
        return format_lazy(
            gettext_lazy(
                "it is number {seq} of stream {stream} where {expected} was expected: an "
                "event before it was deleted or inserted"
            ),
            seq=event.seq,
            stream=event.stream,
            expected=expected_seq,
        )
    if event.prev_hash != expected_prev:
        return gettext_lazy(
            "previous hash does not match: a row before it was deleted, inserted or reordered"
        )
    if (event.algorithm == LEGACY_ALGORITHM) != (event.stream == LEGACY_STREAM):
        return format_lazy(
            gettext_lazy(
                "it claims hash algorithm {algorithm} in stream {stream}: only events written "
                "before the upgrade use plain sha256, so the row was forged"
            ),
            algorithm=event.algorithm,
            stream=event.stream,
        )
    expected = compute_hash(event)
    if expected is None:
        return format_lazy(
            gettext_lazy(
                "no known key for its hash algorithm {algorithm}: list the key in "
                "JINENG_AUDIT_PREVIOUS_KEYS, or the row was forged"
            ),
            algorithm=event.algorithm,
        )
    if not hmac.compare_digest(expected, event.hash):
        return gettext_lazy("hash does not match its contents: the row was edited")
    return None


def iter_stream_breaks(stream: str, batch_size: int = 5000) -> Iterator[ChainBreak]:
    """Walk one stream in order and yield its first break (at most one)."""
    expected_prev, expected_seq, last_seq = GENESIS, 1, 0
    while True:
        batch = list(
            AuditEvent.objects.filter(stream=stream, seq__gt=last_seq).order_by("seq")[:batch_size]
        )
        if not batch:
            return
        for event in batch:
            reason = _check(event, expected_seq, expected_prev)
            if reason is not None:
                yield ChainBreak(event.id, reason, stream)
                return
            expected_prev, expected_seq, last_seq = event.hash, event.seq + 1, event.seq


def iter_breaks(batch_size: int = 5000) -> Iterator[ChainBreak]:
    """Walk every stream and yield the first break of each stream that has one."""
    for stream in streams():
        yield from iter_stream_breaks(stream, batch_size)


def verify() -> ChainBreak | None:
    """Return the first break in the audit chain, or None when every event verifies."""
    return next(iter_breaks(), None)
