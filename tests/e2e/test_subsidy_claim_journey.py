"""Journey of issue 15: one class's training subsidy from the claim to the payment file.

The institution claims its finished class (the completers with their amounts, the one who
did not complete left out with the reason); a reviewer passes the first review from the
queue, a second reviewer the second and starts the public notice (公示), which anyone reads
with the names masked; each worker confirms on their phone; once the notice has run, the
bureau approves and finance pays the claim in a batch and downloads the bank file.

The amounts are the claim tests' stand-in (jineng/subsidies/tests/conftest.py): the amount
rules have their own tests. Pages are read in English so that the journey can name them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from jineng.core import pii
from jineng.subsidies.choices import ClaimStatus, Confirmation
from jineng.subsidies.models import Claim
from jineng.subsidies.tests import conftest as claim_fixtures
from jineng.training.choices import EnrolmentStatus
from tests.e2e.browser import PHONE, UI

# The claim tests' world, built the same way: a finished class, rules, budget, the crew.
a_class = claim_fixtures.a_class
rule_set = claim_fixtures.rule_set
sources = claim_fixtures.sources
budget = claim_fixtures.budget
finance = claim_fixtures.finance
reviewer2 = claim_fixtures.reviewer2
crew = claim_fixtures.crew
stub_amounts = claim_fixtures.stub_amounts
no_fraud_screens = claim_fixtures.no_fraud_screens

ACCOUNT = "6222020200001234567"


def test_a_class_claim_from_submission_to_payment(
    open_ui: Callable[..., UI],
    browser: Any,
    live_server: Any,
    a_class: Any,
    rule_set: Any,
    budget: Any,
    crew: Any,
    stub_amounts: Any,
) -> None:
    staff = _english(open_ui(locale="en"))
    staff.login(crew.submitter)
    staff.goto("/subsidies/claims/")
    staff.follow(staff.page.locator(f"main a[href$='/subsidies/classes/{a_class.pk}/claim/']"))
    dropped = a_class.enrolments.get(status=EnrolmentStatus.NOT_COMPLETED).person
    completers = [e.person for e in a_class.enrolments.filter(status=EnrolmentStatus.COMPLETED)]
    for person in completers:
        expect(staff.page.locator("main")).to_contain_text(person.name)
    staff.follow(staff.page.get_by_role("button", name="Submit the claim"))
    claim = Claim.objects.get(training_class=a_class)
    assert staff.path == f"/subsidies/claims/{claim.pk}/"
    main = staff.page.locator("main")
    expect(main).to_contain_text(claim.number)
    expect(main).to_contain_text(dropped.name)
    expect(main).to_contain_text("Did not complete the class")
    staff.page.get_by_text("How the amount was computed").first.click()
    expect(main).to_contain_text("Example standard of rule set v1")

    first = _english(open_ui(locale="en"))
    first.login(crew.first)
    first.goto("/subsidies/claims/queue/")
    first.follow(first.page.locator(f"main a[href='/subsidies/claims/{claim.pk}/']").first)
    first.page.get_by_label("Review note").first.fill("材料齐全，考勤与考核记录一致")
    first.follow(first.page.get_by_role("button", name="Pass the first review"))
    expect(first.page.locator(".messages")).to_contain_text("The first review is recorded.")

    second = _english(open_ui(locale="en"))
    second.login(crew.second)
    second.goto(f"/subsidies/claims/{claim.pk}/")
    second.follow(second.page.get_by_role("button", name="Pass the second review"))
    second.follow(second.page.get_by_role("button", name="Start the public notice"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_NOTICE

    public = _english(open_ui(locale="en"))
    public.goto("/subsidies/notice/")
    public.follow(public.page.locator(f"main a[href$='/subsidies/notice/{claim.number}/']"))
    notice = public.page.locator("main").inner_text()
    for person in completers:
        assert person.name not in notice
        assert pii.mask_name(person.name) in notice

    for person in completers:
        phone = _phone(browser, live_server)
        phone.login(claim_fixtures.worker_of(person.pk))
        phone.goto("/subsidies/mine/")
        phone.follow(phone.page.get_by_role("button", name="I attended and was assessed"))
        expect(phone.page.locator(".messages")).to_contain_text("you confirmed it")
        phone.page.context.close()
    assert set(claim.lines.values_list("confirmation", flat=True)) == {Confirmation.CONFIRMED}

    claim_fixtures.end_notice(claim)
    bureau = _english(open_ui(locale="en"))
    bureau.login(crew.approver)
    bureau.goto(f"/subsidies/claims/{claim.pk}/")
    bureau.follow(bureau.page.get_by_role("button", name="Approve the claim"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED

    pay = _english(open_ui(locale="en"))
    pay.login(crew.payer)
    pay.goto("/subsidies/claims/payments/")
    pay.page.get_by_label("Payment batch number").fill("2026-12-001")
    pay.page.locator(f"input[name=pay_{claim.pk}]").check()
    pay.page.locator(f"input[name=account_{claim.pk}]").fill(ACCOUNT)
    pay.page.locator(f"input[name=bank_{claim.pk}]").fill("中国工商银行梅河口支行")
    pay.follow(pay.page.get_by_role("button", name="Pay the chosen claims in one batch"))
    claim.refresh_from_db()
    assert (claim.status, claim.payment_reference) == (ClaimStatus.PAID, "2026-12-001")
    link = pay.page.locator("main a[href*='/file/?layout=example_csv']").first
    with pay.page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8-sig") as file:
        content = file.read()
    assert ACCOUNT in content
    assert claim.reference in content


def _english(ui: UI) -> UI:
    """Read the UI in English: the language cookie, as the language switch sets it."""
    ui.page.context.add_cookies([{"name": "django_language", "value": "en", "url": ui.base_url}])
    # A journey of six accounts: give a busy machine's first page loads some room.
    ui.page.set_default_timeout(30_000)
    return ui


def _phone(browser: Any, live_server: Any) -> UI:
    """A worker's own phone: a fresh tab on the phone viewport, in English."""
    context = browser.new_context(locale="en", timezone_id="Asia/Shanghai", **PHONE.context_options)
    context.set_default_timeout(10_000)
    return _english(UI(page=context.new_page(), base_url=live_server.url, device=PHONE))


@pytest.fixture
def device() -> Any:
    """Staff, reviewers and finance work on a desktop here; the workers have phones."""
    from tests.e2e.browser import DESKTOP

    return DESKTOP


def test_a_worker_says_this_is_not_right_on_the_phone(
    browser: Any,
    live_server: Any,
    a_class: Any,
    rule_set: Any,
    crew: Any,
    stub_amounts: Any,
) -> None:
    from jineng.subsidies import services

    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    line = claim.lines.order_by("id").first()
    assert line is not None
    phone = _phone(browser, live_server)
    try:
        phone.login(claim_fixtures.worker_of(line.person_id))
        phone.goto("/subsidies/mine/")
        phone.follow(phone.page.get_by_role("button", name="This is not right"))
        phone.page.get_by_label("What is not right?").fill("我没有参加这个班的考核")
        phone.follow(phone.page.get_by_role("button", name="Send"))
        expect(phone.page.locator("main")).to_contain_text("on hold")
    finally:
        phone.page.context.close()
    line.refresh_from_db()
    assert line.confirmation == Confirmation.DISPUTED
    assert claim.holds.filter(released_at__isnull=True).count() == 1
