"""diff(a, b): entries added, removed and changed, field by field, keyed across versions."""

import pytest

from jineng.catalogs import queries, services
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import draft_with, publish, subsidy

pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")

ELECTRICIAN = "6-31-01-03/level5/employment"
WELDER = "6-18-02-04/level5/employment"
CARER = "4-10-01-05/level4/employment"
COOK = "4-03-02-01/level5/upskilling"


@pytest.fixture
def two_versions(bureau_admin, publisher):
    v1 = publish(
        bureau_admin,
        publisher,
        [
            subsidy(target_groups=("veteran",), age_min=16, age_max=60),
            subsidy("6-18-02-04"),
            subsidy("4-03-02-01", training_type="upskilling"),
        ],
        effective_from=TODAY,
    )
    v2 = draft_with(
        bureau_admin,
        [
            subsidy(
                fen=100000,
                target_groups=("veteran", "migrant_worker"),
                group_subsidy_fen={"veteran": 120000},
                age_min=16,
                age_max=60,
            ),
            subsidy("4-10-01-05", level="level4", fen=150000, hours=120),
            subsidy("4-03-02-01", training_type="upskilling"),
        ],
    )
    return v1, v2


def test_diff_lists_added_removed_and_changed_by_key(two_versions):
    v1, v2 = two_versions
    result = queries.diff(v1, v2)
    assert [d.key for d in result.added] == [CARER]
    assert [d.key for d in result.removed] == [WELDER]
    assert [d.key for d in result.changed] == [ELECTRICIAN]
    assert [d.key for d in result.items] == [CARER, WELDER, ELECTRICIAN]
    assert result.added[0].before is None
    assert result.added[0].after["subsidy_fen"] == 150000
    assert result.removed[0].after is None
    assert result.removed[0].before["occupation"] == "6-18-02-04"


def test_diff_names_every_changed_field_with_old_and_new(two_versions):
    v1, v2 = two_versions
    changed = queries.diff(v1, v2).changed[0]
    assert [(f.field, f.old, f.new) for f in changed.fields] == [
        ("target_groups", ["veteran"], ["migrant_worker", "veteran"]),
        ("subsidy_fen", 80000, 100000),
        ("group_subsidy_fen", {}, {"veteran": 120000}),
    ]
    assert changed.kind == "changed"
    assert changed.as_dict()["fields"][1] == {"field": "subsidy_fen", "old": 80000, "new": 100000}


def test_diff_is_the_mirror_image_the_other_way(two_versions):
    v1, v2 = two_versions
    forward, backward = queries.diff(v1, v2), queries.diff(v2, v1)
    assert [d.key for d in backward.added] == [d.key for d in forward.removed]
    assert [d.key for d in backward.removed] == [d.key for d in forward.added]
    assert [(f.field, f.new, f.old) for f in backward.changed[0].fields] == [
        (f.field, f.old, f.new) for f in forward.changed[0].fields
    ]


def test_diff_against_nothing_adds_everything_and_a_version_equals_itself(two_versions):
    v1, _v2 = two_versions
    everything = queries.diff(None, v1)
    assert [d.key for d in everything.added] == [COOK, WELDER, ELECTRICIAN]
    assert not everything.removed
    assert not everything.changed
    assert not queries.diff(v1, v1)


def test_attributes_and_dates_are_compared_too(bureau_admin, publisher):
    import datetime

    v1 = draft_with(bureau_admin, [subsidy(attributes={"note": "a"})])
    v2 = draft_with(
        bureau_admin,
        [subsidy(attributes={"note": "b"}, valid_until=datetime.date(2026, 12, 31))],
    )
    fields = queries.diff(v1, v2).changed[0].fields
    assert [(f.field, f.old, f.new) for f in fields] == [
        ("valid_until", None, "2026-12-31"),
        ("attributes", {"note": "a"}, {"note": "b"}),
    ]
    assert services.reason_problems(v2) == []  # v2 has no base: nothing to explain
