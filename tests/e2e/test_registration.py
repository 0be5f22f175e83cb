"""Journey: on a phone, a worker registers, confirms the phone with the texted code, lands home."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import ID_B
from jineng.accounts.models import User
from jineng.core import pii
from tests.e2e.browser import UI

PASSWORD = "Kq7-plain-Orchard"
PHONE = "13912345678"


def _english(ui: UI) -> UI:
    # English, so that the journey does not wait for the translations to be compiled.
    ui.page.context.add_cookies([{"name": "django_language", "value": "en", "url": ui.base_url}])
    return ui


def _fits(ui: UI) -> None:
    overflow = ui.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{ui.path} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_worker_registers_and_confirms_phone_on_a_phone(
    open_ui: Callable[..., UI], city: Any, bureau_admin: Any, settings: Any
) -> None:
    # The development gateway's outbox shows codes (development mode only).
    settings.JINENG_SMS_OUTBOX_SHOWS_CODES = True
    ui = _english(open_ui())
    ui.goto("/accounts/login/")
    ui.follow(ui.page.get_by_role("link", name="Sign up", exact=True))
    assert ui.path == "/registration/"
    _fits(ui)
    ui.page.locator("input[name=name]").fill("李四")
    ui.page.locator("input[name=id_number]").fill(ID_B)
    ui.page.locator("select[name=region]").select_option("220581001")
    ui.page.locator("input[name=phone]").fill(PHONE)
    ui.page.locator("input[name=password1]").fill(PASSWORD)
    ui.page.locator("input[name=password2]").fill(PASSWORD)
    ui.follow(ui.page.get_by_role("button", name="Send the code"))
    assert ui.path == "/registration/confirm/"
    expect(ui.page.locator("main")).to_contain_text("139******78")
    _fits(ui)

    # The bureau reads the development gateway's outbox in its own browser.
    bureau = _english(open_ui())
    bureau.login(bureau_admin)
    bureau.goto("/registration/outbox/")
    row = bureau.page.locator("#sms-outbox tbody tr").first
    expect(row).to_contain_text("139******78")
    assert PHONE not in bureau.page.content()
    match = re.search(r"\d{6}", row.locator(".sms-text").inner_text())
    assert match is not None
    ui.page.locator("input[name=code]").fill(match.group())
    ui.follow(ui.page.get_by_role("button", name="Create my account"))
    assert ui.path == "/"
    _fits(ui)
    user = User.objects.get(phone_hash=pii.blind_index(PHONE))
    assert user.has_confirmed_phone
    assert user.person is not None
    assert ID_B not in ui.page.url
