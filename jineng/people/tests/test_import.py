import datetime
import hashlib
import io
import os
import threading

import pytest
from django.utils import timezone, translation
from stdnum.cn import ric

from jineng.core import pii
from jineng.core.errors import ImportFailed, PermissionDenied
from jineng.core.jobs import start_job
from jineng.core.models import AuditEvent, Job
from jineng.people.importers import COMMIT_GOOD, RowError, import_people
from jineng.people.importers.people import reading, writing
from jineng.people.importers.people.reading import _read_chunk as _real_read_chunk
from jineng.people.importers.reader import file_digest
from jineng.people.models import Affiliation, Person, TargetGroupMembership

HEADER = "身份证号,姓名,手机号,区划代码,户籍类型,文化程度,就业状态,重点群体"
VILLAGE = "220581001001"
OTHER_VILLAGE = "220581100201"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make_id(birth: str = "19900101", order: str = "123", area: str = "220581") -> str:
    """A citizen ID with a valid check character."""
    body = area + birth + order
    return body + ric.calc_check_digit(body + "0")


def csv_file(lines: list[str], *, encoding: str = "utf-8", name: str = "people.csv") -> io.BytesIO:
    handle = io.BytesIO("\n".join(lines).encode(encoding))
    handle.name = name
    return handle


def staff_lines() -> list[str]:
    """good_lines() as a school sends them: target groups empty, since only the bureau
    records them."""
    header, *rows = good_lines()
    return [header, *(",".join(row.split(",")[:7] + [""]) for row in rows)]


def good_lines() -> list[str]:
    return [
        HEADER,
        f"{make_id('19900101', '123')},王小明,13812345678,{VILLAGE},农业户口,初中,就业,"
        "农民工;退役军人",
        f"{make_id('19851231', '242')},李芳,,{OTHER_VILLAGE},居民,本科,unemployed,失业人员",
        f"{make_id('20000229', '017')},赵强,+86 139 0000 1111,{VILLAGE},,,,",
    ]


def audit_events():
    return AuditEvent.objects.filter(action="people.import.completed")


def test_good_csv_creates_exact_rows_and_one_audit_event(city, target_groups, bureau_admin):
    upload = csv_file(good_lines())
    digest = file_digest(upload.getvalue())
    assert digest != hashlib.sha256(upload.getvalue()).hexdigest()

    result = import_people(upload, actor=bureau_admin)

    assert (result.rows, result.created, result.skipped, result.errors) == (3, 3, 0, [])
    assert result.committed
    people = {p.id_number: p for p in Person.objects.select_related("region", "town")}
    assert set(people) == {
        make_id("19900101", "123"),
        make_id("19851231", "242"),
        make_id("20000229", "017"),
    }
    first = people[make_id("19900101", "123")]
    assert first.name == "王小明"
    assert first.phone == "13812345678"
    assert first.phone_hash == pii.blind_index("13812345678")
    assert first.id_number_hash == pii.blind_index(first.id_number)
    assert first.birth_date == datetime.date(1990, 1, 1)
    assert first.sex == "M"
    assert (first.region.code, first.town.code) == (VILLAGE, "220581001")
    assert (first.hukou_type, first.education, first.employment_status) == (
        "agricultural",
        "junior_secondary",
        "employed",
    )
    assert first.is_synthetic is False
    second = people[make_id("19851231", "242")]
    assert (second.phone, second.phone_hash, second.sex) == ("", "", "F")
    assert (second.hukou_type, second.education, second.employment_status) == (
        "resident",
        "bachelor",
        "unemployed",
    )
    third = people[make_id("20000229", "017")]
    assert third.phone == "13900001111"
    assert (third.hukou_type, third.education, third.employment_status) == ("unknown",) * 3
    memberships = TargetGroupMembership.objects.order_by("person__name", "group__code")
    assert sorted((m.person.name, m.group.code, m.source) for m in memberships) == [
        ("李芳", "unemployed", "import"),
        ("王小明", "migrant_worker", "import"),
        ("王小明", "veteran", "import"),
    ]
    today = timezone.localdate()
    assert all(m.valid_from == today and m.valid_until is None for m in memberships)
    assert Affiliation.objects.count() == 0
    event = audit_events().get()
    assert event.actor == bureau_admin
    assert event.object_id == digest
    assert event.data["digest"] == digest
    assert (event.data["rows"], event.data["created"], event.data["skipped"]) == (3, 3, 0)
    assert event.data["mode"] == "all_or_nothing"
    assert AuditEvent.objects.filter(action="people.person.created").count() == 0


