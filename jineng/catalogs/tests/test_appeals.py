"""Appeals against removals and suspensions: who may file, who decides, what the log shows."""

import pytest

from jineng.catalogs import queries, services
from jineng.catalogs.choices import AppealStatus, CatalogKind, ChangeReason
from jineng.catalogs.errors import AppealExists
from jineng.catalogs.models import CatalogAppeal, CatalogChange
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent

INSTITUTIONS = CatalogKind.TRAINING_INSTITUTIONS
pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


def test_changes_name_the_organisation_concerned(removal, school_a, school_b):
    assert removal.organization == school_a
    suspended = CatalogChange.objects.get(version=removal.version, reason=ChangeReason.SUSPENDED)
    assert suspended.organization == school_b
    history = queries.organization_history(school_a.pk)
    assert [(c.version.number, c.reason) for c in history] == [(2, "removed"), (1, "added")]


def test_staff_of_the_removed_organisation_files_an_appeal(removal, staff_a, school_a):
    appeal = services.file_appeal(
        removal.pk, grounds="The scorecard counted a closed class.", actor=staff_a
    )
    assert (appeal.organization, appeal.status, appeal.filed_by) == (
        school_a,
        AppealStatus.FILED,
        staff_a,
    )
    event = AuditEvent.objects.get(action="catalogs.appeal.filed")
    assert event.object_id == str(appeal.pk)
    assert event.actor == staff_a
    assert event.data == {
        "change": removal.pk,
        "catalog": INSTITUTIONS,
        "version": 2,
        "key": removal.key,
        "reason": "removed",
    }


def test_evaluation_staff_of_the_organisation_may_appeal_too(removal, evaluator_a):
    services.file_appeal(removal.pk, grounds="We disagree.", actor=evaluator_a)
    assert CatalogAppeal.objects.count() == 1


def test_other_organisations_get_not_found(removal, staff_b):
    with pytest.raises(NotFound):
        services.file_appeal(removal.pk, grounds="Not ours.", actor=staff_b)
    assert CatalogAppeal.objects.count() == 0


@pytest.mark.parametrize("who", ["worker", "auditor", "bureau_admin"])
def test_roles_without_the_capability_cannot_appeal(removal, request, who):
    with pytest.raises(PermissionDenied):
        services.file_appeal(removal.pk, grounds="x", actor=request.getfixturevalue(who))
    assert CatalogAppeal.objects.count() == 0


def test_only_removals_and_suspensions_are_appealable(removal, staff_a):
    added = CatalogChange.objects.filter(reason=ChangeReason.ADDED).first()
    with pytest.raises(NotFound):
        services.file_appeal(added.pk, grounds="x", actor=staff_a)


def test_an_organisation_appeals_a_change_once(removal, staff_a):
    services.file_appeal(removal.pk, grounds="First.", actor=staff_a)
    with pytest.raises(AppealExists):
        services.file_appeal(removal.pk, grounds="Again.", actor=staff_a)
    assert CatalogAppeal.objects.count() == 1


def test_appeal_needs_grounds(removal, staff_a):
    with pytest.raises(ValidationFailed) as exc:
        services.file_appeal(removal.pk, grounds="  ", actor=staff_a)
    assert exc.value.field == "grounds"


def test_bureau_decides_and_the_decision_shows_in_the_change_log(removal, staff_a, publisher):
    appeal = services.file_appeal(removal.pk, grounds="Closed class counted.", actor=staff_a)
    decided = services.decide_appeal(
        appeal.pk, upheld=True, decision="Scorecard recomputed; restored in v3.", actor=publisher
    )
    assert (decided.status, decided.decided_by) == (AppealStatus.UPHELD, publisher)
    event = AuditEvent.objects.get(action="catalogs.appeal.decided")
    assert event.data == {
        "status": "upheld",
        "decision": "Scorecard recomputed; restored in v3.",
        "change": removal.pk,
    }
    logged = next(c for c in queries.change_log(INSTITUTIONS) if c.pk == removal.pk)
    assert [(a.status, a.decision) for a in logged.appeals.all()] == [
        ("upheld", "Scorecard recomputed; restored in v3.")
    ]
    with pytest.raises(InvalidTransition):
        services.decide_appeal(appeal.pk, upheld=False, decision="No.", actor=publisher)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD


def test_institution_staff_cannot_decide_appeals(removal, staff_a):
    appeal = services.file_appeal(removal.pk, grounds="x", actor=staff_a)
    with pytest.raises(PermissionDenied):
        services.decide_appeal(appeal.pk, upheld=True, decision="self-serve", actor=staff_a)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.FILED
    assert not AuditEvent.objects.filter(action="catalogs.appeal.decided").exists()


def test_appeals_are_scoped_to_their_organisation(removal, staff_a, staff_b, bureau_admin):
    appeal = services.file_appeal(removal.pk, grounds="x", actor=staff_a)
    assert list(CatalogAppeal.objects.visible_to(staff_a)) == [appeal]
    assert list(CatalogAppeal.objects.visible_to(staff_b)) == []
    assert list(CatalogAppeal.objects.visible_to(bureau_admin)) == [appeal]
