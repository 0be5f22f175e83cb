"""Sweep: every page the site's navigation offers a role passes the accessibility checks.

Journeys reach pages through tasks; this sweep makes sure that no page a user can reach from
the header is left unchecked, including pages that features add to the navigation later.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import UI

# The bureau administrator reaches a superset of the reviewer's and auditor's pages; the phone
# layout is swept for the two roles with the most and the most phone-bound pages.
SWEEPS = [
    ("anonymous", "desktop"),
    ("bureau_admin", "desktop"),
    ("staff_a", "desktop"),
    ("worker", "desktop"),
    ("bureau_admin", "phone"),
    ("worker", "phone"),
]


def nav_links(ui: UI) -> list[str]:
    """Return the same-site links of the header, in order, without duplicates."""
    hrefs = ui.page.eval_on_selector_all(
        "header a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    return list(dict.fromkeys(h for h in hrefs if h.startswith("/") and "#" not in h))


@pytest.mark.parametrize(("role", "device"), SWEEPS, indirect=["device"])
def test_every_page_in_the_navigation_is_accessible(
    ui: UI, role: str, request: pytest.FixtureRequest
) -> None:
    if role == "anonymous":
        ui.goto("/accounts/login/")
    else:
        ui.login(request.getfixturevalue(role))
    links = nav_links(ui)
    assert links, "the header offers no links"
    for href in links:
        ui.goto(href)