def bad_lines() -> list[str]:
    good = make_id("19900101", "123")
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    impossible = "11010519490231002"
    impossible += ric.calc_check_digit(impossible + "0")
    duplicate = make_id("19800505", "555")
    return [
        HEADER,
        f"{bad_check},甲,,{VILLAGE},,,,",
        f"{impossible},乙,,{VILLAGE},,,,",
        f"{make_id('19700101', '111')},丙,12345,{VILLAGE},,,,",
        f"{make_id('19700101', '113')},丁,,999999999,,,,",
        f"{make_id('19700101', '115')},,,{VILLAGE},,,,",
        f"{duplicate},戊,,{VILLAGE},,,,",
        f"{duplicate},己,,{VILLAGE},,,,",
        f"{good},庚,,{VILLAGE},农民,,,外星人",
        f"{make_id('19700101', '117')},辛,,{VILLAGE},,,,",
    ]


def test_every_bad_row_is_reported_with_row_column_and_reason(city, target_groups, bureau_admin):
    result = import_people(csv_file(bad_lines()), actor=bureau_admin)

    found = [(e.row, e.column) for e in result.errors]
    assert found == [
        (2, "身份证号"),
        (3, "身份证号"),
        (4, "手机号"),
        (5, "区划代码"),
        (6, "姓名"),
        (8, "身份证号"),
        (9, "户籍类型"),
        (9, "重点群体"),
    ]
    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert "check character" in reasons[(2, "身份证号")]
    assert "impossible birth date (19490231)" in reasons[(3, "身份证号")]
    assert "11 digits" in reasons[(4, "手机号")]
    assert "999999999" in reasons[(5, "区划代码")]
    assert "name is required" in reasons[(6, "姓名")]
    assert reasons[(8, "身份证号")] == "The same citizen ID is already in row 7 of this file."
    assert "农民" in reasons[(9, "户籍类型")]
    assert "外星人" in reasons[(9, "重点群体")]
    assert result.bad_rows == 7
    assert result.rows == 9


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(city, target_groups, bureau_admin):
    job = start_job("people.import", owner=bureau_admin)

    result = import_people(csv_file(bad_lines()), actor=bureau_admin, job=job)

    assert (result.created, result.committed) == (0, False)
    assert Person.objects.count() == 0
    assert TargetGroupMembership.objects.count() == 0
    assert not audit_events().exists()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert (job.total, job.done) == (9, 9)
    assert job.summary["bad_rows"] == 7
    assert job.summary["errors"][0][:2] == [2, "身份证号"]


def test_commit_good_writes_only_the_good_rows(city, target_groups, bureau_admin):
    result = import_people(csv_file(bad_lines()), actor=bureau_admin, mode=COMMIT_GOOD)

    assert (result.created, result.committed, result.bad_rows) == (2, True, 7)
    assert sorted(Person.objects.values_list("name", flat=True)) == ["戊", "辛"]
    event = audit_events().get()
    assert (event.data["created"], event.data["bad_rows"], event.data["mode"]) == (
        2,
        7,
        "commit_good",
    )


@pytest.fixture
def small_chunks(monkeypatch):
    """Send even a small file to worker processes, three rows at a time."""
    monkeypatch.setattr(reading, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 3)


def people_rows():
    return list(
        Person.objects.order_by("id").values_list(
            "name", "id_number_hash", "birth_date", "region__code", "memberships__group__code"
        )
    )


