"""Rule sets: loading a file (JSON or xlsx) whole or not at all, activation, who may."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook

from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.core.errors import Conflict, ImportFailed, PermissionDenied
from jineng.core.models import AuditEvent
from jineng.subsidies import rules
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.errors import RuleFileInvalid
from jineng.subsidies.models import RuleAmount, RuleSet

levels = accreditation_fixtures.levels
EXAMPLE = Path(rules.__file__).parent / "data" / "example_rules.json"


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def reference(levels: Any, target_groups: Any) -> None:
    """Skill levels and target groups, which amounts name by code."""


def as_file(document: dict[str, Any], name: str = "rules.json") -> io.BytesIO:
    handle = io.BytesIO(json.dumps(document).encode())
    handle.name = name
    return handle


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Test rules",
        "source": "test",
        "is_example": True,
        "effective_from": "2025-01-01",
        "caps": {"max_trainings_per_year": 2, "notice_days": 5},
        "amounts": [
            {"kind": "skill_upgrade", "level": "level5", "unit": "person", "amount_yuan": "1000"},
            {
                "kind": "living",
                "group": "unemployed",
                "unit": "day",
                "amount_yuan": "30",
                "max_units": 20,
            },
        ],
    }
    base.update(changes)
    return base


def test_load_example_rules_writes_a_draft_marked_as_example(reference: Any, bureau_admin: Any):
    rule_set = rules.load_rule_set(EXAMPLE, actor=bureau_admin)

    assert rule_set.status == RuleSetStatus.DRAFT
    assert rule_set.is_example is True
    assert "not Meihekou" in rule_set.source
    assert rule_set.max_trainings_per_year == 3
    assert rule_set.amounts.count() == 9
    level5 = rule_set.amounts.get(kind="skill_upgrade", skill_level__code="level5")
    assert level5.amount_fen == 100000
    event = AuditEvent.objects.get(action="subsidies.ruleset.loaded")
    assert event.data["amounts"] == 9
    assert event.data["is_example"] is True


def test_load_json_keeps_caps_and_amounts_in_fen(reference: Any, bureau_admin: Any):
    rule_set = rules.load_rule_set(as_file(document()), actor=bureau_admin)

    assert (rule_set.number, rule_set.notice_days, rule_set.max_trainings_per_year) == (1, 5, 2)
    assert rule_set.once_per_occupation_level
    assert rule_set.no_lower_level_after_higher
    living = rule_set.amounts.get(kind="living")
    assert (living.target_group.code, living.amount_fen, living.max_units) == (
        "unemployed",
        3000,
        20,
    )


def test_bad_rows_name_row_field_and_why_and_nothing_is_written(reference: Any, bureau_admin: Any):
    bad = document(
        effective_from="soon",
        amounts=[
            {"kind": "skill_upgrade", "level": "level5", "unit": "person", "amount_yuan": "1000"},
            {"kind": "bonus", "unit": "person", "amount_yuan": "10"},
            {"kind": "living", "group": "aliens", "unit": "person", "amount_yuan": "-3"},
            {"kind": "skill_upgrade", "level": "level5", "unit": "person", "amount_yuan": "900"},
        ],
    )
    with pytest.raises(RuleFileInvalid) as raised:
        rules.load_rule_set(as_file(bad), actor=bureau_admin)

    faults = {(e.sheet, e.row, e.field) for e in raised.value.errors}
    assert faults == {
        ("caps", "effective_from", "effective_from"),
        ("amounts", 2, "kind"),
        ("amounts", 3, "group"),
        ("amounts", 3, "unit"),
        ("amounts", 3, "amount_yuan"),
        ("amounts", 4, "kind"),
    }
    assert "row 1" in next(e.why for e in raised.value.errors if e.row == 4)
    assert not RuleSet.objects.exists()
    assert not RuleAmount.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="subsidies.").exists()


def test_unknown_cap_and_missing_title_are_faults(reference: Any, bureau_admin: Any):
    bad = document(title="", caps={"max_trainings_per_year": "many", "bonus_days": 3})
    with pytest.raises(RuleFileInvalid) as raised:
        rules.load_rule_set(as_file(bad), actor=bureau_admin)

    assert {(e.row, e.field) for e in raised.value.errors} == {
        ("title", "title"),
        ("max_trainings_per_year", "max_trainings_per_year"),
        ("bonus_days", "bonus_days"),
    }


def workbook(amount_rows: list[list[Any]], caps: list[list[Any]] | None = None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = "caps"
    sheet.append(["field", "value"])
    for row in caps or [
        ["title", "Workbook rules"],
        ["effective_from", datetime.date(2025, 1, 1)],
        ["is_example", "true"],
        ["upgrade_claim_months", 12],
    ]:
        sheet.append(row)
    amounts = book.create_sheet("amounts")
    amounts.append(["kind", "level", "group", "unit", "amount_yuan", "max_units", "note"])
    for row in amount_rows:
        amounts.append(row)
    handle = io.BytesIO()
    book.save(handle)
    handle.seek(0)
    handle.name = "rules.xlsx"
    return handle


def test_load_xlsx_reads_the_caps_and_amounts_sheets(reference: Any, bureau_admin: Any):
    handle = workbook(
        [
            ["skill_upgrade", "level4", None, "person", 1500, None, "example"],
            ["living", None, "disabled", "day", "40.50", 30, None],
        ]
    )
    rule_set = rules.load_rule_set(handle, actor=bureau_admin)

    assert rule_set.title == "Workbook rules"
    assert rule_set.upgrade_claim_months == 12
    assert sorted(rule_set.amounts.values_list("amount_fen", flat=True)) == [4050, 150000]


def test_xlsx_faults_give_the_spreadsheet_rows(reference: Any, bureau_admin: Any):
    handle = workbook(
        [
            ["skill_upgrade", "level4", None, "person", 1500, None, None],
            ["skill_upgrade", "level9", None, "person", "abc", 0, None],
        ]
    )
    with pytest.raises(RuleFileInvalid) as raised:
        rules.load_rule_set(handle, actor=bureau_admin)

    assert {(e.sheet, e.row, e.field) for e in raised.value.errors} == {
        ("amounts", 3, "level"),
        ("amounts", 3, "amount_yuan"),
        ("amounts", 3, "max_units"),
    }
    assert not RuleSet.objects.exists()


@pytest.mark.parametrize("who", ["staff_a", "reviewer", "auditor", "worker"])
def test_only_the_bureau_loads_rules(reference: Any, who: str, request: Any):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        rules.load_rule_set(as_file(document()), actor=actor)
    assert not RuleSet.objects.exists()


def test_activate_supersedes_the_set_in_force_the_day_before(reference: Any, bureau_admin: Any):
    first = rules.load_rule_set(as_file(document()), actor=bureau_admin)
    second = rules.load_rule_set(as_file(document(effective_from="2026-03-01")), actor=bureau_admin)
    assert rules.rule_set_in_force(datetime.date(2025, 6, 1)) is None

    rules.activate(first.pk, bureau_admin)
    rules.activate(second.pk, bureau_admin)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RuleSetStatus.SUPERSEDED
    assert first.effective_until == datetime.date(2026, 2, 28)
    assert second.status == RuleSetStatus.IN_FORCE
    assert rules.rule_set_in_force(datetime.date(2026, 2, 28)) == first
    assert rules.rule_set_in_force(datetime.date(2026, 3, 1)) == second
    assert rules.rule_set_in_force(datetime.date(2024, 12, 31)) is None
    actions = list(
        AuditEvent.objects.filter(action__startswith="subsidies.ruleset.a")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["subsidies.ruleset.activated", "subsidies.ruleset.activated"]
    assert AuditEvent.objects.filter(action="subsidies.ruleset.superseded").count() == 1


def test_activate_refuses_a_set_not_after_the_one_in_force(reference: Any, bureau_admin: Any):
    first = rules.load_rule_set(as_file(document()), actor=bureau_admin)
    earlier = rules.load_rule_set(
        as_file(document(effective_from="2024-01-01")), actor=bureau_admin
    )
    rules.activate(first.pk, bureau_admin)

    with pytest.raises(Conflict):
        rules.activate(earlier.pk, bureau_admin)
    with pytest.raises(Conflict):
        rules.activate(first.pk, bureau_admin)
    earlier.refresh_from_db()
    assert earlier.status == RuleSetStatus.DRAFT


def test_only_the_bureau_activates(reference: Any, bureau_admin: Any, reviewer: Any):
    rule_set = rules.load_rule_set(as_file(document()), actor=bureau_admin)
    with pytest.raises(PermissionDenied):
        rules.activate(rule_set.pk, reviewer)
    rule_set.refresh_from_db()
    assert rule_set.status == RuleSetStatus.DRAFT


def test_drafts_are_hidden_from_claimants(reference: Any, bureau_admin: Any, staff_a: Any):
    draft = rules.load_rule_set(as_file(document()), actor=bureau_admin)
    assert list(rules.rule_sets_for(staff_a)) == []
    assert list(rules.rule_sets_for(bureau_admin)) == [draft]
    rules.activate(draft.pk, bureau_admin)
    assert list(rules.rule_sets_for(staff_a)) == [draft]


def test_the_demo_gets_the_example_rules_in_force_once(reference: Any):
    rule_set = rules.ensure_example_rules()
    assert rule_set is not None
    assert rule_set.status == RuleSetStatus.IN_FORCE
    assert rule_set.is_example
    assert rules.ensure_example_rules() is None
    assert RuleSet.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"not a workbook", "rules.xlsx", "not a valid Excel workbook"),
        (b"{not json", "rules.json", "not valid JSON"),
        (b"[1, 2]", "rules.json", "must hold one object"),
        (b"   ", "rules.json", "empty"),
        (b"x" * (rules.MAX_FILE_BYTES + 1), "rules.json", "MB"),
    ],
)
def test_unreadable_files_are_refused_whole(
    reference: Any, bureau_admin: Any, content: bytes, name: str, reason: str
):
    handle = io.BytesIO(content)
    handle.name = name
    with pytest.raises(ImportFailed, match=reason):
        rules.load_rule_set(handle, actor=bureau_admin, name=name)
    assert not RuleSet.objects.exists()


def test_xlsx_columns_may_be_headed_in_chinese(reference: Any, bureau_admin: Any):
    book = Workbook()
    caps = book.active
    caps.title = "caps"
    caps.append(["field", "value"])
    caps.append(["title", "中文表头"])
    caps.append(["effective_from", "2025-01-01"])
    amounts = book.create_sheet("amounts")
    amounts.append(["补贴类型", "等级", "重点群体", "计算单位", "金额（元）", "上限", "备注"])
    amounts.append(["living", None, "unemployed", "day", "25", 15, "示例"])
    handle = io.BytesIO()
    book.save(handle)
    handle.seek(0)
    handle.name = "rules.xlsx"

    rule_set = rules.load_rule_set(handle, actor=bureau_admin)

    living = rule_set.amounts.get()
    assert (living.amount_fen, living.max_units, living.note) == (2500, 15, "示例")
