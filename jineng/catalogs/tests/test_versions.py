"""Drafts, entries, reasons, review and publication rules of catalog versions."""

import datetime

import pytest

from jineng.catalogs import queries, services
from jineng.catalogs.choices import CatalogKind, ChangeReason, GroundsKind, VersionStatus
from jineng.catalogs.errors import (
    BackDated,
    DuplicateEntry,
    FourEyesRequired,
    InvalidEntry,
    ReasonsMissing,
    StaleDraft,
)
from jineng.catalogs.models import CatalogChange, CatalogEntry, CatalogVersion
from jineng.catalogs.services import ChangeInput
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import draft_with, explain_all, publish, subsidy
from jineng.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent

SUBSIDISED = CatalogKind.SUBSIDISED_TRAINING
DAY = datetime.timedelta(days=1)
POLICY = ChangeInput(ChangeReason.CHANGED, GroundsKind.POLICY, "吉人社〔2026〕1号")

pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


def test_first_draft_starts_the_catalog_empty_and_is_audited(bureau_admin):
    version = services.create_draft(SUBSIDISED, title="2026 目录", actor=bureau_admin)
    assert (version.number, version.status, version.based_on) == (1, VersionStatus.DRAFT, None)
    assert version.catalog.kind == SUBSIDISED
    assert list(version.editors.all()) == [bureau_admin]
    event = AuditEvent.objects.get(action="catalogs.version.created")
    assert event.object_id == str(version.pk)
    assert event.actor == bureau_admin
    assert event.data == {
        "catalog": SUBSIDISED,
        "number": 1,
        "based_on": None,
        "copied_entries": 0,
    }


def test_new_draft_copies_the_latest_published_entries(bureau_admin, publisher, target_groups):
    groups = ("veteran", "migrant_worker")
    v1 = publish(
        bureau_admin,
        publisher,
        [
            subsidy(target_groups=groups, group_subsidy_fen={"veteran": 100000}),
            subsidy("6-18-02-04"),
        ],
        effective_from=TODAY,
    )
    v2 = services.create_draft(SUBSIDISED, title="2027", actor=bureau_admin)
    assert v2.number == 2
    assert v2.based_on == v1
    assert queries.snapshots(v2) == queries.snapshots(v1)
    assert not queries.diff(v1, v2)
    assert CatalogEntry.objects.filter(version=v1).count() == 2
    copied = CatalogEntry.objects.get(version=v2, key="6-31-01-03/level5/employment")
    assert sorted(copied.target_groups.values_list("code", flat=True)) == sorted(groups)
    assert (
        AuditEvent.objects.filter(action="catalogs.version.created").last().data["copied_entries"]
        == 2
    )


def test_empty_draft_is_still_based_on_the_latest_version(bureau_admin, publisher):
    v1 = publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="new", actor=bureau_admin, copy_current=False)
    assert v2.based_on == v1
    assert [d.key for d in queries.diff(v1, v2).removed] == ["6-31-01-03/level5/employment"]


def test_add_entry_reports_every_bad_field_and_writes_nothing(bureau_admin):
    version = draft_with(bureau_admin, [])
    before = AuditEvent.objects.count()
    bad = subsidy(
        code="9-99-99-99", level="grandmaster", fen=-5, hours=None, age_min=60, age_max=18
    )
    with pytest.raises(InvalidEntry) as exc:
        services.add_entry(version.pk, bad, actor=bureau_admin)
    fields = {e["field"] for e in exc.value.extra["errors"]}
    assert fields == {"occupation_code", "level_code", "subsidy_fen", "min_hours", "age_max"}
    assert CatalogEntry.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_subsidised_entry_needs_amount_type_and_hours(bureau_admin):
    version = draft_with(bureau_admin, [])
    with pytest.raises(InvalidEntry) as exc:
        services.add_entry(
            version.pk, subsidy(training_type="", fen=None, hours=None), actor=bureau_admin
        )
    assert {e["field"] for e in exc.value.extra["errors"]} == {
        "training_type",
        "subsidy_fen",
        "min_hours",
    }


def test_add_entry_refuses_a_duplicate_key(bureau_admin):
    version = draft_with(bureau_admin, [subsidy()])
    with pytest.raises(DuplicateEntry) as exc:
        services.add_entry(version.pk, subsidy(fen=90000), actor=bureau_admin)
    assert exc.value.field == "key"
    assert CatalogEntry.objects.get(version=version).subsidy_fen == 80000


