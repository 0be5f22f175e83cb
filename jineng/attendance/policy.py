"""Attendance policy: time windows and distances, overridable in settings.

* A check-in is **on time** from ``ATTENDANCE_EARLY_MINUTES`` (15) before a session starts
  until it ends; outside that it is accepted but flagged ``outside_window``.
* A session's QR code is issued and accepted from ``ATTENDANCE_CODE_OPENS_MINUTES`` (60)
  before the start until ``ATTENDANCE_CODE_CLOSES_MINUTES`` (30) after the end: wider than the
  on-time window so that early or late arrivals reach the record, flagged, instead of being
  turned away; beyond it, codes are refused.
* A check-in farther than ``ATTENDANCE_MAX_DISTANCE_M`` (500) metres from the venue is flagged
  ``far_from_venue``; one without a location is flagged ``no_location``; one from a device
  (the site's device cookie) that already checked in another trainee to the same session is
  flagged ``shared_device``.
* Staff may record a manual check-in (补签) from the start of the on-time window until
  ``JINENG_MANUAL_CHECKIN_GRACE_HOURS`` (48) hours after the session ends, always with a
  reason; never for a session that has not begun. A manual check-in recorded outside that
  window (one written before these rules) does not count toward hours.
* A code changes every ``ATTENDANCE_CODE_STEP_SECONDS`` (30) and is accepted during its own
  step and the next one (a phone's clock and the screen's refresh may lag a little).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def early_minutes() -> int:
    return _setting("ATTENDANCE_EARLY_MINUTES", 15)


def code_opens_minutes() -> int:
    return _setting("ATTENDANCE_CODE_OPENS_MINUTES", 60)


def code_closes_minutes() -> int:
    return _setting("ATTENDANCE_CODE_CLOSES_MINUTES", 30)


def max_distance_m() -> int:
    return _setting("ATTENDANCE_MAX_DISTANCE_M", 500)


def step_seconds() -> int:
    return _setting("ATTENDANCE_CODE_STEP_SECONDS", 30)


def scan_ticket_seconds() -> int:
    """How long a scanned page may wait for the browser's location before it is submitted."""
    return _setting("ATTENDANCE_SCAN_TICKET_SECONDS", 180)


def manual_grace_hours() -> int:
    """How many hours after a session ends staff may still record a manual check-in to it."""
    return _setting("JINENG_MANUAL_CHECKIN_GRACE_HOURS", 48)


def manual_opens_at(starts_at: datetime.datetime) -> datetime.datetime:
    """Return the first moment staff may record a manual check-in: the on-time window's start."""
    return starts_at - datetime.timedelta(minutes=early_minutes())


def manual_closes_at(ends_at: datetime.datetime) -> datetime.datetime:
    """Return the last moment staff may record a manual check-in to a session."""
    return ends_at + datetime.timedelta(hours=manual_grace_hours())


def is_on_time(
    starts_at: datetime.datetime, ends_at: datetime.datetime, at: datetime.datetime
) -> bool:
    """Tell whether a check-in time lies in the session's on-time window."""
    return starts_at - datetime.timedelta(minutes=early_minutes()) <= at <= ends_at


def code_opens_at(starts_at: datetime.datetime) -> datetime.datetime:
    """Return the moment a session's QR codes are first issued and accepted."""
    return starts_at - datetime.timedelta(minutes=code_opens_minutes())


def code_closes_at(ends_at: datetime.datetime) -> datetime.datetime:
    """Return the last moment a session's QR codes are issued and accepted."""
    return ends_at + datetime.timedelta(minutes=code_closes_minutes())


def is_code_open(
    starts_at: datetime.datetime, ends_at: datetime.datetime, at: datetime.datetime
) -> bool:
    """Tell whether a session's QR codes are issued and accepted at this time."""
    return code_opens_at(starts_at) <= at <= code_closes_at(ends_at)


def manual_share_limit_percent() -> int:
    """The manual share above which a class deserves a look when also far above the median."""
    return _setting("ATTENDANCE_MANUAL_SHARE_LIMIT_PERCENT", 15)


def is_manual_share_high(percent: Decimal | None, median: Decimal | None) -> bool:
    """Tell whether a class's manual share is above the limit and at least 3× the city median.

    This is rule R18's threshold: it points the bureau at the institution, not the trainees.
    """
    if percent is None or median is None:
        return False
    return percent > manual_share_limit_percent() and percent >= 3 * median
