"""Write many people at once through the database's own fast path.

PostgreSQL gets binary ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy()``, column types
taken from the model); SQLite gets one ``executemany`` inside the caller's transaction.
Primary keys are allocated up front (PostgreSQL: the table's sequence; SQLite: after the
highest id, under the write lock that IMMEDIATE transactions hold) so memberships and
affiliations can point at the new rows without reading them back. The importer, the
synthetic generator and the demo city all write through ``write_people``: there is one
bulk path.
"""

from __future__ import annotations

import datetime
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.utils import NotSupportedError
from django.utils import timezone

from jineng.core import db
from jineng.core.errors import Busy
from jineng.people.models import Affiliation, Person, TargetGroupMembership

# Columns of people_person that a prepared row carries, in order (the id is added on write).
PERSON_COLUMNS = (
    "created_at",
    "updated_at",
    "name",
    "id_number_encrypted",
    "id_number_hash",
    "birth_date",
    "sex",
    "phone_encrypted",
    "phone_hash",
    "region_id",
    "town_id",
    "hukou_type",
    "education",
    "employment_status",
    "is_synthetic",
)
MEMBERSHIP_COLUMNS = (
    "created_at",
    "updated_at",
    "person_id",
    "group_id",
    "source",
    "evidence",
    "valid_from",
    "valid_until",
)
AFFILIATION_COLUMNS = (
    "created_at",
    "updated_at",
    "person_id",
    "organization_id",
    "kind",
    "started_on",
    "ended_on",
)
NAME_INDEX = PERSON_COLUMNS.index("name")
# Existing citizen IDs are looked up this many at a time.
LOOKUP_BATCH = 5000
# SQLite page cache while bulk inserting (negative = KiB): 128 MiB.
SQLITE_CACHE_KIB = -131072


