"""`jineng fraud seed-rules` and `jineng fraud scan [--rule R15 ...] [--since ISO]`.

The scan runs each rule once over everything (or what changed since a time), one step of
the progress bar per rule, and says how many hits, new alerts and holds it found (audited).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from jineng.fraud import engine, services
from jineng.fraud.rules.base import REGISTRY, Window


class Command(BaseCommand):
    help = "Seed the fraud rules' versions (`seed-rules`) or run them (`scan`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["seed-rules", "scan"])
        parser.add_argument("--rule", action="append", default=[], help="a rule code, e.g. R15")
        parser.add_argument("--since", help="only what changed from this time (ISO 8601)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seed-rules":
            count = services.seed_rules()
            self.stdout.write(f"Seeded {count} fraud rules ({len(REGISTRY)} registered).")
            return
        codes = [c.upper() for c in options["rule"]] or sorted(REGISTRY)
        unknown = [c for c in codes if c not in REGISTRY]
        if unknown:
            raise CommandError(f"No such rule: {', '.join(unknown)}.")
        since = None
        if options["since"]:
            try:
                since = datetime.datetime.fromisoformat(options["since"])
            except ValueError:
                raise CommandError(f"--since must be ISO 8601, not {options['since']!r}.") from None
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
        console = Console(file=self.stderr, force_terminal=False)  # type: ignore[arg-type]
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            task = progress.add_task("scan", total=len(codes))

            def step(done: engine.RuleRun) -> None:
                progress.update(task, advance=1, description=done.code)

            # Alerts keep their summary as written: in the city's language, not the shell's.
            with translation.override(settings.LANGUAGE_CODE):
                summary = engine.run(codes, Window(since=since), progress=step)
        for r in summary.rules:
            state = "disabled" if r.skipped else f"v{r.version}"
            self.stdout.write(
                f"{r.code} {state}: {r.hits} hits, {r.new_alerts} new alerts, {r.holds} holds"
            )
        self.stdout.write(
            f"Scanned {len(summary.rules)} rules: {summary.hits} hits, "
            f"{summary.new_alerts} new alerts, {summary.holds} claims held."
        )
