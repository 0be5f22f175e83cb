"""The claim pages through the client, as each role: scope, masking, and who may take which
step. The amounts are the tests' stand-in (conftest's ``stub_amounts``)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jineng.accounts.models import User
from jineng.core.models import AuditEvent
from jineng.subsidies import services
from jineng.subsidies.choices import ClaimStatus, Confirmation, ObjectionKind
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine, Objection
from jineng.subsidies.tests.conftest import (
    LINE_FEN,
    Crew,
    StubAmounts,
    confirm_all,
    end_notice,
    enrol,
    finished_class,
    new_person,
    to_approved,
    to_notice,
    worker_of,
)
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db
MISSING = 999_999


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def claim(a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts) -> Claim:
    return services.submit_class_claim(a_class.pk, actor=crew.submitter)


def as_user(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def without_tokens(response: Any, pk: int) -> str:
    """The page without its CSRF tokens and the id asked for, to compare two answers."""
    text = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())
    return text.replace(f"/{pk}/", "/ID/")


def lines_of(claim: Claim) -> list[ClaimLine]:
    return list(claim.lines.select_related("person").order_by("id"))


def test_institution_claims_a_finished_class_from_its_page(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    client = as_user(crew.submitter)
    listing = client.get(reverse("subsidies:claims"))
    assert listing.status_code == 200
    assert reverse("subsidies:claim_class", args=[a_class.pk]) in listing.content.decode()
    page = client.get(reverse("subsidies:claim_class", args=[a_class.pk]))
    assert page.status_code == 200
    completers = a_class.enrolments.filter(status=EnrolmentStatus.COMPLETED)
    for enrolment in completers:
        assert enrolment.person.name in page.content.decode()

    response = client.post(reverse("subsidies:claim_class", args=[a_class.pk]))

    claim = Claim.objects.get(training_class=a_class)
    assert response.status_code == 302
    assert response["Location"] == reverse("subsidies:claim", args=[claim.pk])
    detail = client.get(response["Location"]).content.decode()
    assert claim.number in detail
    assert "Example standard of rule set v1" in detail
    dropped = a_class.enrolments.get(status=EnrolmentStatus.NOT_COMPLETED)
    assert dropped.person.name in detail
    assert "Did not complete the class" in detail
    assert AuditEvent.objects.filter(action="subsidies.claim.submitted").count() == 1
    # Claimed once: the class leaves the list of classes to claim.
    listing = client.get(reverse("subsidies:claims")).content.decode()
    assert reverse("subsidies:claim_class", args=[a_class.pk]) not in listing


def test_a_class_not_finished_shows_why_and_offers_no_submit(
    school_a: Any, staff_a: User, rule_set: Any, stub_amounts: StubAmounts
) -> None:
    running = finished_class(school_a, code="C-RUN", ended=-5, status="running")
    page = as_user(staff_a).get(reverse("subsidies:claim_class", args=[running.pk]))
    assert page.status_code == 200
    assert "only once the class has finished" in page.content.decode()
    assert "Submit the claim" not in page.content.decode()


def test_another_institution_gets_404_like_a_missing_claim(claim: Claim, staff_b: User) -> None:
    client = as_user(staff_b)
    theirs = client.get(reverse("subsidies:claim", args=[claim.pk]))
    missing = client.get(reverse("subsidies:claim", args=[MISSING]))
    assert theirs.status_code == missing.status_code == 404
    assert without_tokens(theirs, claim.pk) == without_tokens(missing, MISSING)
    assert claim.number not in theirs.content.decode()
    assert claim.number not in client.get(reverse("subsidies:claims")).content.decode()
    post = client.post(reverse("subsidies:claim_class", args=[claim.training_class_id]))
    assert post.status_code == 404


def test_institution_lists_only_its_own_claims(claim: Claim, staff_a: User) -> None:
    page = as_user(staff_a).get(reverse("subsidies:claims"))
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == [claim]


def test_only_the_classes_institution_may_claim_it(
    a_class: TrainingClass, reviewer: User, rule_set: Any, stub_amounts: StubAmounts
) -> None:
    client = as_user(reviewer)
    page = client.get(reverse("subsidies:claim_class", args=[a_class.pk]))
    assert page.status_code == 200
    assert "Submit the claim" not in page.content.decode()
    assert client.post(reverse("subsidies:claim_class", args=[a_class.pk])).status_code == 403
    assert not Claim.objects.exists()


def test_a_worker_sees_only_their_own_line(claim: Claim) -> None:
    mine, other = lines_of(claim)
    client = as_user(worker_of(mine.person_id))
    page = client.get(reverse("subsidies:claim", args=[claim.pk])).content.decode()
    assert mine.person.name in page
    assert other.person.name not in page
    subsidies = client.get(reverse("subsidies:my_subsidies"))
    assert [item.line for item in subsidies.context["items"]] == [mine]
    assert "I attended and was assessed" in subsidies.content.decode()
    # Another's line answers as missing.
    assert client.post(reverse("subsidies:line_confirm", args=[other.pk])).status_code == 404
    assert client.get(reverse("subsidies:line_dispute", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.confirmation == Confirmation.PENDING


def test_the_worker_confirms_on_their_page(claim: Claim) -> None:
    line = lines_of(claim)[0]
    client = as_user(worker_of(line.person_id))
    response = client.post(reverse("subsidies:line_confirm", args=[line.pk]))
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.confirmation == Confirmation.CONFIRMED
    assert AuditEvent.objects.filter(action="subsidies.claimline.confirmed").count() == 1
    page = client.get(reverse("subsidies:my_subsidies")).content.decode()
    assert "I attended and was assessed" not in page


def test_this_is_not_right_holds_the_claim(claim: Claim) -> None:
    line = lines_of(claim)[0]
    client = as_user(worker_of(line.person_id))
    form = client.get(reverse("subsidies:line_dispute", args=[line.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("subsidies:line_dispute", args=[line.pk]), {"text": "我没有参加这个班"}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.confirmation == Confirmation.DISPUTED
    objection = Objection.objects.get(line=line)
    assert (objection.kind, objection.text) == (ObjectionKind.WORKER, "我没有参加这个班")
    assert ClaimHold.objects.filter(claim=claim, released_at__isnull=True).count() == 1
    page = client.get(reverse("subsidies:my_subsidies")).content.decode()
    assert "on hold" in page
    listing = as_user(User.objects.get(username="staff_a")).get(reverse("subsidies:claims"))
    assert [c.open_holds for c in listing.context["page"].object_list] == [True]


def test_staff_may_not_confirm_a_trainees_line(claim: Claim, staff_a: User) -> None:
    line = lines_of(claim)[0]
    response = as_user(staff_a).post(reverse("subsidies:line_confirm", args=[line.pk]))
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.confirmation == Confirmation.PENDING


@pytest.mark.parametrize(
    ("who", "step", "expected"),
    [
        ("submitter", "first_review", 403),
        ("approver", "first_review", 403),
        ("payer", "first_review", 403),
        ("first", "first_review", 302),
        ("first", "approve", 403),
        ("payer", "reject", 403),
    ],
)
def test_each_step_only_for_its_role(
    claim: Claim, crew: Crew, who: str, step: str, expected: int
) -> None:
    user = getattr(crew, who)
    before = Claim.objects.get(pk=claim.pk).status
    data = {"reasons": "材料不全"} if step == "reject" else {}
    response = as_user(user).post(reverse(f"subsidies:claim_{step}", args=[claim.pk]), data)
    assert response.status_code == expected
    after = Claim.objects.get(pk=claim.pk).status
    if expected == 403:
        assert after == before
    elif step == "first_review" and who == "first":
        assert after == ClaimStatus.FIRST_REVIEWED


def test_a_worker_posting_a_step_gets_404_like_missing(claim: Claim) -> None:
    line = lines_of(claim)[0]
    other = as_user(worker_of(line.person_id))
    # The worker sees the claim (their line) but has no step: 403; a stranger's claim is 404.
    response = other.post(reverse("subsidies:claim_first_review", args=[claim.pk]))
    assert response.status_code == 403
    missing = other.post(reverse("subsidies:claim_first_review", args=[MISSING]))
    assert missing.status_code == 404


def test_the_claim_moves_through_the_pages_to_payment(
    claim: Claim, crew: Crew, budget: Any
) -> None:
    def step(user: User, name: str, **data: str) -> None:
        response = as_user(user).post(reverse(f"subsidies:claim_{name}", args=[claim.pk]), data)
        assert response.status_code == 302, response.content

    queue = as_user(crew.first).get(reverse("subsidies:claim_queue"))
    assert claim in queue.context["groups"][0]["claims"]
    step(crew.first, "first_review", note="材料齐全")
    # The first reviewer is not offered the second review; the other reviewer is.
    page = as_user(crew.first).get(reverse("subsidies:claim", args=[claim.pk]))
    assert [a["name"] for a in page.context["actions"]] == ["reject"]
    page = as_user(crew.second).get(reverse("subsidies:claim", args=[claim.pk]))
    assert [a["name"] for a in page.context["actions"]] == ["second_review", "reject"]
    step(crew.second, "second_review", note="复核无误")
    step(crew.second, "start_notice")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_NOTICE
    confirm_all(claim)
    end_notice(claim)
    step(crew.approver, "approve")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED

    client = as_user(crew.payer)
    payments = client.get(reverse("subsidies:claim_payments"))
    assert payments.status_code == 200
    assert claim.number in payments.content.decode()
    response = client.post(
        reverse("subsidies:claim_payments"),
        {
            "batch_reference": "2026-12-001",
            f"pay_{claim.pk}": "on",
            f"name_{claim.pk}": "梅河口市甲职业培训学校",
            f"account_{claim.pk}": "6222020200001234567",
            f"bank_{claim.pk}": "工商银行",
        },
    )
    assert response.status_code == 302, response.content
    claim.refresh_from_db()
    assert (claim.status, claim.payment_reference) == (ClaimStatus.PAID, "2026-12-001")
    batch = client.get(reverse("subsidies:claim_payments")).context["batches"][0]
    download = client.get(reverse("subsidies:claim_payment_file", args=[batch.pk]))
    assert download.status_code == 200
    assert "6222020200001234567" in download.content.decode("utf-8-sig")
    assert download["Content-Disposition"].startswith("attachment")


def test_payment_without_an_account_pays_nothing(claim: Claim, crew: Crew, budget: Any) -> None:
    to_approved(claim, crew)
    response = as_user(crew.payer).post(
        reverse("subsidies:claim_payments"),
        {"batch_reference": "B-1", f"pay_{claim.pk}": "on", f"name_{claim.pk}": "甲"},
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_only_finance_pays(claim: Claim, crew: Crew, reviewer: User, auditor: User) -> None:
    for user in (crew.submitter, reviewer, auditor, crew.approver):
        assert as_user(user).get(reverse("subsidies:claim_payments")).status_code == 403


def test_a_reviewer_resolves_a_disputed_line(claim: Claim, crew: Crew) -> None:
    line = lines_of(claim)[0]
    services.dispute_line(line.pk, text="没去上课", actor=worker_of(line.person_id))
    objection = Objection.objects.get(line=line)
    page = as_user(crew.first).get(reverse("subsidies:claim", args=[claim.pk])).content.decode()
    assert "没去上课" in page
    assert "Resolve the objection" in page
    url = reverse("subsidies:claim_objection_resolve", args=[objection.pk])
    prefix = f"o{objection.pk}"
    # The institution sees the objection but may not resolve it.
    denied = as_user(crew.submitter).post(
        url, {f"{prefix}-decision": "dismissed", f"{prefix}-resolution": "x"}
    )
    assert denied.status_code == 403
    response = as_user(crew.first).post(
        url, {f"{prefix}-decision": "upheld", f"{prefix}-resolution": "考勤记录证实未到课"}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    line.refresh_from_db()
    assert objection.status == "upheld"
    assert line.active is False


def test_public_notice_masks_names_and_shows_no_ids(claim: Claim, crew: Crew) -> None:
    to_notice(claim, crew)
    client = as_user(None)
    listing = client.get(reverse("subsidies:notice"))
    assert listing.status_code == 200
    assert claim.number in listing.content.decode()
    page = client.get(reverse("subsidies:notice_claim", args=[claim.number]))
    text = page.content.decode()
    assert page.status_code == 200
    for line in lines_of(claim):
        assert line.person.name not in text
        assert line.person.name[0] + "*" in text
    assert "元" in text
    assert "id_number" not in text


def test_a_claim_not_on_notice_is_not_public(claim: Claim) -> None:
    page = Client().get(reverse("subsidies:notice_claim", args=[claim.number]))
    assert page.status_code == 404


def test_anyone_may_object_during_the_notice_within_a_limit(
    claim: Claim, crew: Crew, settings: Any
) -> None:
    settings.JINENG_OBJECTIONS_PER_HOUR = 2
    to_notice(claim, crew)
    client = as_user(None)
    url = reverse("subsidies:notice_claim", args=[claim.number])
    for n in range(2):
        response = client.post(url, {"text": f"第{n}人没有上课", "contact": "13800000000"})
        assert response.status_code == 200
        assert response.context["sent"] is True
    flood = client.post(url, {"text": "再来一次", "contact": ""})
    assert flood.status_code == 429
    objections = Objection.objects.filter(claim=claim, kind=ObjectionKind.PUBLIC)
    assert objections.count() == 2
    assert all(o.contact_encrypted for o in objections)
    assert ClaimHold.objects.filter(claim=claim, released_at__isnull=True).count() == 2
    assert "13800000000" not in flood.content.decode()


def test_an_empty_objection_is_refused(claim: Claim, crew: Crew) -> None:
    to_notice(claim, crew)
    response = Client().post(reverse("subsidies:notice_claim", args=[claim.number]), {"text": ""})
    assert response.status_code == 400
    assert not Objection.objects.exists()


def test_pages_need_a_login_except_the_notice(claim: Claim) -> None:
    client = Client()
    for name, args in (
        ("subsidies:claims", []),
        ("subsidies:claim_queue", []),
        ("subsidies:my_subsidies", []),
        ("subsidies:claim", [claim.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 302
    assert client.get(reverse("subsidies:notice")).status_code == 200


def test_the_amount_is_shown_in_yuan(claim: Claim, staff_a: User) -> None:
    page = as_user(staff_a).get(reverse("subsidies:claim", args=[claim.pk])).content.decode()
    assert "1,500.00 元" in page
    assert claim.total_fen == 2 * LINE_FEN


def test_the_list_reads_a_fixed_number_of_queries(
    claim: Claim, school_a: Any, city: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    client = as_user(crew.first)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("subsidies:claims")).status_code == 200
        return len(queries)

    one = count()
    for n in (2, 3):
        other = finished_class(school_a, code=f"C-BT-{n}")
        enrol(other, new_person(city), EnrolmentStatus.COMPLETED)
        services.submit_class_claim(other.pk, actor=crew.submitter)
    assert Claim.objects.count() == 3
    assert count() == one
