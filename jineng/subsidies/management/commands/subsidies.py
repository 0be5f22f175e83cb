"""`jineng subsidies load-rules FILE [--activate]`, `jineng subsidies activate --rule-set N`
and `jineng subsidies simulate --year Y --rule-set N [--json]`.

The rule set is named by its version number. Loading checks every row first and loads all
of the file or none of it, listing each fault's row, field and reason; the simulation shows
a progress bar per replay and prints the cost, the people covered and the splits.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from jineng.core.errors import DomainError
from jineng.core.money import format_yuan
from jineng.subsidies import rules, simulation
from jineng.subsidies.errors import RuleFileInvalid
from jineng.subsidies.models import RuleSet


class Command(BaseCommand):
    help = "Load subsidy rule sets, put one in force, or simulate a year under one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load-rules", "activate", "simulate"])
        parser.add_argument("file", nargs="?", help="the rule file (JSON or xlsx) to load")
        parser.add_argument("--activate", action="store_true", help="put it in force at once")
        parser.add_argument("--rule-set", type=int, help="the rule set's version number")
        parser.add_argument("--year", type=int, help="the year to replay")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "load-rules":
                self._load(options)
            elif options["action"] == "activate":
                rule_set = rules.activate(self._rule_set(options).pk, None)
                self.stdout.write(f"Rule set v{rule_set.number} is in force.")
            else:
                self._simulate(options)
        except RuleFileInvalid as error:
            for fault in error.errors:
                self.stderr.write(f"{fault.sheet}, row {fault.row}, {fault.field}: {fault.why}")
            raise CommandError(str(error.detail)) from None
        except DomainError as error:
            raise CommandError(str(error.detail)) from None

    def _rule_set(self, options: dict[str, Any]) -> RuleSet:
        if options["rule_set"] is None:
            raise CommandError("Name the rule set: --rule-set N (its version number).")
        found = RuleSet.objects.filter(number=options["rule_set"]).first()
        if found is None:
            raise CommandError(f"No rule set v{options['rule_set']}.")
        return found

    def _load(self, options: dict[str, Any]) -> None:
        if not options["file"]:
            raise CommandError("Name the rule file: jineng subsidies load-rules FILE.")
        rule_set = rules.load_rule_set(options["file"], actor=None)
        example = " (example values)" if rule_set.is_example else ""
        self.stdout.write(
            f"Loaded rule set v{rule_set.number} {rule_set.title}{example}: "
            f"{rule_set.amounts.count()} amounts, in force from {rule_set.effective_from} "
            "once activated."
        )
        if options["activate"]:
            rules.activate(rule_set.pk, None)
            self.stdout.write(f"Rule set v{rule_set.number} is in force.")

    def _simulate(self, options: dict[str, Any]) -> None:
        if options["year"] is None:
            raise CommandError("Name the year: --year Y.")
        rule_set = self._rule_set(options)
        console = Console(file=self.stderr, force_terminal=False)  # type: ignore[arg-type]
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            task = progress.add_task(f"replay {options['year']}", total=None)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = simulation.simulate(options["year"], rule_set.pk, progress=step)
        simulation.record_simulation(result, actor=None)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{result.year}: {result.completions} completions, "
            f"{result.certificates} certificates replayed."
        )
        outcomes = [("proposed", result.proposed)]
        if result.in_force is not None:
            outcomes.append(("in force", result.in_force))
        for name, outcome in outcomes:
            example = ", example values" if outcome.rule_set.is_example else ""
            self.stdout.write(
                f"{name} v{outcome.rule_set.number}{example}: {format_yuan(outcome.cost_fen)} "
                f"yuan for {outcome.people} people ({outcome.lines} lines); "
                f"refused: {outcome.refused or 'none'}"
            )
            for split in outcome.by_group:
                self.stdout.write(
                    f"  group {split.label}: {split.people} people, "
                    f"{format_yuan(split.cost_fen)} yuan"
                )
            for split in outcome.by_town:
                self.stdout.write(
                    f"  town {split.label}: {split.people} people, "
                    f"{format_yuan(split.cost_fen)} yuan"
                )
        if result.difference_fen is not None:
            self.stdout.write(f"difference: {format_yuan(result.difference_fen)} yuan")
