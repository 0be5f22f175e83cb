"""Delete Idempotency-Key records past their 24-hour retention (run daily, e.g. from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jineng.api.idempotency import purge_expired_keys


class Command(BaseCommand):
    help = "Delete idempotency keys older than 24 hours; expired keys are already ignored."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Deleted {purge_expired_keys()} expired idempotency keys.")
