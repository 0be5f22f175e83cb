"""The first reading of a people file: every row checked, in this process or in forked
workers whose chunks come back in file order, nothing kept but the errors and the firsts.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

from django.utils.translation import gettext as _

from jineng.core.errors import ImportFailed
from jineng.core.jobs import Progress
from jineng.core.tabular import ErrorLog, Sheet, is_blank
from jineng.people.importers.bulk import PreparedPerson
from jineng.people.importers.people.common import ProgressCallback
from jineng.people.importers.people.firsts import Firsts
from jineng.people.importers.people.report import ImportResult, RowError
from jineng.people.importers.people.rows import Checked, RowReader, hash_of

# Files with fewer rows are read in this process: starting workers would cost more.
PARALLEL_MIN_ROWS = 20_000
# Rows sent to a worker at a time: large enough that passing them costs little.
CHUNK_ROWS = 2_000
MAX_WORKERS = 8

Outcome = tuple[int, PreparedPerson | Checked | list[RowError]]


def default_workers() -> int:
    """How many processes the command line reads a large file with: one per usable CPU."""
    # The CPUs this process may use (Linux); elsewhere all of the machine's.
    usable = getattr(os, "sched_getaffinity", None)
    cpus = len(usable(0)) if usable else os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def check_rows(
    sheet: Sheet,
    reader: RowReader,
    result: ImportResult,
    progress: Progress,
    on_progress: ProgressCallback | None,
    workers: int = 1,
) -> Firsts:
    """Validate every row, keeping none; collect row errors (repeats name the first row)."""
    progress.set_total(sheet.estimated_rows)
    firsts = Firsts()
    # The garbage collector stays on: the rows are not kept, so its collections stay short,
    # and a bad row's errors hold reference cycles that only it frees.
    with read_rows(sheet, reader, workers) as outcomes:
        rows = _collect(
            outcomes, reader, firsts, result.log, progress, on_progress, sheet.estimated_rows
        )
    if rows == 0:
        raise ImportFailed(_("The file has a header row but no people in it."), field="file")
    result.rows = rows
    progress.set_total(rows)
    if on_progress is not None:
        on_progress(rows, rows)
    return firsts


def _filled_rows(sheet: Sheet) -> Iterator[tuple[int, list[str]]]:
    """The numbered rows of a sheet that are not blank (blank rows keep their numbers)."""
    for number, cells in sheet.rows:
        if cells and (cells[0].strip() or not is_blank(cells)):
            yield number, cells


@contextmanager
def read_rows(sheet: Sheet, reader: RowReader, workers: int) -> Iterator[Iterator[Outcome]]:
    """Yield each filled row's number and outcome, in file order, read by ``workers``
    (in this process when the file has fewer than PARALLEL_MIN_ROWS rows)."""
    rows = _filled_rows(sheet)
    if workers <= 1 or sheet.estimated_rows < PARALLEL_MIN_ROWS:
        yield ((number, reader.read(number, cells)) for number, cells in rows)
        return
    # Forked workers inherit the reader (regions, target groups, keys, the active language)
    # and never touch the database; only rows and outcomes cross between processes.
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(reader,),
    ) as pool:
        chunks = _bounded_map(pool, chunked(rows, CHUNK_ROWS), ahead=2 * workers)
        try:
            yield (outcome for chunk in chunks for outcome in chunk)
        except BrokenProcessPool:
            raise ImportFailed(
                _(
                    "A process reading the file stopped unexpectedly (the machine may be out "
                    "of memory); nothing was written. Import the file again, with fewer "
                    "workers if it happens again."
                ),
                field="file",
            ) from None


def _bounded_map(
    pool: ProcessPoolExecutor, chunks: Iterator[list], *, ahead: int
) -> Iterator[list[Outcome]]:
    """The workers' outcomes of each chunk, in order, with at most ``ahead`` chunks sent.

    Executor.map would send the whole file at once and keep every outcome not yet taken.
    """
    pending: deque[Future[list[Outcome]]] = deque()
    for chunk in chunks:
        pending.append(pool.submit(_read_chunk, chunk))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


_worker_reader: RowReader | None = None


def _start_worker(reader: RowReader) -> None:
    global _worker_reader  # noqa: PLW0603 - one reader per worker process, set at its start
    _worker_reader = reader


def _read_chunk(chunk: list[tuple[int, list[str]]]) -> list[Outcome]:
    assert _worker_reader is not None
    read = _worker_reader.read
    return [(number, read(number, cells)) for number, cells in chunk]


Row = TypeVar("Row")


def chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _collect(
    outcomes: Iterator[Outcome],
    reader: RowReader,
    firsts: Firsts,
    errors: ErrorLog[RowError],
    progress: Progress,
    on_progress: ProgressCallback | None,
    estimated_rows: int,
) -> int:
    """Fill ``firsts`` and ``errors`` from the outcomes in file order; return how many rows."""
    id_header = reader.header_of("id_number")
    rows = 0
    for number, outcome in outcomes:
        rows += 1
        if isinstance(outcome, list):
            errors.add_row(outcome)
        elif (first := firsts.first_row(hash_of(outcome), number)) != number:
            errors.add_row(
                [
                    RowError(
                        number,
                        id_header,
                        _("The same citizen ID is already in row {row} of this file.").format(
                            row=first
                        ),
                    )
                ]
            )
        else:
            firsts.good += 1
        if rows % 1000 == 0:
            progress.advance(rows)
            if on_progress is not None:
                on_progress(rows, estimated_rows)
    return rows
