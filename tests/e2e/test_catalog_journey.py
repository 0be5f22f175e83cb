"""Journey of issue 4: next year's subsidised training catalog, imported, published, public.

With the current subsidised training catalog (version 1) published through the services,
bureau administrator A opens the catalog console, imports next year's version from an xlsx file
(one amount changed, one entry added, one left out), records a reason for each difference and
sends it for review. A cannot publish it: the page says another administrator must. Bureau
administrator B publishes it from 1 January of next year, and an anonymous visitor sees on
/catalogs/ the version to come, its differences against the current one and, in the change log,
the changed amount with its reason.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import openpyxl
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from playwright.sync_api import expect

from jineng.catalogs.choices import CatalogKind, ChangeReason, GroundsKind, VersionStatus
from jineng.catalogs.models import CatalogChange, CatalogVersion
from jineng.catalogs.tests import conftest as catalog_fixtures
from jineng.catalogs.tests.helpers import publish, subsidy
from jineng.core.models import AuditEvent
from tests.e2e.browser import UI

# Reference data of the catalogs tests, built the same way.
levels = catalog_fixtures.levels
occupations = catalog_fixtures.occupations
publisher = catalog_fixtures.publisher

SUBSIDISED = CatalogKind.SUBSIDISED_TRAINING
TITLE = "2027 年政府补贴培训目录"
CHANGED = "6-31-01-03/level5/employment"
ADDED = "4-03-02-01/level5/employment"
REMOVED = "4-10-01-05/level4/employment"
POLICY_REF = "吉人社〔2026〕9号"


def zh(text: Any) -> str:
    """The text as the Chinese UI shows it."""
    with translation.override("zh-hans"):
        return str(text)


def next_year_xlsx() -> bytes:
    """Next year's catalog: 电工 800 → 1,000 元, 焊工 as is, 中式烹调师 new, 养老护理员 out."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["职业编码", "技能等级", "培训类型", "补贴标准(元/人)", "最低课时"])
    sheet.append(["6-31-01-03", "初级", "就业技能培训", 1000, 80])
    sheet.append(["6-18-02-04", "初级", "岗位技能提升培训", 1500, 80])
    sheet.append(["4-03-02-01", "初级", "就业技能培训", 800, 60])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def record_reason(ui: UI, key: str, reason: str, grounds: str, reference: str) -> None:
    """Tick one difference on the workbench and record its reason and grounds."""
    main = ui.page.locator("main")
    main.locator(f"input[name=keys][value='{key}']").check()
    form = main.locator("#reason-form")
    form.locator("select[name=reason]").select_option(reason)
    form.locator("select[name=grounds_kind]").select_option(grounds)
    form.locator("input[name=grounds_reference]").fill(reference)
    ui.follow(form.locator("button[type=submit]"))