@dataclass(slots=True)
class PreparedPerson:
    """One validated, encrypted person ready to write, with what hangs off it.

    ``values`` follows PERSON_COLUMNS; ``memberships`` holds (group id, source, evidence,
    valid from, valid until) and ``affiliations`` (organisation id, kind, started on). Values
    are Python objects of the columns' types (dates as ``datetime.date``), as binary COPY
    needs them.
    """

    row: int
    id_number_hash: str
    values: tuple[Any, ...]
    memberships: tuple[tuple[Any, ...], ...] = ()
    affiliations: tuple[tuple[Any, ...], ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its fields (half the cost of the default): the importer's worker
        # processes send hundreds of thousands of these back.
        fields = (self.row, self.id_number_hash, self.values, self.memberships, self.affiliations)
        return (PreparedPerson, fields)


@dataclass
class WriteOutcome:
    """What write_people did: people created and the rows skipped as already registered."""

    created: int
    skipped_rows: list[int]
    memberships: int
    affiliations: int
    # (person, organisation, kind) of each tie added to a person already registered.
    linked: list[tuple[int, int, str]] = field(default_factory=list)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    Its full collections rescan every row already prepared, which makes a long import
    quadratic; the rows hold no reference cycles, so nothing is lost by waiting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def db_timestamp(moment: datetime.datetime | None = None) -> Any:
    """Return a timestamp as this database's bulk path wants it (created_at, updated_at)."""
    return connection.ops.adapt_datetimefield_value(moment or timezone.now())


def person_values(fields: dict[str, Any], stamp: Any, *, is_synthetic: bool = False) -> tuple:
    """Arrange people.services.person_fields() output as a PERSON_COLUMNS row."""
    town = fields["town"]
    return (
        stamp,
        stamp,
        fields["name"],
        fields["id_number_encrypted"],
        fields["id_number_hash"],
        fields["birth_date"],
        fields["sex"],
        fields["phone_encrypted"],
        fields["phone_hash"],
        fields["region"].pk,
        town.pk if town is not None else None,
        fields["hukou_type"],
        fields["education"],
        fields["employment_status"],
        is_synthetic,
    )


def registered_people(
    hashes: Sequence[str], *, scan: bool | None = None
) -> dict[str, tuple[int, str]]:
    """Return the id and name of each of these citizen-ID hashes already registered.

    ``scan`` reads the whole register instead of looking the hashes up; by default it does
    when the register has fewer than twice as many people. A caller looking up a file a
    chunk at a time passes False.
    """
    if not hashes:
        return {}
    found: dict[str, tuple[int, str]] = {}
    columns = ("id_number_hash", "id", "name")
    if scan is None:
        scan = Person.objects.count() <= 2 * len(hashes)
    if scan:
        # Fewer people registered than the file nearly has rows: one scan beats many lookups.
        wanted = set(hashes)
        registered = Person.objects.values_list(*columns).iterator(chunk_size=20000)
        return {h: (pk, name) for h, pk, name in registered if h in wanted}
    for chunk in _batches(hashes):
        rows = Person.objects.filter(id_number_hash__in=chunk).values_list(*columns)
        found.update((h, (pk, name)) for h, pk, name in rows)
    return found


def _batches(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Split values for ``__in`` lookups within the database's limit on query parameters."""
    size = min(LOOKUP_BATCH, connection.features.max_query_params or LOOKUP_BATCH)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def person_name(person: PreparedPerson) -> str:
    """The name a prepared row carries."""
    return person.values[NAME_INDEX]


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve ``count`` primary keys of a table for rows about to be bulk-inserted."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence is looked up once: inside the select list it would be per value.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            # Take the values server-side and fetch only their bounds: they are contiguous
            # unless another session took values meanwhile, and then all are fetched.
            cursor.execute(
                "SELECT min(v), max(v) FROM (SELECT nextval(%s::regclass) v "
                "FROM generate_series(1, %s)) taken",
                [sequence, count],
            )
            low, high = cursor.fetchone()
            if high - low + 1 == count:
                return list(range(low, high + 1))
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            if not connection.in_atomic_block:
                raise RuntimeError("allocate_ids() must run inside the writing transaction.")
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            sequence = cursor.fetchone()
            start = max(highest, sequence[0] if sequence else 0) + 1
            return list(range(start, start + count))
    raise NotSupportedError(f"Bulk insert is not implemented for {connection.vendor}.")


def copy_types(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    """Return the PostgreSQL type names of a model's columns, as binary COPY needs them."""
    types = []
    for column in columns:
        db_type = model._meta.get_field(column).db_type(connection)
        if db_type is None:
            raise ValueError(f"{model.__name__}.{column} has no database column to COPY into.")
        # varchar(64) → varchar: COPY needs the type, not its length.
        types.append(db_type.split("(", 1)[0].strip())
    return types


@contextmanager
def busy_on_lock_timeout() -> Iterator[None]:
    """Turn a lock timeout raised inside the block into ``core.errors.Busy`` (try again)."""
    try:
        yield
    except Busy:
        raise
    except DatabaseError as exc:
        if db.is_lock_timeout(exc):
            raise Busy(str(exc), retry_after=db.retry_after()) from exc
        raise


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert rows (values of the columns' types, in ``columns`` order) with the fast path."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Raw psycopg errors (a duplicate key) become Django's, as for any other query;
            # COPY goes around the connection's execute wrappers, so a lock timeout is
            # turned into Busy here, as core.db does for every other query (ADR 0006).
            with (
                busy_on_lock_timeout(),
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(copy_types(model, columns))
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(columns))
            rows = list(rows)
            # A larger page cache for the duration keeps the indexes' pages in memory.
            cursor.execute("PRAGMA cache_size")
            previous = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
            try:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
            finally:
                cursor.execute(f"PRAGMA cache_size = {int(previous)}")
            return len(rows)
    raise NotSupportedError(f"Bulk insert is not implemented for {connection.vendor}.")


def _with_ids(ids: list[int], people: list[PreparedPerson]) -> Iterator[tuple]:
    for pk, person in zip(ids, people, strict=True):
        yield (pk, *person.values)


def write_people(
    people: Sequence[PreparedPerson],
    *,
    stamp: Any,
    registered: dict[str, tuple[int, str]] | None = None,
) -> WriteOutcome:
    """Insert the people not yet registered, with their memberships and affiliations.

    Runs inside the caller's transaction (the caller also writes the audit event). People
    whose citizen ID is already registered (``registered``, looked up if not given) are
    skipped, not updated, except that they are tied to the row's organisations they are not
    tied to yet: an institution importing its trainees must see them.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("write_people() must run inside the caller's transaction.")
    if registered is None:
        registered = registered_people([p.id_number_hash for p in people])
    new = [p for p in people if p.id_number_hash not in registered]
    known = [(registered[p.id_number_hash][0], p) for p in people if p.id_number_hash in registered]
    ids = allocate_ids(Person, len(new))
    copy_rows(Person, ("id", *PERSON_COLUMNS), _with_ids(ids, new))
    memberships = copy_rows(
        TargetGroupMembership,
        MEMBERSHIP_COLUMNS,
        ((stamp, stamp, pk, *m) for pk, p in zip(ids, new, strict=True) for m in p.memberships),
    )
    affiliations = copy_rows(
        Affiliation,
        AFFILIATION_COLUMNS,
        (
            (stamp, stamp, pk, *a, None)
            for pk, p in zip(ids, new, strict=True)
            for a in p.affiliations
        ),
    )
    linked = _tie_registered(known, stamp)
    return WriteOutcome(len(new), [p.row for _, p in known], memberships, affiliations, linked)


def _tie_registered(
    known: list[tuple[int, PreparedPerson]], stamp: Any
) -> list[tuple[int, int, str]]:
    """Add the affiliations registered people do not have yet; return (person, organisation,
    kind) of each added.

    A person already tied (not ended) to the organisation in that role is left alone, and
    so is one whose tie of the same day was ended: the same tie is never recorded twice.
    """
    wanted = {(pk, org, kind): started for pk, p in known for org, kind, started in p.affiliations}
    if not wanted:
        return []
    current: set[tuple[int, int, str]] = set()
    recorded: set[tuple[int, int, str, Any]] = set()
    for chunk in _batches(sorted({pk for pk, _, _ in wanted})):
        ties = Affiliation.objects.filter(person_id__in=chunk).values_list(
            "person_id", "organization_id", "kind", "started_on", "ended_on"
        )
        for pk, org, kind, started, ended in ties:
            recorded.add((pk, org, kind, started))
            if ended is None:
                current.add((pk, org, kind))
    added = [
        (pk, org, kind, started)
        for (pk, org, kind), started in wanted.items()
        if (pk, org, kind) not in current and (pk, org, kind, started) not in recorded
    ]
    copy_rows(Affiliation, AFFILIATION_COLUMNS, [(stamp, stamp, *a, None) for a in added])
    return [(pk, org, kind) for pk, org, kind, _ in added]
