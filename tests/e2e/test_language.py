"""Journey: a user switches the interface to English and back to Chinese."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.browser import UI


def switch_language(ui: UI, code: str) -> None:
    """Press the header's language button for a Django language code."""
    ui.follow(ui.page.locator(f"form[action$='/i18n/setlang/'] button[value='{code}']"))


def test_language_switch_to_english_and_back(ui: UI, worker: Any) -> None:
    ui.goto("/accounts/login/")
    html = ui.page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")
    chinese_title = ui.page.title()

    switch_language(ui, "en")
    expect(html).to_have_attribute("lang", "en")
    assert ui.path.startswith("/accounts/login/"), "switching language left the page"
    assert ui.page.title() != chinese_title
    expect(ui.page.locator("main")).to_contain_text("Log in")

    ui.login(worker)
    expect(html).to_have_attribute("lang", "en")
    expect(ui.page.locator("form[action$='/accounts/logout/'] button").first).to_have_text(
        "Log out"
    )

    switch_language(ui, "zh-hans")
    expect(html).to_have_attribute("lang", "zh-CN")
    assert ui.path == "/", "switching language left the page"
    expect(ui.page.locator("form[action$='/accounts/logout/'] button").first).not_to_have_text(
        "Log out"
    )
