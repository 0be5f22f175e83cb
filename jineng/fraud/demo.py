"""Demo data of fraud control: the rules' first versions and one scan over the demo city.

Last of the demos, so the scan sees the classes, attendance, certificates and claims the other
demos made, and what the demo planted (the class whose trainees all checked in on one phone)
opens its alerts and holds the claims concerned, while the class attended as trainees attend opens
none. Idempotent: once the demo city was scanned, a second run does nothing (a scan from the
command line or the rules page finds what changed since).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation

from jineng.core.models import AuditEvent
from jineng.fraud import engine, services

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def build_demo(*, stdout: SupportsWrite[str]) -> None:
    """Seed the rules and scan the demo city once, saying what each rule found."""
    # Claims submitted by the other demos were screened, which seeds the rules they ran: the
    # scan's own audit event says whether the demo city was scanned.
    if AuditEvent.objects.filter(action="fraud.scan.run").exists():
        stdout.write("fraud demo: already present\n")
        return
    seeded = services.seed_rules()
    # Alerts keep their summary as written: in the city's language, not the command's.
    with translation.override(settings.LANGUAGE_CODE):
        summary = engine.run()
    found = ", ".join(f"{run.code} {run.hits}" for run in summary.rules if run.hits)
    stdout.write(
        f"fraud: {seeded} rules seeded; scan found {summary.hits} hits"
        f" ({found or 'none'}), {summary.new_alerts} new alerts, {summary.holds} claims held.\n"
    )
