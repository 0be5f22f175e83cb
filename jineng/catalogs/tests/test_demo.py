"""The demo catalogs: two versions of the subsidised catalog from the example files, the
organisation catalogs from the accreditation register; idempotent."""

import datetime
import io

import pytest

from jineng.accreditations import services as accreditation_services
from jineng.catalogs import queries
from jineng.catalogs.choices import CatalogKind, VersionStatus
from jineng.catalogs.demo import build_demo
from jineng.catalogs.models import CatalogChange, CatalogVersion, EntrySubsidy
from jineng.catalogs.tests.conftest import TODAY
from jineng.occupations.loaders import load_occupations

SUBSIDISED = CatalogKind.SUBSIDISED_TRAINING


@pytest.fixture
def classification(levels, target_groups):
    load_occupations()


@pytest.mark.usefixtures("frozen_today", "classification")
def test_demo_publishes_a_current_and_a_previous_subsidised_catalog():
    out = io.StringIO()
    build_demo(stdout=out)
    current = queries.current_version(SUBSIDISED)
    previous = current.based_on
    assert (previous.number, previous.effective_from) == (1, datetime.date(2025, 1, 1))
    assert (current.number, current.effective_from) == (2, TODAY)
    assert previous.status == VersionStatus.SUPERSEDED
    assert "育婴员" in out.getvalue()  # not an occupation of the 2022 edition: skipped
    entries = {e.key: e for e in current.entries.select_related("occupation", "skill_level")}
    electrician = [e for e in entries.values() if e.occupation and e.occupation.name == "电工"]
    amounts = {(e.skill_level.code, e.training_type): e.subsidy_fen // 100 for e in electrician}
    assert amounts[("level5", "employment")] == 800
    assert amounts[("level4", "employment")] == 1500
    assert amounts[("level3", "employment")] == 2000
    carer = entries["4-10-01-05/level5/employment"]
    assert queries.subsidy_standards(carer) == {None: 80000, "poverty_alleviated": 100000}
    assert list(
        EntrySubsidy.objects.filter(entry__version=current).values_list(
            "entry__key", "target_group__code", "amount_fen"
        )
    ) == [("4-10-01-05/level5/employment", "poverty_alleviated", 100000)]
    differences = queries.diff(previous, current)
    assert {d.after["occupation"] for d in differences.added} >= {"4-01-06-02"}  # 互联网营销师
    assert [d.before["occupation"] for d in differences.removed] == ["4-03-02-07"]  # 茶艺师
    assert len(differences.changed) > 10
    explained = set(CatalogChange.objects.filter(version=current).values_list("key", flat=True))
    assert explained == set(differences.by_key())
    assert previous.published_by != previous.created_by


@pytest.mark.usefixtures("frozen_today", "classification")
def test_running_the_demo_again_changes_nothing():
    build_demo(stdout=io.StringIO())
    versions = CatalogVersion.objects.count()
    out = io.StringIO()
    build_demo(stdout=out)
    assert CatalogVersion.objects.count() == versions
    assert "already published" in out.getvalue()


@pytest.mark.usefixtures("frozen_today", "classification")
def test_organisation_catalogs_come_from_the_register(staff_a, bureau_admin, school_a):
    application = accreditation_services.apply_for_accreditation(
        accreditation_services.ApplicationInput(
            kind="training", occupation_code="6-31-01-03", max_level_code="level3"
        ),
        actor=staff_a,
    )
    accreditation_services.approve_application(
        application.pk,
        accreditation_services.ApprovalInput(
            licence_number="MHK-DEMO-1",
            valid_from=datetime.date(2025, 1, 1),
            valid_until=datetime.date(2027, 12, 31),
        ),
        actor=bureau_admin,
    )
    build_demo(stdout=io.StringIO())
    institutions = queries.current_version(CatalogKind.TRAINING_INSTITUTIONS)
    assert [e.key for e in institutions.entries.all()] == [f"{school_a.credit_code}/6-31-01-03"]
    # No evaluation licences: that catalog is left unpublished and no draft lingers.
    assert not CatalogVersion.objects.filter(catalog__kind=CatalogKind.EVALUATION_BODIES).exists()
