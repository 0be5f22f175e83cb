"""Journey: a worker reads 我的档案, downloads it, shares it, and a stranger opens the link."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from conftest import ID_A
from jineng.core.models import AuditEvent
from jineng.records.models import ShareLink
from tests.e2e.browser import UI


def download(ui: UI, selector: str) -> bytes:
    """Click a download link the way a user does and return the file's bytes."""
    with ui.page.expect_download() as info:
        ui.page.locator(selector).click()
    return Path(info.value.path()).read_bytes()


def test_worker_reads_downloads_and_shares_their_record(
    ui: UI, open_ui: Any, worker: Any, person: Any
) -> None:
    ui.login(worker)
    assert ui.path == "/"
    ui.follow(ui.page.locator("header nav a[href='/records/mine/']"))
    assert ui.path == "/records/mine/"
    main = ui.page.locator("main")
    expect(main).to_contain_text("张三")
    expect(main).to_contain_text(person.id_number_masked)
    expect(main).not_to_contain_text(ID_A)

    document = json.loads(download(ui, "main a[href$='/records/mine/record.json']"))
    assert document["person"]["name"] == "张三"
    assert document["person"]["id_number"] == person.id_number_masked
    assert download(ui, "main a[href$='/records/mine/record.pdf']").startswith(b"%PDF")

    share = main.locator("form[action$='/records/mine/share/']")
    share.locator("input[name=days]").fill("3")
    ui.follow(share.locator("button[type=submit]"))
    link_url = ui.page.locator("#new-link-url").input_value()
    link = ShareLink.objects.get(person=person)
    assert (link.view_count, link.revoked_at) == (0, None)
    assert AuditEvent.objects.filter(action="records.sharelink.created", person_id=person.pk)

    stranger = open_ui()
    stranger.goto(link_url)
    shared = stranger.page.locator("main")
    expect(stranger.page.locator("h1")).to_contain_text("张三")
    expect(shared).to_contain_text(person.id_number_masked)
    expect(shared).not_to_contain_text(ID_A)
    expect(shared).not_to_contain_text("13812345678")
    link.refresh_from_db()
    assert link.view_count == 1

    ui.follow(main.locator(f"form[action$='/records/mine/share/{link.pk}/revoke/'] button"))
    link.refresh_from_db()
    assert link.revoked_at is not None
    stranger.goto(link_url, status=404)
    expect(stranger.page.locator("main")).not_to_contain_text("张三")