def test_entry_edits_are_audited_with_before_and_after(bureau_admin, publisher):
    version = draft_with(bureau_admin, [subsidy()])
    entry = version.entries.get()
    services.update_entry(entry.pk, subsidy(fen=120000), actor=publisher)
    entry.refresh_from_db()
    assert entry.subsidy_fen == 120000
    event = AuditEvent.objects.get(action="catalogs.entry.updated")
    assert event.actor == publisher
    assert event.data["before"]["subsidy_fen"] == 80000
    assert event.data["after"]["subsidy_fen"] == 120000
    assert set(version.editors.all()) == {bureau_admin, publisher}
    services.remove_entry(entry.pk, actor=bureau_admin)
    assert not CatalogEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.get(action="catalogs.entry.deleted").data["key"] == entry.key


def test_only_bureau_roles_edit_catalogs(worker, staff_a, auditor):
    for user in (worker, staff_a, auditor):
        with pytest.raises(PermissionDenied):
            services.create_draft(SUBSIDISED, title="x", actor=user)
    assert CatalogVersion.objects.count() == 0


def test_submitted_versions_cannot_be_edited(bureau_admin):
    version = draft_with(bureau_admin, [subsidy()])
    services.submit_version(version.pk, actor=bureau_admin)
    with pytest.raises(InvalidTransition):
        services.add_entry(version.pk, subsidy("6-18-02-04"), actor=bureau_admin)
    services.return_version(version.pk, actor=bureau_admin, note="fix")
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    services.add_entry(version.pk, subsidy("6-18-02-04"), actor=bureau_admin)
    assert version.entries.count() == 2


def test_submit_requires_a_fitting_reason_for_every_difference(bureau_admin, publisher):
    v1 = publish(bureau_admin, publisher, [subsidy(), subsidy("6-18-02-04")], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="v2", actor=bureau_admin)
    welder = v2.entries.get(key="6-18-02-04/level5/employment")
    services.update_entry(welder.pk, subsidy("6-18-02-04", fen=100000), actor=bureau_admin)
    services.add_entry(v2.pk, subsidy("4-10-01-05"), actor=bureau_admin)
    services.remove_entry(v2.entries.get(key="6-31-01-03/level5/employment").pk, actor=bureau_admin)
    with pytest.raises(ReasonsMissing) as exc:
        services.submit_version(v2.pk, actor=bureau_admin)
    assert [e["field"] for e in exc.value.extra["errors"]] == [
        "4-10-01-05/level5/employment",
        "6-18-02-04/level5/employment",
        "6-31-01-03/level5/employment",
    ]
    v2.refresh_from_db()
    assert v2.status == VersionStatus.DRAFT
    assert v2.based_on == v1


def test_a_reason_must_fit_the_kind_of_difference(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="v2", actor=bureau_admin)
    services.add_entry(v2.pk, subsidy("6-18-02-04"), actor=bureau_admin)
    with pytest.raises(ValidationFailed) as exc:
        services.record_changes(v2.pk, ["6-18-02-04/level5/employment"], POLICY, actor=bureau_admin)
    assert exc.value.extra["errors"][0]["field"] == "6-18-02-04/level5/employment"
    with pytest.raises(ValidationFailed) as exc:
        services.record_changes(v2.pk, ["6-31-01-03/level5/employment"], POLICY, actor=bureau_admin)
    assert "does not differ" in exc.value.detail
    assert CatalogChange.objects.filter(version=v2).count() == 0


def test_a_reason_that_no_longer_fits_blocks_submission(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="v2", actor=bureau_admin)
    entry = v2.entries.get()
    services.update_entry(entry.pk, subsidy(fen=90000), actor=bureau_admin)
    services.record_changes(v2.pk, [entry.key], POLICY, actor=bureau_admin)
    services.update_entry(entry.pk, subsidy(fen=80000), actor=bureau_admin)
    added = services.add_entry(v2.pk, subsidy("6-18-02-04"), actor=bureau_admin)
    services.record_changes(
        v2.pk, [added.key], ChangeInput("added", "application", "申请书 12"), actor=bureau_admin
    )
    with pytest.raises(ReasonsMissing) as exc:
        services.submit_version(v2.pk, actor=bureau_admin)
    assert exc.value.extra["errors"] == [
        {
            "field": entry.key,
            "detail": "Entry 6-31-01-03/level5/employment does not differ from the version "
            "this draft is based on.",
        }
    ]


