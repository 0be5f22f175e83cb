"""Import a catalog version from xlsx/csv with row errors; export it; round trip."""

import datetime
import io

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from jineng.catalogs import queries, services
from jineng.catalogs.choices import CatalogKind, ChangeReason, VersionStatus
from jineng.catalogs.errors import ImportFailed
from jineng.catalogs.importers import export
from jineng.catalogs.models import CatalogChange, CatalogVersion
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import institution, publish, subsidy
from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent

SUBSIDISED = CatalogKind.SUBSIDISED_TRAINING
HEADER = [
    "职业编码",
    "职业名称",
    "技能等级",
    "培训类型",
    "补贴标准(元/人)",
    "最低课时",
    "适用重点群体",
    "有效期起",
    "有效期止",
    "变动原因",
    "依据类型",
    "依据",
]

pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


def xlsx(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(content, actor, filename="next.xlsx", kind=SUBSIDISED):
    return services.import_draft(kind, content, filename, title="2027 目录", actor=actor)


def test_a_clean_file_becomes_a_draft_with_its_reasons(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy(), subsidy("6-18-02-04")], effective_from=TODAY)
    content = xlsx(
        [
            [
                "6-31-01-03",
                "电工",
                "初级",
                "就业技能培训",
                1000,
                80,
                "",
                None,
                None,
                "调整",
                "政策调整",
                "吉人社〔2026〕12号",
            ],
            [
                "6-18-02-04",
                "焊工",
                "五级/初级工",
                "就业技能培训",
                800,
                80,
                "",
                None,
                None,
                "",
                "",
                "",
            ],
            [
                "4-10-01-05",
                "养老护理员",
                "四级/中级工",
                "岗位技能提升培训",
                "1,500",
                120,
                "农民工；退役军人",
                datetime.date(2027, 1, 1),
                "2027-12-31",
                "新增",
                "申请",
                "民政局 2026-09 申请",
            ],
        ]
    )
    result = run(content, bureau_admin)
    version = result.version
    assert (version.number, version.status, version.based_on.number) == (2, "draft", 1)
    assert (result.entries, result.changes, result.unexplained) == (3, 2, [])
    carer = version.entries.get(key="4-10-01-05/level4/upskilling")
    assert carer.subsidy_fen == 150000
    assert carer.min_hours == 120
    assert carer.valid_from == datetime.date(2027, 1, 1)
    assert sorted(carer.target_groups.values_list("code", flat=True)) == [
        "migrant_worker",
        "veteran",
    ]
    reasons = dict(CatalogChange.objects.filter(version=version).values_list("key", "reason"))
    assert reasons == {
        "6-31-01-03/level5/employment": ChangeReason.CHANGED,
        "4-10-01-05/level4/upskilling": ChangeReason.ADDED,
    }
    event = AuditEvent.objects.get(action="catalogs.version.imported")
    assert event.data["entries"] == 3
    assert event.data["changes"] == 2
    assert event.data["filename"] == "next.xlsx"
    assert len(event.data["sha256"]) == 64
    services.submit_version(version.pk, actor=bureau_admin)


def test_differences_without_a_reason_are_listed_for_the_console(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    result = run(
        xlsx([["6-31-01-03", "", "初级", "就业技能培训", 900, 80]], HEADER[:6]), bureau_admin
    )
    assert result.unexplained == ["6-31-01-03/level5/employment"]


def test_every_bad_row_is_reported_and_nothing_written(bureau_admin):
    content = xlsx(
        [
            ["6-31-01-03", "电工", "初级", "就业技能培训", 800, 80],  # row 2: fine
            ["9-99-99-99", "", "初级", "就业技能培训", 800, 80],  # 3: unknown occupation
            ["6-18-02-04", "", "九级", "就业技能培训", 800, 80],  # 4: unknown level
            ["4-10-01-05", "", "初级", "就业技能培训", -100, 80],  # 5: negative
            ["4-03-02-01", "", "初级", "就业技能培训", None, 80],  # 6: missing amount
            ["6-31-01-03", "电工", "初级", "就业技能培训", 800, 80],  # 7: duplicate of 2
            ["6-18-02-04", "焊工", "中级", "就业技能培训", 800, "八十"],  # 8: hours
            ["6-31-01-03", "焊工", "高级", "就业技能培训", 800.555, 80],  # 9: name, decimals
            ["4-10-01-05", "", "高级", "飞行培训", 800, 80],  # 10: training type
        ],
        HEADER[:6],
    )
    with pytest.raises(ImportFailed) as exc:
        run(content, bureau_admin)
    found = [(e.row, e.column) for e in exc.value.errors]
    assert found == [
        (3, "职业编码"),
        (4, "技能等级"),
        (5, "补贴标准(元/人)"),
        (6, "补贴标准(元/人)"),
        (7, "条目编号"),
        (8, "最低课时"),
        (9, "职业名称"),
        (9, "补贴标准(元/人)"),
        (10, "培训类型"),
    ]
    reasons = {e.row: e.reason for e in exc.value.errors}
    assert reasons[3] == "Unknown occupation code 9-99-99-99."
    assert reasons[5] == "An amount cannot be negative (-100)."
    assert reasons[6] == "The subsidy amount is required."
    assert reasons[7] == "Duplicate of row 2 (entry 6-31-01-03/level5/employment)."
    assert exc.value.extra["errors"][0] == {
        "row": 3,
        "column": "职业编码",
        "reason": "Unknown occupation code 9-99-99-99.",
    }
    assert CatalogVersion.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="catalogs.").exists()


