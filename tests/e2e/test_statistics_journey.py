"""Journey: the bureau sees two months of training in charts and tables and downloads the report.

Runs on a desktop and a phone: the charts draw under the Content-Security-Policy (no inline
script), every chart's table carries its numbers, nothing scrolls sideways, and the workbook
and the monthly report download.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from jineng.stats.tests.conftest import levels, occupations, small_city
from tests.e2e.browser import UI

__all__ = ["levels", "occupations", "small_city"]


def test_bureau_sees_the_statistics_and_downloads_the_report(
    ui: UI, bureau_admin: Any, small_city: Any, settings: Any
) -> None:
    settings.JINENG_STATS_MIN_CELL = 1
    ui.login(bureau_admin)
    ui.follow(ui.page.locator("header nav a[href='/statistics/']"))
    form = ui.page.locator("main form.stats-filters")
    form.locator("input[name=first_month]").fill("2026-10")
    form.locator("input[name=last_month]").fill("2026-11")
    ui.follow(form.locator("button[type=submit]"))

    expect(ui.page.locator("dd[data-measure=enrolled]")).to_have_text("10")
    expect(ui.page.locator("dd[data-measure=completed]")).to_have_text("4")
    town = ui.page.locator("#table-town tbody tr", has_text="山城镇")
    expect(town.locator("td")).to_have_text(["6", "2", "0", "2"])
    for chart in ("month", "training_type", "target_group", "town", "occupation", "institution"):
        expect(ui.page.locator(f"#chart-{chart} canvas")).to_have_count(1)
    width = ui.page.evaluate("document.documentElement.scrollWidth")
    assert width <= ui.page.viewport_size["width"], f"the page scrolls sideways ({width} px)"

    with ui.page.expect_download() as workbook:
        ui.page.locator("main a[href^='/statistics/statistics.xlsx?']").click()
    assert workbook.value.suggested_filename == "statistics-2026-10_2026-11.xlsx"
    ui.page.locator("#report-month").fill("2026-11")
    with ui.page.expect_download() as report:
        ui.page.locator("form.stats-report button[type=submit]").first.click()
    assert report.value.suggested_filename == "monthly-report-2026-11.pdf"
    ui.assert_assets_loaded()
