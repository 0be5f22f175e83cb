"""Import people in bulk (批量导入劳动者) from a csv or xlsx file.

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
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit, pii
from jineng.core.errors import (
    DomainError,
    ImportFailed,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from jineng.core.jobs import Progress, finish_job
from jineng.core.models import Job
from jineng.core.tabular import (
    ErrorLog,
    NumberText,
    Sheet,
    Source,
    csv_row,
    is_blank,
    open_sheet,
    read_bytes,
)
from jineng.core.validators import imported_id_damage
from jineng.people.choices import AffiliationKind, MembershipSource
from jineng.people.errors import InvalidPerson
from jineng.people.identity import record_identity_misses
from jineng.people.importers.bulk import (
    PreparedPerson,
    db_timestamp,
    person_name,
    person_values,
    registered_people,
    write_people,
)
from jineng.people.importers.columns import (
    COLUMN_BY_FIELD,
    COLUMN_MAP,
    TargetGroupParser,
    ignored_column_note,
    may_fill,
    parse_choice,
)
from jineng.people.models import Person
from jineng.people.services import (
    PersonInput,
    charge_import,
    clean_person,
    person_fields,
)
from jineng.regions.models import Region

ALL_OR_NOTHING = "all_or_nothing"
COMMIT_GOOD = "commit_good"
MODES = (ALL_OR_NOTHING, COMMIT_GOOD)
JOB_KIND = "people.import"
CHOICE_FIELDS = ("hukou_type", "education", "employment_status")
# Files with fewer rows are read in this process: starting workers would cost more.
PARALLEL_MIN_ROWS = 20_000
# Rows sent to a worker at a time: large enough that passing them costs little.
CHUNK_ROWS = 2_000
# Rows looked up and written at a time: what the import holds in memory, whatever the file.
WRITE_ROWS = 5_000
MAX_WORKERS = 8

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row: the row number the user sees, the column header, the reason."""

    row: int
    column: str
    reason: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.reason]


def _error_log() -> ErrorLog[RowError]:
    return ErrorLog(key=lambda e: e.row)


@dataclass
class ImportResult:
    """The outcome of an import: counts, the first row errors, and whether anything was written.

    ``errors`` are the first MAX_REPORTED_ERRORS in row order; ``error_count`` and
    ``bad_rows`` count all of them.
    """

    file_name: str
    digest: str
    mode: str
    rows: int = 0
    created: int = 0
    skipped: int = 0
    linked: int = 0
    committed: bool = False
    # Notes on the columns of the file that the importer's role may not fill, ignored.
    notes: list[str] = field(default_factory=list)
    log: ErrorLog[RowError] = field(default_factory=_error_log, repr=False)

    @property
    def errors(self) -> list[RowError]:
        """The first row errors, in row order."""
        return self.log.first()

    @property
    def error_count(self) -> int:
        """How many errors the file has in all."""
        return self.log.total

    @property
    def bad_rows(self) -> int:
        """How many distinct rows have at least one error."""
        return self.log.bad_rows

    def summary(self) -> dict[str, Any]:
        """Counts and errors as stored on the Job row and shown by the CLI and job page."""
        return {
            "file_name": self.file_name,
            "digest": self.digest,
            "mode": self.mode,
            "rows": self.rows,
            "created": self.created,
            "skipped": self.skipped,
            "linked": self.linked,
            "bad_rows": self.bad_rows,
            "error_count": self.error_count,
            "errors_shown": min(self.error_count, self.log.keep),
            "committed": self.committed,
            "notes": list(self.notes),
            "errors": [e.as_list() for e in self.errors],
        }


