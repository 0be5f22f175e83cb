"""Assessment's batch work.

jineng assessment load-rules   load the component and eligibility rules from data/*.yaml
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jineng.assessment import services
from jineng.core.errors import DomainError


class Command(BaseCommand):
    help = "Load the assessment rules (components, pass marks, conditions of application)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("load-rules", help="Replace the rules with those of data/*.yaml.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = services.load_assessment_rules(actor=None)
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from None
        self.stdout.write(
            f"Loaded {loaded.components} component rules and {loaded.conditions} conditions"
            + ("." if loaded.confirmed else " (unconfirmed: check them against the standards).")
        )
