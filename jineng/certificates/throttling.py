"""Limit how often one client address may miss or check credentials on the public pages.

core.throttle counts an account's audit events; public verification has no account and
writes nothing (a scan of the QR code must stay cheap), so it counts in the cache instead,
by a keyed hash of the client's address, in fixed one-minute windows. Only what can harvest
or cost is counted: looking up numbers that do not exist (guessing numbers would otherwise
list holders) and checking pasted credentials. A known number is never refused. The cache
is per process (LocMemCache): with N server processes a client gets at most N times the
limit, which still stops a scan of the number space.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jineng.accounts.lockout import client_ip_address
from jineng.core import pii
from jineng.core.errors import RateLimited

WINDOW_SECONDS = 60
# Per address and minute; settings may override them (JINENG_VERIFY_MISSES_PER_MINUTE …).
MISSES_PER_MINUTE = 20
CHECKS_PER_MINUTE = 30


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _key(kind: str, request: HttpRequest) -> str:
    address = client_ip_address(request) or "-"
    digest = hmac.digest(pii.derived_key(b"jineng verify address"), address.encode(), "sha256")
    window = int(time.time()) // WINDOW_SECONDS
    return f"certificates:{kind}:{digest.hex()[:32]}:{window}"


def _count(kind: str, request: HttpRequest, limit: int) -> None:
    key = _key(kind, request)
    if cache.add(key, 1, WINDOW_SECONDS + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, WINDOW_SECONDS + 1)
            count = 1
    if count > limit:
        raise RateLimited(
            _("Too many tries from your network. Wait a minute and try again."),
            retry_after=WINDOW_SECONDS,
        )


def check_miss_allowed(request: HttpRequest) -> None:
    """Count one lookup of an unknown number; raise RateLimited past the limit."""
    _count("miss", request, _limit("JINENG_VERIFY_MISSES_PER_MINUTE", MISSES_PER_MINUTE))


def check_credential_allowed(request: HttpRequest) -> None:
    """Count one check of a pasted or uploaded credential; raise RateLimited past the limit."""
    _count("check", request, _limit("JINENG_VERIFY_CHECKS_PER_MINUTE", CHECKS_PER_MINUTE))
