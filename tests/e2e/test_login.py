"""Journey: anyone reaches the login page and a user logs in and out."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.browser import UI


def test_login_page_is_styled_and_accessible(ui: UI) -> None:
    ui.goto("/accounts/login/")
    stylesheets = ui.page.evaluate(
        "() => [...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href)"
    )
    assert any("/static/vendor/pico/" in href for href in stylesheets), stylesheets
    # Pico defines its custom properties on :root once its stylesheet has really loaded.
    pico_font = ui.page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--pico-font-family')"
    )
    assert pico_font.strip(), "Pico CSS did not load on the live server"


def test_anonymous_visitor_is_sent_to_login(ui: UI) -> None:
    ui.goto("/")
    assert ui.path.startswith("/accounts/login/")


def test_wrong_password_keeps_user_on_login_page(ui: UI, worker: Any) -> None:
    ui.goto("/accounts/login/")
    ui.page.locator("input[name=username]").fill(worker.username)
    ui.page.locator("input[name=password]").fill("not-the-password")
    ui.follow(ui.page.locator("main form button[type=submit], main form button:not([type])"))
    assert ui.path.startswith("/accounts/login/")
    expect(ui.page.locator("input[name=username]")).to_have_value(worker.username)


def test_worker_logs_in_and_out(ui: UI, worker: Any) -> None:
    ui.login(worker.username)
    assert ui.path == "/"
    ui.follow(ui.page.locator("form[action$='/accounts/logout/'] button"))
    assert ui.path.startswith("/accounts/login/")