def test_overlapping_validity_for_the_same_entry_is_caught(bureau_admin):
    content = xlsx(
        [
            ["6-31-01-03", "", "初级", "就业技能培训", 800, 80, "", "2027-01-01", "2027-06-30"],
            ["6-31-01-03", "", "初级", "就业技能培训", 900, 80, "", "2027-06-01", "2027-12-31"],
            ["6-18-02-04", "", "初级", "就业技能培训", 800, 80, "", "2027-01-01", "2027-06-30"],
            ["6-18-02-04", "", "初级", "就业技能培训", 900, 80, "", "2027-07-01", ""],
            ["4-10-01-05", "", "初级", "就业技能培训", 900, 80, "", "2027-07-01", "2027-01-01"],
        ],
        HEADER[:9],
    )
    with pytest.raises(ImportFailed) as exc:
        run(content, bureau_admin)
    assert [(e.row, e.column, e.reason) for e in exc.value.errors] == [
        (
            3,
            "条目编号",
            "The validity overlaps row 2 for the same entry 6-31-01-03/level5/employment.",
        ),
        (
            5,
            "条目编号",
            "Row 4 already has entry 6-18-02-04/level5/employment for another period: one entry "
            "per key in a version; publish a later version for the later period.",
        ),
        (6, "有效期止", "The validity ends before it starts."),
    ]


def test_a_removal_row_leaves_the_entry_out_with_its_reason(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy(), subsidy("6-18-02-04")], effective_from=TODAY)
    content = xlsx(
        [
            ["6-31-01-03", "", "初级", "就业技能培训", 800, 80, "", "", "", "", "", ""],
            [
                "6-18-02-04",
                "",
                "初级",
                "就业技能培训",
                "",
                "",
                "",
                "",
                "",
                "退出",
                "绩效评估",
                "2026 绩效评估: 就业率 12%",
            ],
        ]
    )
    result = run(content, bureau_admin)
    assert [e.key for e in result.version.entries.all()] == ["6-31-01-03/level5/employment"]
    change = CatalogChange.objects.get(version=result.version)
    assert (change.key, change.reason, change.grounds_kind) == (
        "6-18-02-04/level5/employment",
        "removed",
        "scorecard",
    )


def test_a_reason_that_does_not_fit_its_row_is_reported(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    content = xlsx(
        [
            ["6-31-01-03", "", "初级", "就业技能培训", 800, 80, "", "", "", "调整", "政策", "x"],
            ["6-18-02-04", "", "初级", "就业技能培训", 800, 80, "", "", "", "新增", "申请", ""],
            ["4-10-01-05", "", "初级", "就业技能培训", "", "", "", "", "", "退出", "检查", "y"],
        ]
    )
    with pytest.raises(ImportFailed) as exc:
        run(content, bureau_admin)
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "依据"), (4, "条目编号")]
    assert CatalogVersion.objects.count() == 1


def test_a_fitting_reason_check_runs_once_the_rows_are_clean(bureau_admin, publisher):
    publish(bureau_admin, publisher, [subsidy()], effective_from=TODAY)
    content = xlsx(
        [["6-31-01-03", "", "初级", "就业技能培训", 800, 80, "", "", "", "调整", "政策", "x"]]
    )
    with pytest.raises(ImportFailed) as exc:
        run(content, bureau_admin)
    assert exc.value.errors[0].column == "变动原因"
    assert "does not differ" in exc.value.errors[0].reason


