"""`jineng import people FILE`: import people from csv or xlsx with a progress bar.

Prints a summary and the first 50 bad rows (``--errors-csv PATH`` writes all of them) and
exits 1 when nothing was imported because of errors or the file could not be read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from jineng.accounts.models import User
from jineng.core.errors import DomainError
from jineng.core.jobs import start_job
from jineng.people.importers import (
    ALL_OR_NOTHING,
    COMMIT_GOOD,
    JOB_KIND,
    ImportResult,
    default_workers,
    errors_csv,
    import_people,
)

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Import people from a csv (UTF-8 or GBK) or xlsx file; report every bad row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["people"], help="What the file holds.")
        parser.add_argument("file", type=Path, help="The csv or xlsx file.")
        parser.add_argument(
            "--commit-good",
            action="store_true",
            help="Write the good rows even if some rows are bad (default: all or nothing).",
        )
        parser.add_argument(
            "--errors-csv", type=Path, default=None, help="Write every bad row to this csv."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Processes that validate and encrypt a large file at once (default: one per "
            "CPU; 1 reads it in this process).",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="Import as this account (its organisation gets the people); default: system.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user named {options['user']}.")
        mode = COMMIT_GOOD if options["commit_good"] else ALL_OR_NOTHING
        job = start_job(JOB_KIND, owner=actor)
        # OutputWrapper is a text file (TextIOBase) that rich's IO[str] does not name.
        console = Console(file=self.stderr, stderr=True)  # type: ignore[arg-type]
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            # No refresh thread: the import may fork worker processes, which must not
            # inherit a thread holding the console.
            auto_refresh=False,
        ) as bar:
            task = bar.add_task("validating", total=None)

            def on_progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=max(total, done), refresh=True)

            try:
                result = import_people(
                    options["file"],
                    actor=actor,
                    mode=mode,
                    job=job,
                    on_progress=on_progress,
                    workers=max(1, options["workers"]),
                )
            except DomainError as exc:
                raise CommandError(str(exc.detail)) from None
        self._report(result, options["errors_csv"])
        if result.errors and not result.committed:
            sys.exit(1)

    def _report(self, result: ImportResult, errors_path: Path | None) -> None:
        written = "written" if result.committed else "NOT written"
        self.stdout.write(
            f"{result.file_name}: {result.rows} rows, {result.created} people created, "
            f"{result.skipped} skipped (already registered"
            + (f"; {result.linked} tied to the organisation" if result.linked else "")
            + f"), {result.bad_rows} bad rows "
            f"({result.error_count} errors); mode {result.mode}; {written}."
        )
        for error in result.errors[:SHOWN_ERRORS]:
            self.stdout.write(f"  row {error.row}, {error.column or '-'}: {error.reason}")
        if result.error_count > SHOWN_ERRORS:
            self.stdout.write(
                f"  … and {result.error_count - SHOWN_ERRORS} more"
                + ("" if errors_path else " (use --errors-csv PATH to get the first 1,000)")
            )
        if errors_path and result.errors:
            content = errors_csv(result.errors, total=result.error_count)
            errors_path.write_text(content, encoding="utf-8-sig")
            listed = "All" if len(result.errors) == result.error_count else "The first"
            self.stdout.write(f"{listed} {len(result.errors)} errors written to {errors_path}.")
        if result.errors and not result.committed:
            self.stderr.write("Nothing was imported because of the errors above.")