def test_suspension_and_restoration_need_their_own_reasons(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="v2", actor=bureau_admin)
    entry = v2.entries.get()
    services.update_entry(entry.pk, subsidy(status="suspended"), actor=bureau_admin)
    item = queries.diff(v2.based_on, v2).changed[0]
    assert item.allowed_reasons == (ChangeReason.SUSPENDED,)
    assert [(f.field, f.old, f.new) for f in item.fields] == [("status", "active", "suspended")]


def test_four_eyes_the_preparer_cannot_publish(bureau_admin, publisher):
    version = draft_with(bureau_admin, [subsidy()])
    services.submit_version(version.pk, actor=bureau_admin)
    with pytest.raises(FourEyesRequired):
        services.publish_version(version.pk, actor=bureau_admin, effective_from=TODAY)
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert not AuditEvent.objects.filter(action="catalogs.version.published").exists()


def test_four_eyes_any_editor_of_the_draft_cannot_publish(bureau_admin, publisher):
    version = draft_with(bureau_admin, [subsidy()])
    services.add_entry(version.pk, subsidy("6-18-02-04"), actor=publisher)
    services.submit_version(version.pk, actor=bureau_admin)
    with pytest.raises(FourEyesRequired):
        services.publish_version(version.pk, actor=publisher, effective_from=TODAY)


def test_publishing_needs_the_publish_capability(bureau_admin, reviewer):
    version = draft_with(bureau_admin, [subsidy()])
    services.submit_version(version.pk, actor=bureau_admin)
    with pytest.raises(PermissionDenied):
        services.publish_version(version.pk, actor=reviewer, effective_from=TODAY)


def test_publish_marks_the_previous_version_superseded_and_audits(bureau_admin, publisher):
    v1 = publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = draft_with(bureau_admin, [subsidy(fen=150000)], copy_current=False)
    explain_all(v2, bureau_admin)
    services.submit_version(v2.pk, actor=bureau_admin)
    services.publish_version(v2.pk, actor=publisher, effective_from=TODAY + 30 * DAY)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
    assert v2.published_by == publisher
    assert v2.effective_from == TODAY + 30 * DAY
    published = AuditEvent.objects.filter(action="catalogs.version.published").last()
    assert published.data == {
        "number": 2,
        "effective_from": "2026-04-01",
        "supersedes": 1,
    }
    superseded = AuditEvent.objects.get(action="catalogs.version.superseded")
    assert superseded.object_id == str(v1.pk)


def test_one_current_version_per_date_and_the_future_takes_over_on_its_day(
    bureau_admin, publisher, frozen_today
):
    v1 = publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = draft_with(bureau_admin, [subsidy(fen=150000)], copy_current=False)
    explain_all(v2, bureau_admin)
    services.submit_version(v2.pk, actor=bureau_admin)
    takeover = TODAY + 10 * DAY
    services.publish_version(v2.pk, actor=publisher, effective_from=takeover)
    assert queries.current_version(SUBSIDISED, TODAY - DAY) is None
    assert queries.current_version(SUBSIDISED) == v1
    assert queries.current_version(SUBSIDISED, takeover - DAY) == v1
    assert queries.current_version(SUBSIDISED, takeover) == v2
    assert queries.upcoming_version(SUBSIDISED) == v2
    frozen_today.move_to(datetime.datetime(2026, 3, 11, 23, 59, tzinfo=datetime.UTC))
    # 23:59 UTC on the 11th is already the 12th in Shanghai: the new version is in force.
    assert queries.current_version(SUBSIDISED) == v2
    assert queries.upcoming_version(SUBSIDISED) is None


def test_back_dated_publication_is_refused(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY - 30 * DAY)
    version = draft_with(bureau_admin, [subsidy(fen=1)], copy_current=False)
    explain_all(version, bureau_admin)
    services.submit_version(version.pk, actor=bureau_admin)
    with pytest.raises(BackDated) as exc:
        services.publish_version(version.pk, actor=publisher, effective_from=TODAY - DAY)
    assert exc.value.field == "effective_from"
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert version.effective_from is None


def test_the_first_version_may_record_a_catalog_already_in_force(bureau_admin, publisher):
    since = datetime.date(2026, 1, 1)
    first = publish(bureau_admin, publisher, [subsidy()], effective_from=since)
    assert first.effective_from == since
    assert queries.current_version(SUBSIDISED, since) == first


