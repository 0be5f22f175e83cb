"""Rules on accredited scope, assessment results and certificates (FRAUD_RULES.md C/D).

R24 out-of-scope training, R25 pass-rate and score-shape anomalies, R26 score edits after
close or by a non-examiner, R28 new-body burst. Each check is a few aggregate queries; Python
only turns the groups they return into hits.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Variance,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.accounts.roles import ROLE_CAPABILITIES, Capability
from jineng.accreditations.choices import AccreditationKind, AccreditationStatus
from jineng.accreditations.models import Accreditation, AccreditationSuspension
from jineng.assessment.choices import ComponentKey, ScoreChangeStatus, SessionStatus
from jineng.assessment.models import (
    AssessmentSession,
    Candidate,
    Result,
    Score,
    ScoreChange,
    SessionExaminer,
)
from jineng.certificates.models import Certificate, CertificateKind
from jineng.fraud.rules.base import Evidence, Hit, Threshold, Window, evidence_rows, rule
from jineng.training.choices import ClassStatus
from jineng.training.models import TrainingClass

# The classification has four levels: an occupation, and up to three categories above it.
_LINEAGE = ("", "parent__", "parent__parent__", "parent__parent__parent__")


def _in_force_licence(
    *,
    kind: str,
    organization: str,
    occupation: str,
    level_rank: str,
    first_day: str,
    last_day: str,
    evaluation_kind: str | None = None,
    whole_span: bool,
) -> Exists:
    """A licence of ``kind`` of the outer row's organisation that covers its occupation and level.

    The arguments are paths in the outer query. With ``whole_span`` the licence must be in
    force on every day from ``first_day`` to ``last_day`` (valid, not withdrawn, never
    suspended); without, it only has to cover the scope, whatever its dates.
    """
    lineage = Q()
    for step in _LINEAGE:
        lineage |= Q(occupation_id=OuterRef(f"{occupation}__{step}id"))
    licences = Accreditation.objects.filter(
        lineage,
        kind=kind,
        organization_id=OuterRef(organization),
        max_level__rank__gte=OuterRef(level_rank),
    )
    if evaluation_kind is not None:
        licences = licences.filter(evaluation_kind=OuterRef(evaluation_kind))
    if whole_span:
        suspended = AccreditationSuspension.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=OuterRef(OuterRef(first_day))),
            accreditation_id=OuterRef("pk"),
            starts_on__lte=OuterRef(OuterRef(last_day)),
        )
        licences = licences.filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=OuterRef(last_day)),
            valid_from__lte=OuterRef(first_day),
            valid_until__gte=OuterRef(last_day),
        ).exclude(Exists(suspended))
    return Exists(licences)


def _changed_licences(organization: str, since: datetime.datetime) -> Q:
    """Rows whose organisation's licences (or their suspensions) changed from ``since``."""
    return Q(
        Exists(
            Accreditation.objects.filter(
                organization_id=OuterRef(organization), updated_at__gte=since
            )
        )
    ) | Q(
        Exists(
            AccreditationSuspension.objects.filter(
                accreditation__organization_id=OuterRef(organization), created_at__gte=since
            )
        )
    )


def _lineage_values(occupation: str) -> list[str]:
    """The value paths of an occupation's id and its categories' ids, nearest first."""
    return [f"{occupation}__{step}id" for step in _LINEAGE]


