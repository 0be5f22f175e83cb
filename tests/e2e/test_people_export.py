"""Journey: a bureau administrator exports a large search in the background and downloads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jineng.core.models import AuditEvent, Job
from tests.e2e.browser import UI


@pytest.fixture
def large_searches(monkeypatch: Any) -> None:
    """Any search of more than one person counts as too large to export in the request."""
    monkeypatch.setattr("jineng.people.views.people.INLINE_MAX_ROWS", 1)


def test_admin_exports_a_large_search_in_the_background(
    ui: UI,
    bureau_admin: Any,
    person: Any,
    another_person: Any,
    large_searches: None,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    ui.login(bureau_admin)
    ui.goto("/people/")
    main = ui.page.locator("main")
    form = main.locator("form[action$='/people/export/queue/']")
    ui.follow(form.locator("button[value=csv]"))

    job = Job.objects.get(kind="people.export")
    assert ui.path == f"/people/export/{job.pk}/"
    expect(main.get_by_role("status")).to_contain_text("保留 24 小时")
    with ui.page.expect_download() as download_info:
        main.get_by_role("button", name="下载文件").click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert "张三" in content
    assert "李四" in content
    assert AuditEvent.objects.filter(action="people.export.downloaded").count() == 1