def test_a_new_version_must_take_effect_after_the_latest(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY + 5 * DAY)
    v2 = draft_with(bureau_admin, [subsidy(fen=1)], copy_current=False)
    explain_all(v2, bureau_admin)
    services.submit_version(v2.pk, actor=bureau_admin)
    for day in (TODAY + 5 * DAY, TODAY + 2 * DAY):
        with pytest.raises(BackDated):
            services.publish_version(v2.pk, actor=publisher, effective_from=day)
    assert CatalogVersion.objects.get(pk=v2.pk).status == VersionStatus.IN_REVIEW


def test_a_draft_based_on_a_superseded_version_is_stale(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    late = services.create_draft(SUBSIDISED, title="late", actor=bureau_admin)
    entry = late.entries.get()
    services.update_entry(entry.pk, subsidy(fen=1000), actor=bureau_admin)
    explain_all(late, bureau_admin)
    services.submit_version(late.pk, actor=bureau_admin)
    publish(bureau_admin, publisher, [subsidy(fen=2000)], effective_from=TODAY + DAY)
    with pytest.raises(StaleDraft):
        services.publish_version(late.pk, actor=publisher, effective_from=TODAY + 9 * DAY)


def test_the_first_version_needs_no_reasons(bureau_admin):
    v1 = draft_with(bureau_admin, [subsidy()])
    services.submit_version(v1.pk, actor=bureau_admin)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.IN_REVIEW
    assert CatalogChange.objects.count() == 0


def test_an_unchanged_draft_cannot_be_submitted(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="same", actor=bureau_admin)
    with pytest.raises(ValidationFailed, match="does not differ"):
        services.submit_version(v2.pk, actor=bureau_admin)


def test_discarding_a_draft_removes_it_and_audits(bureau_admin):
    version = draft_with(bureau_admin, [subsidy()])
    services.discard_draft(version.pk, actor=bureau_admin)
    assert CatalogVersion.objects.count() == 0
    assert CatalogEntry.objects.count() == 0
    assert AuditEvent.objects.get(action="catalogs.version.discarded").data == {
        "number": 1,
        "entries": 1,
    }


def test_change_log_explains_every_difference(bureau_admin, publisher, school_a):
    publish(bureau_admin, publisher, [subsidy(), subsidy("6-18-02-04")], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="v2", actor=bureau_admin)
    services.remove_entry(v2.entries.get(key="6-18-02-04/level5/employment").pk, actor=bureau_admin)
    services.add_entry(v2.pk, subsidy("4-10-01-05", fen=150000), actor=bureau_admin)
    services.record_changes(
        v2.pk,
        ["6-18-02-04/level5/employment"],
        ChangeInput(ChangeReason.REMOVED, GroundsKind.SCORECARD, "2025 scorecard: pass rate 41%"),
        actor=bureau_admin,
    )
    services.record_changes(
        v2.pk,
        ["4-10-01-05/level5/employment"],
        ChangeInput(ChangeReason.ADDED, GroundsKind.APPLICATION, "民政局 application 2026-07"),
        actor=bureau_admin,
    )
    services.submit_version(v2.pk, actor=bureau_admin)
    services.publish_version(v2.pk, actor=publisher, effective_from=TODAY + DAY)
    log = list(queries.change_log(SUBSIDISED))
    differences = queries.diff(v2.based_on, v2)
    assert {c.key for c in log if c.version_id == v2.pk} == set(differences.by_key())
    assert [(c.key, c.reason, c.grounds_kind) for c in log if c.version_id == v2.pk] == [
        ("4-10-01-05/level5/employment", "added", "application"),
        ("6-18-02-04/level5/employment", "removed", "scorecard"),
    ]
    recorded = AuditEvent.objects.filter(action="catalogs.change.recorded", data__version=v2.pk)
    assert [e.data["key"] for e in recorded] == [
        "6-18-02-04/level5/employment",
        "4-10-01-05/level5/employment",
    ]


def test_entry_history_follows_a_key_across_versions(bureau_admin, publisher):
    v1 = publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    v2 = services.create_draft(SUBSIDISED, title="v2", actor=bureau_admin)
    services.update_entry(v2.entries.get().pk, subsidy(fen=90000), actor=bureau_admin)
    explain_all(v2, bureau_admin)
    services.submit_version(v2.pk, actor=bureau_admin)
    services.publish_version(v2.pk, actor=publisher, effective_from=TODAY + DAY)
    history = queries.entry_history(SUBSIDISED, "6-31-01-03/level5/employment")
    assert [(h.version.pk, h.snapshot["subsidy_fen"]) for h in history] == [
        (v1.pk, 80000),
        (v2.pk, 90000),
    ]
    assert history[0].change.reason == ChangeReason.ADDED
    assert history[1].change.reason == ChangeReason.CHANGED
