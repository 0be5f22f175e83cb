"""Write and verify the hash-chained audit trail (审计日志).

Every event's hash covers its own fields and the previous event's hash, so editing,
deleting or reordering any row breaks the chain from that row on. Events are written
inside the caller's transaction: if the change rolls back, so does its event.
See docs/adr/0002-audit-chain.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from jineng.core import context, locks
from jineng.core.models import AuditEvent

GENESIS = "0" * 64
# Keys whose values never enter the audit trail in clear.
SENSITIVE_KEYS = frozenset({"id_number", "phone", "password", "token", "secret", "otp"})


def _mask(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: ("***" if k in SENSITIVE_KEYS else _mask(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_mask(v) for v in data]
    return data


def _canonical(event: AuditEvent) -> bytes:
    payload = {
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
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    """Return the chain hash of an event from its fields and its predecessor's hash."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", None) or str(actor)


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str = "",
    person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the chain; call it inside the transaction of the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change.")
    locks.audit_chain_for_update()
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        person_id=person_id,
        data=_json_safe(_mask(data or {})),
        request_id=context.request_id.get(),
        prev_hash=last or GENESIS,
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    return event


def _json_safe(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


@dataclass(frozen=True)
class ChainBreak:
    """The first event at which the chain stops verifying, and why."""

    event_id: int
    reason: str


def iter_breaks(batch_size: int = 5000) -> Iterator[ChainBreak]:
    """Walk the chain in order and yield the first break found (at most one)."""
    expected_prev = GENESIS
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        for event in batch:
            if event.prev_hash != expected_prev:
                yield ChainBreak(
                    event.id,
                    "previous hash does not match: a row before it was "
                    "deleted, inserted or reordered",
                )
                return
            if compute_hash(event) != event.hash:
                yield ChainBreak(event.id, "hash does not match its contents: the row was edited")
                return
            expected_prev = event.hash
            last_id = event.id


def verify() -> ChainBreak | None:
    """Return the first break in the audit chain, or None when every event verifies."""
    return next(iter_breaks(), None)
