"""Catalog amounts by the one rule of core.money.parse_yuan: the importer's cells, the group
subsidies of the entry form and the entry form's subsidy refuse what a typed amount refuses
(exponents, commas that do not separate thousands, amounts too large), keeping each place's
error shape (a CellError for a row, a form error for a field)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.utils import translation

from jineng.catalogs import services
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.errors import ImportFailed
from jineng.catalogs.forms import EntryForm
from jineng.catalogs.importers import cells
from jineng.catalogs.models import CatalogVersion

COMMA = (
    "“12,50” is not an amount in yuan: a comma or space may only separate thousands, as in "
    "1,250; for twelve yuan fifty write 12.50."
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("value", "fen"),
    [("1,200.50", 120050), ("1200元", 120000), (800, 80000), (800.5, 80050), ("", None)],
)
def test_a_cell_reads_amounts_as_parse_yuan_does(value, fen):
    assert cells.yuan_to_fen(value) == fen


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e5", "“1e5” is not an amount in yuan: write it like 1200 or 1200.50."),
        ("1E2", "“1E2” is not an amount in yuan: write it like 1200 or 1200.50."),
        ("12,50", COMMA),
        ("NaN", "“NaN” is not an amount in yuan: write it like 1200 or 1200.50."),
        ("-5", "An amount cannot be negative (-5)."),
        (
            "99999999999999999999",
            "The amount is at most 21,474,836.47 yuan; 99999999999999999999 is more.",
        ),
    ],
)
def test_a_cell_refuses_what_parse_yuan_refuses(value, reason):
    with pytest.raises(cells.CellError) as raised:
        cells.yuan_to_fen(value)
    assert str(raised.value) == reason


def _entry_form(group_subsidies):
    return EntryForm(
        {
            "training_type": "employment",
            "status": "active",
            "occupation_code": "6-31-01-03",
            "subsidy_yuan": "800",
            "group_subsidies": group_subsidies,
        },
        kind=CatalogKind.SUBSIDISED_TRAINING,
    )


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("退役军人:1e5", "“1e5” is not an amount in yuan: write it like 1200 or 1200.50."),
        ("退役军人:1E2", "“1E2” is not an amount in yuan: write it like 1200 or 1200.50."),
    ],
)
def test_the_entry_forms_group_subsidies_refuse_them(
    db, occupations, levels, target_groups, typed, reason
):
    form = _entry_form(typed)
    assert not form.is_valid()
    assert form.errors["group_subsidies"] == [reason]
    assert "subsidy_yuan" not in form.errors


def test_the_entry_forms_group_subsidies_read_yuan(db, occupations, levels, target_groups):
    # A comma there separates groups (退役军人:1200,失业人员:800), never thousands.
    form = _entry_form("退役军人:1200.50元；失业人员:800")
    assert form.is_valid(), form.errors
    assert form.to_input().group_subsidy_fen == {"veteran": 120050, "unemployed": 80000}


@pytest.mark.usefixtures("catalog_data", "frozen_today")
def test_the_importer_reports_them_by_row_and_column(bureau_admin):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["职业编码", "职业名称", "技能等级", "培训类型", "补贴标准(元/人)", "最低课时"])
    sheet.append(["6-31-01-03", "电工", "初级", "就业技能培训", "12,50", 80])
    sheet.append(["6-18-02-04", "", "初级", "就业技能培训", "1e5", 80])
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(ImportFailed) as raised:
        services.import_draft(
            CatalogKind.SUBSIDISED_TRAINING,
            buffer.getvalue(),
            "next.xlsx",
            title="2027 目录",
            actor=bureau_admin,
        )

    assert [(e.row, e.column, e.reason) for e in raised.value.errors] == [
        (2, "补贴标准(元/人)", COMMA),
        (3, "补贴标准(元/人)", "“1e5” is not an amount in yuan: write it like 1200 or 1200.50."),
    ]
    assert CatalogVersion.objects.count() == 0
