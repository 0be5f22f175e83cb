"""Rotating, signed QR codes of a session: the code names the session and a 30-second step.

A code is ``signing.Signer`` output (HMAC-SHA256 with a key derived from ``SECRET_KEY`` and a
salt of its own) over ``{"s": session id, "t": step}``. It proves the bearer saw the session's
screen at that step; it is accepted during its step and the next one only.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.utils.translation import gettext as _

from jineng.attendance import policy
from jineng.attendance.errors import InvalidCode

SALT = "jineng.attendance.qr"


def step_at(at: datetime.datetime) -> int:
    """Return the number of the time step that contains a moment."""
    return int(at.timestamp()) // policy.step_seconds()


def step_start(step: int) -> datetime.datetime:
    """Return the moment a step begins."""
    return datetime.datetime.fromtimestamp(step * policy.step_seconds(), tz=datetime.UTC)


def make_code(session_id: int, at: datetime.datetime) -> str:
    """Return the code a session's screen shows at a moment."""
    return signing.Signer(salt=SALT).sign_object({"s": session_id, "t": step_at(at)})


def read_code(code: str, at: datetime.datetime) -> int:
    """Return the session id a code names, or raise InvalidCode if it is forged or stale."""
    try:
        payload = signing.Signer(salt=SALT).unsign_object(code)
        session_id, step = int(payload["s"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidCode(
            _("This attendance code is not genuine. Scan the code on the session screen again."),
            field="code",
        ) from None
    if step_at(at) - step not in (0, 1):
        raise InvalidCode(
            _("This attendance code has expired. Scan the code on the session screen again."),
            field="code",
        )
    return session_id
