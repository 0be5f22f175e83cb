"""The second reading of a people file: its good rows written in one transaction, the
rows under other names reported, the audit events recorded last in one batch.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import ImportFailed, RateLimited
from jineng.core.models import Job
from jineng.core.tabular import Sheet
from jineng.people.identity import record_identity_misses
from jineng.people.importers.bulk import PreparedPerson, registered_people, write_people
from jineng.people.importers.people.common import ALL_OR_NOTHING
from jineng.people.importers.people.firsts import Firsts
from jineng.people.importers.people.reading import Outcome, chunked, read_rows
from jineng.people.importers.people.report import ImportResult, RowError, error_log
from jineng.people.importers.people.rows import Checked, RowReader, hash_of, name_of
from jineng.people.models import Person
from jineng.people.services import charge_import

# Rows looked up and written at a time: what the import holds in memory, whatever the file.
WRITE_ROWS = 5_000


def write_rows(
    reopen: Callable[[], Sheet],
    reader: RowReader,
    firsts: Firsts,
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
    """The second reading of a file, inside write_rows's transaction, WRITE_ROWS rows at a time.

    Each chunk of good rows is looked up in the register and, while the mode still allows
    writing, written at once. The writes stand in a savepoint: when the file turns out to be
    refused (all-or-nothing with a bad row, or more rows under other names than the
    account's misses), they are rolled back and only the misses used stay recorded.
    """

    def __init__(
        self, reader: RowReader, result: ImportResult, actor: Actor | None, job: Job | None
    ):
        self.reader = reader
        self.result = result
        self.actor = actor
        self.job = job
        self.all_or_nothing = result.mode == ALL_OR_NOTHING
        # All-or-nothing with a bad row already found writes nothing: its rows are only
        # looked up, without being encrypted.
        self.writes = not (self.all_or_nothing and result.log)
        self.mismatched = error_log()
        self.name_header = reader.header_of("name")
        self.reason = _(
            "This citizen ID is already registered under another name: check the name and the ID."
        )
        self.empty = False
        self.created = self.skipped = self.linked = self.memberships = self.affiliations = 0
        # The people tied to an organisation of the importer's, by (organisation, kind): a
        # flat array of ids, 8 bytes a person, until _finish records their events.
        self.linked_people: dict[tuple[int, str], array[int]] = {}

    def run(self, sheet: Sheet, firsts: Firsts, workers: int) -> bool:
        """Write the file's good rows; return True when there are too many under other names."""
        # Nobody to look up in an empty register; anyone registered meanwhile by someone
        # else stops the write at the unique index instead.
        self.empty = not Person.objects.exists()
        saved = transaction.savepoint()
        self.reader.full = self.writes
        with read_rows(sheet, self.reader, workers) as outcomes:
            for chunk in chunked(_firsts_only(outcomes, firsts), WRITE_ROWS):
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
        hashes = [hash_of(outcome) for _, outcome in chunk]
        registered = {} if self.empty else registered_people(hashes, scan=False)
        mismatched = {
            number
            for number, outcome in chunk
            if (found := registered.get(hash_of(outcome))) is not None
            and found[1] != name_of(outcome)
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
    outcomes: Iterator[Outcome], firsts: Firsts
) -> Iterator[tuple[int, PreparedPerson | Checked]]:
    """The good rows of the second reading that are written: each ID's first row."""
    for number, outcome in outcomes:
        if not isinstance(outcome, list) and firsts.is_first(hash_of(outcome), number):
            yield number, outcome
