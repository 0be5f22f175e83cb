"""`jineng synth --people N [--seed S]`: add N synthetic workers through the bulk path."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from jineng.core.errors import DomainError
from jineng.people.synth import (
    DEFAULT_SEED,
    ensure_no_real_people,
    synthetic_organisations,
    write_synthetic_people,
)


class Command(BaseCommand):
    help = (
        "Generate N synthetic workers of the city (350000 ≈ its workforce); the same seed "
        "gives the same people, so rerunning adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, required=True, help="How many to generate.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--allow-real-people",
            action="store_true",
            help="In development only: add synthetic people although real ones are there.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 1:
            raise CommandError("--people must be at least 1.")
        try:
            ensure_no_real_people(allow_real_people=options["allow_real_people"])
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from None
        # OutputWrapper is a text file (TextIOBase) that rich's IO[str] does not name.
        console = Console(file=self.stderr, stderr=True)  # type: ignore[arg-type]
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("generating", total=options["people"])
            try:
                totals = write_synthetic_people(
                    options["people"],
                    seed=options["seed"],
                    organisations=synthetic_organisations(),
                    on_progress=lambda done, total: bar.update(task, completed=done),
                    allow_real_people=options["allow_real_people"],
                )
            except DomainError as exc:
                raise CommandError(str(exc.detail)) from None
        self.stdout.write(
            "{generated} generated: {created} people created, {skipped} already there, "
            "{memberships} target-group memberships, {affiliations} affiliations.".format(**totals)
        )
