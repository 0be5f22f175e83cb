"""A draft of the institutions catalog built from the accreditation register on a date."""

import datetime

import pytest

from jineng.accreditations import services as accreditation_services
from jineng.catalogs import queries, services
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import explain_all
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent

INSTITUTIONS = CatalogKind.TRAINING_INSTITUTIONS
pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


def _licence(staff, admin, code, level, number, until):
    application = accreditation_services.apply_for_accreditation(
        accreditation_services.ApplicationInput(
            kind="training", occupation_code=code, max_level_code=level
        ),
        actor=staff,
    )
    return accreditation_services.approve_application(
        application.pk,
        accreditation_services.ApprovalInput(
            licence_number=number, valid_from=datetime.date(2025, 1, 1), valid_until=until
        ),
        actor=admin,
    )


def test_draft_lists_every_licence_in_force_on_the_day(
    bureau_admin, publisher, staff_a, staff_b, school_a, school_b
):
    _licence(staff_a, publisher, "6-31-01-03", "level3", "MHK-001", datetime.date(2027, 12, 31))
    _licence(staff_b, publisher, "6-18-02-04", "level4", "MHK-002", datetime.date(2026, 6, 30))
    draft = services.draft_from_register(
        INSTITUTIONS, title="2026 机构目录", actor=bureau_admin, on_date=TODAY
    )
    entries = {e.key: e for e in draft.entries.select_related("skill_level")}
    assert set(entries) == {
        f"{school_a.credit_code}/6-31-01-03",
        f"{school_b.credit_code}/6-18-02-04",
    }
    electrician = entries[f"{school_a.credit_code}/6-31-01-03"]
    assert electrician.skill_level.code == "level3"
    assert electrician.valid_until == datetime.date(2027, 12, 31)
    assert electrician.attributes == {"licence_number": "MHK-001", "licence_expiry": "2027-12-31"}
    event = AuditEvent.objects.filter(action="catalogs.version.created").last()
    assert event.data["from_register_on"] == "2026-03-02"
    assert event.data["entries"] == 2


def test_an_expired_licence_drops_out_of_the_next_draft(
    bureau_admin, publisher, staff_a, staff_b, school_b
):
    _licence(staff_a, publisher, "6-31-01-03", "level3", "MHK-001", datetime.date(2027, 12, 31))
    _licence(staff_b, publisher, "6-18-02-04", "level4", "MHK-002", datetime.date(2026, 6, 30))
    first = services.draft_from_register(
        INSTITUTIONS, title="v1", actor=bureau_admin, on_date=TODAY
    )
    services.submit_version(first.pk, actor=bureau_admin)
    services.publish_version(first.pk, actor=publisher, effective_from=TODAY)
    later = services.draft_from_register(
        INSTITUTIONS, title="v2", actor=bureau_admin, on_date=datetime.date(2026, 7, 1)
    )
    differences = queries.diff(first, later)
    assert [d.key for d in differences.removed] == [f"{school_b.credit_code}/6-18-02-04"]
    assert not differences.added
    assert not differences.changed
    explain_all(later, bureau_admin)
    services.submit_version(later.pk, actor=bureau_admin)


def test_only_organisation_catalogs_come_from_the_register(bureau_admin, worker):
    with pytest.raises(ValidationFailed):
        services.draft_from_register(
            CatalogKind.SUBSIDISED_TRAINING, title="x", actor=bureau_admin, on_date=TODAY
        )
    with pytest.raises(PermissionDenied):
        services.draft_from_register(INSTITUTIONS, title="x", actor=worker, on_date=TODAY)
