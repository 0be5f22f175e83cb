"""Two parallel approvals of one claim commit its money once (PostgreSQL, real threads).

Every step locks the claim in locks.py before it reads the claim's status. With the lock the
second approval waits, then finds the claim approved and is refused by the claim's own
workflow: the fund is asked once. The control replaces the lock with a plain read and makes
both approvals read the claim before either writes: both then pass every check of the claim
and both ask the fund to commit; only the fund's own guard on the reference keeps the money
from being committed twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.core.errors import DomainError
from jineng.funds import queries as funds_queries
from jineng.funds import services as funds
from jineng.subsidies import locks, services
from jineng.subsidies.choices import ClaimStatus
from jineng.subsidies.models import Claim
from jineng.subsidies.tests.conftest import LINE_FEN, Crew, StubAmounts, confirm_all, end_notice
from jineng.training.models import TrainingClass

THREADS = 2


@pytest.fixture
def in_notice(
    a_class: TrainingClass, rule_set: Any, budget: Any, crew: Crew, stub_amounts: StubAmounts
) -> Claim:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    services.first_review(claim.pk, note="", actor=crew.first)
    services.second_review(claim.pk, note="", actor=crew.second)
    services.start_notice(claim.pk, actor=crew.second)
    confirm_all(claim)
    end_notice(claim)
    return claim


def _approve_in_parallel(claim: Claim, approvers: list[Any]) -> list[str]:
    outcomes: list[str] = []

    def attempt(actor: Any) -> None:
        try:
            services.approve(claim.pk, actor=actor)
            outcomes.append("approved")
        except DomainError as error:
            outcomes.append(f"{type(error).__name__}: {error.detail}")
        except IntegrityError as error:
            outcomes.append(f"constraint: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _gated(read: Callable[[int], Claim], *, before: bool) -> Callable[[int], Claim]:
    barrier = threading.Barrier(THREADS, timeout=10)

    def gated(pk: int) -> Claim:
        if before:
            barrier.wait()
            return read(pk)
        found = read(pk)
        barrier.wait()
        return found

    return gated


def _read_unlocked(pk: int) -> Claim:
    return Claim.objects.get(pk=pk)


class _Counting:
    """Count the fund's commitments asked for, and make each."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = funds.commit

    def __call__(self, **kwargs: Any) -> Any:
        self.calls += 1
        return self.real(**kwargs)


def _approvers() -> list[Any]:
    return [make_user(f"approver_{n}", Role.BUREAU_ADMIN) for n in range(THREADS)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_of_one_claim_commit_its_money_once(in_notice: Claim) -> None:
    counting = _Counting()
    gated = _gated(locks.claim_for_update, before=True)
    with (
        mock.patch("jineng.subsidies.locks.claim_for_update", gated),
        mock.patch("jineng.funds.services.commit", counting),
    ):
        outcomes = _approve_in_parallel(in_notice, _approvers())

    assert outcomes.count("approved") == 1
    # The second waited for the lock, then found the claim approved (the workflow refused).
    [refused] = [o for o in outcomes if o != "approved"]
    # The thread speaks the site's language (translations are per thread): check the kind
    # of refusal and the claim it names, not the words.
    assert refused.startswith("InvalidTransition: ")
    assert in_notice.number in refused
    assert counting.calls == 1
    in_notice.refresh_from_db()
    assert in_notice.status == ClaimStatus.APPROVED
    [row] = [r for r in funds_queries.balances() if r.budget]
    assert row.committed == 2 * LINE_FEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_both_approvals_reach_the_fund(in_notice: Claim) -> None:
    counting = _Counting()
    gated = _gated(_read_unlocked, before=False)
    with (
        mock.patch("jineng.subsidies.locks.claim_for_update", gated),
        mock.patch("jineng.funds.services.commit", counting),
    ):
        outcomes = _approve_in_parallel(in_notice, _approvers())

    # Both passed every check of the claim: the fund was asked twice.
    assert counting.calls == THREADS
    assert outcomes.count("approved") == 1
    [refused] = [o for o in outcomes if o != "approved"]
    assert "InvalidTransition" not in refused
    # Only the fund's guard on the reference kept the money from being committed twice.
    [row] = [r for r in funds_queries.balances() if r.budget]
    assert row.committed == 2 * LINE_FEN
