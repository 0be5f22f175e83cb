"""`jineng funds load-sources [--file PATH]` and `jineng funds balances [--year N]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jineng.core.money import format_yuan
from jineng.funds import queries
from jineng.funds.models import FundSource
from jineng.funds.sources import SOURCES_FILE, load_sources


class Command(BaseCommand):
    help = "Load the fund sources from a data file (`load-sources`) or print the balances."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load-sources", "balances"])
        parser.add_argument("--file", type=Path, default=SOURCES_FILE, help="a sources JSON file")
        parser.add_argument("--year", type=int, help="only this year's budgets")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-sources":
            count = load_sources(FundSource, options["file"])
            self.stdout.write(f"Loaded {count} fund sources from {options['file']}.")
            return
        for r in queries.balances(options["year"]):
            self.stdout.write(
                f"{r.source} {r.year}: budget {format_yuan(r.budget)}, "
                f"available {format_yuan(r.available)}, committed {format_yuan(r.committed)}, "
                f"paid {format_yuan(r.paid)}, recovered {format_yuan(r.recovered)}"
            )
