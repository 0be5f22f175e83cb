"""Journey: a bureau administrator whose role requires TOTP sets it up, then logs in with it."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from jineng.accounts.models import SecurityPolicy
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent
from tests.e2e.browser import PASSWORD, UI


def test_admin_sets_up_totp_and_logs_in_with_it(ui: UI, bureau_admin: Any) -> None:
    SecurityPolicy.objects.create(role=Role.BUREAU_ADMIN, requires_second_factor=True)
    ui.goto("/accounts/login/")
    ui.page.locator("input[name=username]").fill(bureau_admin.username)
    ui.page.locator("input[name=password]").fill(PASSWORD)
    ui.follow(ui.page.locator("main form button[type=submit]"))
    assert ui.path.startswith("/accounts/second-factor/enrol/"), ui.path

    # Type the key into an "authenticator app", as a user who cannot scan the QR code would.
    secret = ui.page.locator("main .secret").inner_text().replace(" ", "")
    code = totp(base64.b32decode(secret))
    ui.page.locator("input[name=token]").fill(f"{code:06d}")
    ui.follow(ui.page.locator("main form:has(input[name=token]) button[type=submit]"))
    assert not ui.path.startswith(("/accounts/login/", "/accounts/second-factor/")), ui.path
    assert TOTPDevice.objects.get(user=bureau_admin).confirmed
    assert AuditEvent.objects.filter(action="accounts.totpdevice.confirmed").count() == 1

    ui.logout()
    # A code is accepted once: log in again in the next 30-second step, with a new code.
    later = timezone.now() + datetime.timedelta(seconds=60)
    with time_machine.travel(later, tick=True):
        ui.login(bureau_admin)
    expect(ui.page.locator("form[action$='/accounts/logout/'] button").first).to_be_visible()
