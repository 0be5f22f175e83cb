"""Layout of the subsidised training catalog: its wide table never widens the page.

In English the entries table (nine columns, target groups as tags) is wider than a desktop
window and much wider than a phone. It must scroll sideways inside its ``{% scrollable %}``
region, on every viewport, while the page itself keeps the window's width; the region stays
reachable by keyboard, so its last columns (Valid, Status, History) can still be read.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from jineng.catalogs import services
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.tests import conftest as catalog_fixtures
from jineng.catalogs.tests.helpers import publish, subsidy
from tests.e2e.browser import UI

# Reference data of the catalogs tests, built the same way.
levels = catalog_fixtures.levels
occupations = catalog_fixtures.occupations
publisher = catalog_fixtures.publisher

GROUPS = ("migrant_worker", "graduate", "unemployed", "veteran", "disabled", "poverty_alleviated")


def widths(ui: UI) -> dict[str, int]:
    """The page's scrolling width, the window's, and the entries region's inner and outer."""
    return ui.page.evaluate(
        """() => {
            const region = document.querySelector('main .overflow-auto');
            return {page: document.documentElement.scrollWidth, window: window.innerWidth,
                    region: region.clientWidth, table: region.scrollWidth};
        }"""
    )


def test_subsidised_catalog_in_english_never_scrolls_the_page_sideways(
    ui: UI,
    bureau_admin: Any,
    publisher: Any,
    levels: Any,
    occupations: Any,
    target_groups: Any,
) -> None:
    this_year = datetime.date(timezone.localdate().year, 1, 1)
    version = publish(
        bureau_admin,
        publisher,
        [
            subsidy(
                target_groups=GROUPS,
                group_subsidy_fen={"veteran": 120000, "disabled": 150000},
                age_min=16,
                age_max=60,
                valid_from=this_year,
                valid_until=this_year.replace(month=12, day=31),
            ),
            subsidy("6-18-02-04", training_type="upskilling", fen=150000),
        ],
        effective_from=this_year,
    )
    ui.page.context.add_cookies([{"name": "django_language", "value": "en", "url": ui.base_url}])

    ui.goto(f"/catalogs/versions/{version.pk}/")
    measured = widths(ui)
    assert measured["page"] <= measured["window"], measured

    ui.goto("/catalogs/subsidised_training/")
    measured = widths(ui)
    assert measured["page"] <= measured["window"], measured
    # The table is wider than its region and scrolls inside it instead.
    assert measured["table"] > measured["region"], measured
    assert measured["region"] <= measured["window"], measured
    ui.tab_to("main .overflow-auto", max_presses=80)
    # The arrow keys scroll the focused region (smoothly, so wait), never the page.
    ui.page.keyboard.press("ArrowRight")
    ui.page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    assert ui.page.evaluate("() => window.scrollX") == 0

    # The console's draft of next year, copied from it, shows the same table beside its forms.
    draft = services.create_draft(
        CatalogKind.SUBSIDISED_TRAINING, title="Draft", actor=bureau_admin, copy_current=True
    )
    ui.login(bureau_admin)
    ui.goto(f"/catalogs/console/versions/{draft.pk}/")
    measured = widths(ui)
    assert measured["page"] <= measured["window"], measured
