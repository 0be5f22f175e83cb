"""Journey by keyboard alone: skip to content, log in, search and open a person, no pointer."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.browser import PASSWORD, UI


def test_first_tab_stop_skips_to_main_content(ui: UI) -> None:
    ui.goto("/accounts/login/")
    ui.page.keyboard.press("Tab")
    assert ui.focused() == "a[href=#main]", f"first Tab stop is {ui.focused()}, not a skip link"
    ui.page.keyboard.press("Enter")
    assert ui.page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_login_and_search_by_keyboard_only(ui: UI, bureau_admin: Any, person: Any) -> None:
    keyboard = ui.page.keyboard
    ui.goto("/accounts/login/")
    ui.tab_to("input[name=username]")
    keyboard.type(bureau_admin.username)
    keyboard.press("Tab")
    assert ui.focused() == "input[name=password]", f"Tab from username went to {ui.focused()}"
    keyboard.type(PASSWORD)
    ui.follow(lambda: keyboard.press("Enter"))
    assert ui.path == "/"
    # The bureau's home page has a stop for every queue and every page its role may open;
    # Tab goes round them all and back to the top of the page's menu.
    ui.tab_to("header nav a[href='/people/']", max_presses=80)
    ui.follow(lambda: keyboard.press("Enter"))
    assert ui.path.startswith("/people/")

    ui.tab_to("main input[name=name]")
    keyboard.type("张三")
    ui.follow(lambda: keyboard.press("Enter"))
    assert "name=" in ui.path

    ui.tab_to(f"main table a[href$='/people/{person.pk}/']")
    ui.follow(lambda: keyboard.press("Enter"))
    assert ui.path == f"/people/{person.pk}/"
    expect(ui.page.locator("h1")).to_have_text("张三")