def test_next_years_catalog_imported_published_by_a_second_admin_and_seen_by_the_public(
    ui: UI,
    open_ui: Callable[..., UI],
    bureau_admin: Any,
    publisher: Any,
    levels: Any,
    occupations: Any,
    target_groups: Any,
) -> None:
    today = timezone.localdate()
    this_year = datetime.date(today.year, 1, 1)
    next_year = datetime.date(today.year + 1, 1, 1)
    v1 = publish(
        bureau_admin,
        publisher,
        [
            subsidy(),
            subsidy("6-18-02-04", training_type="upskilling", fen=150000),
            subsidy("4-10-01-05", level="level4", fen=200000),
        ],
        effective_from=this_year,
    )

    # (1) Administrator A imports next year's version in the console.
    ui.login(bureau_admin)
    ui.goto("/catalogs/console/")
    main = ui.page.locator("main")
    ui.follow(main.locator("a[href$='/catalogs/console/import/']"))
    form = main.locator("form[enctype='multipart/form-data']")
    form.locator("select[name=kind]").select_option(SUBSIDISED)
    form.locator("input[name=title]").fill(TITLE)
    form.locator("input[name=effective_from]").fill(next_year.isoformat())
    form.locator("input[name=file]").set_input_files(
        {
            "name": "2027.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": next_year_xlsx(),
        }
    )
    ui.follow(form.locator("button[type=submit]"))
    v2 = CatalogVersion.objects.get(title=TITLE)
    assert ui.path == f"/catalogs/console/versions/{v2.pk}/"
    assert (v2.status, v2.based_on_id, v2.created_by_id) == (
        VersionStatus.DRAFT,
        v1.pk,
        bureau_admin.pk,
    )
    assert sorted(v2.entries.values_list("key", flat=True)) == sorted(
        [CHANGED, ADDED, "6-18-02-04/level5/upskilling"]
    )
    assert v2.entries.get(key=CHANGED).subsidy_fen == 100000
    assert not CatalogChange.objects.filter(version=v2).exists()
    for key in (CHANGED, ADDED, REMOVED):
        expect(main.locator(f"input[name=keys][value='{key}']")).to_have_count(1)

    # ... records a reason for each difference, and sends it for review.
    record_reason(ui, CHANGED, ChangeReason.CHANGED, GroundsKind.POLICY, POLICY_REF)
    record_reason(ui, ADDED, ChangeReason.ADDED, GroundsKind.APPLICATION, "餐饮协会申请")
    record_reason(ui, REMOVED, ChangeReason.REMOVED, GroundsKind.SCORECARD, "2026 绩效评估 D 级")
    changes = {
        c.key: (c.reason, c.grounds_kind, c.grounds_reference)
        for c in CatalogChange.objects.filter(version=v2)
    }
    assert changes == {
        CHANGED: (ChangeReason.CHANGED, GroundsKind.POLICY, POLICY_REF),
        ADDED: (ChangeReason.ADDED, GroundsKind.APPLICATION, "餐饮协会申请"),
        REMOVED: (ChangeReason.REMOVED, GroundsKind.SCORECARD, "2026 绩效评估 D 级"),
    }
    expect(main.locator("section[aria-labelledby=diff-heading]")).to_contain_text(POLICY_REF)
    ui.follow(main.locator(f"form[action$='/catalogs/console/versions/{v2.pk}/submit/'] button"))
    v2.refresh_from_db()
    assert (v2.status, v2.submitted_by_id) == (VersionStatus.IN_REVIEW, bureau_admin.pk)

    # (2) A may not publish what A prepared: the page says so and offers no publish button.
    review = main.locator("section[aria-labelledby=review-heading]")
    expect(review).to_contain_text(
        zh(gettext_lazy("You prepared this version: another administrator must publish it."))
    )
    expect(review.locator("form[action$='/publish/']")).to_have_count(0)
    ui.logout()
    v2.refresh_from_db()
    assert v2.status == VersionStatus.IN_REVIEW

    # (3) Administrator B publishes it from 1 January next year.
    ui.login(publisher)
    ui.goto(f"/catalogs/console/versions/{v2.pk}/")
    publish_form = main.locator(f"form[action$='/catalogs/console/versions/{v2.pk}/publish/']")
    expect(publish_form.locator("input[name=effective_from]")).to_have_value(next_year.isoformat())
    ui.follow(publish_form.locator("button[type=submit]"))
    v2.refresh_from_db()
    assert (v2.status, v2.published_by_id, v2.effective_from) == (
        VersionStatus.PUBLISHED,
        publisher.pk,
        next_year,
    )
    assert AuditEvent.objects.filter(actor=publisher, action__contains="publish").exists()

    # (4) An anonymous visitor sees the coming version, its differences and their reasons.
    visitor = open_ui()
    visitor.goto("/catalogs/")
    card = visitor.page.locator(
        "main article", has=visitor.page.locator(f"a[href$='/catalogs/{SUBSIDISED}/']")
    ).first
    expect(card).to_contain_text(next_year.isoformat())
    visitor.follow(card.locator(f"a[href$='/catalogs/{SUBSIDISED}/']").first)
    assert visitor.path == f"/catalogs/{SUBSIDISED}/"
    expect(visitor.page.locator("main")).to_contain_text("电工")

    visitor.goto("/catalogs/")
    visitor.follow(card.locator(f"a[href$='/catalogs/versions/{v2.pk}/compare/']"))
    diff = visitor.page.locator("main table")
    changed_row = diff.locator("tbody tr", has=visitor.page.locator(f"text={CHANGED}"))
    expect(changed_row).to_contain_text("800")
    expect(changed_row.locator("ins")).to_contain_text("1,000")

    visitor.follow(visitor.page.locator(f"main a[href$='/catalogs/{SUBSIDISED}/changes/']").first)
    log_row = (
        visitor.page.locator("main table tbody tr")
        .filter(has=visitor.page.locator(f"a[href$='/catalogs/versions/{v2.pk}/compare/']"))
        .filter(has=visitor.page.get_by_text(CHANGED, exact=True))
    )
    expect(log_row).to_have_count(1)
    expect(log_row).to_contain_text(zh(ChangeReason.CHANGED.label))
    expect(log_row).to_contain_text(POLICY_REF)
