"""Award rounds: nominations, review, public notice, objections, publication."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jineng.core import pii
from jineng.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.talent import queries, services
from jineng.talent.choices import Decision, ObjectionStatus, RoundStatus
from jineng.talent.errors import AlreadyNominated, NoticeClosed, NoticeNotOver
from jineng.talent.models import AwardRound, Objection
from jineng.talent.tests import helpers

pytestmark = pytest.mark.django_db


def _object(r: AwardRound, nomination_id: int, **kwargs: Any) -> Objection:
    return services.raise_objection(
        r.pk,
        nomination_id,
        objector_name=kwargs.get("name", "王先生"),
        contact="13900000000",
        objection=kwargs.get("text", "业绩不实"),
    )


def test_a_round_runs_from_nominations_to_published_winners(bureau_admin: Any, people: Any) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:2])
    assert r.status == RoundStatus.NOTICE
    assert r.notice_ends_on == timezone.localdate() + datetime.timedelta(days=7)
    with pytest.raises(NoticeNotOver):
        services.publish_round(r.pk, actor=bureau_admin)
    with time_machine.travel(r.notice_ends_on, tick=False):
        outcome = services.publish_round(r.pk, actor=bureau_admin)
    assert (outcome.published, outcome.held) == (2, 0)
    r.refresh_from_db()
    assert r.status == RoundStatus.PUBLISHED
    shown = queries.public_winners(r.pk)
    assert shown is not None
    assert [w.name for w in shown[1]] == ["李*明", "王*国"]
    assert AuditEvent.objects.filter(action="talent.nomination.published").count() == 2


def test_the_notice_days_are_configurable(bureau_admin: Any, people: Any) -> None:
    r = helpers.award_round(bureau_admin, notice_days=3)
    data = services.NominationInput(person=people[0], statement="好")
    services.nominate(r.pk, data, actor=bureau_admin)
    services.start_review(r.pk, actor=bureau_admin)
    n = r.nominations.get()
    services.decide_nomination(n.pk, approve=True, reason="", actor=bureau_admin)
    r = services.start_notice(r.pk, actor=bureau_admin)
    assert r.notice_ends_on - r.notice_starts_on == datetime.timedelta(days=3)


def test_a_person_is_nominated_once_per_round(bureau_admin: Any, people: Any) -> None:
    r = helpers.award_round(bureau_admin)
    data = services.NominationInput(person=people[0], statement="好")
    services.nominate(r.pk, data, actor=bureau_admin)
    with pytest.raises(AlreadyNominated):
        services.nominate(r.pk, data, actor=bureau_admin)


def test_a_rejection_needs_its_reason(bureau_admin: Any, people: Any) -> None:
    r = helpers.award_round(bureau_admin)
    n = services.nominate(
        r.pk, services.NominationInput(person=people[0], statement="好"), actor=bureau_admin
    )
    services.start_review(r.pk, actor=bureau_admin)
    with pytest.raises(ValidationFailed) as refused:
        services.decide_nomination(n.pk, approve=False, reason=" ", actor=bureau_admin)
    assert refused.value.field == "reason"
    services.decide_nomination(n.pk, approve=False, reason="材料不全", actor=bureau_admin)
    n.refresh_from_db()
    assert (n.decision, n.decision_reason) == (Decision.REJECTED, "材料不全")


def test_the_round_moves_only_forward(bureau_admin: Any, people: Any) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:1])
    with pytest.raises(InvalidTransition):
        services.start_review(r.pk, actor=bureau_admin)


def test_an_open_objection_holds_its_nominee_until_dismissed(
    bureau_admin: Any, people: Any
) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:2])
    first, second = r.nominations.order_by("pk")
    objection = _object(r, first.pk)
    assert AuditEvent.objects.filter(action="talent.objection.raised", actor=None).exists()
    with time_machine.travel(r.notice_ends_on, tick=False):
        outcome = services.publish_round(r.pk, actor=bureau_admin)
        assert (outcome.published, outcome.held) == (1, 1)
        first.refresh_from_db()
        assert first.published_on is None
        services.resolve_objection(
            objection.pk, upheld=False, reason="经核实业绩属实", actor=bureau_admin
        )
    first.refresh_from_db()
    assert first.published_on is not None
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    assert objection.resolution_reason == "经核实业绩属实"


def test_an_upheld_objection_withdraws_the_nominee(bureau_admin: Any, people: Any) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:1])
    nomination = r.nominations.get()
    objection = _object(r, nomination.pk)
    services.resolve_objection(objection.pk, upheld=True, reason="业绩不实", actor=bureau_admin)
    nomination.refresh_from_db()
    assert nomination.decision == Decision.REJECTED
    with time_machine.travel(r.notice_ends_on, tick=False):
        outcome = services.publish_round(r.pk, actor=bureau_admin)
    assert (outcome.published, outcome.held) == (0, 0)
    assert queries.public_winners(r.pk)[1] == []  # type: ignore[index]


def test_objections_are_taken_only_while_the_notice_runs(bureau_admin: Any, people: Any) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:1])
    nomination = r.nominations.get()
    with time_machine.travel(r.notice_ends_on, tick=False), pytest.raises(NoticeClosed):
        _object(r, nomination.pk)
    other = helpers.award_round(bureau_admin, period="下半年")
    with pytest.raises(NoticeClosed):
        _object(other, nomination.pk)
    assert not Objection.objects.exists()


def test_an_objection_to_a_nomination_of_another_round_answers_like_a_closed_notice(
    bureau_admin: Any, people: Any
) -> None:
    on_notice = helpers.round_on_notice(bureau_admin, people[:1])
    title = services.save_award_title(code="other", name="技术能手", actor=bureau_admin)
    today = timezone.localdate()
    second = services.create_round(
        services.RoundInput(
            title=title,
            year=today.year,
            nominations_open_on=today,
            nominations_close_on=today,
        ),
        actor=bureau_admin,
    )
    hidden = services.nominate(
        second.pk, services.NominationInput(person=people[3], statement="好"), actor=bureau_admin
    )
    with pytest.raises(NoticeClosed) as refused:
        _object(on_notice, hidden.pk)
    assert str(refused.value.detail) == "This public notice takes no objections now."


def test_the_public_notice_masks_names_and_shows_only_the_approved(
    bureau_admin: Any, people: Any, employer_org: Any
) -> None:
    r = helpers.award_round(bureau_admin)
    for person in people[:2]:
        services.nominate(
            r.pk,
            services.NominationInput(person=person, statement="好", employer=employer_org),
            actor=bureau_admin,
        )
    services.start_review(r.pk, actor=bureau_admin)
    first, second = r.nominations.order_by("pk")
    services.decide_nomination(first.pk, approve=True, reason="", actor=bureau_admin)
    services.decide_nomination(second.pk, approve=False, reason="不符合", actor=bureau_admin)
    assert queries.public_notice(r.pk) is None
    services.start_notice(r.pk, actor=bureau_admin)
    _round, nominees = queries.public_notice(r.pk)  # type: ignore[misc]
    assert [(n.name, n.employer) for n in nominees] == [("李*明", employer_org.name)]


def test_only_the_bureau_runs_rounds(reviewer: Any, people: Any, bureau_admin: Any) -> None:
    r = helpers.award_round(bureau_admin)
    with pytest.raises(PermissionDenied):
        services.nominate(
            r.pk, services.NominationInput(person=people[0], statement="好"), actor=reviewer
        )
    assert not r.nominations.exists()


def test_names_are_masked_as_the_policy_says() -> None:
    assert [pii.mask_name(n) for n in ("张三明", "张三", "欧阳小明", "张")] == [
        "张*明",
        "张*",
        "欧**明",
        "*",
    ]
