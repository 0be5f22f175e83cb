"""`jineng report --month 2026-11`: write the monthly training statistics as PDF and xlsx.

The same numbers as the dashboard's monthly report (jineng.stats.reports.monthly), for
the whole city, counts of people below JINENG_STATS_MIN_CELL suppressed.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from jineng.stats import queries, reports


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    return queries.month_text(previous)


class Command(BaseCommand):
    help = "Write the monthly training statistics report (月报) as PDF and xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="the report's month, YYYY-MM (default: last month)")
        parser.add_argument(
            "--output", default=".", help="the folder to write into (default: the current one)"
        )
        parser.add_argument(
            "--format",
            choices=["pdf", "xlsx", "both"],
            default="both",
            help="which files to write (default: both)",
        )
        parser.add_argument(
            "--language", choices=["zh-hans", "en"], default="zh-hans", help="the report's language"
        )

    def handle(
        self,
        *args: object,
        month: str | None,
        output: str,
        format: str,
        language: str,
        **options: object,
    ) -> None:
        text = month or _last_month()
        first_day = queries.parse_month(text)
        if first_day is None:
            raise CommandError(f"--month must look like 2026-11, not {text!r}.")
        folder = Path(output)
        if not folder.is_dir():
            raise CommandError(f"--output {folder} is not a folder.")
        formats = ["pdf", "xlsx"] if format == "both" else [format]
        written = []
        with translation.override(language), self._progress() as progress:
            task = progress.add_task("report", total=1 + len(formats), what="counting")
            stats = reports.monthly(first_day)
            title = reports.monthly_title(first_day)
            progress.advance(task)
            for fmt in formats:
                progress.update(task, what=fmt)
                writer = reports.write_pdf if fmt == "pdf" else reports.write_workbook
                path = folder / reports.filename("monthly-report", stats.filters, fmt)
                path.write_bytes(writer(stats, title))
                written.append(path)
                progress.advance(task)
        for path in written:
            self.stdout.write(f"Wrote {path}")
        totals = {key: cell.shown for key, cell in stats.totals.items()}
        self.stdout.write(
            "{month}: enrolments {enrolled}, completed {completed}, did not complete "
            "{not_completed}, dropped out {withdrawn}, classes started {classes}".format(
                month=queries.month_text(first_day), **totals
            )
        )

    def _progress(self) -> Progress:
        console = Console(stderr=True)
        return Progress(
            TextColumn("{task.fields[what]}"),
            BarColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
