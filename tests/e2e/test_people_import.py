"""Journey: a school clerk uploads a people file and its job page follows the background import."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from jineng.core.models import Job
from jineng.people.models import Person
from jineng.people.tests.test_import import bad_lines
from jineng.people.tests.test_import_queue import run_worker
from tests.e2e.browser import UI


def test_clerk_uploads_a_file_and_the_job_page_follows_the_import(
    ui: UI,
    staff_a: Any,
    city: Any,
    target_groups: Any,
    queued_tasks: None,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    ui.login(staff_a)
    ui.goto("/people/import/")
    main = ui.page.locator("main")
    form = main.locator("form[enctype='multipart/form-data']")
    form.locator("input[name=file]").set_input_files(
        {"name": "学员名单.csv", "mimeType": "text/csv", "buffer": "\n".join(bad_lines()).encode()}
    )
    form.locator("input[name=mode][value=commit_good]").check()
    ui.follow(form.locator("button[type=submit]"))

    # The upload returns at once: the file waits for a worker and the page says so.
    job = Job.objects.get()
    assert ui.path == f"/people/import/{job.pk}/"
    expect(main.locator("dl")).to_contain_text("等待中")
    expect(main.get_by_role("status").first).to_be_visible()
    assert Person.objects.count() == 0

    # A worker runs the import; the open page updates itself, with no reload.
    run_worker()
    expect(main.locator("dl")).to_contain_text("成功", timeout=15_000)
    statuses = main.get_by_role("status")
    expect(statuses.first).to_contain_text("正确的行已导入；下列行未导入。")
    # A school may not fill 重点群体: the column is ignored with a note, the rows are kept.
    expect(statuses.nth(1)).to_contain_text("已忽略“重点群体”列")
    errors = main.get_by_role("region")
    # 庚's unknown group is in the ignored column: one error fewer than the bureau sees.
    expect(errors.locator("tbody tr")).to_have_count(7)
    expect(errors.locator("tbody tr").first).to_contain_text("身份证号")
    assert ui.path == f"/people/import/{job.pk}/"
    ui.check()
    assert sorted(Person.objects.values_list("name", flat=True)) == ["戊", "辛"]
