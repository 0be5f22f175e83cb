"""`jineng synth --people N [--years Y] [--seed S]`: add N synthetic workers through the bulk
path and, with ``--years``, Y years of their training with planted fraud (composition.synth)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from jineng.composition.synth.city import DEFAULT_FRAUD_SHARE, PLANTED, CityPlan, write_city
from jineng.core.errors import DomainError
from jineng.people.synth import (
    DEFAULT_SEED,
    ensure_no_real_people,
    synthetic_organisations,
    write_synthetic_people,
)


class Command(BaseCommand):
    help = (
        "Generate N synthetic workers of the city (350000 ≈ its workforce) and, with --years, "
        "that many finished years of their training: classes of synthetic institutions, "
        "sessions, enrolments and check-ins. A share of the classes (--fraud-share, each "
        "year, at least one per rule) carries planted fraud, one rule each: "
        + "; ".join(f"{code}: {what}" for code, what in PLANTED.items())
        + ". The same seed gives the same city, so rerunning adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, required=True, help="How many to generate.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--years", type=int, default=0, help="Finished years of training (0: people only)."
        )
        parser.add_argument(
            "--classes-per-year",
            type=int,
            default=0,
            help="Classes a year (default: one for every 600 synthetic people).",
        )
        parser.add_argument(
            "--fraud-share",
            type=float,
            default=DEFAULT_FRAUD_SHARE,
            help="Share of each year's classes that carry planted fraud (0 for none).",
        )
        parser.add_argument(
            "--allow-real-people",
            action="store_true",
            help="In development only: add synthetic people although real ones are there.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 1:
            raise CommandError("--people must be at least 1.")
        if options["years"] < 0 or options["classes_per_year"] < 0:
            raise CommandError("--years and --classes-per-year cannot be negative.")
        if not 0 <= options["fraud_share"] <= 1:
            raise CommandError("--fraud-share is between 0 and 1.")
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
        if not options["years"]:
            return
        plan = CityPlan(
            years=options["years"],
            classes_per_year=options["classes_per_year"],
            fraud_share=options["fraud_share"],
            seed=options["seed"],
        )
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("training", total=None)
            try:
                city = write_city(
                    plan,
                    on_progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            except DomainError as exc:
                raise CommandError(str(exc.detail)) from None
        counts = city.counts()
        self.stdout.write(
            "{classes} classes written ({skipped} already there): {sessions} sessions, "
            "{enrolments} enrolments, {check_ins} check-ins.".format(**counts)
        )
        planted = ", ".join(f"{code} {len(keys)}" for code, keys in sorted(city.planted.items()))
        self.stdout.write(f"Planted fraud (rule and hits expected): {planted or 'none'}.")
