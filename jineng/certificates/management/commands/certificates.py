"""`jineng certificates rotate-key|keys`: manage the keys that sign certificates.

* ``rotate-key`` retires the active signing key (it stays published, so credentials it signed
  still verify) and makes a new one active; the status lists are re-signed with it.
* ``keys`` lists every published key: kid, state, created and retired.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jineng.certificates import keys, services


class Command(BaseCommand):
    help = (
        "Manage certificate signing keys: `rotate-key` makes a new active key; `keys` lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate-key", "keys"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate-key":
            created = services.rotate_signing_key(None)
            self.stdout.write(f"New active signing key {keys.key_uri(created.kid)}.")
            return
        for signing_key in keys.published_keys():
            retired = signing_key.retired_at.isoformat() if signing_key.retired_at else "-"
            self.stdout.write(
                f"{signing_key.kid}  {signing_key.status:8}  "
                f"{signing_key.created_at.isoformat()}  {retired}"
            )
