"""Row locks of the API app: the only place select_for_update() appears here."""

from __future__ import annotations

from typing import Any

from jineng.api.models import IdempotencyKey


def idempotency_key_for_update(user: Any, key: str) -> IdempotencyKey | None:
    """Lock and return the user's idempotency key row, if there is one."""
    return IdempotencyKey.objects.select_for_update().filter(user=user, key=key).first()
