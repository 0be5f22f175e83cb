"""What people reads from the apps above it, registered by them (docs/adr/0012-app-layers.md).

A person's page shows their lifelong record, which the records app gathers from every app
above people. So records hands people the function that builds the record a viewer may see
when its app is ready (``AppConfig.ready()``), and people's pages call it without importing
records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from jineng.people.models import Person

RecordFor = Callable[["Person", Any], Any]

_record_for: RecordFor | None = None


def provide_record(provider: RecordFor) -> None:
    """Register the function that returns a person's record as a viewer may see it."""
    global _record_for
    _record_for = provider


def record_for(person: Person, viewer: Any) -> Any:
    """Return a person's lifelong record as a signed-in viewer may see it (jineng.records)."""
    if _record_for is None:
        raise ImproperlyConfigured("no app provides the lifelong record (jineng.records)")
    return _record_for(person, viewer)
