"""R24, R25, R26 and R28 on planted rows: each a positive, a clean negative just under the
threshold, and a changed threshold that changes the outcome."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationSuspension,
)
from jineng.assessment.models import (
    AssessmentSession,
    Candidate,
    Result,
    Score,
    ScoreChange,
    SessionComponent,
    SessionExaminer,
)
from jineng.certificates.models import Certificate
from jineng.experts.models import Draw, Expert
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window
from jineng.fraud.rules.registry import load_rules
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.regions.models import Region
from jineng.training.models import Programme, TrainingClass

load_rules()

D = datetime.date
_serial = itertools.count(1)


def run(code: str, window: Window | None = None, **changes: Threshold) -> list[Hit]:
    spec = REGISTRY[code]
    params = {**spec.defaults, **changes}
    return list(spec.check(params, window or Window()))


@pytest.fixture
def levels(db: Any) -> dict[str, SkillLevel]:
    from jineng.occupations.loaders import load_skill_levels

    load_skill_levels()
    return {level.code: level for level in SkillLevel.objects.all()}


@pytest.fixture
def electrician(db: Any) -> Occupation:
    major = Occupation.objects.create(
        code="6-00-00-00", name="生产制造及有关人员", level=OccupationLevel.MAJOR
    )
    return Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION, parent=major
    )


@pytest.fixture
def welder(db: Any) -> Occupation:
    return Occupation.objects.create(
        code="6-18-02-04", name="焊工", level=OccupationLevel.OCCUPATION
    )


def make_org(kind: str = OrganizationKind.PRIVATE_TRAINING, **extra: Any) -> Organization:
    n = next(_serial)
    return Organization.objects.create(
        credit_code=f"52220581MJ{n:08d}", name=f"机构{n}", kind=kind, **extra
    )


def licence(
    org: Organization,
    occupation: Occupation,
    max_level: SkillLevel,
    admin: User,
    *,
    valid_from: datetime.date,
    valid_until: datetime.date,
    kind: str = "training",
    evaluation_kind: str = "",
) -> Accreditation:
    application = AccreditationApplication.objects.create(
        organization=org,
        kind=kind,
        occupation=occupation,
        max_level=max_level,
        evaluation_kind=evaluation_kind,
        status="approved",
        submitted_by=admin,
    )
    return Accreditation.objects.create(
        organization=org,
        application=application,
        kind=kind,
        occupation=occupation,
        max_level=max_level,
        evaluation_kind=evaluation_kind,
        licence_number=f"JN-{application.pk:05d}",
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=admin,
    )


def training_class(
    org: Organization,
    occupation: Occupation,
    level: SkillLevel | None,
    *,
    starts_on: datetime.date,
    ends_on: datetime.date,
    status: str = "running",
) -> TrainingClass:
    programme = Programme.objects.create(
        organization=org,
        name="电工培训",
        occupation=occupation,
        skill_level=level,
        training_type="employment",
        theory_hours=40,
        practice_hours=40,
    )
    return TrainingClass.objects.create(
        programme=programme,
        code=f"C{next(_serial):05d}",
        capacity=30,
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def people(count: int, region: Region) -> list[Person]:
    first = next(_serial) * 1000
    Person.objects.bulk_create(
        Person(
            name=f"学员{first + i}",
            id_number_encrypted=b"-",
            id_number_hash=f"test-{first + i}",
            birth_date=D(1990, 1, 1),
            sex="M",
            region=region,
        )
        for i in range(count)
    )
    return list(Person.objects.filter(id_number_hash__startswith="test-").order_by("-pk")[:count])


def expert(region: Region) -> Expert:
    return Expert.objects.create(person=people(1, region)[0])


def closed_session(
    evaluator: Organization,
    occupation: Occupation,
    level: SkillLevel,
    admin: User,
    *,
    closed_at: datetime.datetime | None = None,
) -> AssessmentSession:
    return AssessmentSession.objects.create(
        evaluator=evaluator,
        route="skill_level",
        occupation=occupation,
        level=level,
        title="电工四级认定",
        starts_on=D(2026, 5, 1),
        ends_on=D(2026, 5, 1),
        status="closed",
        created_by=admin,
        closed_at=closed_at or timezone.now() - datetime.timedelta(days=10),
    )


def sit(
    session: AssessmentSession,
    persons: Sequence[Person],
    values: Sequence[int],
    passed: Sequence[bool],
    by: Expert,
    admin: User,
    *,
    key: str = "theory",
) -> list[Score]:
    """Seat the people in the session with one score each and their results, in bulk."""
    component = SessionComponent.objects.create(
        session=session, key=key, name=key, max_score=100, pass_score=60
    )
    Candidate.objects.bulk_create(
        Candidate(
            session=session,
            person=p,
            source="application",
            eligibility_reason="年限",
            added_by=admin,
        )
        for p in persons
    )
    candidates = list(Candidate.objects.filter(session=session).order_by("pk"))
    entered = session.closed_at - datetime.timedelta(hours=1)  # type: ignore[operator]
    Score.objects.bulk_create(
        Score(candidate=c, component=component, value=v, entered_by=by, entered_at=entered)
        for c, v in zip(candidates, values, strict=True)
    )
    Result.objects.bulk_create(
        Result(candidate=c, passed=ok, decided_at=session.closed_at)
        for c, ok in zip(candidates, passed, strict=True)
    )
    draw = Draw.objects.create(
        purpose=f"session:{session.pk}",
        occupation=session.occupation,
        on_date=session.starts_on,
        count=1,
        seed="s",
        created_by=admin,
    )
    SessionExaminer.objects.get_or_create(session=session, expert=by, defaults={"draw": draw})
    return list(Score.objects.filter(candidate__session=session).order_by("pk"))


# --- R24 -------------------------------------------------------------------------------------


def test_r24_flags_a_class_outside_the_scope_or_beyond_the_licence(
    levels: dict[str, SkillLevel], electrician: Occupation, welder: Occupation, bureau_admin: User
) -> None:
    school = make_org()
    # The licence names the occupation's category: it covers the electrician up to level 4.
    licence(
        school,
        electrician.parent,  # type: ignore[arg-type]
        levels["level4"],
        bureau_admin,
        valid_from=D(2026, 1, 1),
        valid_until=D(2026, 6, 30),
    )
    covered = training_class(
        school, electrician, levels["level4"], starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 30)
    )
    lapsing = training_class(
        school, electrician, levels["level4"], starts_on=D(2026, 6, 1), ends_on=D(2026, 7, 1)
    )
    too_high = training_class(
        school, electrician, levels["level3"], starts_on=D(2026, 2, 1), ends_on=D(2026, 2, 28)
    )
    other = training_class(
        school, welder, levels["level5"], starts_on=D(2026, 2, 1), ends_on=D(2026, 2, 28)
    )
    training_class(  # a draft is the school's own business
        school, welder, None, starts_on=D(2026, 2, 1), ends_on=D(2026, 2, 2), status="draft"
    )

    hits = run("R24")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        ("class", lapsing.pk, f"class:{lapsing.pk}"),
        ("class", too_high.pk, f"class:{too_high.pk}"),
        ("class", other.pk, f"class:{other.pk}"),
    ]
    assert [h.evidence[0]["reason"] for h in hits] == [
        "licence_not_in_force",
        "outside_scope",
        "outside_scope",
    ]
    assert all(h.organization_ids == (school.pk,) for h in hits)
    assert hits[0].class_ids == (lapsing.pk,)
    assert covered.pk not in {h.subject_id for h in hits}
    assert [h.subject_id for h in run("R24", Window(class_ids=frozenset({other.pk})))] == [other.pk]


def test_r24_flags_a_class_during_a_suspension_or_after_a_withdrawal(
    levels: dict[str, SkillLevel], electrician: Occupation, bureau_admin: User
) -> None:
    suspended_school, withdrawn_school = make_org(), make_org()
    suspended = licence(
        suspended_school,
        electrician,
        levels["level3"],
        bureau_admin,
        valid_from=D(2026, 1, 1),
        valid_until=D(2027, 12, 31),
    )
    AccreditationSuspension.objects.create(
        accreditation=suspended,
        starts_on=D(2026, 3, 10),
        ends_on=D(2026, 3, 20),
        reason="整改",
        suspended_by=bureau_admin,
    )
    withdrawn = licence(
        withdrawn_school,
        electrician,
        levels["level3"],
        bureau_admin,
        valid_from=D(2026, 1, 1),
        valid_until=D(2027, 12, 31),
    )
    Accreditation.objects.filter(pk=withdrawn.pk).update(
        withdrawn_on=D(2026, 4, 1), withdrawal_reason="违规"
    )
    during = training_class(
        suspended_school,
        electrician,
        levels["level4"],
        starts_on=D(2026, 3, 1),
        ends_on=D(2026, 3, 10),
    )
    # The day it is lifted counts again: a class from then on is in force.
    training_class(
        suspended_school,
        electrician,
        levels["level4"],
        starts_on=D(2026, 3, 20),
        ends_on=D(2026, 3, 30),
    )
    after = training_class(
        withdrawn_school,
        electrician,
        levels["level4"],
        starts_on=D(2026, 3, 25),
        ends_on=D(2026, 4, 1),
    )
    training_class(
        withdrawn_school,
        electrician,
        levels["level4"],
        starts_on=D(2026, 3, 1),
        ends_on=D(2026, 3, 31),
    )

    hits = run("R24")

    assert [(h.subject_id, h.evidence[0]["reason"]) for h in hits] == [
        (during.pk, "licence_not_in_force"),
        (after.pk, "licence_not_in_force"),
    ]


def test_r24_accepts_a_renewal_that_follows_on_and_flags_one_with_a_gap(
    levels: dict[str, SkillLevel], electrician: Occupation, bureau_admin: User
) -> None:
    renewed, late = make_org(), make_org()
    for org, renewal_starts in ((renewed, D(2026, 7, 1)), (late, D(2026, 7, 3))):
        licence(
            org,
            electrician,
            levels["level4"],
            bureau_admin,
            valid_from=D(2023, 7, 1),
            valid_until=D(2026, 6, 30),
        )
        licence(
            org,
            electrician,
            levels["level4"],
            bureau_admin,
            valid_from=renewal_starts,
            valid_until=D(2029, 6, 30),
        )
    training_class(
        renewed, electrician, levels["level4"], starts_on=D(2026, 6, 1), ends_on=D(2026, 7, 31)
    )
    gap = training_class(
        late, electrician, levels["level4"], starts_on=D(2026, 6, 1), ends_on=D(2026, 7, 31)
    )

    hits = run("R24")

    assert [(h.subject_id, h.evidence[0]["reason"]) for h in hits] == [
        (gap.pk, "licence_not_in_force")
    ]
    assert hits[0].evidence[0]["first_day_out"] == "2026-07-01"
    assert hits[0].evidence[0]["licence_state"] == "expired"


def test_r24_flags_an_assessment_session_beyond_its_evaluators_licence(
    levels: dict[str, SkillLevel], electrician: Occupation, bureau_admin: User
) -> None:
    body = make_org(OrganizationKind.EVALUATION_BODY)
    licence(
        body,
        electrician,
        levels["level4"],
        bureau_admin,
        valid_from=D(2026, 1, 1),
        valid_until=D(2026, 12, 31),
        kind="evaluation",
        evaluation_kind="skill_level",
    )
    fine = closed_session(body, electrician, levels["level4"], bureau_admin)
    beyond = closed_session(body, electrician, levels["level3"], bureau_admin)

    hits = run("R24")

    assert [(h.subject, h.subject_id, h.key, h.organization_ids) for h in hits] == [
        ("organization", body.pk, f"assessment_session:{beyond.pk}", (body.pk,))
    ]
    assert fine.pk != beyond.pk
    assert run("R24", check_assessment_sessions=False) == []


# --- R25 -------------------------------------------------------------------------------------


@pytest.fixture
def crowd(city: Region) -> list[Person]:
    return people(100, city)


def test_r25_flags_a_body_and_an_examiner_passing_98_percent_of_100(
    levels: dict[str, SkillLevel],
    electrician: Occupation,
    bureau_admin: User,
    crowd: list[Person],
    city: Region,
) -> None:
    lenient, strict = (
        make_org(OrganizationKind.EVALUATION_BODY),
        make_org(OrganizationKind.EVALUATION_BODY),
    )
    examiner, careful = expert(city), expert(city)
    sit(
        closed_session(lenient, electrician, levels["level4"], bureau_admin),
        crowd,
        [90] * 100,
        [True] * 98 + [False] * 2,
        examiner,
        bureau_admin,
    )
    sit(  # 97 of 100: just under the threshold
        closed_session(strict, electrician, levels["level4"], bureau_admin),
        crowd,
        [90] * 100,
        [True] * 97 + [False] * 3,
        careful,
        bureau_admin,
    )

    hits = [h for h in run("R25") if h.key.startswith("pass_rate")]

    assert [(h.subject, h.subject_id, h.key, h.organization_ids) for h in hits] == [
        ("organization", lenient.pk, f"pass_rate:organization:{lenient.pk}", (lenient.pk,)),
        ("person", examiner.person_id, f"pass_rate:examiner:{examiner.pk}", (lenient.pk,)),
    ]
    assert hits[0].evidence == ({"organization_id": lenient.pk, "candidates": 100, "passed": 98},)
    assert hits[1].person_ids == ()
    # A stricter threshold leaves both; a lower one catches the second body as well.
    assert [h for h in run("R25", pass_rate=0.99) if h.key.startswith("pass_rate")] == []
    assert {h.subject_id for h in run("R25", pass_rate=0.97) if h.subject == "organization"} == {
        lenient.pk,
        strict.pk,
    }
    # Fewer candidates than the minimum: nothing.
    assert [h for h in run("R25", min_candidates=101) if h.key.startswith("pass_rate")] == []


def test_r25_flags_scores_piled_just_above_the_pass_mark(
    levels: dict[str, SkillLevel],
    electrician: Occupation,
    bureau_admin: User,
    crowd: list[Person],
    city: Region,
) -> None:
    piled, spread = (
        make_org(OrganizationKind.EVALUATION_BODY),
        make_org(OrganizationKind.EVALUATION_BODY),
    )
    half = [True] * 50 + [False] * 50
    # 40 of 100 scores within 60..65, the rest far from the mark.
    sit(
        closed_session(piled, electrician, levels["level4"], bureau_admin),
        crowd,
        [62] * 20 + [65] * 20 + [90] * 10 + [30] * 50,
        half,
        expert(city),
        bureau_admin,
        key="practical",
    )
    # 39 of 100: just under.
    sit(
        closed_session(spread, electrician, levels["level4"], bureau_admin),
        crowd,
        [60] * 39 + [66] * 11 + [30] * 50,
        half,
        expert(city),
        bureau_admin,
        key="practical",
    )

    hits = run("R25")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        ("organization", piled.pk, f"piled_scores:organization:{piled.pk}")
    ]
    assert hits[0].evidence[0]["within_band"] == 40
    assert {h.subject_id for h in run("R25", band_points=6)} == {piled.pk, spread.pk}
    assert run("R25", band_share=0.41) == []


def test_r25_flags_theory_scores_far_flatter_than_the_citys(
    levels: dict[str, SkillLevel],
    electrician: Occupation,
    bureau_admin: User,
    crowd: list[Person],
    city: Region,
) -> None:
    bodies = [make_org(OrganizationKind.EVALUATION_BODY) for _ in range(4)]
    spreads = [
        [78, 80, 82] * 10,  # variance 8/3
        [40, 60, 80] * 10,  # variance 266.7
        [50, 60, 70] * 10,  # variance 66.7: the median of the four is (66.7 + 266.7) / 2
        [30, 60, 90] * 10,  # variance 600
    ]
    for body, values in zip(bodies, spreads, strict=True):
        sit(
            closed_session(body, electrician, levels["level4"], bureau_admin),
            crowd[:30],
            values,
            [v >= 60 for v in values],
            expert(city),
            bureau_admin,
        )

    hits = run("R25")

    assert [(h.subject, h.subject_id, h.key, h.organization_ids) for h in hits] == [
        ("organization", bodies[0].pk, f"flat_theory:organization:{bodies[0].pk}", (bodies[0].pk,))
    ]
    assert hits[0].evidence[0]["bodies_compared"] == 4
    # 66.7 is 0.4 of the median 166.7: a ratio of 0.41 catches that body too.
    assert {h.subject_id for h in run("R25", variance_ratio=0.41)} == {bodies[0].pk, bodies[2].pk}
    assert run("R25", min_bodies=5) == []


# --- R26 -------------------------------------------------------------------------------------


def test_r26_blocks_a_session_with_edits_after_close_or_by_the_wrong_hands(
    levels: dict[str, SkillLevel],
    electrician: Occupation,
    bureau_admin: User,
    reviewer: User,
    city: Region,
) -> None:
    body = make_org(OrganizationKind.EVALUATION_BODY)
    examiner, outsider = expert(city), expert(city)
    persons = people(4, city)
    session = closed_session(body, electrician, levels["level4"], bureau_admin)
    clean_session = closed_session(body, electrician, levels["level4"], bureau_admin)
    scores = sit(session, persons, [70, 70, 70, 70], [True] * 4, examiner, bureau_admin)
    clean = sit(clean_session, persons[:2], [70, 55], [True, False], examiner, bureau_admin)
    later = session.closed_at + datetime.timedelta(days=1)  # type: ignore[operator]
    # An approved two-person change: the sanctioned path, not a finding.
    supervisor = make_user("supervisor_t", Role.BUREAU_ADMIN)
    ScoreChange.objects.create(
        score=clean[1],
        old_value=55,
        new_value=61,
        reason="复核",
        status="approved",
        requested_by=bureau_admin,
        approved_by=supervisor,
        decided_at=later,
    )
    Score.objects.filter(pk=clean[1].pk).update(value=61, entered_at=later)
    Result.objects.filter(candidate=clean[1].candidate).update(passed=True, decided_at=later)
    # In the other session: a score edited in place after closing, one entered by a
    # non-examiner, and a change asked for by an institution's staff account.
    Score.objects.filter(pk=scores[0].pk).update(value=90, entered_at=later)
    Score.objects.filter(pk=scores[1].pk).update(entered_by=outsider)
    staff = make_user("staff_x", Role.INSTITUTION_STAFF, organization=body)
    change = ScoreChange.objects.create(
        score=scores[2], old_value=70, new_value=75, reason="改分", requested_by=staff
    )
    assert reviewer.role != staff.role

    hits = run("R26")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        ("organization", body.pk, f"assessment_session:{session.pk}")
    ]
    hit = hits[0]
    assert hit.person_ids == tuple(sorted(p.pk for p in persons[:3]))
    assert hit.organization_ids == ()
    assert sorted(
        (row["finding"], row.get("score_id") or row.get("score_change_id")) for row in hit.evidence
    ) == sorted(
        [
            ("score_after_close", scores[0].pk),
            ("score_by_non_examiner", scores[1].pk),
            ("change_by_wrong_role", change.pk),
        ]
    )
    assert hit.evidence_count == 3
    # A window after the edits sees none of them.
    assert run("R26", Window(since=timezone.now() + datetime.timedelta(minutes=1))) == []
    assert [h.evidence_count for h in run("R26", Window(since=later))] == [2]


def test_r26_flags_a_result_redecided_after_close_without_a_change(
    levels: dict[str, SkillLevel], electrician: Occupation, bureau_admin: User, city: Region
) -> None:
    body = make_org(OrganizationKind.EVALUATION_BODY)
    persons = people(2, city)
    session = closed_session(body, electrician, levels["level4"], bureau_admin)
    sit(session, persons, [50, 50], [False, False], expert(city), bureau_admin)
    later = session.closed_at + datetime.timedelta(hours=2)  # type: ignore[operator]
    result = Result.objects.get(candidate__person=persons[1], candidate__session=session)
    Result.objects.filter(pk=result.pk).update(passed=True, decided_at=later)

    hits = run("R26")

    assert [(h.subject_id, h.person_ids) for h in hits] == [(body.pk, (persons[1].pk,))]
    assert hits[0].evidence[0]["finding"] == "result_after_close"
    assert hits[0].evidence[0]["result_id"] == result.pk


# --- R28 -------------------------------------------------------------------------------------


def certificates(issuer: Organization, holder: Person, count: int, on: datetime.date) -> None:
    first = next(_serial) * 1000
    Certificate.objects.bulk_create(
        Certificate(
            number=f"N{first + i}",
            kind="skill_level",
            holder=holder,
            issuer=issuer,
            issued_on=on,
            basis=f"test:{first + i}",
            status_index=first + i,
            credential_id=f"urn:uuid:{first + i}",
            subject_id="urn:uuid:x",
            signing_kid="k",
            credential="jwt",
        )
        for i in range(count)
    )


def test_r28_holds_a_new_body_issuing_more_than_five_times_the_median(
    levels: dict[str, SkillLevel], electrician: Occupation, bureau_admin: User, city: Region
) -> None:
    holder = people(1, city)[0]
    old_a, old_b, new, newer = (make_org(OrganizationKind.EVALUATION_BODY) for _ in range(4))
    for org, since in (
        (old_a, D(2024, 1, 1)),
        (old_b, D(2024, 1, 1)),
        (new, D(2026, 1, 15)),
        (newer, D(2026, 2, 1)),
    ):
        licence(
            org,
            electrician,
            levels["level3"],
            bureau_admin,
            valid_from=since,
            valid_until=D(2028, 12, 31),
            kind="evaluation",
            evaluation_kind="skill_level",
        )
    may = D(2026, 5, 10)
    certificates(old_a, holder, 8, may)
    certificates(old_b, holder, 12, may)  # median 10
    certificates(new, holder, 51, may)  # more than 5 × 10
    certificates(newer, holder, 50, may)  # exactly 5 × 10: just under
    # Seven months after its licence the same volume is no longer a new body's burst.
    certificates(old_a, holder, 10, D(2026, 8, 3))
    certificates(new, holder, 60, D(2026, 8, 3))

    hits = run("R28")

    assert [(h.subject, h.subject_id, h.key, h.organization_ids) for h in hits] == [
        ("organization", new.pk, "burst:certificates:assessment:2026-05", (new.pk,))
    ]
    assert hits[0].evidence[0]["count"] == 51
    assert hits[0].evidence[0]["established_median"] == 10.0
    assert {h.subject_id for h in run("R28", ratio=4.9)} == {new.pk, newer.pk}
    assert run("R28", min_monthly=52) == []
    assert {h.key for h in run("R28", new_months=8)} == {
        "burst:certificates:assessment:2026-05",
        "burst:certificates:assessment:2026-08",
    }


# --- Query counts ----------------------------------------------------------------------------


def test_each_rule_runs_a_bounded_number_of_queries_whatever_the_rows(
    levels: dict[str, SkillLevel],
    electrician: Occupation,
    welder: Occupation,
    bureau_admin: User,
    crowd: list[Person],
    city: Region,
    django_assert_max_num_queries: Any,
) -> None:
    established = make_org(OrganizationKind.EVALUATION_BODY)
    certificates(established, crowd[0], 5, D(2026, 5, 1))
    for _ in range(3):
        body = make_org(OrganizationKind.EVALUATION_BODY)
        licence(
            body,
            welder,
            levels["level4"],
            bureau_admin,
            valid_from=D(2026, 4, 1),
            valid_until=D(2026, 12, 31),
            kind="evaluation",
            evaluation_kind="skill_level",
        )
        session = closed_session(body, electrician, levels["level4"], bureau_admin)
        scores = sit(session, crowd, [61] * 100, [True] * 100, expert(city), bureau_admin)
        later = session.closed_at + datetime.timedelta(days=1)  # type: ignore[operator]
        Score.objects.filter(pk__in=[s.pk for s in scores[:20]]).update(
            value=Decimal(70), entered_at=later
        )
        certificates(body, crowd[0], 60, D(2026, 5, 1))
        school = make_org()
        for _ in range(5):
            training_class(school, welder, None, starts_on=D(2026, 1, 1), ends_on=D(2026, 1, 5))
    for code, most in (("R24", 6), ("R25", 5), ("R26", 5), ("R28", 3)):
        with django_assert_max_num_queries(most):
            assert run(code), code