def errors_csv(errors: Iterable[RowError | list[Any]], *, total: int | None = None) -> str:
    """Return row errors as csv text (row, column, reason) with a header, for download.

    ``total`` is how many errors the file has in all; when the rows given are fewer, a last
    row says how many more there are.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("column"), _("reason")])
    count = 0
    for error in errors:
        writer.writerow(csv_row(error.as_list() if isinstance(error, RowError) else error))
        count += 1
    if total is not None and total > count:
        writer.writerow(["", "", more_errors(total - count)])
    return out.getvalue()


def more_errors(count: int) -> str:
    """What the error page and csv say of the errors they do not list."""
    return ngettext(
        "… and %(count)d more error, not listed: fix the rows above and import the file "
        "again to see it.",
        "… and %(count)d more errors, not listed: fix the rows above and import the file "
        "again to see them.",
        count,
    ) % {"count": count}


def default_workers() -> int:
    """How many processes the command line reads a large file with: one per usable CPU."""
    # The CPUs this process may use (Linux); elsewhere all of the machine's.
    usable = getattr(os, "sched_getaffinity", None)
    cpus = len(usable(0)) if usable else os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


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
        reader = _RowReader(sheet, actor)
        result.notes = reader.notes
        progress = Progress(job)
        firsts = _check(sheet, reader, result, progress, on_progress, workers)
        if firsts.good:
            # Also when some rows are bad: the rows that give a registered ID under another
            # name are found only there, and are reported with the others in one pass.
            progress.beat()  # the write's own transaction is invisible until it commits
            _write(reopen, reader, firsts, result, actor, job, workers)
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


def check_header(sheet: Sheet) -> dict[str, int]:
    """Map each field to its column, or raise ImportFailed naming a missing or doubled one."""
    found = COLUMN_MAP.map_header(sheet.header)
    if found.doubled:
        raise ImportFailed(
            _("The column {column} appears twice in the header.").format(
                column=COLUMN_BY_FIELD[found.doubled[0]].header
            ),
            field="file",
        )
    missing = COLUMN_MAP.missing(found)
    if missing:
        raise ImportFailed(
            _("Required columns are missing: {columns}. The header row has: {header}.").format(
                columns="、".join(missing), header="、".join(h for h in sheet.header if h.strip())
            ),
            field="file",
        )
    return found.positions


class _RowReader:
    """Turn one file row into a PreparedPerson or a list of RowErrors (the hot loop)."""

    def __init__(self, sheet: Sheet, actor: Actor | None) -> None:
        # False while the file is checked: a good row then yields only its citizen ID's
        # hash and its name (Checked), not an encrypted PreparedPerson.
        self.full = False
        index = check_header(sheet)
        # The header text the user wrote, to name columns in errors.
        self.headers = {f: sheet.header[i].strip() for f, i in index.items()}
        # A column the role may not fill (target groups drive subsidies: only the bureau and
        # other systems record them) is ignored with a note, and its cells are never read.
        ignored = [f for f in index if not may_fill(actor, f)]
        self.notes = [ignored_column_note(self.header_of(f), f) for f in ignored]
        self.index = {f: i for f, i in index.items() if f not in ignored}
        self.width = len(sheet.header)
        self.regions = {r.code: r for r in Region.objects.select_related("parent")}
        self.groups = TargetGroupParser() if "target_groups" in self.index else None
        self.stamp = db_timestamp()
        self.cipher = pii.cipher()
        today = timezone.localdate()
        evidence = _("Imported from {file}").format(file=sheet.name)[:300]
        self.membership = (MembershipSource.IMPORT.value, evidence, today, None)
        org_id = getattr(actor, "organization_id", None)
        # Staff of an organisation see only people tied to it, so imported people are tied.
        self.affiliations = ((org_id, AffiliationKind.TRAINEE.value, today),) if org_id else ()

    def header_of(self, field_name: str | None) -> str:
        if field_name is None:
            return ""
        return self.headers.get(field_name) or COLUMN_BY_FIELD[field_name].header

    def read(self, number: int, cells: list[str]) -> PreparedPerson | Checked | list[RowError]:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        elif len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            return [
                RowError(
                    number,
                    "",
                    _("The row has {n} cells but the header only {m} columns.").format(
                        n=len(cells), m=self.width
                    ),
                )
            ]
        index = self.index
        errors: list[RowError] = []
        choices: dict[str, str] = {}
        for name in CHOICE_FIELDS:
            if name in index:
                try:
                    code = parse_choice(name, cells[index[name]])
                except ValidationFailed as exc:
                    errors.append(RowError(number, self.header_of(name), str(exc.detail)))
                    continue
                if code is not None:
                    choices[name] = code
        group_ids: tuple[int, ...] = ()
        if self.groups is not None and cells[index["target_groups"]].strip():
            try:
                group_ids = self.groups.parse(cells[index["target_groups"]])
            except ValidationFailed as exc:
                errors.append(RowError(number, self.header_of("target_groups"), str(exc.detail)))
        id_cell = cells[index["id_number"]]
        # A number cell, or in a csv digits Excel writes for a rounded number, may hold
        # another person's valid ID; refused here, before parse_citizen_id sees it.
        damage = imported_id_damage(id_cell, number_cell=isinstance(id_cell, NumberText))
        if damage is not None:
            errors.insert(0, RowError(number, self.header_of("id_number"), damage))
        data = PersonInput(
            id_number=id_cell,
            name=cells[index["name"]],
            region_code=cells[index["region_code"]],
            phone=cells[index["phone"]].strip() if "phone" in index else "",
            **choices,
        )
        try:
            clean = clean_person(data, self.regions)
        except InvalidPerson as exc:
            errors.extend(
                RowError(number, self.header_of(e.field), str(e.detail))
                for e in exc.errors
                if damage is None or e.field != "id_number"
            )
            return errors
        if errors:
            return errors
        if not self.full:
            return (self.cipher.blind_index(clean.id_number), clean.name)
        fields = person_fields(clean, self.cipher)
        return PreparedPerson(
            row=number,
            id_number_hash=fields["id_number_hash"],
            values=person_values(fields, self.stamp),
            memberships=tuple((gid, *self.membership) for gid in group_ids),
            affiliations=self.affiliations,
        )


class _Firsts:
    """What checking the file leaves for writing it: how many rows are good, and the row each
    good citizen ID first appears in, by a number taken from its keyed hash.

    A table of two flat arrays (open addressing), never the rows themselves: 12 bytes a
    slot, at most twice as many slots as IDs, so at most about 36 bytes a row (a dict
    would take about a hundred). Two IDs whose hashes share their first 64 bits would be
    reported as the same ID; among the 500,000 rows a file may have, that happens about
    once in a hundred million files.
    """

    __slots__ = ("good", "_keys", "_mask", "_rows", "_used")

    def __init__(self, slots: int = 1024) -> None:
        self.good = 0
        self._used = 0
        self._mask = slots - 1
        self._keys = array("Q", bytes(8 * slots))  # 0: an empty slot
        self._rows = array("I", bytes(4 * slots))

    def first_row(self, id_number_hash: str, number: int) -> int:
        """The row this ID first appears in, recording ``number`` if it is the first."""
        key = _key(id_number_hash)
        keys, mask = self._keys, self._mask
        slot = key & mask
        while (found := keys[slot]) != key:
            if found == 0:
                keys[slot] = key
                self._rows[slot] = number
                self._used += 1
                if 3 * self._used > 2 * len(keys):
                    self._grow()
                return number
            slot = (slot + 1) & mask
        return self._rows[slot]

    def is_first(self, id_number_hash: str, number: int) -> bool:
        """Whether row ``number`` is the one written for its ID (the others are repeats)."""
        key = _key(id_number_hash)
        keys, mask = self._keys, self._mask
        slot = key & mask
        while (found := keys[slot]) != key:
            if found == 0:
                return False
            slot = (slot + 1) & mask
        return self._rows[slot] == number

    def _grow(self) -> None:
        old = zip(self._keys, self._rows, strict=True)
        size = 2 * len(self._keys)
        self._mask = size - 1
        self._keys = array("Q", bytes(8 * size))
        self._rows = array("I", bytes(4 * size))
        self._used = 0
        keys, rows, mask = self._keys, self._rows, self._mask
        for key, number in old:
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = key
                rows[slot] = number
                self._used += 1


def _key(id_number_hash: str) -> int:
    # Never 0, which marks an empty slot.
    return int(id_number_hash[:16], 16) or 1


def _check(
    sheet: Sheet,
    reader: _RowReader,
    result: ImportResult,
    progress: Progress,
    on_progress: ProgressCallback | None,
    workers: int = 1,
) -> _Firsts:
    """Validate every row, keeping none; collect row errors (repeats name the first row)."""
    progress.set_total(sheet.estimated_rows)
    firsts = _Firsts()
    if sheet.estimated_rows < PARALLEL_MIN_ROWS:
        workers = 1
    # The garbage collector stays on: the rows are not kept, so its collections stay short,
    # and a bad row's errors hold reference cycles that only it frees.
    with _outcomes(sheet, reader, workers) as outcomes:
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


# A good row while the file is checked: its citizen ID's hash and its name.
Checked = tuple[str, str]
Outcome = tuple[int, PreparedPerson | Checked | list[RowError]]


def _filled_rows(sheet: Sheet) -> Iterator[tuple[int, list[str]]]:
    """The numbered rows of a sheet that are not blank (blank rows keep their numbers)."""
    for number, cells in sheet.rows:
        if cells and (cells[0].strip() or not is_blank(cells)):
            yield number, cells


@contextmanager
def _outcomes(sheet: Sheet, reader: _RowReader, workers: int) -> Iterator[Iterator[Outcome]]:
    """Yield each filled row's number and outcome, in file order, read by ``workers``."""
    rows = _filled_rows(sheet)
    if workers <= 1:
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
        chunks = _bounded_map(pool, _chunked(rows, CHUNK_ROWS), ahead=2 * workers)
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


