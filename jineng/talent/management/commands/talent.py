"""`jineng talent load-rules`: load the promotion rules from their data file.

The rules (jineng/talent/data/promotion_rules.yaml) are marked unconfirmed until checked
against the regulation in force; loading again updates them by code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jineng.talent import rules, services


class Command(BaseCommand):
    help = "Load the competition promotion rules (`load-rules [--file PATH]`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load-rules"])
        parser.add_argument("--file", type=Path, default=rules.RULES_FILE)

    def handle(self, *args: Any, **options: Any) -> None:
        read = rules.read_rules(options["file"])
        count = services.load_promotion_rules(read, actor=None)
        unconfirmed = sum(1 for r in read if not r.confirmed)
        self.stdout.write(f"Loaded {count} promotion rules ({unconfirmed} unconfirmed).")
