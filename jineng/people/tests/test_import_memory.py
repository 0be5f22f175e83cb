"""An import's memory does not grow with its file (issue 10, "Bounded input").

The importer is run on generated files of two sizes with tracemalloc measuring its peak;
a file four times as long may cost at most half as much again. Keeping every prepared row
until the write, as the importer once did, costs about four times as much.
"""

import datetime
import io
import tracemalloc

import pytest
from django.utils import translation

from jineng.people.importers import COMMIT_GOOD, import_people
from jineng.people.importers.people import writing
from jineng.people.models import Person
from jineng.people.tests.test_import import HEADER, OTHER_VILLAGE, VILLAGE, make_id

SMALL = 5_000
LARGE = 4 * SMALL
NAMES = "明芳强伟静丽军洋勇艳"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def small_writes(monkeypatch):
    """Write a few hundred rows at a time, so a test-sized file spans many chunks."""
    monkeypatch.setattr(writing, "WRITE_ROWS", 500)


def generated(rows: int, *, bad_every: int = 0) -> io.BytesIO:
    """A csv of ``rows`` distinct people (one birth date and sequence number each); every
    ``bad_every``-th row has an unknown region."""
    lines = [HEADER]
    first_day = datetime.date(1960, 1, 1)
    for number in range(rows):
        birth = (first_day + datetime.timedelta(days=number // 900)).strftime("%Y%m%d")
        region = VILLAGE if number % 2 else OTHER_VILLAGE
        if bad_every and number % bad_every == 0:
            region = "999999999"
        order = f"{number % 900 + 100:03d}"
        citizen_id = make_id(birth, order)
        if citizen_id.endswith("000"):  # refused by an import (imported_id_damage)
            citizen_id = make_id(birth, f"0{order[0]}0")  # orders 010-090 are otherwise unused
        name = "王" + NAMES[number % len(NAMES)]
        lines.append(f"{citizen_id},{name},138{number:08d},{region},,,,")
    handle = io.BytesIO("\n".join(lines).encode())
    handle.name = "people.csv"
    return handle


@pytest.fixture
def warmed(city, target_groups, bureau_admin):
    """One small import first, so what any first import loads once (translations, caches)
    is not counted against the smaller file."""
    import_people(generated(50), actor=bureau_admin)
    Person.objects.all().delete()


def peak_of_import(upload: io.BytesIO, actor, **kwargs) -> int:
    """The most memory the import held at once, in bytes (the file's own bytes are the
    caller's: they were allocated before the measurement starts)."""
    tracemalloc.start()
    try:
        result = import_people(upload, actor=actor, **kwargs)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


@pytest.mark.parametrize("mode", ["all_or_nothing", COMMIT_GOOD])
def test_an_imports_memory_does_not_grow_with_its_rows(
    city, target_groups, bureau_admin, small_writes, warmed, mode
):
    small_file, large_file = generated(SMALL), generated(LARGE)

    small, small_result = peak_of_import(small_file, bureau_admin, mode=mode)
    Person.objects.all().delete()
    large, large_result = peak_of_import(large_file, bureau_admin, mode=mode)

    assert (small_result.created, large_result.created) == (SMALL, LARGE)
    assert Person.objects.count() == LARGE
    assert large < 1.5 * small, f"{SMALL} rows: {small:,} bytes; {LARGE} rows: {large:,} bytes"


def test_a_refused_files_memory_does_not_grow_with_its_rows(
    city, target_groups, bureau_admin, small_writes, warmed
):
    """All-or-nothing, every other row bad: every error counted, the first kept, none held."""
    small, small_result = peak_of_import(generated(SMALL, bad_every=2), bureau_admin)
    large, large_result = peak_of_import(generated(LARGE, bad_every=2), bureau_admin)

    assert (small_result.error_count, large_result.error_count) == (SMALL // 2, LARGE // 2)
    assert len(large_result.errors) == 1_000
    assert (small_result.committed, large_result.committed) == (False, False)
    assert Person.objects.count() == 0
    assert large < 1.5 * small, f"{SMALL} rows: {small:,} bytes; {LARGE} rows: {large:,} bytes"