_worker_reader: _RowReader | None = None


def _start_worker(reader: _RowReader) -> None:
    global _worker_reader  # noqa: PLW0603 - one reader per worker process, set at its start
    _worker_reader = reader


def _read_chunk(chunk: list[tuple[int, list[str]]]) -> list[Outcome]:
    assert _worker_reader is not None
    read = _worker_reader.read
    return [(number, read(number, cells)) for number, cells in chunk]


Row = TypeVar("Row")


def _chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
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
    reader: _RowReader,
    firsts: _Firsts,
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
        elif (first := firsts.first_row(_hash_of(outcome), number)) != number:
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


def _hash_of(outcome: PreparedPerson | Checked) -> str:
    return outcome.id_number_hash if isinstance(outcome, PreparedPerson) else outcome[0]


def _name_of(outcome: PreparedPerson | Checked) -> str:
    return person_name(outcome) if isinstance(outcome, PreparedPerson) else outcome[1]


def _write(
    reopen: Callable[[], Sheet],
    reader: _RowReader,
    firsts: _Firsts,
    result: ImportResult,
    actor: Actor | None,
    job: Job | None,
    workers: int,
) -> None:
    """Read the file again and write its good rows, with the audit events, in one transaction.

    A row whose citizen ID is registered under another name is a bad row: the ID or the
    name is wrong, and the registered name is not shown (it may be outside the importer's
    scope). In all-or-nothing mode such a row means nothing is written. Each such row uses
    up one of the importing account's misses (people.identity.identify_people); a file with
    more than the account has left is refused whole, without saying which rows they are.
    An organisation's rows are charged to its daily allowance first, whatever becomes of them.
    """
    try:
        charge_import(actor, firsts.good)
    except RateLimited as error:
        if result.mode == ALL_OR_NOTHING and result.log:
            # Nothing would be written anyway: report the bad rows found, look up no IDs.
            return
        raise ImportFailed(str(error.detail), field="file") from None
    writing = _Writing(reader, result, actor, job)
    try:
        with transaction.atomic(durable=True):
            too_many = writing.run(reopen(), firsts, workers)
    except IntegrityError:
        result.created = result.skipped = result.linked = 0
        result.committed = False
        raise ImportFailed(
            _(
                "Some of these people were registered by someone else while the file was "
                "being imported; nothing was written. Import the file again."
            ),
            field="file",
        ) from None
    finally:
        reader.full = False
    if too_many:
        raise ImportFailed(
            _(
                "Too many rows of this file give a citizen ID that is registered under "
                "another name, more than this account may check now. Nothing was written: "
                "check the names and IDs, or ask the bureau to import the file."
            ),
            field="file",
        )


