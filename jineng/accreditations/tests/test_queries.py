"""is_accredited and active_accreditations across validity, suspension, withdrawal and scope."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jineng.accreditations import services
from jineng.accreditations.choices import AccreditationKind, AccreditationStatus, EvaluationKind
from jineng.accreditations.models import Accreditation
from jineng.accreditations.queries import active_accreditations, is_accredited

from .helpers import grant

TRAINING = AccreditationKind.TRAINING
EVALUATION = AccreditationKind.EVALUATION
START = datetime.date(2024, 1, 1)
EXPIRY = datetime.date(2025, 12, 31)
ONE_DAY = datetime.timedelta(days=1)


def at(day: datetime.date) -> time_machine.travel:
    """Travel to noon of a day in the deployment's time zone."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Shanghai")),
        tick=False,
    )


@pytest.fixture
def licence(staff_a, bureau_admin, occupations, levels) -> Accreditation:
    """school_a may train 电工 up to 四级/中级工 from START to EXPIRY."""
    return grant(staff_a, bureau_admin, occupations["electrician"], levels["level4"], START, EXPIRY)


def test_expiry_date_is_the_last_valid_day(licence, school_a, occupations, levels):
    electrician, level = occupations["electrician"], levels["level4"]
    assert is_accredited(school_a, electrician, level, TRAINING, EXPIRY - ONE_DAY) is True
    assert is_accredited(school_a, electrician, level, TRAINING, EXPIRY) is True
    assert is_accredited(school_a, electrician, level, TRAINING, EXPIRY + ONE_DAY) is False
    assert licence.status_on(EXPIRY + ONE_DAY) == AccreditationStatus.EXPIRED


def test_not_accredited_before_the_licence_starts(licence, school_a, occupations, levels):
    electrician, level = occupations["electrician"], levels["level4"]
    assert is_accredited(school_a, electrician, level, TRAINING, START - ONE_DAY) is False
    assert is_accredited(school_a, electrician, level, TRAINING, START) is True
    assert licence.status_on(START - ONE_DAY) == AccreditationStatus.PENDING


def test_suspension_covers_its_start_up_to_the_day_it_is_lifted(
    licence, school_a, occupations, levels, bureau_admin
):
    electrician, level = occupations["electrician"], levels["level4"]
    suspended_on, lifted_on = datetime.date(2024, 6, 10), datetime.date(2024, 7, 1)
    with at(suspended_on):
        services.suspend_accreditation(licence.pk, reason="投诉核查", actor=bureau_admin)
    # While the suspension is open, every day from its start is covered.
    assert is_accredited(school_a, electrician, level, TRAINING, datetime.date(2025, 6, 1)) is False
    with at(lifted_on):
        services.lift_suspension(licence.pk, reason="整改完成", actor=bureau_admin)
    assert is_accredited(school_a, electrician, level, TRAINING, suspended_on - ONE_DAY) is True
    assert is_accredited(school_a, electrician, level, TRAINING, suspended_on) is False
    assert is_accredited(school_a, electrician, level, TRAINING, lifted_on - ONE_DAY) is False
    assert is_accredited(school_a, electrician, level, TRAINING, lifted_on) is True
    licence.refresh_from_db()
    assert licence.status_on(suspended_on) == AccreditationStatus.SUSPENDED
    assert licence.status_on(lifted_on) == AccreditationStatus.ACTIVE


def test_withdrawal_ends_the_licence_from_its_date(
    licence, school_a, occupations, levels, bureau_admin
):
    electrician, level = occupations["electrician"], levels["level4"]
    withdrawn_on = datetime.date(2024, 9, 1)
    with at(datetime.date(2024, 8, 20)):
        services.withdraw_accreditation(
            licence.pk, reason="弄虚作假", effective_on=withdrawn_on, actor=bureau_admin
        )
    assert is_accredited(school_a, electrician, level, TRAINING, withdrawn_on - ONE_DAY) is True
    assert is_accredited(school_a, electrician, level, TRAINING, withdrawn_on) is False
    assert is_accredited(school_a, electrician, level, TRAINING, EXPIRY) is False


def test_levels_above_the_highest_are_refused(licence, school_a, occupations, levels):
    electrician, day = occupations["electrician"], datetime.date(2024, 5, 1)
    assert is_accredited(school_a, electrician, levels["level5"], TRAINING, day) is True
    assert is_accredited(school_a, electrician, levels["level4"], TRAINING, day) is True
    assert is_accredited(school_a, electrician, levels["level3"], TRAINING, day) is False
    assert is_accredited(school_a, electrician, levels["level1"], TRAINING, day) is False