def _first_gaps(
    rows: list[dict[str, Any]],
    *,
    kind: str,
    organization: str,
    occupation: str,
    evaluation_kind: str | None = None,
) -> dict[int, tuple[datetime.date, str]]:
    """The first day of each row's span on which no licence covering it is in force.

    The query has already kept only the rows that no single licence covers from the first day
    to the last; a renewal may still cover the span with two licences one after the other.
    This reads the licences of the rows' organisations once (two queries) and checks only the
    days on which being accredited can change, as ``accreditations.queries`` does. Rows
    covered on every day are left out; the others map to the day and the state on it.
    """
    if not rows:
        return {}
    licences: dict[int, list[Accreditation]] = defaultdict(list)
    held = (
        Accreditation.objects.filter(
            kind=kind, organization_id__in={row[organization] for row in rows}
        )
        .select_related("max_level")
        .prefetch_related("suspensions")
        .order_by("pk")
    )
    for licence in held:
        licences[licence.organization_id].append(licence)
    gaps: dict[int, tuple[datetime.date, str]] = {}
    for row in rows:
        lineage = {row[path] for path in _lineage_values(occupation)} - {None}
        covering = [
            licence
            for licence in licences[row[organization]]
            if licence.occupation_id in lineage
            and licence.max_level.rank >= row["level_rank"]
            and (evaluation_kind is None or licence.evaluation_kind == row[evaluation_kind])
        ]
        first, last = row["starts_on"], row["ends_on"]
        days = {first}
        for licence in covering:
            days.update([licence.valid_from, licence.valid_until + datetime.timedelta(days=1)])
            if licence.withdrawn_on is not None:
                days.add(licence.withdrawn_on)
            for suspension in licence.suspensions.all():
                days.add(suspension.starts_on)
                if suspension.ends_on is not None:
                    days.add(suspension.ends_on)
        for day in sorted(d for d in days if first <= d <= last):
            states = [licence.status_on(day) for licence in covering]
            if AccreditationStatus.ACTIVE not in states:
                latest = max(
                    covering,
                    key=lambda licence: (licence.valid_from <= day, licence.valid_until),
                    default=None,
                )
                gaps[row["pk"]] = (day, latest.status_on(day).value if latest else "")
                break
    return gaps


# Classes that are asked for, approved, running or finished: a draft or a returned class is
# still the institution's own business.
_R24_CLASS_STATUSES = (
    ClassStatus.SUBMITTED,
    ClassStatus.APPROVED,
    ClassStatus.RUNNING,
    ClassStatus.CLOSED,
    ClassStatus.ARCHIVED,
)


