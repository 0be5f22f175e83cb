"""Manage learning platforms of the xAPI store.

    jineng xapi platform create NAME        register a platform
    jineng xapi credential create PLATFORM  issue a credential; prints KEY:SECRET once
    jineng xapi credential revoke KEY       revoke a credential

`credential create` prints the pair alone on standard output (so
`PAIR=$(jineng xapi credential create 某平台)` works) and everything else on standard error.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jineng.core.errors import DomainError
from jineng.learning import services
from jineng.learning.models import LearningPlatform


class Command(BaseCommand):
    help = "Register learning platforms and issue or revoke their xAPI credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        things = parser.add_subparsers(dest="thing", required=True, metavar="THING")
        platform = things.add_parser("platform", help="Learning platforms.")
        platform_actions = platform.add_subparsers(dest="action", required=True)
        platform_create = platform_actions.add_parser("create", help="Register a platform.")
        platform_create.add_argument("name")
        credential = things.add_parser("credential", help="Platform credentials.")
        credential_actions = credential.add_subparsers(dest="action", required=True)
        create = credential_actions.add_parser("create", help="Issue and print KEY:SECRET once.")
        create.add_argument("platform", help="The platform's name.")
        revoke = credential_actions.add_parser("revoke", help="Revoke a credential.")
        revoke.add_argument("key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_{thing}_{action}".format(**options))(options)
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from None

    def _platform_create(self, options: dict[str, Any]) -> None:
        platform = services.create_platform(options["name"], actor=None)
        self.stdout.write(f"Registered platform {platform.name} (id {platform.pk}).")

    def _credential_create(self, options: dict[str, Any]) -> None:
        platform = LearningPlatform.objects.filter(name=options["platform"]).first()
        if platform is None:
            raise CommandError("No platform named {name}.".format(name=options["platform"]))
        credential, secret = services.create_credential(platform, actor=None)
        self.stderr.write(
            f"Credential {credential.key} for {platform.name}. "
            "Store it now: the secret cannot be shown again."
        )
        self.stdout.write(f"{credential.key}:{secret}")

    def _credential_revoke(self, options: dict[str, Any]) -> None:
        credential = services.revoke_credential(options["key"], actor=None)
        self.stdout.write(f"Revoked {credential.key} of {credential.platform.name}.")
