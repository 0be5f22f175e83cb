"""`jineng audit verify|checkpoint|report`: check, anchor and report the audit trail.

* ``verify`` walks every stream and checks each published checkpoint; it exits 1 naming
  every bad row or checkpoint.
* ``checkpoint`` signs and appends a checkpoint of every stream whose head moved, and makes
  sure the worker writes one daily (run it from cron where no worker runs).
* ``report --month YYYY-MM`` prints the month's report: events per stream and the month's
  signed checkpoints with the public key that verifies them.
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils import timezone

from jineng.core import audit, checkpoints, tasks
from jineng.core.models import AuditEvent


def _month(text: str) -> tuple[int, int]:
    year, _, month = text.partition("-")
    if not (len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        raise CommandError(f"--month must look like 2026-12, not {text!r}.")
    return int(year), int(month)


class Command(BaseCommand):
    help = (
        "Work with the audit trail: `verify` exits 1 and names each bad row or checkpoint; "
        "`checkpoint` publishes signed heads; `report --month YYYY-MM` prints the month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "report"])
        parser.add_argument("--month", help="the report's month, YYYY-MM (default: last month)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _verify(self, options: dict[str, Any]) -> None:
        problems = [
            f"audit chain broken at event #{b.event_id} (stream {b.stream}): {b.reason}"
            for b in audit.iter_breaks()
        ]
        problems += [f"{m.where}: {m.reason}" for m in checkpoints.mismatches()]
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            sys.exit(1)
        published = sum(1 for _ in checkpoints.read_log())
        self.stdout.write(
            f"{AuditEvent.objects.count()} events verified in {len(audit.streams())} streams; "
            f"the chain is intact and agrees with {published} published checkpoints."
        )
        if not published:
            self.stdout.write(
                "No checkpoint is published yet, so deleted newest events could not be seen: "
                "run `jineng audit checkpoint`."
            )

    def _checkpoint(self, options: dict[str, Any]) -> None:
        written = checkpoints.write_checkpoints()
        for c in written:
            self.stdout.write(f"{c.stream}: {c.count} events, head {c.head}")
        self.stdout.write(
            f"{len(written)} checkpoints written to {checkpoints.log_path(timezone.now())}."
        )
        if tasks.schedule_next():
            self.stdout.write("The worker will write the next one tomorrow.")

    def _report(self, options: dict[str, Any]) -> None:
        if options["month"]:
            year, month = _month(options["month"])
        else:
            last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
            year, month = last.year, last.month
        zone = timezone.get_current_timezone()
        start = datetime.datetime(year, month, 1, tzinfo=zone)
        end = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        write = self.stdout.write
        write(f"Audit trail report for {year:04d}-{month:02d}")
        write("")
        write("Events written this month, by stream:")
        rows = (
            AuditEvent.objects.filter(created_at__gte=start, created_at__lt=end)
            .values("stream")
            .annotate(n=Count("id"))
            .order_by("stream")
        )
        for row in rows:
            write(f"  {row['stream']}: {row['n']}")
        if not rows:
            write("  none")
        write("")
        write(
            "Signed checkpoints of this month (one JSON line each; verify the signature over "
            "the line's other fields, as canonical JSON, with the public key below):"
        )
        lines = checkpoints.month_lines(year, month)
        for line in lines:
            if line.checkpoint is None:
                write(f"  REFUSED {line.where}: {line.problem}")
            else:
                write(f"  {line.checkpoint.line()}")
        if not lines:
            write("  none")
        write("")
        write(f"Public key (Ed25519, raw, base64): {checkpoints.public_key_text()}")
        write(f"Fingerprint: {checkpoints.public_key_fingerprint()}")
        write(checkpoints.public_key_pem().rstrip())