@rule(
    "R24",
    name=_("Out-of-scope training"),
    action="block",
    defaults={"check_assessment_sessions": True},
    explanation=_(
        "A class whose occupation or level is outside the institution's accredited scope, or "
        "whose licence is not in force (expired, withdrawn or suspended) on every day of the "
        "class; likewise an assessment session outside its evaluation body's licence."
    ),
)
def out_of_scope_training(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    classes = TrainingClass.objects.filter(status__in=_R24_CLASS_STATUSES).annotate(
        level_rank=Coalesce(F("programme__skill_level__rank"), Value(0)),
        in_scope=_in_force_licence(
            kind=AccreditationKind.TRAINING,
            organization="programme__organization_id",
            occupation="programme__occupation",
            level_rank="level_rank",
            first_day="starts_on",
            last_day="ends_on",
            whole_span=False,
        ),
        in_force=_in_force_licence(
            kind=AccreditationKind.TRAINING,
            organization="programme__organization_id",
            occupation="programme__occupation",
            level_rank="level_rank",
            first_day="starts_on",
            last_day="ends_on",
            whole_span=True,
        ),
    )
    classes = classes.filter(in_force=False)
    if window.since is not None:
        classes = classes.filter(
            Q(updated_at__gte=window.since)
            | _changed_licences("programme__organization_id", window.since)
        )
    if window.class_ids:
        classes = classes.filter(pk__in=window.class_ids)
    if window.person_ids:
        classes = classes.filter(
            Exists(
                TrainingClass.objects.filter(
                    pk=OuterRef("pk"), enrolments__person_id__in=window.person_ids
                )
            )
        )
    rows: list[dict[str, Any]] = list(
        classes.order_by("pk").values(
            "pk",
            "code",
            "starts_on",
            "ends_on",
            "in_scope",
            "level_rank",
            "programme__organization_id",
            "programme__occupation__code",
            "programme__skill_level__code",
            *_lineage_values("programme__occupation"),
        )
    )
    gaps = _first_gaps(
        [row for row in rows if row["in_scope"]],
        kind=AccreditationKind.TRAINING,
        organization="programme__organization_id",
        occupation="programme__occupation",
    )
    for row in rows:
        if row["in_scope"] and row["pk"] not in gaps:
            continue  # renewed in time: one licence after another covers every day
        reason = "licence_not_in_force" if row["in_scope"] else "outside_scope"
        gap_day, state = gaps.get(row["pk"], (row["starts_on"], ""))
        organization_id = row["programme__organization_id"]
        yield Hit(
            subject="class",
            subject_id=row["pk"],
            key=f"class:{row['pk']}",
            summary=(
                gettext(
                    "Class {code} ({first} to {last}) trains an occupation and level the "
                    "institution's licence does not cover on every day of the class."
                )
                if row["in_scope"]
                else gettext(
                    "Class {code} ({first} to {last}) trains an occupation or level outside "
                    "the institution's accredited scope."
                )
            ).format(code=row["code"], first=row["starts_on"], last=row["ends_on"]),
            evidence=(
                {
                    "class_id": row["pk"],
                    "organization_id": organization_id,
                    "occupation": row["programme__occupation__code"],
                    "level": row["programme__skill_level__code"],
                    "starts_on": row["starts_on"].isoformat(),
                    "ends_on": row["ends_on"].isoformat(),
                    "reason": reason,
                    "first_day_out": gap_day.isoformat(),
                    "licence_state": state,
                },
            ),
            evidence_count=1,
            class_ids=(row["pk"],),
            organization_ids=(organization_id,),
        )
    if not params.get("check_assessment_sessions", True):
        return
    yield from _out_of_scope_sessions(window)


def _out_of_scope_sessions(window: Window) -> Iterator[Hit]:
    """Assessment sessions held outside their evaluation body's licence (part of R24)."""
    licence = {
        "kind": AccreditationKind.EVALUATION,
        "organization": "evaluator_id",
        "occupation": "occupation",
        "level_rank": "level_rank",
        "first_day": "starts_on",
        "last_day": "ends_on",
        "evaluation_kind": "route",
    }
    sessions = (
        AssessmentSession.objects.exclude(status=SessionStatus.DRAFT)
        .annotate(
            level_rank=Coalesce(F("level__rank"), Value(0)),
            in_scope=_in_force_licence(**licence, whole_span=False),
            in_force=_in_force_licence(**licence, whole_span=True),
        )
        .filter(in_force=False)
    )
    if window.since is not None:
        sessions = sessions.filter(
            Q(updated_at__gte=window.since) | _changed_licences("evaluator_id", window.since)
        )
    if window.person_ids:
        sessions = sessions.filter(
            Exists(
                Candidate.objects.filter(session_id=OuterRef("pk"), person_id__in=window.person_ids)
            )
        )
    if window.class_ids:
        sessions = sessions.filter(
            Exists(
                Candidate.objects.filter(
                    session_id=OuterRef("pk"), enrolment__training_class_id__in=window.class_ids
                )
            )
        )
    rows: list[dict[str, Any]] = list(
        sessions.order_by("pk").values(
            "pk",
            "starts_on",
            "ends_on",
            "in_scope",
            "level_rank",
            "evaluator_id",
            "route",
            "occupation__code",
            "level__code",
            *_lineage_values("occupation"),
        )
    )
    gaps = _first_gaps(
        [row for row in rows if row["in_scope"]],
        kind=AccreditationKind.EVALUATION,
        organization="evaluator_id",
        occupation="occupation",
        evaluation_kind="route",
    )
    for row in rows:
        if row["in_scope"] and row["pk"] not in gaps:
            continue
        gap_day, state = gaps.get(row["pk"], (row["starts_on"], ""))
        yield Hit(
            subject="organization",
            subject_id=row["evaluator_id"],
            key=f"assessment_session:{row['pk']}",
            summary=gettext(
                "Assessment session {number} ({first} to {last}) is outside its evaluation "
                "body's licence in force."
            ).format(number=row["pk"], first=row["starts_on"], last=row["ends_on"]),
            evidence=(
                {
                    "assessment_session_id": row["pk"],
                    "organization_id": row["evaluator_id"],
                    "route": row["route"],
                    "occupation": row["occupation__code"],
                    "level": row["level__code"],
                    "starts_on": row["starts_on"].isoformat(),
                    "ends_on": row["ends_on"].isoformat(),
                    "reason": "licence_not_in_force" if row["in_scope"] else "outside_scope",
                    "first_day_out": gap_day.isoformat(),
                    "licence_state": state,
                },
            ),
            evidence_count=1,
            organization_ids=(row["evaluator_id"],),
        )


def _results_in_window(params: Mapping[str, Threshold], window: Window) -> QuerySet[Result]:
    """Results decided within the rule's look-back, of the evaluators the window touches."""
    since = timezone.now() - datetime.timedelta(days=int(params["lookback_days"]))
    results = Result.objects.filter(decided_at__gte=since)
    evaluators = _window_evaluators(window)
    if evaluators is not None:
        results = results.filter(candidate__session__evaluator_id__in=evaluators)
    return results


def _window_evaluators(window: Window) -> QuerySet[AssessmentSession, Any] | None:
    """The evaluation bodies whose sessions the window touches, as a subquery (None: all)."""
    if window.since is None and not window.class_ids and not window.person_ids:
        return None
    sessions = AssessmentSession.objects.all()
    if window.since is not None:
        sessions = sessions.filter(
            Q(updated_at__gte=window.since) | Q(candidates__result__decided_at__gte=window.since)
        )
    if window.person_ids:
        sessions = sessions.filter(candidates__person_id__in=window.person_ids)
    if window.class_ids:
        sessions = sessions.filter(candidates__enrolment__training_class_id__in=window.class_ids)
    return sessions.values("evaluator_id")


@rule(
    "R25",
    name=_("Pass-rate and score-shape anomalies"),
    action="flag",
    defaults={
        "lookback_days": 365,
        "pass_rate": 0.98,
        "min_candidates": 100,
        "band_points": 5,
        "band_share": 0.4,
        "min_scores": 100,
        "variance_ratio": 0.25,
        "min_theory_scores": 30,
        "min_bodies": 3,
    },
    explanation=_(
        "An evaluation body or examiner whose pass rate is at or above the threshold over "
        "enough candidates; an evaluation body whose scores pile up just above the pass mark; "
        "or one whose theory scores vary far less than other bodies' in the city."
    ),
)
def pass_rate_anomalies(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    yield from _high_pass_rates(params, window)
    yield from _piled_scores(params, window)
    yield from _flat_theory_scores(params, window)


def _high_pass_rates(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    rate = float(params["pass_rate"])
    least = int(params["min_candidates"])
    results = _results_in_window(params, window)
    bodies = (
        results.values("candidate__session__evaluator_id")
        .annotate(candidates=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .filter(candidates__gte=least, passed__gte=F("candidates") * rate)
        .order_by("candidate__session__evaluator_id")
    )
    for group in bodies:
        organization_id = group["candidate__session__evaluator_id"]
        yield Hit(
            subject="organization",
            subject_id=organization_id,
            key=f"pass_rate:organization:{organization_id}",
            summary=gettext(
                "{passed} of {candidates} candidates of this evaluation body passed."
            ).format(passed=group["passed"], candidates=group["candidates"]),
            evidence=(
                {
                    "organization_id": organization_id,
                    "candidates": group["candidates"],
                    "passed": group["passed"],
                },
            ),
            evidence_count=1,
            organization_ids=(organization_id,),
        )
    # The same by examiner: the candidates each one scored, and how many of them passed.
    scored = (
        Score.objects.filter(candidate__result__in=results)
        .values("entered_by_id", "entered_by__person_id")
        .annotate(
            candidates=Count("candidate_id", distinct=True),
            passed=Count("candidate_id", distinct=True, filter=Q(candidate__result__passed=True)),
            organizations=Count("candidate__session__evaluator_id", distinct=True),
            first_organization=Min("candidate__session__evaluator_id"),
            last_organization=Max("candidate__session__evaluator_id"),
        )
        .filter(candidates__gte=least, passed__gte=F("candidates") * rate)
        .order_by("entered_by_id")
    )
    for examiner in scored:
        expert_id = examiner["entered_by_id"]
        organizations = tuple(
            sorted({examiner["first_organization"], examiner["last_organization"]})
        )
        yield Hit(
            subject="person",
            subject_id=examiner["entered_by__person_id"],
            key=f"pass_rate:examiner:{expert_id}",
            summary=gettext(
                "{passed} of {candidates} candidates scored by this examiner passed."
            ).format(passed=examiner["passed"], candidates=examiner["candidates"]),
            evidence=(
                {
                    "expert_id": expert_id,
                    "candidates": examiner["candidates"],
                    "passed": examiner["passed"],
                    "evaluation_bodies": examiner["organizations"],
                },
            ),
            evidence_count=1,
            # The examiner's own claims are not the point: review the bodies they scored for
            # (the first and last by id when there are more; the evidence counts them).
            organization_ids=organizations,
        )


def _piled_scores(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    band = float(params["band_points"])
    share = float(params["band_share"])
    scores = Score.objects.filter(
        candidate__result__in=_results_in_window(params, window)
    ).annotate(
        value_f=Cast("value", FloatField()), pass_f=Cast("component__pass_score", FloatField())
    )
    bodies = (
        scores.values("candidate__session__evaluator_id")
        .annotate(
            scores=Count("pk"),
            in_band=Count(
                "pk", filter=Q(value_f__gte=F("pass_f"), value_f__lte=F("pass_f") + band)
            ),
        )
        .filter(scores__gte=int(params["min_scores"]), in_band__gte=F("scores") * share)
        .order_by("candidate__session__evaluator_id")
    )
    for group in bodies:
        organization_id = group["candidate__session__evaluator_id"]
        yield Hit(
            subject="organization",
            subject_id=organization_id,
            key=f"piled_scores:organization:{organization_id}",
            summary=gettext(
                "{in_band} of {scores} scores of this evaluation body lie within {band} points "
                "above the pass mark."
            ).format(in_band=group["in_band"], scores=group["scores"], band=params["band_points"]),
            evidence=(
                {
                    "organization_id": organization_id,
                    "scores": group["scores"],
                    "within_band": group["in_band"],
                    "band_points": band,
                },
            ),
            evidence_count=1,
            organization_ids=(organization_id,),
        )


def _flat_theory_scores(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    # Compared across the whole city, so the window only chooses whom to report.
    everyone = Window()
    theory = Score.objects.filter(
        component__key=ComponentKey.THEORY,
        candidate__result__in=_results_in_window(params, everyone),
    ).annotate(
        percent=Cast("value", FloatField()) * 100.0 / Cast("component__max_score", FloatField())
    )
    groups = list(
        theory.values("candidate__session__evaluator_id")
        .annotate(scores=Count("pk"), variance=Variance("percent"))
        .filter(scores__gte=int(params["min_theory_scores"]))
        .order_by("candidate__session__evaluator_id")
    )
    if len(groups) < int(params["min_bodies"]):
        return
    median = statistics.median(float(g["variance"] or 0) for g in groups)
    if median <= 0:
        return
    reported = _window_evaluators(window)
    chosen = None if reported is None else set(reported.values_list("evaluator_id", flat=True))
    ratio = float(params["variance_ratio"])
    for group in groups:
        organization_id = group["candidate__session__evaluator_id"]
        variance = float(group["variance"] or 0)
        if variance >= median * ratio or (chosen is not None and organization_id not in chosen):
            continue
        yield Hit(
            subject="organization",
            subject_id=organization_id,
            key=f"flat_theory:organization:{organization_id}",
            summary=gettext(
                "The theory scores of this evaluation body vary far less than other bodies' "
                "(variance {variance} against a city median of {median}, in percent of full "
                "marks)."
            ).format(variance=round(variance, 1), median=round(median, 1)),
            evidence=(
                {
                    "organization_id": organization_id,
                    "theory_scores": group["scores"],
                    "variance": round(variance, 2),
                    "city_median_variance": round(median, 2),
                    "bodies_compared": len(groups),
                },
            ),
            evidence_count=1,
            organization_ids=(organization_id,),
        )


def _bureau_roles() -> list[str]:
    """The roles that may ask for and decide a change to a locked score."""
    return sorted(
        role
        for role, capabilities in ROLE_CAPABILITIES.items()
        if Capability.SUPERVISE_ASSESSMENTS in capabilities
    )


@rule(
    "R26",
    name=_("Score edits after close"),
    action="block",
    defaults={},
    explanation=_(
        "A score or result changed after the session closed without an approved two-person "
        "score change; a score entered by someone who is not one of the session's examiners; "
        "or a score change asked for or approved by a role that may not change scores. The "
        "session's certificates wait for a second approval."
    ),
)
def score_edits_after_close(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    scores = Score.objects.all()
    changes = ScoreChange.objects.all()
    results = Result.objects.all()
    if window.since is not None:
        scores = scores.filter(entered_at__gte=window.since)
        changes = changes.filter(
            Q(requested_at__gte=window.since) | Q(decided_at__gte=window.since)
        )
        results = results.filter(decided_at__gte=window.since)
    if window.person_ids:
        scores = scores.filter(candidate__person_id__in=window.person_ids)
        changes = changes.filter(score__candidate__person_id__in=window.person_ids)
        results = results.filter(candidate__person_id__in=window.person_ids)
    if window.class_ids:
        scores = scores.filter(candidate__enrolment__training_class_id__in=window.class_ids)
        changes = changes.filter(
            score__candidate__enrolment__training_class_id__in=window.class_ids
        )
        results = results.filter(candidate__enrolment__training_class_id__in=window.class_ids)
    approved_then = ScoreChange.objects.filter(
        score_id=OuterRef("pk"),
        status=ScoreChangeStatus.APPROVED,
        decided_at=OuterRef("entered_at"),
    )
    after_close = (
        scores.filter(
            candidate__session__closed_at__isnull=False,
            entered_at__gt=F("candidate__session__closed_at"),
        )
        .exclude(Exists(approved_then))
        .values_list("pk", "candidate__session_id", "candidate__person_id", "entered_at")
    )
    examiner = SessionExaminer.objects.filter(
        session_id=OuterRef("candidate__session_id"), expert_id=OuterRef("entered_by_id")
    )
    by_outsider = scores.exclude(Exists(examiner)).values_list(
        "pk", "candidate__session_id", "candidate__person_id", "entered_at"
    )
    redecided_by_change = ScoreChange.objects.filter(
        score__candidate_id=OuterRef("candidate_id"),
        status=ScoreChangeStatus.APPROVED,
        decided_at=OuterRef("decided_at"),
    )
    result_after_close = (
        results.filter(
            candidate__session__closed_at__isnull=False,
            decided_at__gt=F("candidate__session__closed_at"),
        )
        .exclude(Exists(redecided_by_change))
        .values_list("pk", "candidate__session_id", "candidate__person_id", "decided_at")
    )
    roles = _bureau_roles()
    wrong_role = changes.filter(
        ~Q(requested_by__role__in=roles)
        | Q(approved_by__isnull=False) & ~Q(approved_by__role__in=roles)
    ).values_list(
        "pk", "score__candidate__session_id", "score__candidate__person_id", "requested_at"
    )
    found: dict[int, list[Evidence]] = defaultdict(list)
    people: dict[int, set[int]] = defaultdict(set)
    findings: tuple[tuple[str, str, QuerySet[Any, tuple[Any, ...]]], ...] = (
        ("score_after_close", "score_id", after_close),
        ("score_by_non_examiner", "score_id", by_outsider),
        ("result_after_close", "result_id", result_after_close),
        ("change_by_wrong_role", "score_change_id", wrong_role),
    )
    for what, id_key, rows in findings:
        for row_id, session_id, person_id, at in rows.order_by("pk"):
            people[session_id].add(person_id)
            found[session_id].append(
                {"finding": what, id_key: row_id, "person_id": person_id, "at": at.isoformat()}
            )
    if not found:
        return
    evaluators = dict(
        AssessmentSession.objects.filter(pk__in=found).values_list("pk", "evaluator_id")
    )
    for session_id in sorted(found):
        rows_shown, count = evidence_rows(found[session_id])
        yield Hit(
            subject="organization",
            subject_id=evaluators[session_id],
            key=f"assessment_session:{session_id}",
            summary=gettext(
                "Assessment session {number}: scores or results changed after it closed "
                "without an approved change, or by someone not entitled to ({count} found)."
            ).format(count=count, number=session_id),
            evidence=rows_shown,
            evidence_count=count,
            # Hold what the edited results pay for: the candidates' claims.
            person_ids=tuple(sorted(people[session_id])),
        )


def _monthly(rows: Iterable[Mapping[str, Any]]) -> dict[datetime.date, dict[int, int]]:
    """Counts per month and organisation, from rows of ``month``, ``organization_id``, ``n``."""
    months: dict[datetime.date, dict[int, int]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        months[month][int(row["organization_id"])] = int(row["n"])
    return months


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


@rule(
    "R28",
    name=_("New-body burst"),
    action="hold",
    defaults={"new_months": 6, "ratio": 5.0, "min_monthly": 50},
    explanation=_(
        "A training or evaluation body within its first months after accreditation whose "
        "certificates in a month are many times the median of the established bodies issuing "
        "the same kind of certificate that month. Its payments are held and a site visit "
        "scheduled."
    ),
)
def new_body_burst(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    new_months = int(params["new_months"])
    ratio = float(params["ratio"])
    least = int(params["min_monthly"])
    first_licensed = dict(
        Accreditation.objects.values("organization_id")
        .annotate(first=Min("valid_from"))
        .values_list("organization_id", "first")
    )
    certificates = Certificate.objects.all()
    if window.since is not None:
        certificates = certificates.filter(issued_on__gte=window.since.date().replace(day=1))
    # Training certificates are compared with training bodies', the rest with evaluators'.
    families = {
        "training": certificates.filter(kind=CertificateKind.TRAINING),
        "assessment": certificates.exclude(kind=CertificateKind.TRAINING),
    }
    for family, rows in families.items():
        counts = _monthly(
            rows.annotate(month=TruncMonth("issued_on"))
            .values("month", organization_id=F("issuer_id"))
            .annotate(n=Count("pk"))
            .order_by()
        )
        yield from _bursts(
            f"certificates:{family}",
            gettext("certificates"),
            counts,
            first_licensed,
            new_months,
            ratio,
            least,
        )


def _bursts(
    what: str,
    label: str,
    counts: Mapping[datetime.date, Mapping[int, int]],
    first_licensed: Mapping[int, datetime.date],
    new_months: int,
    ratio: float,
    least: int,
) -> Iterator[Hit]:
    """Hits for new bodies whose monthly count is ``ratio`` times the established median."""
    for month in sorted(counts):
        by_body = counts[month]

        def is_new(organization_id: int, month: datetime.date = month) -> bool:
            first = first_licensed.get(organization_id)
            return first is not None and month < _add_months(first, new_months)

        established = [n for body, n in by_body.items() if not is_new(body)]
        if not established:
            continue
        median = statistics.median(established)
        for organization_id in sorted(by_body):
            n = by_body[organization_id]
            if not is_new(organization_id) or n < least or n <= ratio * median:
                continue
            yield Hit(
                subject="organization",
                subject_id=organization_id,
                key=f"burst:{what}:{month:%Y-%m}",
                summary=gettext(
                    "In {month}, within its first months after accreditation, this body had "
                    "{count} {label}: more than {ratio} times the median {median} of "
                    "established bodies."
                ).format(month=f"{month:%Y-%m}", count=n, label=label, ratio=ratio, median=median),
                evidence=(
                    {
                        "organization_id": organization_id,
                        "month": f"{month:%Y-%m}",
                        "counted": what,
                        "count": n,
                        "established_median": float(median),
                        "established_bodies": len(established),
                        "first_accredited_on": first_licensed[organization_id].isoformat(),
                    },
                ),
                evidence_count=1,
                organization_ids=(organization_id,),
            )
