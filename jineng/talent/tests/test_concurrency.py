"""Two bureau users approving one promotion at once: one certificate (PostgreSQL, threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from conftest import make_user
from jineng.certificates.models import Certificate
from jineng.core import audit
from jineng.core.errors import DomainError
from jineng.core.models import AuditEvent
from jineng.talent import locks, services
from jineng.talent.choices import Prize, ProposalStatus
from jineng.talent.models import PromotionProposal
from jineng.talent.tests import helpers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proposal(bureau_admin: Any, people: Any, accredited: Any, occupations: Any, levels: Any) -> int:
    electrician = occupations["electrician"]
    helpers.certify(people[0], accredited, electrician, levels["level4"])
    helpers.load_rules(bureau_admin)
    competition = helpers.competition(bureau_admin, electrician)
    services.record_entry(
        competition.pk, people[0], occupation=electrician, prize=Prize.FIRST, actor=bureau_admin
    )
    return services.propose_promotions(competition.pk, actor=bureau_admin).proposals[0].pk


def _gated(read: Callable[[int], PromotionProposal], parties: int, *, before: bool) -> Any:
    """Make the deciders meet at a barrier just before (or just after) reading the row."""
    barrier = threading.Barrier(parties, timeout=10)

    def gated(pk: int) -> PromotionProposal:
        if before:
            barrier.wait()
            return read(pk)
        found = read(pk)
        barrier.wait()
        return found

    return gated


def _read_unlocked(pk: int) -> PromotionProposal:
    return PromotionProposal.objects.select_related(
        "entry__competition", "entry__person", "entry__occupation", "rule", "proposed_level"
    ).get(pk=pk)


def _in_parallel(actions: list[Callable[[], Any]]) -> list[str]:
    outcomes: list[str] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            action()
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _approve(pk: int, admin: Any, issuer: Any) -> Callable[[], Any]:
    return lambda: services.approve_proposal(pk, issuer=issuer, actor=admin)


def _reject(pk: int, admin: Any) -> Callable[[], Any]:
    return lambda: services.reject_proposal(pk, reason="成绩存疑", actor=admin)


def test_two_approvals_issue_one_certificate(proposal: int, accredited: Any) -> None:
    admins = [make_user(f"par_admin_{n}", "bureau_admin") for n in range(2)]
    gated = _gated(locks.proposal_for_update, 2, before=True)
    with mock.patch("jineng.talent.locks.proposal_for_update", gated):
        outcomes = _in_parallel([_approve(proposal, a, accredited) for a in admins])
    assert sorted(outcomes) == ["already_decided", "done"]
    assert Certificate.objects.filter(basis=f"promotion:{proposal}").count() == 1
    assert AuditEvent.objects.filter(action="talent.proposal.approved").count() == 1
    assert audit.verify() is None


def test_an_approval_and_a_rejection_leave_exactly_one_decision(
    proposal: int, accredited: Any
) -> None:
    admins = [make_user(f"par_admin_{n}", "bureau_admin") for n in range(2)]
    gated = _gated(locks.proposal_for_update, 2, before=True)
    with mock.patch("jineng.talent.locks.proposal_for_update", gated):
        outcomes = _in_parallel(
            [_approve(proposal, admins[0], accredited), _reject(proposal, admins[1])]
        )
    assert sorted(outcomes) == ["already_decided", "done"]
    status = PromotionProposal.objects.get(pk=proposal).status
    issued = Certificate.objects.filter(basis=f"promotion:{proposal}").count()
    assert (status, issued) in {(ProposalStatus.APPROVED, 1), (ProposalStatus.REJECTED, 0)}


def test_control_without_the_lock_an_approval_and_a_rejection_both_commit(
    proposal: int, accredited: Any
) -> None:
    """Control: without the row lock a rejected promotion can still carry its certificate."""
    admins = [make_user(f"par_admin_{n}", "bureau_admin") for n in range(2)]
    gated = _gated(_read_unlocked, 2, before=False)
    with mock.patch("jineng.talent.locks.proposal_for_update", gated):
        outcomes = _in_parallel(
            [_approve(proposal, admins[0], accredited), _reject(proposal, admins[1])]
        )
    assert outcomes == ["done", "done"]
    assert AuditEvent.objects.filter(action="talent.proposal.approved").count() == 1
    assert AuditEvent.objects.filter(action="talent.proposal.rejected").count() == 1
    assert Certificate.objects.filter(basis=f"promotion:{proposal}").count() == 1


def test_control_without_the_lock_two_approvals_both_reach_the_issuing(
    proposal: int, accredited: Any
) -> None:
    """Control: without the lock both pass the status check; only the basis stops the second."""
    admins = [make_user(f"par_admin_{n}", "bureau_admin") for n in range(2)]
    gated = _gated(_read_unlocked, 2, before=False)
    with mock.patch("jineng.talent.locks.proposal_for_update", gated):
        outcomes = _in_parallel([_approve(proposal, a, accredited) for a in admins])
    assert "already_decided" not in outcomes
    assert outcomes.count("done") == 1
    assert Certificate.objects.filter(basis=f"promotion:{proposal}").count() == 1
