"""`jineng export people FILE.xlsx|FILE.csv`: export a search of people, masked by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.errors import DomainError
from jineng.people.exporters import FORMATS, export_people
from jineng.people.queries import search_people


class Command(BaseCommand):
    help = "Export people matching a search to csv or xlsx (ID and phone masked unless --full)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["people"], help="What to export.")
        parser.add_argument("file", type=Path, help="Where to write: a .csv or .xlsx file.")
        parser.add_argument(
            "--region",
            "--town",
            dest="region_code",
            default="",
            help="Region code (a township finds its villages too).",
        )
        parser.add_argument("--target-group", default="", help="Target-group code.")
        parser.add_argument("--name", default="", help="Part of the name.")
        parser.add_argument(
            "--user",
            default=None,
            help="Export as this account, within its data scope (default: the whole city).",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Full ID and phone numbers; needs --user with the view_full_pii capability.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError("The file name must end in .csv or .xlsx.")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user named {options['user']}.")
        # Without --user the command line acts for the system, whose scope is the whole city.
        scope = actor or User(username="system", role=Role.SYSTEM)
        params = {
            "name": options["name"],
            "region_code": options["region_code"],
            "target_group": options["target_group"],
        }
        try:
            people = search_people(scope, params)
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from None
        try:
            with path.open("wb") as out:
                count = export_people(
                    people, out, fmt=fmt, actor=actor, full=options["full"], filters=params
                )
        except DomainError as exc:
            path.unlink(missing_ok=True)
            raise CommandError(str(exc.detail)) from None
        masked = "full" if options["full"] else "masked"
        self.stdout.write(f"{count} people exported to {path} ({masked} ID and phone numbers).")
