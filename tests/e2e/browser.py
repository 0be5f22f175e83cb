"""The journey driver: a Playwright page bound to the live server, checked on every page.

Journeys talk to :class:`UI` rather than to Playwright directly for navigation, so that every
document a journey loads is checked for accessibility (``UI.check``) and a journey that loads a
page without checking it fails at teardown (see ``conftest.open_ui``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Locator, Page, Response

from tests.e2e.a11y import A11yReport, check_a11y

# The password conftest.make_user gives every named actor.
PASSWORD = "pw-Testing-123"
# Asset types whose failure to load means a broken page (documents may 404 on purpose).
ASSET_TYPES = frozenset({"stylesheet", "script", "image", "font"})


@dataclass(frozen=True)
class Device:
    """A browser viewport a journey runs on."""

    name: str
    context_options: dict[str, Any]


DESKTOP = Device("desktop", {"viewport": {"width": 1280, "height": 800}})
PHONE = Device(
    "phone",
    {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
)
DEVICES = {d.name: d for d in (DESKTOP, PHONE)}


@dataclass
class UI:
    """One browser tab of one user, pointed at the live server."""

    page: Page
    base_url: str
    device: Device
    loaded: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    broken_assets: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    reports: list[A11yReport] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("load", lambda page: self.loaded.append(page.url))
        self.page.on("response", self._on_response)
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        # A script or style the Content-Security-Policy blocked fails the page like an error.
        self.page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.script_errors.append(message.text)

    # -- navigation -------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on the live server (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    @property
    def path(self) -> str:
        """Return the path (and query) of the current page."""
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def goto(self, path: str, *, status: int | None = 200, check: bool = True) -> Response:
        """Open a path, assert the final HTTP status and check the page's accessibility."""
        response = self.page.goto(self.url(path))
        assert response is not None, f"no response for {path}"
        if status is not None:
            assert response.status == status, (
                f"GET {path} answered {response.status}, expected {status} (now at {self.page.url})"
            )
        if check:
            self.check()
        return response

    def follow(self, target: Locator | Callable[[], Any], *, check: bool = True) -> None:
        """Click a link or button (or run an action) that loads a new page, then check it."""
        with self.page.expect_navigation():
            if callable(target) and not isinstance(target, Locator):
                target()
            else:
                target.click()
        if check:
            self.check()

    def check(self, *, focus: bool = True, lang: str | None = None) -> A11yReport:
        """Run the accessibility checks on the current page (raises on any failure)."""
        self.page.wait_for_load_state("load")
        self.assert_assets_loaded()
        report = check_a11y(self.page, focus=focus, lang=lang)
        self.checked.add(self.page.url)
        self.reports.append(report)
        return report

    def unchecked_pages(self) -> list[str]:
        """Return the documents this tab loaded that no accessibility check ran on."""
        return sorted({url for url in self.loaded if url not in self.checked and _is_html(url)})

    # -- common steps -----------------------------------------------------------------------

    def login(self, user: Any, password: str = PASSWORD) -> None:
        """Log in through the login form, and give a TOTP code if the role requires one.

        ``user`` is a User (or a username). A user asked for a second factor must already
        have a confirmed TOTP device (see ``totp_code``).
        """
        username = getattr(user, "username", user)
        self.goto("/accounts/login/")
        form = self.page.locator("form", has=self.page.locator("input[name=password]"))
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        self.follow(form.locator("button[type=submit], button:not([type]), input[type=submit]"))
        if self.path.startswith("/accounts/second-factor/") and not isinstance(user, str):
            token = self.page.locator("input[name=token]")
            token.fill(totp_code(user))
            self.follow(lambda: token.press("Enter"))
        assert not self.path.startswith(("/accounts/login/", "/accounts/second-factor/")), (
            f"login as {username} did not complete: now on {self.page.url}"
        )

    def logout(self) -> None:
        """Log out with the header's log-out button."""
        self.follow(self.page.locator("form[action$='/accounts/logout/'] button").first)

    # -- keyboard ---------------------------------------------------------------------------

    def tab_to(self, selector: str, *, max_presses: int = 40) -> None:
        """Press Tab until the element matching ``selector`` has focus; fail if it never does."""
        target = self.page.locator(selector).first
        for _ in range(max_presses):
            self.page.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{selector} cannot be reached with Tab on {self.page.url}")

    def focused(self) -> str:
        """Describe the element that has focus (tag, name, href)."""
        return self.page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el) return '';
                const href = el.getAttribute('href');
                return el.tagName.toLowerCase() + (el.name ? `[name=${el.name}]` : '')
                    + (href ? `[href=${href}]` : '');
            }"""
        )

    # -- health of the page itself ----------------------------------------------------------

    def assert_assets_loaded(self) -> None:
        """Fail if a stylesheet, script, image or font failed, or a script threw."""
        problems = self.broken_assets + [f"script error: {e}" for e in self.script_errors]
        assert not problems, "broken page:\n  " + "\n  ".join(problems)

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type in ASSET_TYPES and response.status >= 400:
            self.broken_assets.append(f"{response.status} {response.url}")

    def _on_request_failed(self, request: Any) -> None:
        if request.resource_type in ASSET_TYPES:
            self.broken_assets.append(f"failed ({request.failure}) {request.url}")


def totp_code(user: Any) -> str:
    """Return the current code of the user's confirmed TOTP device, as their phone would."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    assert device is not None, f"{user} must enter a second factor but has no confirmed device"
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _is_html(url: str) -> bool:
    return url.startswith("http") and not re.search(r"\.(json|pdf|csv|xlsx)(\?|$)", url)


def safe_name(text: str) -> str:
    """Turn a test id into a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


def save_artifacts(ui: UI, directory: Path, label: str) -> list[Path]:
    """Keep a full-page screenshot and the HTML of a tab; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    png = directory / f"{label}.png"
    html = directory / f"{label}.html"
    try:
        ui.page.screenshot(path=str(png), full_page=True)
        written.append(png)
    except Exception as exc:  # noqa: BLE001 - a dead page must not hide the original failure
        png.with_suffix(".txt").write_text(f"screenshot failed: {exc}\n", "utf-8")
    try:
        html.write_text(f"<!-- {ui.page.url} -->\n" + ui.page.content(), "utf-8")
        written.append(html)
    except Exception as exc:  # noqa: BLE001
        html.with_suffix(".txt").write_text(f"page content failed: {exc}\n", "utf-8")
    return written
