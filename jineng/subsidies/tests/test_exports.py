"""The claims' xlsx export: exact rows and cells read back, as each role; masking, scope,
the audit event and a cell that looks like a formula. Amounts are the tests' stand-in."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core import audit, pii
from jineng.core.models import AuditEvent
from jineng.organizations.models import Organization
from jineng.regions.models import Region
from jineng.subsidies import exports, services
from jineng.subsidies.models import Claim
from jineng.subsidies.tests.conftest import (
    LINE_FEN,
    Crew,
    StubAmounts,
    enrol,
    finished_class,
    new_person,
)
from jineng.subsidies.views import exports as export_views
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db
EXPORT = reverse("subsidies:claims_export")


def as_user(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def sheets(response: Any) -> dict[str, list[tuple[Any, ...]]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith('attachment; filename="claims-')
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.fixture
def claim_a(a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts) -> Claim:
    TrainingClass.objects.filter(pk=a_class.pk).update(region=Region.objects.get(code="220581001"))
    return services.submit_class_claim(a_class.pk, actor=crew.submitter)


@pytest.fixture
def claim_b(
    school_b: Organization, city: Region, rule_set: Any, stub_amounts: StubAmounts
) -> Claim:
    training_class = finished_class(school_b, code="C-B-1")
    TrainingClass.objects.filter(pk=training_class.pk).update(
        region=Region.objects.get(code="220581100")
    )
    enrol(training_class, new_person(city), EnrolmentStatus.COMPLETED)
    staff = make_user("staff_b_claims", Role.INSTITUTION_STAFF, organization=school_b)
    return services.submit_class_claim(training_class.pk, actor=staff)


def test_auditor_exports_every_claim_with_its_lines_masked(
    claim_a: Claim, claim_b: Claim, auditor: User
) -> None:
    book = sheets(as_user(auditor).post(EXPORT))
    assert list(book) == ["Claims", "Claim lines"]
    claims = book["Claims"]
    assert claims[0][:11] == (
        "Claim number",
        "Kind",
        "Status",
        "On hold",
        "Claimed by",
        "Class code",
        "Budget year",
        "Paid from",
        "Amount (yuan)",
        "People in the claim",
        "Rule set",
    )
    submitted_b = timezone.localtime(claim_b.submitted_at).strftime("%Y-%m-%d %H:%M:%S")
    # Newest first: B was submitted after A.
    assert [row[0] for row in claims[1:]] == [claim_b.number, claim_a.number]
    assert claims[1][:14] == (
        claim_b.number,
        "Training subsidy (培训补贴)",
        "Submitted",
        "No",
        "梅河口市乙职业培训学校",
        "C-B-1",
        claim_b.year,
        "就业补助资金",
        Decimal(LINE_FEN) / 100,
        1,
        1,
        submitted_b,
        "staff_b_claims",
        None,
    )
    assert claims[2][8] == Decimal(2 * LINE_FEN) / 100
    lines = book["Claim lines"]
    assert lines[0] == (
        "Claim number",
        "Kind",
        "Person number",
        "Name (masked)",
        "Amount (yuan)",
        "In the claim",
        "Worker's confirmation",
        "Why it was removed",
    )
    expected = [
        (
            claim.number,
            "Training subsidy (培训补贴)",
            line.person_id,
            pii.mask_name(line.person.name),
            Decimal(LINE_FEN) / 100,
            "Yes",
            "Waiting for the worker",
            None,
        )
        for claim in (claim_b, claim_a)
        for line in claim.lines.select_related("person").order_by("pk")
    ]
    assert lines[1:] == expected
    # No full name of any worker is written anywhere.
    written = repr(book)
    for claim in (claim_a, claim_b):
        for line in claim.lines.select_related("person"):
            assert line.person.name not in written
    event = AuditEvent.objects.get(action="subsidies.claims.exported")
    assert (event.actor_id, event.object_type, event.data) == (
        auditor.pk,
        "subsidies.claim",
        {"rows": 2, "lines": 3, "filters": {}},
    )
    assert audit.verify() is None


def test_the_status_filter_of_the_list_is_applied_and_recorded(
    claim_a: Claim, claim_b: Claim, auditor: User, crew: Crew
) -> None:
    services.first_review(claim_a.pk, note="材料齐全", actor=crew.first)
    book = sheets(as_user(auditor).post(EXPORT, {"status": "first_reviewed"}))
    assert [row[:3] for row in book["Claims"][1:]] == [
        (claim_a.number, "Training subsidy (培训补贴)", "First review passed")
    ]
    assert {row[0] for row in book["Claim lines"][1:]} == {claim_a.number}
    event = AuditEvent.objects.get(action="subsidies.claims.exported")
    assert event.data == {"rows": 1, "lines": 2, "filters": {"status": "first_reviewed"}}


def test_a_reviewer_limited_to_a_town_exports_only_the_claims_of_its_town(
    claim_a: Claim, claim_b: Claim, city: Region
) -> None:
    town = Region.objects.get(code="220581001")
    reviewer = make_user("reviewer_town", Role.REVIEWER, region=town)
    book = sheets(as_user(reviewer).post(EXPORT))
    assert [row[0] for row in book["Claims"][1:]] == [claim_a.number]
    assert {row[0] for row in book["Claim lines"][1:]} == {claim_a.number}


@pytest.mark.parametrize("role", [Role.INSTITUTION_STAFF, Role.WORKER, Role.EVALUATOR])
def test_a_role_that_may_not_export_claims_gets_403_and_nothing_is_audited(
    claim_a: Claim, school_a: Organization, role: str
) -> None:
    user = make_user(f"no_export_{role}", role, organization=school_a)
    assert as_user(user).post(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="subsidies.claims.exported").exists()


def test_a_get_never_exports(claim_a: Claim, auditor: User) -> None:
    assert as_user(auditor).get(EXPORT).status_code == 405
    assert not AuditEvent.objects.filter(action="subsidies.claims.exported").exists()


def test_text_that_looks_like_a_formula_is_written_as_text(
    claim_a: Claim, school_a: Organization, auditor: User
) -> None:
    Organization.objects.filter(pk=school_a.pk).update(name='=HYPERLINK("http://x","y")')
    response: Any = as_user(auditor).post(EXPORT)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = book["Claims"]["E2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","y")', "s")


def test_an_export_past_its_limit_is_refused(
    claim_a: Claim, auditor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 1)
    monkeypatch.setattr(export_views, "INLINE_MAX_ROWS", 1)
    response = as_user(auditor).post(EXPORT)
    assert response.status_code == 400
    assert "Narrow the filters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="subsidies.claims.exported").exists()


def test_the_list_offers_the_export_to_readers_only(
    claim_a: Claim, auditor: User, crew: Crew
) -> None:
    assert EXPORT in as_user(auditor).get(reverse("subsidies:claims")).content.decode()
    assert EXPORT not in as_user(crew.submitter).get(reverse("subsidies:claims")).content.decode()


def test_an_export_too_large_for_the_page_is_sent_on_to_a_background_job(
    claim_a: Claim, auditor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_views, "INLINE_MAX_ROWS", 1)
    response = as_user(auditor).post(EXPORT, {"status": "submitted"})
    assert (response.status_code, response["Location"]) == (307, reverse("auditor_export_claims"))
    assert not AuditEvent.objects.filter(action="subsidies.claims.exported").exists()


def test_a_workers_own_claim_names_the_worker_masked(
    claim_a: Claim, auditor: User, city: Region
) -> None:
    worker = new_person(city)
    Claim.objects.filter(pk=claim_a.pk).update(organization=None, person=worker)
    claims = sheets(as_user(auditor).post(EXPORT))["Claims"]
    assert claims[1][:5] == (
        claim_a.number,
        "Training subsidy (培训补贴)",
        "Submitted",
        "No",
        pii.mask_name(worker.name),
    )
    assert pii.mask_name("学员10") == "学**0"
    assert worker.name not in repr(claims)