def test_worker_processes_report_and_write_exactly_what_one_process_does(
    city, target_groups, bureau_admin, small_chunks
):
    lines = bad_lines()
    lines[1:1] = good_lines()[1:] + [""]  # a blank row keeps its number

    serial = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)
    written = people_rows()
    Person.objects.all().delete()
    parallel = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD, workers=2)

    assert parallel.errors == serial.errors
    assert [e.row for e in parallel.errors][:2] == [6, 7]
    assert (parallel.rows, parallel.created, parallel.bad_rows) == (12, 5, 7)
    assert people_rows() == written
    assert [p.name for p in Person.objects.order_by("id")] == [
        "王小明", "李芳", "赵强", "戊", "辛"
    ]  # fmt: skip


def _read_chunk_or_die(chunk):
    """A worker's chunk reader that dies past row 5, as the out-of-memory killer would end it."""
    if chunk[0][0] > 5:
        os._exit(137)
    return _real_read_chunk(chunk)


def test_a_worker_process_that_dies_fails_the_import_and_writes_nothing(
    city, target_groups, bureau_admin, small_chunks, monkeypatch
):
    monkeypatch.setattr(reading, "_read_chunk", _read_chunk_or_die)
    job = start_job("people.import", owner=bureau_admin)

    with pytest.raises(ImportFailed, match="stopped unexpectedly"):
        import_people(
            csv_file(bad_lines()), actor=bureau_admin, mode=COMMIT_GOOD, job=job, workers=2
        )

    assert Person.objects.count() == 0
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped unexpectedly" in job.summary["detail"]


def test_worker_processes_write_their_reasons_in_the_callers_language(
    city, target_groups, bureau_admin, small_chunks
):
    with translation.override("zh-hans"):
        result = import_people(csv_file(bad_lines()), actor=bureau_admin, workers=2)

    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert reasons[(6, "姓名")] == "姓名为必填项。"
    assert reasons[(4, "手机号")] == "手机号为 11 位，以 13 至 19 开头。"


def test_reimporting_the_same_file_skips_everyone(city, target_groups, bureau_admin):
    import_people(csv_file(good_lines()), actor=bureau_admin)

    again = import_people(csv_file(good_lines()), actor=bureau_admin)

    assert (again.created, again.skipped, again.errors, again.committed) == (0, 3, [], True)
    assert Person.objects.count() == 3
    assert TargetGroupMembership.objects.count() == 3
    assert [e.data["skipped"] for e in audit_events().order_by("id")] == [0, 3]


def test_gbk_csv_is_read(city, target_groups, bureau_admin):
    result = import_people(csv_file(good_lines(), encoding="gbk"), actor=bureau_admin)

    assert (result.created, result.errors) == (3, [])
    assert Person.objects.filter(name="王小明").exists()


def test_utf8_with_bom_and_english_headers_is_read(city, target_groups, bureau_admin):
    lines = [
        "\ufeffid_number,name,region_code,target_groups",
        f"{make_id()},张三,{VILLAGE},migrant_worker、退役军人",
    ]

    result = import_people(csv_file(lines), actor=bureau_admin)

    assert (result.created, result.errors) == (1, [])
    person = Person.objects.get()
    assert sorted(person.memberships.values_list("group__code", flat=True)) == [
        "migrant_worker",
        "veteran",
    ]


def xlsx_file(rows: list[list[object]]) -> io.BytesIO:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    handle.name = "people.xlsx"
    return handle


