"""Row locks of certificates: the only place select_for_update() appears in this app.

Lock order (ADR 0006): a certificate, or the number counters (by prefix, then year), or the
signing keys (rotation); then the status lists (revocation, then suspension); the audit stream
last. No path locks the lists before any of the others, so no two paths wait in a cycle.
Every wait is bounded by the lock timeout (core.db turns an expired wait into Busy).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from jineng.certificates import status_lists
from jineng.certificates.models import (
    Certificate,
    NumberCounter,
    SigningKey,
    StatusList,
    StatusPurpose,
)
from jineng.core.errors import NotFound


def certificate_for_update(pk: int) -> Certificate:
    """Lock a certificate so that its status changes one at a time."""
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("holder", "occupation", "level", "issuer")
        .filter(pk=pk)
        .first()
    )
    if certificate is None:
        raise NotFound(_("No such certificate."))
    return certificate


def counters_for_update(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], NumberCounter]:
    """Lock the serial counters of some (prefix, year) pairs, creating missing ones first.

    Missing rows are inserted with ON CONFLICT DO NOTHING, so two batches that create the
    same counter at once do not fail; the rows are then locked in sorted order, so two
    batches that need the same counters never wait on each other in a cycle.
    """
    wanted = sorted(set(keys))
    NumberCounter.objects.bulk_create(
        [NumberCounter(prefix=prefix, year=year) for prefix, year in wanted],
        ignore_conflicts=True,
    )
    locked: dict[tuple[str, int], NumberCounter] = {}
    for prefix, year in wanted:
        locked[(prefix, year)] = NumberCounter.objects.select_for_update().get(
            prefix=prefix, year=year
        )
    return locked


def status_lists_for_update() -> list[StatusList]:
    """Lock both status lists (revocation, then suspension), creating them when missing."""
    if StatusList.objects.count() < len(StatusPurpose):
        _create_status_lists()
    return [
        StatusList.objects.select_for_update().get(purpose=purpose)
        for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
    ]


def _create_status_lists() -> None:
    StatusList.objects.bulk_create(
        [
            StatusList(purpose=purpose, size=status_lists.MIN_SIZE, bits=status_lists.empty_bits())
            for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
        ],
        ignore_conflicts=True,
    )


def signing_keys_for_update() -> list[SigningKey]:
    """Lock every signing key, so that one rotation (or first key) is decided at a time."""
    return list(SigningKey.objects.select_for_update().order_by("pk"))
