"""Subsidy claims on the home pages: each step waits for the role that takes it, never for
the account that took the step before, and the worker is asked to confirm their line."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.subsidies import amounts, providers, services
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.models import RuleSet
from jineng.subsidies.tests.conftest import enrol, finished_class, new_person, worker_of
from jineng.training.choices import EnrolmentStatus
from jineng.workspace.queries import workspace_for


def _section(user: Any, kind: str) -> Any:
    return next(s for s in workspace_for(user).sections if s.kind == kind)


@pytest.fixture
def claim(school_a: Any, city: Any, staff_a: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(providers, "claim_screens", [])
    monkeypatch.setattr(
        amounts,
        "training_line",
        lambda enrolment, rule_set, **_: amounts.Computation(
            80_000, [amounts.Step("Example standard", 80_000)]
        ),
    )
    RuleSet.objects.create(
        number=1,
        title="示例",
        is_example=True,
        status=RuleSetStatus.IN_FORCE,
        effective_from=datetime.date(2020, 1, 1),
    )
    training_class = finished_class(school_a)
    enrol(training_class, new_person(city), EnrolmentStatus.COMPLETED)
    with translation.override("en"):
        return services.submit_class_claim(training_class.pk, actor=staff_a)


@pytest.mark.django_db
def test_each_step_waits_for_its_role_and_the_worker_confirms(claim: Any, reviewer: Any) -> None:
    second = make_user("reviewer_b", Role.REVIEWER)
    with translation.override("en"):
        waiting = _section(reviewer, "subsidies.claim_to_review")
        assert (waiting.count, [i.link for i in waiting.items]) == (
            1,
            [reverse("subsidies:claim", args=[claim.pk])],
        )
        assert waiting.items[0].title == (
            f"Claim {claim.number}: Training subsidy (培训补贴) for {claim.organization.name},"
            " 800.00"
        )
        services.first_review(claim.pk, note="ok", actor=reviewer)
        # The first reviewer may not take the second review: it waits for another.
        assert _section(reviewer, "subsidies.claim_to_review").count == 0
        assert _section(second, "subsidies.claim_to_review").count == 1
        line = claim.lines.get()
        worker = worker_of(line.person_id)
        confirm = _section(worker, "subsidies.line_to_confirm")
        assert (confirm.count, confirm.items[0].link) == (1, reverse("subsidies:my_subsidies"))
        services.confirm_line(line.pk, actor=worker)
        assert _section(worker, "subsidies.line_to_confirm").count == 0
