"""first_day_out_of_scope answers, for a span of days, what is_accredited answers day by day."""

from __future__ import annotations

import datetime

import pytest

from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.models import AccreditationSuspension
from jineng.accreditations.queries import first_day_out_of_scope, is_accredited

from .helpers import grant

pytestmark = pytest.mark.django_db

D0 = datetime.date(2030, 1, 1)


def day(n: int) -> datetime.date:
    return D0 + datetime.timedelta(days=n)


def _day_by_day(org, occupation, level, first: int, last: int):
    for n in range(first, last + 1):
        if not is_accredited(org, occupation, level, AccreditationKind.TRAINING, day(n)):
            return day(n)
    return None


@pytest.fixture
def timeline(staff_a, bureau_admin, occupations, levels):
    """A licence for days 0-9, a renewal for 10-29 suspended on days 15-17, one for 40-49
    withdrawn from day 45, and a licence for another occupation for days 30-39."""
    electrician, level = occupations["electrician"], levels["level3"]
    grant(staff_a, bureau_admin, electrician, level, day(0), day(9))
    renewal = grant(staff_a, bureau_admin, occupations["small"], level, day(10), day(29))
    AccreditationSuspension.objects.create(
        accreditation=renewal,
        starts_on=day(15),
        ends_on=day(18),
        reason="整改",
        suspended_by=bureau_admin,
    )
    grant(staff_a, bureau_admin, occupations["welder"], level, day(30), day(39))
    last = grant(staff_a, bureau_admin, electrician, level, day(40), day(49))
    type(last).objects.filter(pk=last.pk).update(withdrawn_on=day(45), withdrawal_reason="撤销")
    return staff_a.organization, electrician, levels


@pytest.mark.parametrize(
    ("first", "last", "status"),
    [
        (0, 14, None),
        (0, 15, "suspended"),
        (18, 29, None),
        (25, 35, "expired"),
        (31, 33, "expired"),
        (40, 44, None),
        (40, 47, "withdrawn"),
        (-3, 2, "pending"),
    ],
)
def test_span_agrees_with_each_day(timeline, first, last, status):
    org, electrician, levels = timeline
    level = levels["level5"]
    expected_day = _day_by_day(org, electrician, level, first, last)
    found = first_day_out_of_scope(
        org, electrician, level, AccreditationKind.TRAINING, day(first), day(last)
    )
    assert found == (None if expected_day is None else (expected_day, status))


def test_a_level_above_every_licence_and_no_licence_at_all(timeline, staff_b):
    org, electrician, levels = timeline
    assert first_day_out_of_scope(
        org, electrician, levels["level1"], AccreditationKind.TRAINING, day(0), day(5)
    ) == (day(0), "")
    assert first_day_out_of_scope(
        staff_b.organization, electrician, None, AccreditationKind.TRAINING, day(0), day(5)
    ) == (day(0), "")