def test_xlsx_is_read_with_numbers_and_blank_rows(city, target_groups, bureau_admin):
    upload = xlsx_file(
        [
            HEADER.split(","),
            [make_id(), "王小明", 13812345678, int(VILLAGE), "农业户口", "初中", "就业", "农民工"],
            [None] * 8,
            ["12345", "坏", None, VILLAGE, None, None, None, None],
        ]
    )

    result = import_people(upload, actor=bureau_admin, mode=COMMIT_GOOD)

    assert result.created == 1
    assert result.errors[0] == RowError(4, "身份证号", result.errors[0].reason)
    person = Person.objects.get()
    assert (person.phone, person.region.code) == ("13812345678", VILLAGE)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"   \n\n", "blank.csv", "empty"),
        (HEADER.encode(), "header.csv", "no people"),
        (b"name,phone\n\xe5\xbc\xa0,1\n", "columns.csv", "Required columns are missing"),
        (b'id_number,name,region_code\n"unterminated,x,y\n', "quote.csv", "malformed at row 2"),
        (b"\xff\xfei\x00d\x00", "utf16.csv", "UTF-16"),
        (b"id_number,name\n\x80\x80\xff\n", "latin.csv", "neither UTF-8 nor GBK"),
        (b"PK\x03\x04garbage", "broken.xlsx", "not a readable Excel workbook"),
        (b"id,name", "fake.xlsx", "not a valid Excel workbook"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_is_written(
    city, target_groups, bureau_admin, content, name, message
):
    upload = io.BytesIO(content)
    upload.name = name
    job = start_job("people.import", owner=bureau_admin)

    with pytest.raises(ImportFailed, match=message):
        import_people(upload, actor=bureau_admin, job=job)

    assert Person.objects.count() == 0
    assert not audit_events().exists()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert message.split()[0] in job.summary["detail"]


def test_oversized_file_is_refused(city, target_groups, bureau_admin, settings, tmp_path):
    settings.JINENG_MAX_UPLOAD_BYTES = 100
    path = tmp_path / "big.csv"
    path.write_text("\n".join(good_lines()), encoding="utf-8")

    with pytest.raises(ImportFailed, match="larger than the limit"):
        import_people(path, actor=bureau_admin)

    assert Person.objects.count() == 0


def test_worker_may_not_import(city, target_groups, worker):
    job = start_job("people.import", owner=worker)

    with pytest.raises(PermissionDenied):
        import_people(csv_file(good_lines()), actor=worker, job=job)

    assert Person.objects.count() == 1
    assert not audit_events().exists()
    job.refresh_from_db()
    assert (job.status, job.summary["detail"]) == ("failed", "Your role may not import people.")


def test_staff_import_ties_people_to_their_organisation(city, target_groups, staff_a, staff_b):
    import_people(csv_file(staff_lines()), actor=staff_a)

    assert Person.objects.visible_to(staff_a).count() == 3
    assert Person.objects.visible_to(staff_b).count() == 0
    assert set(Affiliation.objects.values_list("organization_id", "kind")) == {
        (staff_a.organization_id, "trainee")
    }
    assert audit_events().get().data["affiliations"] == 3


@pytest.mark.parametrize("mode", [COMMIT_GOOD, "all_or_nothing"])
def test_a_school_file_with_target_groups_imports_every_good_row_without_them(
    city, target_groups, staff_a, mode
):
    # Regression (issue 12): a school may not record target groups, and a 重点群体 column in
    # its file used to make every row with a group a bad row. The column is ignored instead.
    result = import_people(csv_file(good_lines()), actor=staff_a, mode=mode)

    assert result.errors == []
    assert (result.rows, result.created, result.committed) == (3, 3, True)
    assert result.notes == [
        "The column 重点群体 was ignored: your role may not fill it (the bureau records "
        "target groups with their evidence). The other columns of every row were imported as "
        "usual."
    ]
    assert result.summary()["notes"] == result.notes
    assert not TargetGroupMembership.objects.exists()
    assert Person.objects.visible_to(staff_a).count() == 3


def test_the_bureau_still_records_target_groups_and_gets_no_note(city, target_groups, bureau_admin):
    result = import_people(csv_file(good_lines()), actor=bureau_admin, mode=COMMIT_GOOD)

    assert (result.created, result.notes) == (3, [])
    assert TargetGroupMembership.objects.count() == 3


def test_a_school_importing_people_already_registered_ties_them_to_itself(
    city, target_groups, bureau_admin, staff_a, staff_b
):
    import_people(csv_file(good_lines()), actor=bureau_admin)
    assert Person.objects.visible_to(staff_a).count() == 0

    result = import_people(csv_file(staff_lines()), actor=staff_a)
    again = import_people(csv_file(staff_lines()), actor=staff_a)

    assert (result.created, result.skipped, result.linked, result.errors) == (0, 3, 3, [])
    assert (again.skipped, again.linked) == (3, 0)
    assert Person.objects.visible_to(staff_a).count() == 3
    assert Person.objects.visible_to(staff_b).count() == 0
    assert Affiliation.objects.filter(organization=staff_a.organization).count() == 3
    assert TargetGroupMembership.objects.count() == 3  # the bureau's, untouched
    event = audit_events().filter(actor=staff_a).order_by("id").first()
    assert (event.data["skipped"], event.data["linked"]) == (3, 3)
    tied = AuditEvent.objects.filter(action="people.affiliation.created", actor=staff_a)
    assert sorted(tied.values_list("person_id", flat=True)) == sorted(
        Person.objects.values_list("pk", flat=True)
    )


def test_a_tie_ended_the_same_day_is_not_recorded_twice(city, target_groups, bureau_admin, staff_a):
    import_people(csv_file(good_lines()), actor=bureau_admin)
    import_people(csv_file(staff_lines()), actor=staff_a)
    Affiliation.objects.update(ended_on=timezone.localdate())

    again = import_people(csv_file(staff_lines()), actor=staff_a)

    assert (again.committed, again.skipped, again.linked, again.errors) == (True, 3, 0, [])
    assert Affiliation.objects.count() == 3


def test_a_registered_id_under_another_name_is_a_bad_row(city, target_groups, bureau_admin):
    import_people(csv_file(good_lines()), actor=bureau_admin)
    lines = good_lines()
    lines[2] = lines[2].replace("李芳", "李芬")

    refused = import_people(csv_file(lines), actor=bureau_admin)
    partly = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)

    expected = [
        (
            3,
            "姓名",
            "This citizen ID is already registered under another name: check the name and the ID.",
        )
    ]
    assert [(e.row, e.column, e.reason) for e in refused.errors] == expected
    assert (refused.committed, refused.created, refused.skipped) == (False, 0, 0)
    assert [(e.row, e.column, e.reason) for e in partly.errors] == expected
    assert (partly.committed, partly.skipped, partly.bad_rows) == (True, 2, 1)
    assert sorted(Person.objects.values_list("name", flat=True)) == ["李芳", "王小明", "赵强"]


