"""Login lockout (django-axes): per (username, address) pair, with a cool-off that grows.

Failures count per pair of username and client address, so an address guessing one
account's password locks only itself out of that account: the owner, from another address,
still logs in. Each failure past the limit doubles the wait, up to a ceiling. The bureau
sees the locked pairs and can unlock one (accounts.services.unlock_login).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from jineng.core import pii
from jineng.core.errors import ValidationFailed
from jineng.core.validators import normalize_mobile

# Most locked pairs the bureau's page lists at once (the latest first).
LOCKED_LIST_LIMIT = 200


def cool_off_for(failures: int) -> datetime.timedelta:
    """Return how long a pair with this many failures waits (doubling past the limit)."""
    base = datetime.timedelta(minutes=settings.JINENG_LOGIN_COOLOFF_MINUTES)
    ceiling = datetime.timedelta(hours=settings.JINENG_LOGIN_COOLOFF_MAX_HOURS)
    extra = max(0, failures - settings.AXES_FAILURE_LIMIT)
    # Past about 30 doublings any base exceeds the ceiling; stop before the number grows huge.
    return min(base * 2 ** min(extra, 30), ceiling)


def lockout_username(typed: str | None) -> str | None:
    """The name a login is counted under: one form for every spelling of a mobile number.

    A worker logs in with the phone, typed with spaces, dashes, +86 or full-width digits;
    each spelling counted apart would give a fresh allowance of guesses. A number is counted
    as its masked form and a short keyed hash, so the lockout tables never hold it in
    clear and the bureau's lockouts page still tells the pairs apart.
    """
    if not typed:
        return typed
    try:
        phone = normalize_mobile(typed)
    except ValidationFailed:
        return typed
    return f"{pii.mask_phone(phone)}#{pii.blind_index(phone)[:12]}"


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """Tell django-axes (AXES_USERNAME_CALLABLE) which name a login attempt counts under."""
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "data", request.POST).get("username")
    return lockout_username(typed if isinstance(typed, str) else None)


def failures_of(username: str | None, ip_address: str | None) -> int:
    """Return the failed logins recorded for one (username, address) pair."""
    total = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def cool_off(request: HttpRequest | None) -> datetime.timedelta:
    """Tell django-axes (AXES_COOLOFF_TIME) how long this request's pair stays locked."""
    if request is None:
        return cool_off_for(0)
    username = get_client_username(request)
    ip_address = getattr(request, "axes_ip_address", None)
    return cool_off_for(failures_of(username, ip_address))


def client_ip_address(request: HttpRequest) -> str | None:
    """Return the client's address (AXES_CLIENT_IP_CALLABLE).

    Behind a reverse proxy every request comes from the proxy, and one address guessing
    passwords would lock the account for everyone; the proxy's header naming the client
    (JINENG_CLIENT_IP_HEADER, e.g. X-Real-IP) is then used. Set it only behind a proxy that
    overwrites that header, or clients could name any address they like.
    """
    header = settings.JINENG_CLIENT_IP_HEADER
    if header:
        value = request.headers.get(header, "").split(",")[0].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR")


@dataclass(frozen=True)
class LockedLogin:
    """One (username, address) pair that may not log in now (被锁定的登录)."""

    username: str
    ip_address: str
    failures: int
    last_failure_at: datetime.datetime
    locked_until: datetime.datetime


def locked_logins() -> list[LockedLogin]:
    """Return the pairs locked now, the most recently failed first."""
    now = timezone.now()
    rows = (
        AccessAttempt.objects.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    locked = []
    for row in rows.iterator():
        until = row["last"] + cool_off_for(row["failures"])
        if until > now:
            locked.append(
                LockedLogin(
                    username=row["username"] or "",
                    ip_address=row["ip_address"] or "",
                    failures=row["failures"],
                    last_failure_at=row["last"],
                    locked_until=until,
                )
            )
        if len(locked) >= LOCKED_LIST_LIMIT:
            break
    return locked