def test_occupation_found_by_name_alone(bureau_admin):
    content = xlsx([["", "焊工", "初级", "就业技能培训", 800, 80]], HEADER[:6])
    result = run(content, bureau_admin)
    assert [e.key for e in result.version.entries.all()] == ["6-18-02-04/level5/employment"]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("x.pdf", b"%PDF", "Upload an .xlsx or .csv file."),
        ("x.xlsx", b"not a workbook", "not a valid Excel workbook"),
        ("x.xlsx", b"PK\x03\x04broken", "not a readable Excel workbook"),
        ("x.csv", "名字,年龄\n张三,3\n".encode(), "No known column headers"),
    ],
)
def test_unreadable_files_are_refused(bureau_admin, filename, content, message):
    with pytest.raises(ValidationFailed, match=message):
        run(content, bureau_admin, filename=filename)
    assert CatalogVersion.objects.count() == 0


def test_csv_saved_by_a_chinese_spreadsheet_program_is_read(bureau_admin):
    text = "职业编码,技能等级,培训类型,补贴标准,最低课时\n6-31-01-03,初级,就业技能培训,800,80\n"
    result = run(text.encode("gb18030"), bureau_admin, filename="catalog.csv")
    assert result.version.entries.get().subsidy_fen == 80000


def _rich_version(bureau_admin, publisher):
    return publish(
        bureau_admin,
        publisher,
        [
            subsidy(
                target_groups=("veteran", "disabled"),
                group_subsidy_fen={"veteran": 120050},
                age_min=16,
                age_max=60,
                valid_from=datetime.date(2026, 1, 1),
                valid_until=datetime.date(2026, 12, 31),
                attributes={"note": "含安全技术"},
            ),
            subsidy("4-10-01-05", level="level4", training_type="upskilling", fen=150000),
            subsidy("6-18-02-04", status="suspended"),
            services.EntryInput(
                title="梅河口人参种植", training_type="employment", subsidy_fen=60000, min_hours=40
            ),
        ],
        effective_from=TODAY,
    )


@pytest.mark.parametrize("filename", ["roundtrip.xlsx", "roundtrip.csv"])
def test_export_then_import_gives_identical_entries(bureau_admin, publisher, filename):
    v1 = _rich_version(bureau_admin, publisher)
    content = export.to_xlsx(v1) if filename.endswith("xlsx") else export.to_csv(v1)
    result = run(content, bureau_admin, filename=filename)
    assert queries.snapshots(result.version) == queries.snapshots(v1)
    assert not queries.diff(v1, result.version)
    assert result.unexplained == []


def test_xlsx_export_has_the_entries_and_the_change_log(bureau_admin, publisher):
    v1 = _rich_version(bureau_admin, publisher)
    book = CalamineWorkbook.from_filelike(io.BytesIO(export.to_xlsx(v1)))
    assert book.sheet_names == ["目录", "变动记录"]
    entries = book.get_sheet_by_name("目录").to_python()
    assert entries[0][:6] == [
        "条目编号",
        "职业编码",
        "职业名称",
        "项目名称",
        "技能等级",
        "培训类型",
    ]
    electrician = next(r for r in entries if r[0] == "6-31-01-03/level5/employment")
    assert electrician[2] == "电工"
    assert electrician[4] == "五级/初级工"
    assert electrician[5] == "就业技能培训"
    assert electrician[10] == 800
    assert electrician[11] == "退役军人:1200.5"
    changes = book.get_sheet_by_name("变动记录").to_python()
    assert len(changes) == 5
    assert changes[1][1] == "新增"


def test_csv_export_starts_with_a_bom_and_the_chinese_header(bureau_admin, publisher):
    v1 = _rich_version(bureau_admin, publisher)
    text = export.to_csv(v1).decode("utf-8")
    assert text.startswith("\ufeff条目编号,职业编码,职业名称")
    assert "梅河口人参种植" in text


def test_institutions_catalog_round_trips_too(bureau_admin, publisher, school_a):
    v1 = publish(
        bureau_admin,
        publisher,
        [institution(school_a.credit_code)],
        kind=CatalogKind.TRAINING_INSTITUTIONS,
        effective_from=TODAY,
    )
    result = run(export.to_xlsx(v1), bureau_admin, kind=CatalogKind.TRAINING_INSTITUTIONS)
    assert queries.snapshots(result.version) == queries.snapshots(v1)
    assert result.version.status == VersionStatus.DRAFT