def test_import_ids_follow_rows_created_by_the_orm(city, target_groups, person, bureau_admin):
    # The person fixture holds the first row's citizen ID (conftest.ID_A).
    lines = good_lines()
    lines[1] = lines[1].replace("王小明", person.name)
    result = import_people(csv_file(lines), actor=bureau_admin)

    assert (result.created, result.skipped) == (2, 1)
    assert Person.objects.filter(pk__gt=person.pk).count() == 2
    from jineng.people.services import PersonInput, register_person

    later = register_person(
        PersonInput(id_number=make_id("19770707", "778"), name="后来", region_code=VILLAGE),
        actor=bureau_admin,
    )
    assert later.pk > max(Person.objects.exclude(pk=later.pk).values_list("pk", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_imports_of_one_file_never_duplicate(
    city, target_groups, bureau_admin, monkeypatch
):
    from django.db import connection

    barrier = threading.Barrier(2)
    write = writing.write_people

    def both_find_nobody(people, **kwargs):
        # Both imports have looked for existing people before either writes.
        barrier.wait(timeout=10)
        return write(people, **kwargs)

    monkeypatch.setattr(writing, "write_people", both_find_nobody)
    outcomes = []

    def run() -> None:
        try:
            outcomes.append(import_people(csv_file(good_lines()), actor=bureau_admin).created)
        except ImportFailed:
            outcomes.append("failed")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == [3, "failed"]
    assert Person.objects.count() == 3
    assert audit_events().count() == 1


def test_ids_under_other_names_use_up_the_importers_misses(
    settings, city, target_groups, staff_a, bureau_admin
):
    """The insider's attack: a file of every ID for a few birth dates, under one name."""
    import_people(csv_file(good_lines()), actor=bureau_admin)
    settings.JINENG_IDENTITY_MISSES_PER_HOUR = 2
    guesses = [HEADER] + [f"{line.split(',')[0]},某某,,{VILLAGE},,,," for line in good_lines()[1:]]

    with pytest.raises(ImportFailed, match="Too many rows") as refused:
        import_people(csv_file(guesses), actor=staff_a, mode=COMMIT_GOOD)

    # Which rows are registered is not said, nothing is written, and the misses are spent.
    assert refused.value.field == "file"
    assert not any(ch.isdigit() for ch in str(refused.value.detail))
    assert Person.objects.count() == 3
    assert AuditEvent.objects.filter(action="people.person.identity_missed").count() == 2
    # With one miss left, one such row is a bad row as usual; then none is left.
    settings.JINENG_IDENTITY_MISSES_PER_HOUR = 3
    one = import_people(csv_file(guesses[:2]), actor=staff_a)
    assert [e.row for e in one.errors] == [2]
    with pytest.raises(ImportFailed, match="Too many rows"):
        import_people(csv_file(guesses[:2]), actor=staff_a)


def test_an_organisation_registers_a_limited_number_a_day(settings, city, target_groups, staff_a):
    settings.JINENG_REGISTRATIONS_PER_DAY = 2
    with pytest.raises(ImportFailed, match="24 hours"):
        import_people(csv_file(staff_lines()), actor=staff_a, mode=COMMIT_GOOD)
    assert not Person.objects.exists()
    settings.JINENG_REGISTRATIONS_PER_DAY = 3
    assert import_people(csv_file(staff_lines()), actor=staff_a).created == 3


def test_every_row_sent_is_charged_whatever_becomes_of_it(
    settings, city, target_groups, staff_a, bureau_admin
):
    """The second attack: refusals that counted registered rows, and dry runs that cost nothing."""
    import_people(csv_file(good_lines()), actor=bureau_admin)
    settings.JINENG_REGISTRATIONS_PER_DAY = 5
    guesses = [HEADER] + [f"{line.split(',')[0]},某某,,{VILLAGE},,,," for line in good_lines()[1:]]

    dry = import_people(csv_file(guesses), actor=staff_a)

    assert not dry.committed
    with pytest.raises(ImportFailed) as refused:
        import_people(csv_file(guesses), actor=staff_a, mode=COMMIT_GOOD)
    # The refusal counts the rows sent (3), not the rows that are not registered (0).
    assert "these 3 would pass" in str(refused.value.detail)
    assert Person.objects.count() == 3


def test_a_row_under_another_name_in_a_later_chunk_undoes_the_chunks_written(
    city, target_groups, bureau_admin, monkeypatch
):
    """The file is written a chunk at a time: all-or-nothing still writes none of it."""
    header, first, second, third = good_lines()
    import_people(csv_file([header, third]), actor=bureau_admin)
    monkeypatch.setattr(writing, "WRITE_ROWS", 1)
    lines = [header, first, second, third.replace("赵强", "赵刚")]

    refused = import_people(csv_file(lines), actor=bureau_admin)

    assert [(e.row, e.column) for e in refused.errors] == [(4, "姓名")]
    assert (refused.committed, refused.created, refused.bad_rows) == (False, 0, 1)
    assert list(Person.objects.values_list("name", flat=True)) == ["赵强"]
    assert audit_events().count() == 1
    assert TargetGroupMembership.objects.count() == 0
    assert AuditEvent.objects.filter(action="people.person.identity_missed").count() == 1

    partly = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)

    assert (partly.committed, partly.created, partly.bad_rows) == (True, 2, 1)
    assert sorted(Person.objects.values_list("name", flat=True)) == ["李芳", "王小明", "赵强"]
    assert AuditEvent.objects.filter(action="people.person.identity_missed").count() == 2
