"""Import people in bulk (批量导入劳动者) from a csv or xlsx file, one module per step.

The file is read twice, so what the import holds does not grow with it. First every row is
read and validated with people.services.clean_person, with progress written to the Job
row; only the errors (the first of them, and their count) and one number per good row, to
find an ID given twice, are kept, and nothing is written. Large files are read by several
worker processes at once (``workers``, used by the command line), in chunks whose results
come back in file order. Then, once the good rows are charged and if the mode allows, one
transaction reads the file again and writes its good rows a chunk at a time through the
shared bulk path (COPY / executemany), encrypted as they are read, skipping people already
registered, and records the audit events last, in one batch, so that the importer's audit
stream is locked only for the batch and not for the whole write.

``importing`` (import_people, the two readings in turn), ``rows`` (the header checked and
one row parsed and validated), ``reading`` (the first reading, in worker processes for a
large file), ``firsts`` (the row each citizen ID first appears in), ``writing`` (the second
reading: people already registered found, the good rows written, the audit events) and
``report`` (the row errors and counts, and the errors as csv); ``common`` holds the modes.
"""

from jineng.people.importers.people.common import (
    ALL_OR_NOTHING,
    COMMIT_GOOD,
    JOB_KIND,
    MODES,
    ProgressCallback,
)
from jineng.people.importers.people.importing import import_people
from jineng.people.importers.people.reading import default_workers
from jineng.people.importers.people.report import (
    ImportResult,
    RowError,
    errors_csv,
    more_errors,
)
from jineng.people.importers.people.rows import check_header

__all__ = [
    "ALL_OR_NOTHING",
    "COMMIT_GOOD",
    "JOB_KIND",
    "MODES",
    "ImportResult",
    "ProgressCallback",
    "RowError",
    "check_header",
    "default_workers",
    "errors_csv",
    "import_people",
    "more_errors",
]
