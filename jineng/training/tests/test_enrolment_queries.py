"""What one enrolment costs the database, pinned so the delivery rules stay cheap.

Every place is checked against the accredited scope, the programme rule and the overlap
rule (ADR 0011). Each is a fixed number of queries, whatever the classification's depth and
however many places and sessions the person already holds: the licence read once, the
categories above the occupation loaded with the class, the other places found in one query.
A change that adds a query per place, per session or per category fails here.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jineng.accreditations.queries import lineage_ids
from jineng.occupations.models import Occupation
from jineng.training import services
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment

from .helpers import draft_class, programme, session

pytestmark = pytest.mark.django_db

# One self-enrolment on SQLite (PostgreSQL adds its audit stream's advisory lock): the class
# read with its scope, the licence and its suspensions, the class lock, the person, the
# seats, the person's lock (taken once: tying them to the institution relies on it), the
# places in the way, the insert, the tie already there, the audit event.
SELF_ENROLMENT_QUERIES = 14
# The first place with an institution also ties the person to it, with its own audit event.
FIRST_PLACE_QUERIES = SELF_ENROLMENT_QUERIES + 7
# One institution approving its own class: the class lock, the programme's lock, its
# sessions' venues and their locks, its sessions and venues, the categories above the
# occupation, the licence and its suspensions, the update, the audit. (13 when sessions could
# name no venue, whose two queries are the venues' lock and read.)
SELF_APPROVAL_QUERIES = 15


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _opened(staff, day, start, end, *, theory=2):
    prog = programme(staff, subsidised=False, theory=theory, practice=2)
    c = draft_class(staff, prog, start=day, days=0, sessions=[session(day, start, end)])
    return services.transition(c.pk, ClassStatus.APPROVED, actor=staff)


def _allowance(is_postgres: bool, events: int = 1) -> int:
    # The audit stream's advisory lock (ADR 0006) is one more statement per event on
    # PostgreSQL.
    return events if is_postgres else 0


def _queries(call) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [query["sql"] for query in ctx.captured_queries]


def _count(call) -> int:
    return len(_queries(call))


def _assert_costs(call, expected: int) -> None:
    """The call costs exactly ``expected`` queries; a failure lists the ones it made."""
    made = _queries(call)
    assert len(made) == expected, "\n".join(made)


def test_a_self_enrolment_costs_a_fixed_number_of_queries(
    staff_a, worker, person, accredited, is_postgres
):
    first, c = _opened(staff_a, _day(5), 8, 12), _opened(staff_a, _day(7), 8, 12, theory=3)
    _assert_costs(
        lambda: services.enrol(first.pk, person.pk, actor=worker),
        FIRST_PLACE_QUERIES + _allowance(is_postgres, events=2),
    )
    _assert_costs(
        lambda: services.enrol(c.pk, person.pk, actor=worker),
        SELF_ENROLMENT_QUERIES + _allowance(is_postgres),
    )
    assert Enrolment.objects.get(training_class=c).status == EnrolmentStatus.ENROLLED


def test_the_person_s_other_places_and_sessions_add_no_query(
    staff_a, worker, person, accredited, is_postgres
):
    # Five places on five other days, each class with three sessions; none in the way.
    for n in range(5):
        prog = programme(staff_a, subsidised=False, theory=2 + n, practice=2)
        day = _day(10 + n)
        held = draft_class(
            staff_a,
            prog,
            start=day,
            days=0,
            sessions=[session(day, 8, 10), session(day, 10, 12), session(day, 13, 15)],
        )
        services.transition(held.pk, ClassStatus.APPROVED, actor=staff_a)
        services.enrol(held.pk, person.pk, actor=worker)
    c = _opened(staff_a, _day(7), 8, 12, theory=20)
    _assert_costs(
        lambda: services.enrol(c.pk, person.pk, actor=worker),
        SELF_ENROLMENT_QUERIES + _allowance(is_postgres),
    )
    assert Enrolment.objects.filter(person=person, status=EnrolmentStatus.ENROLLED).count() == 6


def test_a_refused_overlap_still_names_the_class_in_few_queries(
    staff_a, worker, person, accredited
):
    held = _opened(staff_a, _day(7), 8, 12)
    services.enrol(held.pk, person.pk, actor=worker)
    c = _opened(staff_a, _day(7), 10, 14, theory=3)
    refused = pytest.raises(services.OverlappingEnrolment, match=f"class {held.code}, whose")
    with CaptureQueriesContext(connection) as ctx, refused:
        services.enrol(c.pk, person.pk, actor=worker)
    # The accepted path's reads, then four to word the refusal: the clash, the place, who
    # may see it, this class's session.
    assert len(ctx.captured_queries) <= SELF_ENROLMENT_QUERIES + 4
    assert Enrolment.objects.filter(person=person).count() == 1


def test_a_self_approval_costs_a_fixed_number_of_queries(staff_a, accredited, is_postgres):
    prog = programme(staff_a, subsidised=False)
    c = draft_class(staff_a, prog, start=_day(7), days=0, sessions=[session(_day(7), 8, 12)])
    _assert_costs(
        lambda: services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a),
        SELF_APPROVAL_QUERIES + _allowance(is_postgres),
    )


def test_the_categories_above_an_occupation_cost_one_query_or_none(occupations):
    electrician = occupations["electrician"]
    expected = [
        electrician.pk,
        occupations["small"].pk,
        occupations["repair"].pk,
        occupations["major"].pk,
    ]
    bare = Occupation.objects.get(pk=electrician.pk)
    assert _count(lambda: lineage_ids(bare)) == 1
    assert lineage_ids(bare) == expected
    loaded = Occupation.objects.select_related("parent__parent__parent").get(pk=electrician.pk)
    assert _count(lambda: lineage_ids(loaded)) == 0
    assert lineage_ids(loaded) == expected
    half = Occupation.objects.select_related("parent").get(pk=electrician.pk)
    assert _count(lambda: lineage_ids(half)) == 1
    assert lineage_ids(half) == expected
    top = occupations["major"]
    assert _count(lambda: lineage_ids(top)) == 0
    assert lineage_ids(top) == [top.pk]
