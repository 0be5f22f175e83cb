"""The worker's phone (390 × 844): enrol from the top, 我的培训班 stays short, catalogs read.

A worker opens a subsidised class of eleven sessions on 找培训: the enrol button is in the
first screen and stays on screen (sticky) after scrolling past every session. After enrolling,
我的培训班 shows the next session first with the other sessions folded (its height stays
bounded; the fold opens from the keyboard). Withdrawing goes through a confirmation page that
says the seat goes to the waitlist. The public catalog pages never scroll sideways, and their
table cells keep a readable width instead of wrapping one character per line.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from jineng.training.choices import EnrolmentStatus
from jineng.training.models import Enrolment
from jineng.training.tests import conftest as training_fixtures
from jineng.training.tests.helpers import approved_class, member, programme
from tests.e2e.browser import PHONE, UI, Device

levels = training_fixtures.levels
occupations = training_fixtures.occupations
catalog_entry = training_fixtures.catalog_entry
accredited = training_fixtures.accredited

# 我的培训班 with one class of eleven sessions: the next session and a fold, not a timetable.
MINE_MAX_HEIGHT = 1600


@pytest.fixture
def device() -> Device:
    """Every journey here runs on the phone only."""
    return PHONE


def in_viewport(ui: UI, selector: str) -> bool:
    box = ui.page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    height = ui.page.viewport_size["height"] if ui.page.viewport_size else 844
    return box["y"] >= 0 and box["y"] + box["height"] <= height


def page_widths(ui: UI) -> dict[str, int]:
    return ui.page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, window: window.innerWidth})"
    )


def test_enrol_on_top_then_a_short_my_classes_and_a_confirmed_withdrawal(
    ui: UI,
    worker: Any,
    person: Any,
    staff_a: Any,
    bureau_admin: Any,
    target_groups: Any,
    catalog_entry: Any,
    accredited: Any,
) -> None:
    member(bureau_admin, person, target_groups["migrant_worker"])
    training_class = approved_class(staff_a, bureau_admin, programme(staff_a), capacity=1)
    assert training_class.sessions.count() >= 10
    ui.login(worker)

    ui.goto("/training/find/")
    result = ui.page.locator("main article", has_text=training_class.code)
    expect(result).to_contain_text(f"{training_class.starts_on:%Y-%m-%d}")
    expect(result).to_contain_text(training_class.region.name)
    ui.follow(result.locator(f"a[href$='/training/find/{training_class.pk}/']"))

    enrol = f"main form[action$='/find/{training_class.pk}/enrol/'] button"
    assert in_viewport(ui, enrol), "the enrol button is not in the first screen"
    ui.page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    ui.page.wait_for_function("() => window.scrollY > 0")
    assert in_viewport(ui, enrol), "the enrol button does not stay on screen"
    ui.follow(ui.page.locator(enrol))

    assert ui.path == "/training/mine/"
    height = ui.page.evaluate("document.documentElement.scrollHeight")
    assert height <= MINE_MAX_HEIGHT, f"我的培训班 is {height} px tall"
    expect(ui.page.locator("main .next-session")).to_contain_text(training_class.code)
    fold = ui.page.locator("main article details").first
    expect(fold).not_to_have_attribute("open", "")
    ui.page.locator("main article details summary").first.focus()
    ui.page.keyboard.press("Enter")
    expect(fold).to_have_attribute("open", "")
    assert fold.locator("li").count() == training_class.sessions.count()

    # Withdrawing asks first, saying what is lost; only the confirmation withdraws.
    enrolment = Enrolment.objects.get(training_class=training_class, person=person)
    ui.follow(ui.page.locator(f"main a[href$='/enrolments/{enrolment.pk}/withdraw/']"))
    expect(ui.page.locator("main h1")).to_be_visible()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert page_widths(ui)["page"] <= page_widths(ui)["window"]
    ui.follow(ui.page.locator("main form button[type=submit]"))
    assert ui.path == "/training/mine/"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN


def test_catalog_pages_fit_the_phone_and_keep_cells_readable(ui: UI, catalog_entry: Any) -> None:
    version = catalog_entry.version
    measured = 0
    for path in (
        "/catalogs/",
        "/catalogs/subsidised_training/",
        "/catalogs/subsidised_training/versions/",
        "/catalogs/subsidised_training/changes/",
        f"/catalogs/versions/{version.pk}/",
    ):
        ui.goto(path)
        widths = page_widths(ui)
        assert widths["page"] <= widths["window"], (path, widths)
        cells = ui.page.evaluate(
            """() => [...document.querySelectorAll(
                'main table.readable th, main table.readable td')]
                .filter(cell => cell.textContent.trim())
                .map(cell => cell.getBoundingClientRect().width)"""
        )
        measured += len(cells)
        # 6.5rem: a cell holds a few Chinese characters a line, never one.
        assert min(cells, default=96) >= 96, (path, sorted(cells)[:3])
    # The entries, versions and version pages have tables: the check measured real cells.
    assert measured >= 20, measured
