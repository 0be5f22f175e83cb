"""What training reads from the apps above it, registered by them (docs/adr/0012-app-layers.md).

Training sits below attendance and learning, yet a class's completion counts the minutes
they record. So each of them hands training a provider when its app is ready
(``AppConfig.ready()``), and training reads through it without importing them:

- attendance: the minutes each enrolment attended in person, from the check-ins;
- learning: the minutes of online learning a person's xAPI statements credit in a class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.exceptions import ImproperlyConfigured

AttendedMinutes = Callable[[list[int]], Mapping[int, int]]
OnlineMinutes = Callable[[int, str], int | None]

_attended: AttendedMinutes | None = None
_online: OnlineMinutes | None = None


def provide_attended_minutes(provider: AttendedMinutes) -> None:
    """Register the function that returns the attended minutes of enrolments by their id."""
    global _attended
    _attended = provider


def provide_online_minutes(provider: OnlineMinutes) -> None:
    """Register the function that returns a person's online minutes in a class (by its code)."""
    global _online
    _online = provider


def attended_minutes(enrolment_ids: list[int]) -> Mapping[int, int]:
    """Return the attended minutes of enrolments, as the registered provider counts them."""
    if _attended is None:
        raise ImproperlyConfigured("no app provides attended minutes (jineng.attendance)")
    return _attended(enrolment_ids)


def online_minutes(person_id: int, class_code: str) -> int | None:
    """Return a person's online minutes in a class, as the registered provider counts them."""
    if _online is None:
        raise ImproperlyConfigured("no app provides online minutes (jineng.learning)")
    return _online(person_id, class_code)
