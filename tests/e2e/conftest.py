"""Fixtures for real-browser journeys: Debian's Chromium driven by Playwright (sync API).

A journey is a test function in this package that asks for ``ui`` (one tab on the live
server, run once on a desktop and once on a phone viewport) or ``open_ui`` (more tabs, e.g.
an anonymous visitor). Every test here is marked ``e2e`` automatically. See
docs/adr/0004-browser-tests.md for how to add a journey.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import DEVICES, UI, Device, safe_name, save_artifacts

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS_DIR = Path(os.environ.get("JINENG_TEST_RESULTS", ROOT / "test-results"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_ARTIFACTS = pytest.StashKey[list[str]]()
_NOTES = pytest.StashKey[dict[str, set[str]]]()


def chromium_path() -> str | None:
    """Return Debian's Chromium (or $JINENG_CHROMIUM), or None where there is none."""
    candidates = [os.environ.get("JINENG_CHROMIUM", ""), "/usr/bin/chromium"]
    candidates.append(shutil.which("chromium") or "")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _is_browser_test(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here ``e2e``; without Chromium skip them, except under CI=true."""
    missing = chromium_path() is None and not in_ci()
    skip = pytest.mark.skip(
        reason="no Chromium at /usr/bin/chromium (apt-get install chromium): "
        "browser and accessibility journeys skipped"
    )
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """List the screenshots and HTML kept for failed journeys at the end of the run."""
    artifacts = config.stash.get(_ARTIFACTS, [])
    if artifacts:
        terminalreporter.section("browser artifacts of failed journeys")
        for path in artifacts:
            terminalreporter.write_line(path)
    notes = config.stash.get(_NOTES, {})
    if notes:
        terminalreporter.section("accessibility notes (moderate or minor, not failing)")
        for note, paths in sorted(notes.items()):
            terminalreporter.write_line(f"{note}\n    on {', '.join(sorted(paths)[:5])}")


@pytest.fixture(scope="session", autouse=True)
def _static_root() -> None:
    """Give WhiteNoise its STATIC_ROOT; the live server itself serves assets via the finders."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Launch headless Chromium once for the package; never download a browser."""
    executable = chromium_path()
    if executable is None:
        pytest.fail("CI=true but no Chromium at /usr/bin/chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop marked running on this thread; Django would
    # then refuse ORM calls from test code. Allow them only while the browser package runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(params=sorted(DEVICES), ids=lambda name: name)
def device(request: pytest.FixtureRequest) -> Device:
    """Run the journey once per viewport: desktop (1280×800) and phone (390×844, touch)."""
    return DEVICES[request.param]


@pytest.fixture
def open_ui(
    request: pytest.FixtureRequest, browser: Any, live_server: Any, device: Device
) -> Iterator[Callable[..., UI]]:
    """Return a factory of fresh browser tabs (each its own cookie jar) on the live server.

    On failure every tab's screenshot and HTML go to test-results/; at the end every page a
    tab loaded must have been checked for accessibility.
    """
    tabs: list[UI] = []
    contexts: list[Any] = []

    def factory(*, locale: str = "zh-CN") -> UI:
        context = browser.new_context(
            locale=locale, timezone_id="Asia/Shanghai", **device.context_options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        ui = UI(page=context.new_page(), base_url=live_server.url, device=device)
        tabs.append(ui)
        return ui

    yield factory

    reports = request.node.stash.get(_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    notes = request.config.stash.setdefault(_NOTES, {})
    for tab in tabs:
        for report in tab.reports:
            for note in report.notes:
                notes.setdefault(note, set()).add(urlsplit(report.url).path)
    try:
        if failed:
            _keep_artifacts(request, tabs)
        else:
            unchecked = [url for ui in tabs for url in ui.unchecked_pages()]
            if unchecked:
                _keep_artifacts(request, tabs)
                pytest.fail(
                    "pages loaded without an accessibility check (call ui.check() or use "
                    "ui.goto/ui.follow):\n  " + "\n  ".join(unchecked)
                )
            for ui in tabs:
                ui.assert_assets_loaded()
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def ui(open_ui: Callable[..., UI]) -> UI:
    """One browser tab for the journey's main user."""
    return open_ui()


def _keep_artifacts(request: pytest.FixtureRequest, tabs: list[UI]) -> None:
    directory = RESULTS_DIR / safe_name(request.node.nodeid)
    written: list[str] = []
    for number, tab in enumerate(tabs, start=1):
        written += [str(p) for p in save_artifacts(tab, directory, f"tab{number}")]
    request.config.stash.setdefault(_ARTIFACTS, []).extend(written)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for path in written:
            reporter.write_line(f"browser artifact: {path}")


@pytest.fixture
def another_person(person: Any, bureau_admin: Any) -> Any:
    """A second person (李四), so that a search has something to leave out."""
    from conftest import ID_B
    from jineng.people.services import PersonInput, register_person

    return register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581100201"), actor=bureau_admin
    )
