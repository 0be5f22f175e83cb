import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from jineng.core.errors import PermissionDenied
from jineng.core.models import AuditEvent
from jineng.people.exporters import export_people
from jineng.people.importers import import_people
from jineng.people.queries import search_people
from jineng.people.tests.test_import import VILLAGE, csv_file, make_id

A_PEOPLE = [
    (make_id("19910202", "123"), "王小明", "13812345678", VILLAGE, "农民工"),
    (make_id("19851231", "242"), "李芳", "", "220581100201", ""),
    (make_id("19920303", "335"), "=SUM", "13900001111", VILLAGE, ""),
]
B_PEOPLE = [(make_id("19880808", "881"), "赵乙", "13700002222", VILLAGE, "")]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def imported(city, target_groups, bureau_admin, staff_a, staff_b):
    def lines(people, *, groups=True):
        rows = [",".join(p if groups else (*p[:-1], "")) for p in people]
        return ["身份证号,姓名,手机号,区划代码,重点群体", *rows]

    # The bureau registers A's people with their target groups; the school's own file (no
    # target groups: schools may not record them) then ties them to the school.
    import_people(csv_file(lines(A_PEOPLE)), actor=bureau_admin)
    import_people(csv_file(lines(A_PEOPLE, groups=False)), actor=staff_a)
    import_people(csv_file(lines(B_PEOPLE)), actor=staff_b)


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_staff_export_is_masked_and_holds_only_their_people(imported, staff_a):
    out = io.BytesIO()

    count = export_people(search_people(staff_a, {}), out, fmt="csv", actor=staff_a)

    rows = read_csv(out.getvalue())
    assert count == 3
    assert rows[0][:8] == [
        "身份证号",
        "姓名",
        "手机号",
        "区划代码",
        "户籍类型",
        "文化程度",
        "就业状态",
        "重点群体",
    ]
    assert rows[0][8:] == ["性别", "年龄段", "区划名称", "乡镇（街道）"]
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"王小明", "李芳", "'=SUM"}
    wang = by_name["王小明"]
    assert wang[0] == A_PEOPLE[0][0][:6] + "**********" + A_PEOPLE[0][0][-2:]
    assert wang[2] == "138******78"
    assert wang[7] == "农民工"
    assert wang[8] == "男"
    assert by_name["李芳"][2] == ""
    body = out.getvalue().decode("utf-8-sig")
    for id_number, *_ in A_PEOPLE + B_PEOPLE:
        assert id_number not in body
    assert "13812345678" not in body
    assert "1991-02-02" not in body
    event = AuditEvent.objects.get(action="people.export.completed")
    assert (event.actor, event.data["rows"], event.data["full"]) == (staff_a, 3, False)


def test_full_export_needs_view_full_pii(imported, staff_a, bureau_admin):
    with pytest.raises(PermissionDenied):
        export_people(search_people(staff_a, {}), io.BytesIO(), fmt="csv", actor=staff_a, full=True)
    assert not AuditEvent.objects.filter(action="people.export.completed").exists()

    out = io.BytesIO()
    filters = {"name": "王", "town": ""}
    export_people(
        search_people(bureau_admin, filters),
        out,
        fmt="csv",
        actor=bureau_admin,
        full=True,
        filters=filters,
    )

    rows = read_csv(out.getvalue())
    assert [r[:3] for r in rows[1:]] == [[A_PEOPLE[0][0], "王小明", "13812345678"]]
    assert rows[1][9] == "1991-02-02"
    event = AuditEvent.objects.get(action="people.export.completed")
    assert (event.data["full"], event.data["filters"]) == (True, {"name": "王"})


def test_export_page_downloads_the_current_search(client, imported, staff_a):
    client.force_login(staff_a)

    response = client.get(reverse("people:export"), {"format": "csv", "name": "李"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="people-')
    rows = read_csv(response.content)
    assert [r[1] for r in rows[1:]] == ["李芳"]


def test_export_page_xlsx_for_another_institution(client, imported, staff_b):
    client.force_login(staff_b)

    response = client.get(reverse("people:export"), {"format": "xlsx"})

    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert [r[1] for r in rows[1:]] == ["赵乙"]
    assert rows[1][0] == B_PEOPLE[0][0][:6] + "**********" + B_PEOPLE[0][0][-2:]
    born = datetime.date(1988, 8, 8)
    today = timezone.localdate()
    assert rows[0][9] == "年龄段"
    # A band by birth year, not the exact age: with the masked ID an exact age narrows the
    # birth date, and a band that moved on birthdays would give it away.
    years = today.year - born.year
    assert rows[1][9] == f"{years - years % 5}–{years - years % 5 + 4}"


@pytest.mark.parametrize(("actor", "status"), [("worker", 403), ("reviewer", 403)])
def test_export_page_refuses_roles_without_export(client, request, imported, actor, status):
    client.force_login(request.getfixturevalue(actor))

    response = client.get(reverse("people:export"), {"format": "csv"})

    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="people.export.completed").exists()


def test_cli_export_by_town_and_group(imported, tmp_path):
    path = tmp_path / "out.csv"

    call_command("export_data", "people", str(path), "--town", "220581001")
    rows = read_csv(path.read_bytes())
    assert sorted(r[1] for r in rows[1:]) == ["'=SUM", "王小明", "赵乙"]

    call_command("export_data", "people", str(path), "--target-group", "migrant_worker")
    rows = read_csv(path.read_bytes())
    assert [r[1] for r in rows[1:]] == ["王小明"]
    assert rows[1][0].count("*") == 10


def test_cli_full_export_needs_a_user_allowed_to_see_it(imported, bureau_admin, tmp_path):
    path = tmp_path / "out.xlsx"

    with pytest.raises(CommandError, match="full ID"):
        call_command("export_data", "people", str(path), "--full")
    with pytest.raises(CommandError, match="full ID"):
        call_command("export_data", "people", str(path), "--full", "--user", "staff_a")
    assert not path.exists()

    call_command("export_data", "people", str(path), "--full", "--user", bureau_admin.username)

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert {r[0] for r in rows[1:]} == {p[0] for p in A_PEOPLE + B_PEOPLE}
    assert AuditEvent.objects.get(action="people.export.completed").data["full"] is True
