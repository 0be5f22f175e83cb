"""Idempotency-Key on create endpoints: a retried request replays the first one's response.

The first request with a key claims it in its own committed transaction; the unique
constraint on (user, key) lets exactly one concurrent request win the claim. The winner runs
the service (which owns its own durable transaction) and then stores its response on the
claim. A concurrent duplicate that finds the claim still open gets 409
``idempotency_key_in_progress`` and retries later; one that finds it completed gets the stored
status, body and headers back with ``Idempotent-Replayed: true``. The same key with another
method, path or body gets 422 ``idempotency_key_reused``; the request is compared through a
keyed hash (HMAC), never stored in clear. Keys are kept for 24 hours (``IDEMPOTENCY_TTL``);
after that the key may be used again, and the worker deletes it (``schedule_purge``). If the
request fails with an unexpected error the claim is released so that a retry can run.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from ninja import Header

from jineng.api import locks
from jineng.api.errors import IdempotencyKeyInProgress, IdempotencyKeyReused
from jineng.api.models import IDEMPOTENCY_TTL, IdempotencyKey
from jineng.core import pii
from jineng.core.errors import DomainError, RateLimited

# HKDF label of the fingerprint key: a key of its own, never the blind-index key.
FINGERPRINT_KEY_PURPOSE = b"jineng idempotency fingerprint"
# Keys expiring within this long of each other share one purge run.
PURGE_DELAY = datetime.timedelta(hours=1)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description=(
            "A unique value per intended create (a UUID works). Retrying with the same key and "
            "body within 24 hours replays the first response without writing again; the same "
            "key with a different body is refused with 422 `idempotency_key_reused`."
        ),
    ),
]


@dataclass(frozen=True)
class Outcome:
    """What a create produced: status, JSON body and any headers to send (and to replay)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> HttpResponse:
        """Render the outcome as a JSON response."""
        response = JsonResponse(
            self.body, status=self.status, json_dumps_params={"ensure_ascii": False}
        )
        for name, value in self.headers.items():
            response[name] = value
        return response


def fingerprint(request: HttpRequest) -> str:
    """Hash the method, path and body with a server key; JSON is compared by content.

    Bodies hold full ID and phone numbers. A plain hash of one could be recomputed for each
    candidate number by anyone who knows the rest of the body (a school knows what it sent),
    so the hash is an HMAC under a key derived from the personal-data key (core.pii).
    """
    raw = request.body
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    digest = hmac.new(pii.derived_key(FINGERPRINT_KEY_PURPOSE), digestmod=hashlib.sha256)
    for part in ((request.method or "").encode(), request.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@transaction.atomic(durable=True)
def claim_key(user: Any, key: str, request_fingerprint: str) -> IdempotencyKey | Outcome:
    """Claim a key for a new request, or return the stored outcome of the first one."""
    existing = locks.idempotency_key_for_update(user, key)
    if existing is not None and existing.is_expired:
        existing.delete()
        existing = None
    if existing is None:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=request_fingerprint
                )
        except IntegrityError:
            # Another request inserted the same key between our read and our insert.
            existing = locks.idempotency_key_for_update(user, key)
            if existing is None:
                raise
    if not hmac.compare_digest(existing.fingerprint, request_fingerprint):
        raise IdempotencyKeyReused(
            _("Idempotency-Key {key} was already used for a different request.").format(key=key),
            field="Idempotency-Key",
        )
    if not existing.is_completed:
        raise IdempotencyKeyInProgress(
            _("A request with Idempotency-Key {key} is still in progress; retry later.").format(
                key=key
            ),
            field="Idempotency-Key",
        )
    return Outcome(
        status=existing.response_status or 200,
        body=existing.response_body or {},
        headers={**existing.response_headers, "Idempotent-Replayed": "true"},
    )


@transaction.atomic(durable=True)
def complete_key(claim: IdempotencyKey, outcome: Outcome) -> None:
    """Store the outcome of the request that claimed the key."""
    IdempotencyKey.objects.filter(pk=claim.pk).update(
        response_status=outcome.status,
        response_body=outcome.body,
        response_headers=outcome.headers,
        completed_at=timezone.now(),
    )


@transaction.atomic(durable=True)
def release_key(claim: IdempotencyKey) -> None:
    """Forget a claim whose request failed unexpectedly, so that a retry can run."""
    IdempotencyKey.objects.filter(pk=claim.pk, response_status__isnull=True).delete()


@transaction.atomic(durable=True)
def purge_expired_keys() -> int:
    """Delete keys past their 24-hour retention; return how many."""
    deleted, _counts = IdempotencyKey.objects.expired().delete()
    return deleted


@task()
def purge_idempotency_keys() -> int:
    """Delete the idempotency keys past their 24-hour retention; return how many (a task)."""
    return purge_expired_keys()


def schedule_purge(claim: IdempotencyKey) -> None:
    """Make sure a worker deletes this key once it has expired (at most PURGE_DELAY later).

    django-tasks has no periodic tasks, so each new key asks for a purge at its own expiry
    unless one is already queued for then or later: one queued purge covers every key that
    expires within the PURGE_DELAY before it, and nothing is queued while nobody sends keys.
    """
    purge = purge_idempotency_keys
    backend = purge.get_backend()
    if not backend.supports_defer:
        # Tasks run at once (development without a worker, tests): purge what has expired.
        purge.enqueue()
        return
    expires_at = claim.created_at + IDEMPOTENCY_TTL
    if isinstance(backend, DatabaseBackend) and (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=purge.module_path,
            backend_name=backend.alias,
            run_after__gte=expires_at,
        ).exists()
    ):
        return
    purge.using(run_after=expires_at + PURGE_DELAY).enqueue()


def _run(create: Callable[[], Outcome]) -> Outcome:
    try:
        return create()
    except RateLimited:
        # A refusal that passes with time is not the request's outcome: the key is released
        # and a retry after the wait runs (the API's error handler sends Retry-After).
        raise
    except DomainError as exc:
        # Refusals are part of the outcome: a retry with the same key gets the same answer.
        return Outcome(status=exc.status, body=exc.as_dict())


def idempotent(
    request: HttpRequest, user: Any, key: str | None, create: Callable[[], Outcome]
) -> HttpResponse:
    """Run a create once per (user, Idempotency-Key); replay its response on retries."""
    if not key:
        return _run(create).response()
    claim = claim_key(user, key, fingerprint(request))
    if isinstance(claim, Outcome):
        return claim.response()
    try:
        outcome = _run(create)
    except BaseException:
        release_key(claim)
        raise
    complete_key(claim, outcome)
    schedule_purge(claim)
    return outcome.response()
