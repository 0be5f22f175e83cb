"""A programme edit racing a class's self-approval, on PostgreSQL (issue 10).

The school self-approves a draft class of its unsubsidised programme while, in a second
request, it names a catalog entry on the programme (makes it subsidised). The edit checks
"no class beyond preparation", the approval reads the programme as unsubsidised: without a
lock both commit, and an approved subsidised class exists that the bureau never reviewed
(the control). Both take the programme's row lock (class, then programme, ADR 0006), so one
waits for the other and then sees what it did. Enrolment does not take it.
"""

from __future__ import annotations

import datetime
import threading
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from conftest import ID_B
from jineng.core.errors import Busy, DomainError
from jineng.core.tests.holders import Holder
from jineng.training import locks, services
from jineng.training.choices import ClassStatus
from jineng.training.models import Enrolment, Programme, TrainingClass
from jineng.training.services import workflow

from .helpers import ENTRY_KEY, draft_class, enrol, person, programme, session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# How long the approval waits, inside its checks, for the edit to catch up.
PAUSE = 3.0


def _subsidised_inputs(prog: Programme) -> services.ProgrammeInput:
    """The programme as it is, naming the catalog entry: now it claims a subsidy."""
    return services.ProgrammeInput(
        name=prog.name,
        occupation_code=prog.occupation.code,
        skill_level_code=prog.skill_level.code if prog.skill_level else "",
        training_type=prog.training_type,
        theory_hours=prog.theory_hours,
        practice_hours=prog.practice_hours,
        fee_fen=0,
        catalog_entry_key=ENTRY_KEY,
    )


@pytest.fixture
def draft(staff_a, accredited, catalog_entry) -> TrainingClass:
    """A draft class, next week, of an unsubsidised programme (the school approves it)."""
    day = timezone.localdate() + datetime.timedelta(days=7)
    prog = programme(staff_a, subsidised=False, theory=2, practice=2)
    return draft_class(staff_a, prog, start=day, days=0, sessions=[session(day, 8, 12)])


def _race(draft: TrainingClass, staff) -> list[str]:
    """Self-approve the class and edit its programme at once; the approval pauses after its
    checks, before it commits, for the edit to run."""
    checked, edited = threading.Event(), threading.Event()
    outcomes: list[str] = []
    real = workflow.approval_problems

    def problems_then_wait(training_class):
        answer = real(training_class)
        if threading.current_thread().name == "approve":
            checked.set()
            edited.wait(PAUSE)
        return answer

    def approve() -> None:
        try:
            services.transition(draft.pk, ClassStatus.APPROVED, actor=staff)
            outcomes.append("approved")
        except DomainError as error:
            outcomes.append(f"approval refused: {error.code}")
        finally:
            checked.set()
            connection.close()

    def edit() -> None:
        try:
            checked.wait(PAUSE)
            # About lock order, not timeouts: the edit may wait out the paused approval.
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '30s'")
            services.update_programme(
                draft.programme_id, _subsidised_inputs(draft.programme), actor=staff
            )
            outcomes.append("programme made subsidised")
        except DomainError as error:
            outcomes.append(f"edit refused: {error.code}")
        finally:
            edited.set()
            connection.close()

    with mock.patch.object(workflow, "approval_problems", problems_then_wait):
        threads = [threading.Thread(target=approve, name="approve"), threading.Thread(target=edit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return sorted(outcomes)


def test_programme_edit_waits_for_the_approval_and_is_refused(draft, staff_a):
    outcomes = _race(draft, staff_a)
    assert outcomes == ["approved", "edit refused: invalid"]
    c = TrainingClass.objects.select_related("programme").get(pk=draft.pk)
    assert c.status == ClassStatus.APPROVED
    assert not c.programme.is_subsidised
    assert not services.needs_bureau_approval(c.programme)


def test_control_without_the_programme_lock_an_unreviewed_subsidised_class_is_approved(
    draft, staff_a
):
    def unlocked(programme_id: int) -> Programme:
        return Programme.objects.select_related("organization", "occupation", "skill_level").get(
            pk=programme_id
        )

    with mock.patch.object(locks, "programme_for_update", unlocked):
        outcomes = _race(draft, staff_a)
    assert outcomes == ["approved", "programme made subsidised"]
    c = TrainingClass.objects.select_related("programme").get(pk=draft.pk)
    assert c.status == ClassStatus.APPROVED
    assert services.needs_bureau_approval(c.programme)
    assert (c.decided_by_id, c.catalog_entry_id) == (staff_a.pk, None)


def test_approval_after_a_parallel_edit_reads_the_programme_it_made(draft, staff_a):
    """The edit holds the programme: the approval waits, then finds a subsidised programme
    and leaves it to the bureau."""
    edited = threading.Event()

    def edit_and_hold() -> None:
        services.update_programme.__wrapped__(
            draft.programme_id, _subsidised_inputs(draft.programme), actor=staff_a
        )
        edited.set()

    with Holder(edit_and_hold, hold_s=1):
        assert edited.is_set()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '30s'")
        with pytest.raises(DomainError) as error:
            services.transition(draft.pk, ClassStatus.APPROVED, actor=staff_a)
    assert error.value.code == "permission_denied"
    assert str(error.value.detail) == "Only the bureau approves or returns subsidised classes."
    assert TrainingClass.objects.get(pk=draft.pk).status == ClassStatus.DRAFT


def test_held_programme_makes_its_edit_and_approval_busy(draft, staff_a):
    with Holder(lambda: locks.programme_for_update(draft.programme_id)):
        with pytest.raises(Busy):
            services.transition(draft.pk, ClassStatus.APPROVED, actor=staff_a)
        with pytest.raises(Busy):
            services.update_programme(
                draft.programme_id, _subsidised_inputs(draft.programme), actor=staff_a
            )
    assert TrainingClass.objects.get(pk=draft.pk).status == ClassStatus.DRAFT
    assert not Programme.objects.get(pk=draft.programme_id).is_subsidised


def test_enrolment_does_not_wait_for_the_programme(draft, staff_a, bureau_admin):
    approved = services.transition(draft.pk, ClassStatus.APPROVED, actor=staff_a)
    someone = person(bureau_admin, ID_B, name="王五")
    with Holder(lambda: locks.programme_for_update(approved.programme_id)):
        placed = enrol(approved.pk, someone, actor=staff_a)
    assert placed.status == "enrolled"
    assert Enrolment.objects.filter(training_class=approved).count() == 1
