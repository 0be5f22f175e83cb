"""Wide tables on a phone: each scrolling wrapper is a named region a keyboard can reach.

A table wider than the screen scrolls sideways inside its ``.overflow-auto`` wrapper; without
keyboard focus a keyboard or switch user cannot scroll it (axe ``scrollable-region-focusable``),
and without a role and a name a screen reader cannot say what it holds. Every wrapper comes
from ``{% scrollable %}``; these pages check the rule on each role's most used tables.
"""

from __future__ import annotations

from typing import Any

import pytest

from jineng.records import services as record_services
from jineng.training.tests import conftest as training_fixtures
from jineng.training.tests.helpers import approved_class, member, programme
from tests.e2e.browser import UI

# Reference data of the training tests, built the same way (accreditation through services).
levels = training_fixtures.levels
occupations = training_fixtures.occupations
catalog_entry = training_fixtures.catalog_entry
accredited = training_fixtures.accredited


def scroll_regions(ui: UI) -> list[dict[str, Any]]:
    """Describe every ``.overflow-auto`` of the page as Chromium's accessibility tree sees it."""
    session = ui.page.context.new_cdp_session(ui.page)
    try:
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        found = session.send("DOM.querySelectorAll", {"nodeId": root, "selector": ".overflow-auto"})
        regions = []
        for node_id in found["nodeIds"]:
            attributes = session.send("DOM.getAttributes", {"nodeId": node_id})["attributes"]
            [ax] = session.send(
                "Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False}
            )["nodes"]
            regions.append(
                {
                    "attributes": dict(zip(attributes[::2], attributes[1::2], strict=True)),
                    "role": (ax.get("role") or {}).get("value", ""),
                    "name": ((ax.get("name") or {}).get("value") or "").strip(),
                }
            )
        return regions
    finally:
        session.detach()


def assert_regions_reachable(ui: UI, names: set[str]) -> None:
    """Every wrapper is focusable, a named region, and shows its focus when tabbed to."""
    regions = scroll_regions(ui)
    assert {r["name"] for r in regions} == names, f"scroll regions on {ui.path}: {regions}"
    for region in regions:
        assert region["attributes"].get("tabindex") == "0", region
        assert region["attributes"].get("role") == "region", region
        assert region["role"] == "region", region
    ui.tab_to("main .overflow-auto", max_presses=80)
    outline = ui.page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
                    visible: document.activeElement.matches(':focus-visible')};
        }"""
    )
    assert outline["visible"], outline
    assert outline["style"] != "none", outline
    assert outline["width"] >= 2, outline


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_catalog_table_is_a_named_focusable_region(ui: UI, catalog_entry: Any) -> None:
    ui.goto("/catalogs/subsidised_training/")
    assert_regions_reachable(ui, {"目录条目"})


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_class_list_is_a_named_focusable_region(
    ui: UI, city: Any, staff_a: Any, bureau_admin: Any, catalog_entry: Any, accredited: Any
) -> None:
    approved_class(staff_a, bureau_admin, programme(staff_a), capacity=30)
    ui.login(staff_a)
    ui.goto("/training/")
    assert_regions_reachable(ui, {"培训班"})


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_my_record_tables_are_named_focusable_regions(
    ui: UI, worker: Any, person: Any, bureau_admin: Any, target_groups: Any
) -> None:
    member(bureau_admin, person, target_groups["unemployed"])
    record_services.share_record(person, actor=worker, days=3)
    ui.login(worker)
    assert ui.path == "/"
    ui.follow(ui.page.locator("header nav a[href='/records/mine/']"))
    assert ui.path == "/records/mine/"
    assert_regions_reachable(ui, {"重点群体", "有效的链接"})