class _Writing:
    """The second reading of a file, inside _write's transaction, WRITE_ROWS rows at a time.

    Each chunk of good rows is looked up in the register and, while the mode still allows
    writing, written at once. The writes stand in a savepoint: when the file turns out to be
    refused (all-or-nothing with a bad row, or more rows under other names than the
    account's misses), they are rolled back and only the misses used stay recorded.
    """

    def __init__(
        self, reader: _RowReader, result: ImportResult, actor: Actor | None, job: Job | None
    ):
        self.reader = reader
        self.result = result
        self.actor = actor
        self.job = job
        self.all_or_nothing = result.mode == ALL_OR_NOTHING
        # All-or-nothing with a bad row already found writes nothing: its rows are only
        # looked up, without being encrypted.
        self.writes = not (self.all_or_nothing and result.log)
        self.mismatched = _error_log()
        self.name_header = reader.header_of("name")
        self.reason = _(
            "This citizen ID is already registered under another name: check the name and the ID."
        )
        self.empty = False
        self.created = self.skipped = self.linked = self.memberships = self.affiliations = 0
        # The people tied to an organisation of the importer's, by (organisation, kind): a
        # flat array of ids, 8 bytes a person, until _finish records their events.
        self.linked_people: dict[tuple[int, str], array[int]] = {}

    def run(self, sheet: Sheet, firsts: _Firsts, workers: int) -> bool:
        """Write the file's good rows; return True when there are too many under other names."""
        # Nobody to look up in an empty register; anyone registered meanwhile by someone
        # else stops the write at the unique index instead.
        self.empty = not Person.objects.exists()
        saved = transaction.savepoint()
        self.reader.full = self.writes
        if sheet.estimated_rows < PARALLEL_MIN_ROWS:
            workers = 1
        with _outcomes(sheet, self.reader, workers) as outcomes:
            for chunk in _chunked(_firsts_only(outcomes, firsts), WRITE_ROWS):
                self._chunk(chunk)
        misses = self.mismatched.total
        refused = self.all_or_nothing and bool(self.result.log or misses)
        if refused:
            transaction.savepoint_rollback(saved)
            too_many = misses > record_identity_misses(self.actor, misses, where="import")
        else:
            too_many = misses > record_identity_misses(self.actor, misses, where="import")
            if too_many:
                # The misses were recorded inside the savepoint: record them again outside.
                transaction.savepoint_rollback(saved)
                record_identity_misses(self.actor, misses, where="import")
        if too_many:
            return True
        self._report_mismatches()
        if refused:
            return False
        transaction.savepoint_commit(saved)
        self._finish()
        return False

    def _chunk(self, chunk: list[tuple[int, PreparedPerson | Checked]]) -> None:
        hashes = [_hash_of(outcome) for _, outcome in chunk]
        registered = {} if self.empty else registered_people(hashes, scan=False)
        mismatched = {
            number
            for number, outcome in chunk
            if (found := registered.get(_hash_of(outcome))) is not None
            and found[1] != _name_of(outcome)
        }
        for number in sorted(mismatched):
            self.mismatched.add_row([RowError(number, self.name_header, self.reason)])
        if mismatched and self.all_or_nothing:
            # Nothing will be written: the rest of the file is only looked up.
            self.writes = self.reader.full = False
        if not self.writes:
            return
        people = [p for n, p in chunk if n not in mismatched and isinstance(p, PreparedPerson)]
        outcome = write_people(people, stamp=self.reader.stamp, registered=registered)
        self.created += outcome.created
        self.skipped += len(outcome.skipped_rows)
        self.linked += len(outcome.linked)
        self.memberships += outcome.memberships
        self.affiliations += outcome.affiliations
        self._tied(outcome.linked)

    def _tied(self, linked: Iterable[tuple[int, int, str]]) -> None:
        """Keep the registered people this chunk brought into the importer's scope.

        Their events are written by _finish, just before the commit: recording one here
        would lock the importer's audit stream (its organisation's) from the first chunk to
        the end of the file, and every other write of that organisation would wait.
        """
        for person_id, organization_id, kind in linked:
            self.linked_people.setdefault((organization_id, kind), array("q")).append(person_id)

    def _tie_events(self) -> Iterator[audit.Entry]:
        # Each registered person brought into the importer's scope is in their own trail.
        for (organization_id, kind), person_ids in self.linked_people.items():
            for person_id in person_ids:
                yield audit.Entry(
                    "people.affiliation.created",
                    object_type="people.affiliation",
                    object_id=f"{person_id}:{organization_id}:{kind}",
                    person_id=person_id,
                    data={
                        "organization_id": organization_id,
                        "kind": kind,
                        "import_digest": self.result.digest,
                    },
                )

    def _report_mismatches(self) -> None:
        """Add the rows under other names to the file's errors (their count, beyond those kept)."""
        log = self.result.log
        kept = self.mismatched.first()
        for error in kept:
            log.add_row([error])
        unkept = self.mismatched.total - len(kept)
        log.total += unkept
        log.bad_rows += unkept

    def _finish(self) -> None:
        result = self.result
        result.created = self.created
        result.skipped = self.skipped
        result.linked = self.linked
        result.committed = True
        # The file's events last, in one batch: the stream is locked only from here to commit.
        audit.record_many(self.actor, self._tie_events())
        audit.record(
            self.actor,
            "people.import.completed",
            object_type="people.import",
            object_id=result.digest,
            data={
                "file_name": result.file_name,
                "digest": result.digest,
                "mode": result.mode,
                "rows": result.rows,
                "created": result.created,
                "skipped": result.skipped,
                "linked": result.linked,
                "bad_rows": result.bad_rows,
                "memberships": self.memberships,
                "affiliations": self.affiliations,
                "job": self.job.pk if self.job is not None else None,
            },
        )


def _firsts_only(
    outcomes: Iterator[Outcome], firsts: _Firsts
) -> Iterator[tuple[int, PreparedPerson | Checked]]:
    """The good rows of the second reading that are written: each ID's first row."""
    for number, outcome in outcomes:
        if not isinstance(outcome, list) and firsts.is_first(_hash_of(outcome), number):
            yield number, outcome
