"""import_people: the two readings of a people file, and the job row they report to."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core.errors import DomainError, PermissionDenied, ValidationFailed
from jineng.core.jobs import Progress, finish_job
from jineng.core.models import Job
from jineng.core.tabular import Sheet, Source, open_sheet, read_bytes
from jineng.people.importers.people.common import ALL_OR_NOTHING, MODES, ProgressCallback
from jineng.people.importers.people.reading import check_rows
from jineng.people.importers.people.report import ImportResult
from jineng.people.importers.people.rows import RowReader
from jineng.people.importers.people.writing import write_rows


def import_people(
    file: Source,
    *,
    actor: Actor | None,
    mode: str = ALL_OR_NOTHING,
    job: Job | None = None,
    on_progress: ProgressCallback | None = None,
    workers: int = 1,
    name: str | None = None,
) -> ImportResult:
    """Import people from a csv/xlsx file (批量导入), reporting every bad row in one pass
    (the first MAX_REPORTED_ERRORS listed in row order, all of them counted).

    ``all_or_nothing`` writes nothing if any row is bad; ``commit_good`` writes the good
    rows. Rows whose citizen ID is already registered are skipped. ``actor`` None means the
    command line (the system). File-level problems raise ImportFailed; nothing is written.
    ``workers`` > 1 reads files of PARALLEL_MIN_ROWS rows or more in that many forked
    processes; only a single-threaded caller such as a command may ask for it. ``name`` is
    the file name to report when the file on disk has another (a queued upload).

    The file is read twice, WRITE_ROWS rows at a time, so memory does not grow with it:
    first every row is checked (errors, and one number per good row to find repeated IDs),
    then, once the rows are charged, read again and written in the one transaction.
    """
    try:
        if mode not in MODES:
            raise ValidationFailed(_("Unknown import mode {mode}.").format(mode=mode), field="mode")
        if actor is not None and not actor.can(Capability.IMPORT_PEOPLE):
            raise PermissionDenied(_("Your role may not import people."))
        reopen = _reopener(file, name)
        sheet = reopen()
        result = ImportResult(file_name=sheet.name, digest=sheet.digest, mode=mode)
        reader = RowReader(sheet, actor)
        result.notes = reader.notes
        progress = Progress(job)
        firsts = check_rows(sheet, reader, result, progress, on_progress, workers)
        if firsts.good:
            # Also when some rows are bad: the rows that give a registered ID under another
            # name are found only there, and are reported with the others in one pass.
            progress.beat()  # the write's own transaction is invisible until it commits
            write_rows(reopen, reader, firsts, result, actor, job, workers)
    except DomainError as exc:
        summary = {"detail": str(exc.detail), "mode": mode}
        if name:
            summary["file_name"] = name
        finish_job(job, succeeded=False, summary=summary)
        raise
    finish_job(job, succeeded=result.committed, summary=result.summary())
    return result


def _reopener(file: Source, name: str | None) -> Callable[[], Sheet]:
    """Return a function that opens the file afresh, from its bytes read once."""
    file_name, data = read_bytes(file)

    def reopen() -> Sheet:
        # BytesIO shares the bytes: each reading costs no copy of the file.
        named = io.BytesIO(data)
        named.name = file_name
        return open_sheet(named, name=name)

    return reopen
