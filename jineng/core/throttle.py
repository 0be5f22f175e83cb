"""Limit how often one account may do a sensitive read, counted from the audit trail.

Each such read writes an audit event anyway, so the trail is the counter: no cache to share
between server processes, and a limit that holds across restarts. The count runs after the
event's chain lock is taken (``audit.record``), so parallel requests of one account are
counted one after another and cannot slip past the limit together.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from jineng.core import audit, locks
from jineng.core.errors import RateLimited
from jineng.core.models import AuditEvent


def check_rate(
    actor: audit.AuditActor | None,
    actions: Iterable[str],
    limits: Iterable[tuple[int, int]],
    *,
    message: str,
) -> None:
    """Raise RateLimited when the actor's recent events exceed any (seconds, count) limit.

    Call it inside the transaction, after recording this request's own event: the event is
    counted, and rolled back with the refusal. ``message`` may use ``{count}`` and
    ``{minutes}``.
    """
    if actor is None or actor.pk is None:
        return
    now = timezone.now()
    events = AuditEvent.objects.filter(actor_id=actor.pk, action__in=list(actions))
    for seconds, count in limits:
        since = now - datetime.timedelta(seconds=seconds)
        if events.filter(created_at__gt=since).count() > count:
            raise RateLimited(
                message.format(count=count, minutes=seconds // 60), retry_after=seconds
            )


def remaining(
    actor: audit.AuditActor | None, actions: Iterable[str], limits: Iterable[tuple[int, int]]
) -> int:
    """How many more such events the actor may cause now (the least over every window).

    Takes the lock of the actor's audit stream first (where all their events go), so that
    parallel requests of one account count one after another; an actor without an account
    (the platform itself) has no limit.
    """
    if actor is None or actor.pk is None:
        return 2**31
    locks.audit_chain_for_update(audit.stream_for(actor))
    now = timezone.now()
    events = AuditEvent.objects.filter(actor_id=actor.pk, action__in=list(actions))
    return min(
        count - events.filter(created_at__gt=now - datetime.timedelta(seconds=seconds)).count()
        for seconds, count in limits
    )
