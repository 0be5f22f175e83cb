"""`jineng audit verify`: check that no audit event was edited, deleted or reordered."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jineng.core import audit
from jineng.core.models import AuditEvent


class Command(BaseCommand):
    help = "Work with the audit trail. `verify` exits 1 and names the first bad row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        broken = audit.verify()
        if broken is not None:
            self.stderr.write(f"audit chain broken at event #{broken.event_id}: {broken.reason}")
            sys.exit(1)
        self.stdout.write(f"{AuditEvent.objects.count()} events verified; the chain is intact.")
