"""Bulk import of people from csv and xlsx files, and the shared bulk-insert path."""

from jineng.people.importers.people import (
    ALL_OR_NOTHING,
    COMMIT_GOOD,
    JOB_KIND,
    MODES,
    ImportResult,
    RowError,
    default_workers,
    errors_csv,
    import_people,
)

__all__ = [
    "ALL_OR_NOTHING",
    "COMMIT_GOOD",
    "JOB_KIND",
    "MODES",
    "ImportResult",
    "RowError",
    "default_workers",
    "errors_csv",
    "import_people",
]
