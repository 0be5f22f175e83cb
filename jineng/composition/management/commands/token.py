"""Manage API tokens: `jineng token create USERNAME`, `token revoke PREFIX`, `token list USERNAME`.

`create` prints the raw token alone on standard output (so `TOKEN=$(jineng token create svc)`
works) and everything else on standard error; the token cannot be shown again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jineng.accounts.models import ApiToken, User
from jineng.api.services import create_token, revoke_token
from jineng.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, revoke or list API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Issue a token and print it once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for.")
        create.add_argument(
            "--days", type=int, default=None, help="Expire after D days (default: never)."
        )
        revoke = actions.add_parser("revoke", help="Revoke the token with this prefix.")
        revoke.add_argument("prefix")
        listing = actions.add_parser("list", help="List a user's tokens (prefixes only).")
        listing.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from None

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username}.")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        api_token, raw = create_token(user, actor=None, name=options["name"], days=options["days"])
        expires = _when(api_token.expires_at) if api_token.expires_at else "never"
        self.stderr.write(
            f"Token {api_token.prefix}… for {user.username} (expires: {expires}). "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(raw)

    def _revoke(self, options: dict[str, Any]) -> None:
        api_token = revoke_token(options["prefix"], actor=None)
        self.stdout.write(f"Revoked {api_token.prefix}… of {api_token.user.username}.")

    def _list(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        now = timezone.now()
        tokens = ApiToken.objects.filter(user=user).order_by("created_at")
        if not tokens:
            self.stdout.write(f"{user.username} has no API tokens.")
            return
        self.stdout.write(
            "prefix      status   created           expires           last used  name"
        )
        for t in tokens:
            if t.revoked_at:
                status = "revoked"
            elif t.expires_at and t.expires_at <= now:
                status = "expired"
            else:
                status = "active"
            self.stdout.write(
                f"{t.prefix:<11} {status:<8} {_when(t.created_at):<17} {_when(t.expires_at):<17} "
                f"{_when(t.last_used_at):<10} {t.name}"
            )


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"