def test_exact_occupation_does_not_cover_its_siblings(licence, school_a, occupations, levels):
    day = datetime.date(2024, 5, 1)
    assert (
        is_accredited(school_a, occupations["mechanic"], levels["level5"], TRAINING, day) is False
    )
    assert is_accredited(school_a, occupations["welder"], levels["level5"], TRAINING, day) is False


def test_category_licence_covers_every_occupation_under_it(
    staff_a, bureau_admin, school_a, occupations, levels
):
    grant(staff_a, bureau_admin, occupations["small"], levels["level3"], START, EXPIRY)
    day = datetime.date(2024, 5, 1)
    for name in ("electrician", "mechanic", "small"):
        assert is_accredited(school_a, occupations[name], levels["level3"], TRAINING, day) is True
    assert is_accredited(school_a, occupations["welder"], levels["level5"], TRAINING, day) is False
    # A licence for an occupation never covers the category above it.
    assert is_accredited(school_a, occupations["repair"], levels["level5"], TRAINING, day) is False


def test_major_category_licence_covers_deep_occupations(
    staff_a, bureau_admin, school_a, occupations, levels
):
    grant(staff_a, bureau_admin, occupations["major"], levels["level5"], START, EXPIRY)
    day = datetime.date(2024, 5, 1)
    assert is_accredited(school_a, occupations["welder"], levels["level5"], TRAINING, day) is True


def test_wrong_kind_is_refused(licence, school_a, occupations, levels):
    day = datetime.date(2024, 5, 1)
    assert (
        is_accredited(school_a, occupations["electrician"], levels["level5"], EVALUATION, day)
        is False
    )
    with pytest.raises(ValueError, match="Unknown accreditation kind"):
        is_accredited(school_a, occupations["electrician"], levels["level5"], "other", day)


def test_evaluation_kind_narrows_the_answer(
    evaluator, evaluator_org, bureau_admin, occupations, levels
):
    grant(
        evaluator,
        bureau_admin,
        occupations["welder"],
        levels["level3"],
        START,
        EXPIRY,
        kind=EVALUATION,
        evaluation_kind=EvaluationKind.SKILL_LEVEL,
    )
    welder, level, day = occupations["welder"], levels["level3"], datetime.date(2024, 5, 1)
    assert is_accredited(evaluator_org, welder, level, EVALUATION, day) is True
    assert (
        is_accredited(
            evaluator_org,
            welder,
            level,
            EVALUATION,
            day,
            evaluation_kind=EvaluationKind.SKILL_LEVEL,
        )
        is True
    )
    assert (
        is_accredited(
            evaluator_org,
            welder,
            level,
            EVALUATION,
            day,
            evaluation_kind=EvaluationKind.QUALIFICATION,
        )
        is False
    )
    assert is_accredited(evaluator_org, welder, level, TRAINING, day) is False


def test_another_organisation_is_not_accredited(licence, school_b, occupations, levels):
    day = datetime.date(2024, 5, 1)
    assert (
        is_accredited(school_b, occupations["electrician"], levels["level5"], TRAINING, day)
        is False
    )


def test_level_free_items_are_covered_by_any_licence_for_the_occupation(
    licence, school_a, occupations
):
    assert is_accredited(school_a, occupations["electrician"], None, TRAINING, START) is True


def test_active_accreditations_lists_only_licences_in_force(
    staff_a, staff_b, bureau_admin, occupations, levels, licence
):
    expired = grant(
        staff_b,
        bureau_admin,
        occupations["welder"],
        levels["level5"],
        START,
        datetime.date(2024, 3, 31),
    )
    current = grant(
        staff_b, bureau_admin, occupations["electrician"], levels["level5"], START, EXPIRY
    )
    day = datetime.date(2024, 5, 1)
    assert set(active_accreditations(TRAINING, day)) == {licence, current}
    assert set(active_accreditations(TRAINING, datetime.date(2024, 2, 1))) == {
        licence,
        current,
        expired,
    }
    assert list(active_accreditations(EVALUATION, day)) == []


def test_status_annotation_matches_status_on(licence, bureau_admin):
    with at(datetime.date(2024, 6, 10)):
        services.suspend_accreditation(licence.pk, reason="投诉核查", actor=bureau_admin)
    for day, expected in [
        (START - ONE_DAY, AccreditationStatus.PENDING),
        (datetime.date(2024, 3, 1), AccreditationStatus.ACTIVE),
        (datetime.date(2024, 6, 10), AccreditationStatus.SUSPENDED),
        (EXPIRY + ONE_DAY, AccreditationStatus.EXPIRED),
    ]:
        annotated = Accreditation.objects.with_status(day).get(pk=licence.pk)
        assert annotated.status == expected
        assert Accreditation.objects.get(pk=licence.pk).status_on(day) == expected
