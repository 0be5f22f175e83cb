import csv

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from jineng.cli import main
from jineng.core.models import AuditEvent, Job
from jineng.people.models import Affiliation, Person
from jineng.people.tests.test_import import bad_lines, good_lines, staff_lines


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def write(tmp_path, lines, name="people.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_cli_imports_a_good_file_and_prints_a_summary(city, target_groups, tmp_path, capsys):
    call_command("import_data", "people", str(write(tmp_path, good_lines())))

    out = capsys.readouterr().out
    assert "3 rows, 3 people created, 0 skipped" in out
    assert Person.objects.count() == 3
    job = Job.objects.get(kind="people.import")
    assert (job.status, job.owner, job.summary["created"]) == ("succeeded", None, 3)
    assert AuditEvent.objects.get(action="people.import.completed").actor_label == "system"


def test_cli_exits_1_and_lists_errors_when_nothing_is_imported(
    city, target_groups, tmp_path, capsys
):
    errors_path = tmp_path / "errors.csv"

    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_data",
            "people",
            str(write(tmp_path, bad_lines())),
            "--errors-csv",
            str(errors_path),
        )

    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "NOT written" in captured.out
    assert "row 2, 身份证号:" in captured.out
    assert "Nothing was imported" in captured.err
    with errors_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["row", "column", "reason"]
    assert [r[:2] for r in rows[1:]] == [
        ["2", "身份证号"],
        ["3", "身份证号"],
        ["4", "手机号"],
        ["5", "区划代码"],
        ["6", "姓名"],
        ["8", "身份证号"],
        ["9", "户籍类型"],
        ["9", "重点群体"],
    ]
    assert Person.objects.count() == 0


def test_cli_commit_good_imports_the_good_rows_and_exits_0(city, target_groups, tmp_path):
    call_command("import_data", "people", str(write(tmp_path, bad_lines())), "--commit-good")

    assert sorted(Person.objects.values_list("name", flat=True)) == ["戊", "辛"]


def test_cli_reads_large_files_with_worker_processes(
    city, target_groups, tmp_path, capsys, monkeypatch
):
    from jineng.people.importers.people import reading

    monkeypatch.setattr(reading, "PARALLEL_MIN_ROWS", 2)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 1)
    calls = []
    executor = reading.ProcessPoolExecutor

    def counting_executor(workers, **kwargs):
        calls.append(workers)
        return executor(workers, **kwargs)

    monkeypatch.setattr(reading, "ProcessPoolExecutor", counting_executor)

    path = str(write(tmp_path, bad_lines()))
    call_command("import_data", "people", path, "--workers", "2", "--commit-good")

    assert calls == [2, 2]  # the file is read twice: checked, then written
    assert "9 rows, 2 people created, 0 skipped (already registered), 7 bad rows" in (
        capsys.readouterr().out
    )
    assert sorted(Person.objects.values_list("name", flat=True)) == ["戊", "辛"]


def test_cli_unreadable_file_is_a_command_error(city, target_groups, tmp_path):
    with pytest.raises(CommandError, match="no people"):
        call_command("import_data", "people", str(write(tmp_path, [good_lines()[0]])))

    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_data", "people", str(tmp_path / "missing.csv"))


def test_cli_user_option_imports_for_that_organisation(city, target_groups, staff_a, tmp_path):
    call_command("import_data", "people", str(write(tmp_path, staff_lines())), "--user", "staff_a")

    assert Affiliation.objects.filter(organization=staff_a.organization).count() == 3
    assert AuditEvent.objects.get(action="people.import.completed").actor == staff_a


def test_jineng_import_and_export_map_to_their_commands(monkeypatch):
    # run_from_argv closes the database connections, so the mapping is checked on its own.
    calls = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: calls.append(argv)
    )

    main(["import", "people", "f.csv", "--commit-good"])
    main(["export", "people", "f.xlsx"])

    assert calls == [
        ["jineng", "import_data", "people", "f.csv", "--commit-good"],
        ["jineng", "export_data", "people", "f.xlsx"],
    ]
