"""Row locks of subsidies: the only place select_for_update() appears in this app.

Lock order (ADR 0006): claims by ascending id, then the claim number counter, then a claim's
lines or objections; funds locks its budget after these (commit, payment) and the audit
stream comes last. Every wait is bounded by the lock timeout (core.db turns an expired wait
into Busy), so no path waits forever.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from jineng.core.errors import NotFound
from jineng.subsidies.models import Claim, ClaimLine, ClaimNumberCounter, Objection


def claim_for_update(pk: int) -> Claim:
    """Lock one claim so that its steps are taken one at a time."""
    claim = Claim.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if claim is None:
        raise NotFound(_("No such claim."))
    return claim


def claims_for_update(pks: Iterable[int]) -> list[Claim]:
    """Lock several claims in ascending id order (so two batches never wait in a cycle)."""
    wanted = sorted(set(pks))
    if not wanted:
        return []
    return list(Claim.objects.select_for_update(of=("self",)).filter(pk__in=wanted).order_by("pk"))


def line_for_update(pk: int) -> ClaimLine:
    """Lock one claim line (the worker's confirmation), after its claim."""
    line = ClaimLine.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if line is None:
        raise NotFound(_("No such claim line."))
    return line


def objection_for_update(pk: int) -> Objection:
    """Lock one objection, after its claim."""
    objection = Objection.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if objection is None:
        raise NotFound(_("No such objection."))
    return objection


def number_counter_for_update(year: int) -> ClaimNumberCounter:
    """Lock the claim number counter of a year, creating it first when missing."""
    ClaimNumberCounter.objects.bulk_create([ClaimNumberCounter(year=year)], ignore_conflicts=True)
    return ClaimNumberCounter.objects.select_for_update().get(year=year)
