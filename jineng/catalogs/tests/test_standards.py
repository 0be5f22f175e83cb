"""The subsidy standards of an entry, as the subsidies app reads them."""

import pytest

from jineng.catalogs import queries
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.models import CatalogEntry
from jineng.catalogs.services import EntryInput
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import publish, subsidy

pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


def test_standards_give_the_base_amount_and_each_group_amount(bureau_admin, publisher):
    version = publish(
        bureau_admin,
        publisher,
        [subsidy(fen=80000, group_subsidy_fen={"veteran": 120000, "disabled": 150000})],
        effective_from=TODAY,
    )
    entry = CatalogEntry.objects.get(version=version)
    assert queries.subsidy_standards(entry) == {
        None: 80000,
        "disabled": 150000,
        "veteran": 120000,
    }


def qualification(**extra):
    """An item of the qualifications catalog, which needs no base subsidy."""
    return EntryInput(
        occupation_code="6-31-01-03",
        attributes={"qualification_type": "level_evaluation"},
        **extra,
    )


def test_standards_leave_out_a_base_amount_that_is_not_set(bureau_admin, publisher):
    version = publish(
        bureau_admin,
        publisher,
        [qualification(group_subsidy_fen={"veteran": 120000})],
        effective_from=TODAY,
        kind=CatalogKind.QUALIFICATIONS,
    )
    entry = CatalogEntry.objects.get(version=version)
    assert queries.subsidy_standards(entry) == {"veteran": 120000}


def test_an_entry_without_amounts_has_no_standards(bureau_admin, publisher):
    version = publish(
        bureau_admin,
        publisher,
        [qualification()],
        effective_from=TODAY,
        kind=CatalogKind.QUALIFICATIONS,
    )
    entry = CatalogEntry.objects.get(version=version)
    assert queries.subsidy_standards(entry) == {}
