"""Every write of assessment (考核/认定): sessions, candidates, plans, draws, scores, results.

Each public service owns its transaction, checks the actor, locks the session (locks.py, with
the database's lock timeout) before re-checking its state, and writes its audit event in the
same transaction. Lock order (ADR 0006): session, score change, person, audit stream.

- An evaluator creates a session only for a route, occupation and level it is accredited for
  on every day of the session, adds candidates (from a completed class, or by application,
  each checked against the conditions of application), and files the plan (计划备案).
- The bureau assigns a quality supervisor and draws the examiners from the judge pool,
  excluding the evaluator, the candidates' training institutions and employers, and anyone
  with a declared relation to a candidate (experts.services.draw_examiners).
- Drawn examiners enter scores for their session only; closing the session locks them and
  decides the results. A locked score changes only by a bureau user's request with a reason,
  approved by a second bureau user (R26), each an audit event.
- The evaluator issues the certificates of the passed candidates of a closed session through
  certificates.services.issue_certificates, with basis ``result:<id>``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.models import User
from jineng.accounts.roles import Capability
from jineng.accreditations.choices import AccreditationKind, EvaluationKind
from jineng.accreditations.queries import is_accredited
from jineng.assessment import access, locks, rules
from jineng.assessment.choices import (
    LOCKED_STATUSES,
    OPEN_FOR_CANDIDATES,
    SCORING_STATUSES,
    SESSION_TRANSITIONS,
    CandidateSource,
    FindingSeverity,
    ScoreChangeStatus,
    SessionStatus,
)
from jineng.assessment.errors import (
    AlreadyCandidate,
    AlreadyIssued,
    EvaluatorNotAccredited,
    ExaminerConflict,
    NotEligible,
    NotExaminer,
    NotPassed,
    PlanIncomplete,
    RelatedToCandidate,
    ScoreOutOfRange,
    ScoresLocked,
    ScoresMissing,
    SecondApproverRequired,
    SessionFull,
    StrayDraw,
)
from jineng.assessment.models import (
    AssessmentSession,
    Candidate,
    Result,
    Score,
    ScoreChange,
    SessionComponent,
    SessionExaminer,
    SupervisionFinding,
)
from jineng.core import audit, scope
from jineng.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from jineng.core.scope import CHANGE
from jineng.occupations.models import Occupation, SkillLevel
from jineng.people.models import Affiliation, Person

MAX_TEXT = 2000
# A session spans at most this many days (each is checked against the accreditation).
MAX_SESSION_DAYS = 60
# How many examiners a session gets unless the bureau says otherwise.
DEFAULT_EXAMINERS = 3


@dataclass(frozen=True)
class SessionInput:
    """What an evaluator plans: route, occupation, level (none for 专项职业能力), days, venue."""

    route: str
    occupation: Occupation
    level: SkillLevel | None
    title: str
    starts_on: datetime.date
    ends_on: datetime.date
    venue: str = ""
    capacity: int = 60


@dataclass(frozen=True)
class ApplicantInput:
    """A direct application: the ID card's number and name, and what the applicant declares."""

    id_number: str
    name: str
    years_in_occupation: int | None = None
    education: str = ""


@dataclass(frozen=True)
class ClassCandidates:
    """What adding a class's trainees did: who was added, who was not and why."""

    added: list[Candidate]
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _require(actor: Actor, capability: str, message: str) -> None:
    if not actor.can(capability):
        raise PermissionDenied(message)


def _text(value: str, *, field: str, required: bool = False, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=max_length), field=field
        )
    return text


def _transition(session: AssessmentSession, to: str) -> None:
    if to not in SESSION_TRANSITIONS[session.status]:
        raise InvalidTransition(
            _("A session that is “{status}” cannot become “{to}”.").format(
                status=session.get_status_display(), to=SessionStatus(to).label
            )
        )
    session.status = to


def _locked(actor: Actor, session_id: int, *, action: str = CHANGE) -> AssessmentSession:
    """Lock a session and re-check it against the actor's scope (404 alike)."""
    session = locks.session_for_update(session_id)
    scope.require(actor, session, action=action, missing=_("No such assessment session."))
    return session


def _as_evaluator(actor: Actor, session_id: int) -> AssessmentSession:
    _require(actor, Capability.RUN_ASSESSMENTS, _("Your role may not run assessment sessions."))
    session = _locked(actor, session_id)
    if session.evaluator_id != actor.organization_id:
        raise NotFound(_("No such assessment session."))
    return session


def _as_bureau(actor: Actor, session_id: int) -> AssessmentSession:
    _require(actor, Capability.SUPERVISE_ASSESSMENTS, _("Only the bureau may act on filed plans."))
    return _locked(actor, session_id)


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def unaccredited_day(
    evaluator: Any,
    route: str,
    occupation: Occupation,
    level: SkillLevel | None,
    first: datetime.date,
    last: datetime.date,
) -> datetime.date | None:
    """The first day of a span on which the evaluator is not accredited for it, or None."""
    for day in _days(first, last):
        if not is_accredited(
            evaluator,
            occupation,
            level,
            AccreditationKind.EVALUATION,
            day,
            evaluation_kind=route,
        ):
            return day
    return None


def _check_session(data: SessionInput, evaluator: Any) -> None:
    if data.route not in EvaluationKind.values:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=data.route, allowed=", ".join(EvaluationKind.values)
            ),
            field="route",
        )
    if data.route == EvaluationKind.SPECIAL_ABILITY:
        if data.level is not None:
            raise ValidationFailed(
                _("A special vocational ability test has no skill level."), field="level"
            )
    elif data.level is None:
        raise ValidationFailed(_("Choose the skill level assessed."), field="level")
    if data.ends_on < data.starts_on:
        raise ValidationFailed(_("The last day cannot be before the first day."), field="ends_on")
    if (data.ends_on - data.starts_on).days >= MAX_SESSION_DAYS:
        raise ValidationFailed(
            _("A session lasts at most {n} days.").format(n=MAX_SESSION_DAYS), field="ends_on"
        )
    if not 1 <= data.capacity <= 10000:
        raise ValidationFailed(_("Places must be between 1 and 10000."), field="capacity")
    day = unaccredited_day(
        evaluator, data.route, data.occupation, data.level, data.starts_on, data.ends_on
    )
    if day is not None:
        level = data.level.name if data.level else _("(no level)")
        raise EvaluatorNotAccredited(
            _(
                "Your organisation holds no accreditation for {route} of {code} {name} at "
                "{level} valid on {day}."
            ).format(
                route=EvaluationKind(data.route).label,
                code=data.occupation.code,
                name=data.occupation.name,
                level=level,
                day=day.isoformat(),
            ),
            field="starts_on",
        )


@transaction.atomic(durable=True)
def create_session(actor: Actor, data: SessionInput) -> AssessmentSession:
    """Plan a session for the actor's own evaluation body, audited."""
    _require(actor, Capability.RUN_ASSESSMENTS, _("Your role may not run assessment sessions."))
    if not actor.organization_id or actor.organization is None:
        raise PermissionDenied(_("Only staff of an evaluation body may plan sessions."))
    _check_session(data, actor.organization)
    session = AssessmentSession.objects.create(
        evaluator=actor.organization,
        route=data.route,
        occupation=data.occupation,
        level=data.level,
        title=_text(data.title, field="title", required=True, max_length=200),
        venue=_text(data.venue, field="venue", max_length=200),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        capacity=data.capacity,
        created_by=actor,
    )
    audit.record(actor, "assessment.session.created", session, data=_summary(session))
    return session


def _summary(session: AssessmentSession) -> dict[str, Any]:
    return {
        "route": session.route,
        "occupation": session.occupation.code,
        "level": session.level.code if session.level else "",
        "starts_on": session.starts_on,
        "ends_on": session.ends_on,
        "venue": session.venue,
    }


def _check_open_for_candidates(session: AssessmentSession) -> None:
    if session.status not in OPEN_FOR_CANDIDATES:
        raise InvalidTransition(
            _("Candidates are added before the plan is filed; this session is “{status}”.").format(
                status=session.get_status_display()
            )
        )


def _check_room(session: AssessmentSession, adding: int) -> None:
    taken = session.candidates.count()
    if taken + adding > session.capacity:
        raise SessionFull(
            _("The session has {left} places left of {capacity}; {n} cannot be added.").format(
                left=max(session.capacity - taken, 0), capacity=session.capacity, n=adding
            )
        )


def _already(person: Person) -> AlreadyCandidate:
    return AlreadyCandidate(
        _("{name} is already a candidate in this session.").format(name=person.name),
        field="id_number",
    )


def _add(
    actor: Actor,
    session: AssessmentSession,
    person: Person,
    *,
    source: str,
    reason: str,
    enrolment_id: int | None = None,
    years: int | None = None,
    education: str = "",
) -> Candidate:
    from jineng.people.locks import person_for_update
    from jineng.people.services import tie_to_organization

    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                session=session,
                person=person,
                source=source,
                enrolment_id=enrolment_id,
                years_in_occupation=years,
                education=education,
                eligibility_reason=reason,
                added_by=actor,
            )
    except IntegrityError:
        raise _already(person) from None
    person_for_update(person.pk)
    # The evaluator sees its candidates through the people scope, like a class its trainees.
    tie_to_organization(
        person, session.evaluator_id, kind="candidate", basis="registered", actor=actor
    )
    audit.record(
        actor,
        "assessment.candidate.added",
        session,
        person_id=person.pk,
        data={"candidate": candidate.pk, "source": source, "reason": reason},
    )
    return candidate


# Years in an occupation count from this age (the legal minimum working age).
WORKING_AGE = 16


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _check_years_for_age(person: Person, years: int | None, day: datetime.date) -> None:
    """Refuse more years in the occupation than the person can have worked since 16.

    The birth date is the register's (derived from the citizen ID); the refusal does not
    show it or the age.
    """
    if years is None:
        return
    most = max(_age_on(person.birth_date, day) - WORKING_AGE, 0)
    if years > most:
        raise ValidationFailed(
            _(
                "At most {n} years in the occupation can be declared for {name}: years count "
                "from the age of {age}."
            ).format(n=most, name=person.name, age=WORKING_AGE),
            field="years_in_occupation",
        )


def _schooling(person: Person, declared: str) -> tuple[str, str]:
    """The schooling the conditions are checked against, and a sentence saying whose it is.

    The people register's schooling, when it records one, wins over the declared one.
    """
    from jineng.people.choices import Education

    text = _text(declared, field="education", max_length=30)
    if text and text not in Education.values:
        raise ValidationFailed(_("Choose the schooling from the list."), field="education")
    recorded = person.education if person.education not in ("", Education.UNKNOWN) else ""
    if recorded:
        label = Education(recorded).label
        if text and text != recorded:
            return recorded, _(
                "Schooling: {recorded}, from the people register (declared: {declared})."
            ).format(recorded=label, declared=Education(text).label)
        return recorded, _("Schooling: {recorded}, from the people register.").format(
            recorded=label
        )
    if text and text != Education.UNKNOWN:
        return text, _("Schooling: {declared}, as declared.").format(declared=Education(text).label)
    return text, ""


@transaction.atomic(durable=True)
def add_applicant(actor: Actor, session_id: int, data: ApplicantInput) -> Candidate:
    """Add a person who applies directly (个人申报), checked against the conditions."""
    from jineng.people.access import find_person_by_identity

    session = _as_evaluator(actor, session_id)
    _check_open_for_candidates(session)
    person = find_person_by_identity(data.id_number, data.name)
    if person is None:
        raise ValidationFailed(
            _("No registered person has this ID number and name; register them first."),
            field="id_number",
        )
    if session.candidates.filter(person=person).exists():
        raise _already(person)
    _check_room(session, 1)
    if data.years_in_occupation is not None and not 0 <= data.years_in_occupation <= 70:
        raise ValidationFailed(_("Years must be between 0 and 70."), field="years_in_occupation")
    _check_years_for_age(person, data.years_in_occupation, session.starts_on)
    education, schooling_note = _schooling(person, data.education)
    eligibility = rules.check_eligibility(
        person,
        session.occupation,
        session.level,
        rules.Declaration(data.years_in_occupation, education),
    )
    if not eligibility.eligible:
        raise NotEligible(
            _("{name} cannot apply: {reason}").format(
                name=person.name, reason=f"{eligibility.reason} {schooling_note}".strip()
            ),
            field="years_in_occupation",
        )
    return _add(
        actor,
        session,
        person,
        source=CandidateSource.APPLICATION,
        reason=f"{eligibility.reason} {schooling_note}".strip(),
        years=data.years_in_occupation,
        education=education,
    )


@transaction.atomic(durable=True)
def add_candidates_from_class(actor: Actor, session_id: int, class_code: str) -> ClassCandidates:
    """Add the trainees who completed a finished class for the session's occupation (结业学员).

    The class may be any institution's: the evaluator names it by its code, and only the
    completed enrolments of a finished class for the same occupation are read. Those already
    candidates or not meeting the conditions are skipped with the reason; the places left
    must hold all who are added, else none is.
    """
    from jineng.training.choices import FINISHED_STATUSES, EnrolmentStatus
    from jineng.training.models import Enrolment, TrainingClass

    session = _as_evaluator(actor, session_id)
    _check_open_for_candidates(session)
    code = _text(class_code, field="class_code", required=True, max_length=40)
    training_class = (
        TrainingClass.objects.select_related("programme__occupation", "programme__skill_level")
        .filter(code=code)
        .first()
    )
    if training_class is None or training_class.status not in FINISHED_STATUSES:
        raise ValidationFailed(
            _("No finished class has the code {code}.").format(code=code), field="class_code"
        )
    programme = training_class.programme
    if programme.occupation_id != session.occupation_id:
        raise ValidationFailed(
            _("Class {code} trains {name}, not this session's occupation.").format(
                code=code, name=programme.occupation.name
            ),
            field="class_code",
        )
    enrolments = (
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.COMPLETED)
        .select_related("person")
        .order_by("pk")
    )
    existing = set(session.candidates.values_list("person_id", flat=True))
    chosen: list[tuple[Any, rules.Eligibility]] = []
    skipped: list[tuple[str, str]] = []
    for enrolment in enrolments:
        person = enrolment.person
        if person.pk in existing:
            skipped.append((person.name, _("already a candidate")))
            continue
        eligibility = rules.check_eligibility(
            person,
            session.occupation,
            session.level,
            rules.Declaration(None, person.education),
            completed_training=True,
        )
        if not eligibility.eligible:
            skipped.append((person.name, eligibility.reason))
            continue
        chosen.append((enrolment, eligibility))
    _check_room(session, len(chosen))
    added = [
        _add(
            actor,
            session,
            enrolment.person,
            source=CandidateSource.CLASS_COMPLETION,
            reason=eligibility.reason,
            enrolment_id=enrolment.pk,
            education=enrolment.person.education,
        )
        for enrolment, eligibility in chosen
    ]
    return ClassCandidates(added=added, skipped=skipped)


@transaction.atomic(durable=True)
def file_plan(actor: Actor, session_id: int) -> AssessmentSession:
    """File the session's plan with the bureau (计划备案): dates, venue, candidates, components.

    The components are copied from the rules now, so later changes to the rules never
    rewrite the pass marks of a filed session.
    """
    session = _as_evaluator(actor, session_id)
    _transition(session, SessionStatus.FILED)
    missing = []
    if not session.venue:
        missing.append(_("a venue"))
    if not session.candidates.exists():
        missing.append(_("candidates"))
    components = rules.components_for(session.route, session.occupation, session.level)
    if not components:
        missing.append(_("components (load the assessment rules)"))
    if session.starts_on < timezone.localdate():
        raise PlanIncomplete(
            _("A plan is filed before the session: its first day {day} has passed.").format(
                day=session.starts_on.isoformat()
            ),
            field="starts_on",
        )
    if missing:
        raise PlanIncomplete(
            _("The plan cannot be filed without {missing}.").format(missing=", ".join(missing))
        )
    # Re-check the accreditation: it may have been suspended since the session was created.
    day = unaccredited_day(
        session.evaluator,
        session.route,
        session.occupation,
        session.level,
        session.starts_on,
        session.ends_on,
    )
    if day is not None:
        raise EvaluatorNotAccredited(
            _("Your organisation's accreditation does not cover {day}.").format(day=day.isoformat())
        )
    SessionComponent.objects.bulk_create(
        SessionComponent(
            session=session,
            key=rule.key,
            name=rule.name,
            max_score=rule.max_score,
            pass_score=rule.pass_score,
            position=rule.position,
        )
        for rule in components
    )
    session.filed_at = timezone.now()
    session.filed_by = actor
    session.save(update_fields=["status", "filed_at", "filed_by", "updated_at"])
    audit.record(
        actor,
        "assessment.session.filed",
        session,
        data={
            **_summary(session),
            "candidates": session.candidates.count(),
            "components": [f"{r.key}:{r.pass_score}/{r.max_score}" for r in components],
        },
    )
    return session


@transaction.atomic(durable=True)
def assign_supervisor(actor: Actor, session_id: int, supervisor: User) -> AssessmentSession:
    """Assign a quality supervisor (质量督导员) to a filed session, audited."""
    session = _as_bureau(actor, session_id)
    if session.status == SessionStatus.DRAFT or session.status in LOCKED_STATUSES:
        raise InvalidTransition(_("A supervisor is assigned to a filed plan, before it closes."))
    if not (supervisor.is_active and supervisor.can(Capability.RECORD_SUPERVISION)):
        raise ValidationFailed(
            _("{user} may not record supervision findings.").format(user=supervisor.get_username()),
            field="supervisor",
        )
    session.supervisor = supervisor
    session.save(update_fields=["supervisor", "updated_at"])
    audit.record(
        actor,
        "assessment.session.supervisor_assigned",
        session,
        data={"supervisor": supervisor.get_username()},
    )
    return session


def conflict_exclusions(session: AssessmentSession) -> tuple[frozenset[int], frozenset[int]]:
    """The organisations and people a session's examiners must not be tied to.

    The evaluator, every candidate's training institution (from their enrolments) and every
    candidate's employer (current employee ties); the candidates themselves.
    """
    from jineng.training.models import Enrolment

    person_ids = frozenset(session.candidates.values_list("person_id", flat=True))
    institutions = Enrolment.objects.filter(person_id__in=person_ids).values_list(
        "training_class__programme__organization_id", flat=True
    )
    employers = (
        Affiliation.objects.current(session.starts_on)
        .filter(person_id__in=person_ids, kind="employee")
        .values_list("organization_id", flat=True)
    )
    excluded = frozenset({session.evaluator_id, *institutions, *employers})
    return excluded, person_ids


SESSION_DRAW_PREFIX = "assessment-session:"


def session_draw_purpose(session_id: int) -> str:
    """The purpose of the draws a session makes itself (the judge pool reserves the prefix)."""
    return f"{SESSION_DRAW_PREFIX}{session_id}"


def session_spec(session: AssessmentSession, *, count: int) -> Any:
    """The draw a session needs: its occupation, level, days, count and exclusions."""
    from jineng.experts import services as experts_services

    excluded, person_ids = conflict_exclusions(session)
    return experts_services.DrawSpec(
        purpose=session_draw_purpose(session.pk),
        occupation=session.occupation,
        level=session.level,
        on_date=session.starts_on,
        end_date=session.ends_on,
        count=count,
        excluded_organization_ids=excluded,
        candidate_person_ids=person_ids,
    )


def draw_session_examiners(
    actor: Actor, session_id: int, *, count: int = DEFAULT_EXAMINERS
) -> AssessmentSession:
    """Draw the examiners of a filed session from the judge pool (抽取考评员), audited.

    The session takes only a draw it makes itself now, with its own exclusions, occupation,
    level, days and count (experts.services.draw_examiners, its own transaction, purpose
    ``assessment-session:<id>``); a standing draw made elsewhere is never adopted. Should the
    session fail to take the draw, the draw is cancelled with the reason, so no draw stands
    without its session; every draw, cancelled or not, stays listed on the session's page.
    """
    from jineng.experts import services as experts_services
    from jineng.experts.models import Draw

    _require(actor, Capability.SUPERVISE_ASSESSMENTS, _("Only the bureau may draw examiners."))
    session = access.get_session_for_user(actor, session_id, action=CHANGE)
    if session.status != SessionStatus.FILED:
        raise InvalidTransition(_("Examiners are drawn for a filed plan, once."))
    spec = session_spec(session, count=count)
    stray = Draw.objects.standing().filter(purpose=spec.purpose).first()
    if stray is not None:
        raise StrayDraw(
            _(
                "Draw #{number} for this session stands in the judge pool but the session has "
                "not taken it (another draw may be under way); a session takes only a draw it "
                "makes itself. Reload the page in a moment."
            ).format(number=stray.pk)
        )
    draw = experts_services.draw_examiners(actor, spec, reserved=True)
    try:
        return _attach_draw(actor, session.pk, draw, spec)
    except Exception:
        experts_services.cancel_draw(
            draw.pk, reason=_("The session could not take the draw."), actor=actor, reserved=True
        )
        raise


def _check_draw(draw: Any, spec: Any) -> None:
    """Refuse a draw that is not the one the spec asked for (belt and braces)."""
    same = (
        draw.purpose == spec.purpose
        and draw.occupation_id == spec.occupation.pk
        and draw.level_id == (spec.level.pk if spec.level else None)
        and draw.on_date == spec.on_date
        and draw.end_date == spec.last_day
        and draw.count == spec.count
        and set(draw.excluded_organization_ids) >= spec.excluded_organization_ids
        and set(draw.candidate_person_ids) >= spec.candidate_person_ids
        and draw.cancelled_at is None
    )
    if not same:
        raise StrayDraw(_("The draw does not match this session's plan; draw again."))


def examiner_conflicts(session: AssessmentSession, experts: Sequence[Any]) -> dict[int, str]:
    """Why each of these experts may not examine the session, in words; absent when they may.

    An expert is tied to the session when they are a candidate, when their pool organisation
    or their sign-in account's organisation is the evaluator or a candidate's training
    institution or employer, or when they declared a relation to a candidate.
    """
    from jineng.experts.models import ExpertRelation

    excluded, person_ids = conflict_exclusions(session)
    related = set(
        ExpertRelation.objects.filter(
            expert_id__in=[e.pk for e in experts], person_id__in=list(person_ids)
        ).values_list("expert_id", flat=True)
    )
    found: dict[int, str] = {}
    for expert in experts:
        account_org = expert.user.organization_id if expert.user_id else None
        if expert.person_id in person_ids:
            found[expert.pk] = _("is a candidate of this session")
        elif session.evaluator_id in (expert.organization_id, account_org):
            found[expert.pk] = _("works for the evaluation body")
        elif {expert.organization_id, account_org} & (excluded - {session.evaluator_id}):
            found[expert.pk] = _("works for a candidate's training institution or employer")
        elif expert.pk in related:
            found[expert.pk] = _("declared a relation to a candidate")
    return found


@transaction.atomic(durable=True)
def _attach_draw(actor: Actor, session_id: int, draw: Any, spec: Any) -> AssessmentSession:
    from jineng.experts.locks import draw_for_update

    session = _as_bureau(actor, session_id)
    _transition(session, SessionStatus.EXAMINERS_DRAWN)
    # Lock order: session, then draw; a draw cancelled meanwhile is not taken.
    draw = draw_for_update(draw.pk)
    _check_draw(draw, spec)
    experts = draw.picked_experts()
    if len(experts) != spec.count:
        raise StrayDraw(_("The draw does not match this session's plan; draw again."))
    # The pool looks at the expert's organisations; the session also looks at the sign-in
    # account's, and at relations declared since the pool was built.
    conflicts = examiner_conflicts(session, experts)
    if conflicts:
        raise ExaminerConflict(
            _("A drawn examiner is tied to this session ({why}); draw again.").format(
                why="; ".join(sorted(set(conflicts.values())))
            )
        )
    SessionExaminer.objects.bulk_create(
        SessionExaminer(session=session, expert=expert, draw=draw, position=n)
        for n, expert in enumerate(experts, start=1)
    )
    session.draw = draw
    session.save(update_fields=["status", "draw", "updated_at"])
    audit.record(
        actor,
        "assessment.session.examiners_drawn",
        session,
        data={"draw": draw.pk, "seed": draw.seed, "examiners": [e.pk for e in experts]},
    )
    return session


def _examiner(actor: Actor, session: AssessmentSession) -> Any:
    """The actor's expert, if drawn for this session and tied to none of it; else refused.

    Refused: an account of the evaluation body, or of a candidate's training institution or
    employer (the account's organisation, or the expert's in the pool), whoever drew them.
    """
    from jineng.experts.access import expert_for_user

    expert = expert_for_user(actor)
    if expert is None or not expert.active:
        raise NotExaminer(_("Only the examiners drawn for this session enter its scores."))
    organizations = {expert.organization_id, actor.organization_id} - {None}
    if session.evaluator_id in organizations:
        raise NotExaminer(_("Staff of the evaluation body cannot examine its own session."))
    if not SessionExaminer.objects.filter(session=session, expert=expert).exists():
        raise NotExaminer(_("Only the examiners drawn for this session enter its scores."))
    excluded, _people = conflict_exclusions(session)
    if organizations & excluded:
        raise NotExaminer(
            _(
                "You work for a candidate's training institution or employer, so you cannot "
                "examine this session; the bureau will draw another examiner."
            )
        )
    return expert


def _related_people(expert: Any, person_ids: Sequence[int]) -> set[int]:
    """The people among these to whom the expert declared a relation (read under the lock)."""
    from jineng.experts.models import ExpertRelation

    return set(
        ExpertRelation.objects.filter(expert=expert, person_id__in=list(person_ids)).values_list(
            "person_id", flat=True
        )
    )


# A refused score is echoed back at most this long, then “…”.
ECHO_CHARS = 12


def _echo(value: Any) -> str:
    """The start of a refused value, short enough to show back whatever was sent."""
    text = str(value).strip()
    return text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + "…"


def parse_score(value: Any, *, candidate: Candidate, component: SessionComponent) -> Decimal:
    """A score as a Decimal within 0..full marks, else a refusal naming candidate and component."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ScoreOutOfRange(
            _("{name}, {component}: “{value}” is not a number.").format(
                name=candidate.person.name, component=component.name, value=_echo(value)
            ),
            field=f"score_{candidate.pk}",
        )
    if number < 0 or number > component.max_score or number != round(number, 2):
        raise ScoreOutOfRange(
            _("{name}, {component}: {value} is outside 0 to {max} (two decimals at most).").format(
                name=candidate.person.name,
                component=component.name,
                value=_echo(number),
                max=component.max_score,
            ),
            field=f"score_{candidate.pk}",
        )
    return number


def _scoring_session(actor: Actor, session_id: int) -> tuple[AssessmentSession, Any]:
    """The session locked for scoring and the actor's expert: who first, then its state."""
    session = locks.session_for_update(session_id)
    # Examiners see their sessions (view); anything else answers like missing.
    scope.require(actor, session, action="view", missing=_("No such assessment session."))
    # Only a drawn examiner learns what state the session is in.
    expert = _examiner(actor, session)
    if session.status in LOCKED_STATUSES:
        raise ScoresLocked(
            _("The session is closed and its scores are locked; ask the bureau for a change.")
        )
    if session.status not in SCORING_STATUSES:
        raise InvalidTransition(_("Scores are entered once the examiners are drawn."))
    if timezone.localdate() < session.starts_on:
        raise InvalidTransition(
            _("Scores are entered from the session's first day, {day}.").format(
                day=session.starts_on.isoformat()
            )
        )
    return session, expert


@transaction.atomic(durable=True)
def enter_scores(
    actor: Actor, session_id: int, component_key: str, values: Mapping[int, Any]
) -> list[Score]:
    """Enter (or correct, before closing) one component's scores: candidate id -> score.

    All or nothing: a bad value refuses the whole grid, naming the candidate and component.
    """
    session, expert = _scoring_session(actor, session_id)
    component = session.components.filter(key=component_key).first()
    if component is None:
        raise ValidationFailed(
            _("This session has no component {key}.").format(key=component_key),
            field="component",
        )
    candidates = {
        c.pk: c for c in session.candidates.filter(pk__in=list(values)).select_related("person")
    }
    related = _related_people(expert, [c.person_id for c in candidates.values()])
    parsed: list[tuple[Candidate, Decimal]] = []
    for candidate_id, raw in values.items():
        candidate = candidates.get(int(candidate_id))
        if candidate is None:
            raise NotFound(_("No such candidate."))
        if raw is None or str(raw).strip() == "":
            continue
        if candidate.person_id in related:
            raise RelatedToCandidate(
                _(
                    "You have declared a relation to {name}, so you may not score them; "
                    "leave their score to another examiner."
                ).format(name=candidate.person.name),
                field=f"score_{candidate.pk}",
            )
        parsed.append((candidate, parse_score(raw, candidate=candidate, component=component)))
    now = timezone.now()
    existing = {
        s.candidate_id: s
        for s in Score.objects.filter(component=component, candidate__in=[c for c, _v in parsed])
    }
    saved = []
    for candidate, value in parsed:
        score = existing.get(candidate.pk)
        old = score.value if score else None
        if score is None:
            score = Score.objects.create(
                candidate=candidate,
                component=component,
                value=value,
                entered_by=expert,
                entered_at=now,
            )
        elif score.value != value:
            score.value = value
            score.entered_by = expert
            score.entered_at = now
            score.save(update_fields=["value", "entered_by", "entered_at"])
        else:
            continue
        saved.append(score)
        audit.record(
            actor,
            "assessment.score.entered",
            session,
            person_id=candidate.person_id,
            data={
                "candidate": candidate.pk,
                "component": component.key,
                "old_value": str(old) if old is not None else None,
                "new_value": str(value),
                "expert": expert.pk,
            },
        )
    if saved and session.status == SessionStatus.EXAMINERS_DRAWN:
        _transition(session, SessionStatus.SCORING)
        session.save(update_fields=["status", "updated_at"])
        audit.record(
            actor,
            "assessment.session.scoring_started",
            session,
            data={"component": component.key, "expert": expert.pk},
        )
    return saved


def enter_score(
    actor: Actor, session_id: int, candidate_id: int, component_key: str, value: Any
) -> Score:
    """Enter one score (the one-cell form of enter_scores)."""
    saved = enter_scores(actor, session_id, component_key, {candidate_id: value})
    if saved:
        return saved[0]
    return Score.objects.get(candidate_id=candidate_id, component__key=component_key)


def _decide(candidate: Candidate, components: Sequence[SessionComponent]) -> bool:
    values = {s.component_id: s.value for s in candidate.scores.all()}
    return all(values.get(c.pk, Decimal(-1)) >= c.pass_score for c in components)


@transaction.atomic(durable=True)
def close_session(actor: Actor, session_id: int) -> AssessmentSession:
    """Close a session: lock its scores and decide every result (pass iff every component passes).

    Refused while any candidate lacks a score on any component, naming the first few.
    """
    session = _as_evaluator(actor, session_id)
    if session.status in LOCKED_STATUSES:
        raise ScoresLocked(_("The session is already closed."))
    _transition(session, SessionStatus.CLOSED)
    components = list(session.components.all())
    candidates = list(session.candidates.select_related("person").prefetch_related("scores"))
    missing = [
        f"{c.person.name} · {component.name}"
        for c in candidates
        for component in components
        if component.pk not in {s.component_id for s in c.scores.all()}
    ]
    if missing:
        raise ScoresMissing(
            _("Scores are missing ({n}): {first}.").format(
                n=len(missing), first="; ".join(missing[:5])
            )
        )
    now = timezone.now()
    results = Result.objects.bulk_create(
        Result(candidate=c, passed=_decide(c, components), decided_at=now) for c in candidates
    )
    session.closed_at = now
    session.closed_by = actor
    session.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    keys = {c.pk: c.key for c in components}
    for candidate, result in zip(candidates, results, strict=True):
        audit.record(
            actor,
            "assessment.result.decided",
            session,
            person_id=candidate.person_id,
            data={
                "candidate": candidate.pk,
                "result": result.pk,
                "passed": result.passed,
                "scores": {
                    keys[s.component_id]: str(s.value)
                    for s in candidate.scores.all()
                    if s.component_id in keys
                },
            },
        )
    audit.record(
        actor,
        "assessment.session.closed",
        session,
        data={
            "candidates": len(results),
            "passed": sum(1 for r in results if r.passed),
            "failed": sum(1 for r in results if not r.passed),
        },
    )
    return session


@transaction.atomic(durable=True)
def request_score_change(
    actor: Actor, score_id: int, *, new_value: Any, reason: str
) -> ScoreChange:
    """Ask to change a locked score, with the reason (R26); a second bureau user decides."""
    _require(
        actor, Capability.SUPERVISE_ASSESSMENTS, _("Only the bureau may ask to change a score.")
    )
    score = (
        Score.objects.visible_to(actor)
        .select_related("candidate__person", "component", "candidate__session")
        .filter(pk=score_id)
        .first()
    )
    if score is None:
        raise NotFound(_("No such score."))
    session = _locked(actor, score.candidate.session_id)
    if session.status not in LOCKED_STATUSES:
        raise InvalidTransition(
            _("Before the session closes the examiners correct their own scores.")
        )
    text = _text(reason, field="reason", required=True)
    value = parse_score(new_value, candidate=score.candidate, component=score.component)
    if value == score.value:
        raise ValidationFailed(_("The new score is the same as the old one."), field="new_value")
    try:
        with transaction.atomic():
            change = ScoreChange.objects.create(
                score=score,
                old_value=score.value,
                new_value=value,
                reason=text,
                requested_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("This score already has a change awaiting approval.")) from None
    audit.record(
        actor,
        "assessment.score_change.requested",
        session,
        person_id=score.candidate.person_id,
        data={
            "change": change.pk,
            "candidate": score.candidate_id,
            "component": score.component.key,
            "old_value": str(score.value),
            "new_value": str(value),
            "reason": text,
        },
    )
    return change


def _issued_basis(result: Result) -> bool:
    from jineng.certificates.models import Certificate

    return Certificate.objects.filter(basis=result.basis).exists()


@transaction.atomic(durable=True)
def decide_score_change(
    actor: Actor, change_id: int, *, approve: bool, note: str = ""
) -> ScoreChange:
    """Approve or reject a score change as a second bureau user; approval re-decides the result."""
    _require(
        actor, Capability.SUPERVISE_ASSESSMENTS, _("Only the bureau may decide score changes.")
    )
    seen = access.get_score_change_for_user(actor, change_id, action=CHANGE)
    session = _locked(actor, seen.score.candidate.session_id)
    change = locks.score_change_for_update(change_id)
    if change.status != ScoreChangeStatus.REQUESTED:
        raise InvalidTransition(_("This score change has already been decided."))
    if change.requested_by_id == actor.pk:
        raise SecondApproverRequired(
            _("A score change is decided by a second person, not the one who asked for it.")
        )
    text = _text(note, field="note", required=not approve)
    score = change.score
    candidate = Candidate.objects.select_related("person").get(pk=score.candidate_id)
    now = timezone.now()
    change.status = ScoreChangeStatus.APPROVED if approve else ScoreChangeStatus.REJECTED
    change.approved_by = actor
    change.decided_at = now
    change.decision_note = text
    data: dict[str, Any] = {
        "change": change.pk,
        "candidate": candidate.pk,
        "component": score.component.key,
        "old_value": str(change.old_value),
        "new_value": str(change.new_value),
        "requested_by": change.requested_by_id,
    }
    if approve:
        if score.value != change.old_value:
            raise Conflict(_("The score has changed since this change was asked for."))
        score.value = change.new_value
        score.entered_at = now
        score.save(update_fields=["value", "entered_at"])
        result = Result.objects.filter(candidate=candidate).first()
        if result is not None:
            passed = _decide(candidate, list(session.components.all()))
            if result.passed and not passed and _issued_basis(result):
                raise Conflict(
                    _(
                        "{name} already holds the certificate of this result; revoke it before "
                        "the score is lowered below the pass mark."
                    ).format(name=candidate.person.name)
                )
            if passed != result.passed:
                result.passed = passed
                result.decided_at = now
                result.save(update_fields=["passed", "decided_at"])
            data["passed"] = passed
    change.save(update_fields=["status", "approved_by", "decided_at", "decision_note"])
    audit.record(
        actor,
        "assessment.score_change.approved" if approve else "assessment.score_change.rejected",
        session,
        person_id=candidate.person_id,
        data=data,
    )
    return change


def _kind(route: str) -> str:
    from jineng.certificates.models import CertificateKind

    return {
        EvaluationKind.QUALIFICATION: CertificateKind.QUALIFICATION,
        EvaluationKind.SKILL_LEVEL: CertificateKind.SKILL_LEVEL,
        EvaluationKind.SPECIAL_ABILITY: CertificateKind.SPECIAL_ABILITY,
    }[EvaluationKind(route)]


@transaction.atomic(durable=True)
def issue_session_certificates(
    actor: Actor, session_id: int, *, result_ids: Sequence[int] | None = None
) -> list[Any]:
    """Issue the certificates of a closed session's passed candidates (all, or those named).

    One transaction under the session's lock, so no score change re-decides a result while
    its certificate is issued. Refused before the session closes, for a candidate who did not
    pass, and for a result already certified (certificates refuses a basis used twice). The
    session becomes “certificates issued” once every passed candidate holds one.
    """
    from jineng.certificates import services as certificate_services

    _require(actor, Capability.RUN_ASSESSMENTS, _("Your role may not issue certificates."))
    session = _as_evaluator(actor, session_id)
    if session.status not in LOCKED_STATUSES:
        raise InvalidTransition(_("Certificates are issued once the session is closed."))
    results = list(
        Result.objects.filter(candidate__session=session).select_related("candidate__person")
    )
    if result_ids is not None:
        wanted = {int(pk) for pk in result_ids}
        chosen = [r for r in results if r.pk in wanted]
        if len(chosen) != len(wanted):
            raise NotFound(_("No such result."))
        for result in chosen:
            if not result.passed:
                raise NotPassed(
                    _("{name} did not pass; no certificate can be issued.").format(
                        name=result.candidate.person.name
                    )
                )
    else:
        chosen = [r for r in results if r.passed and not _issued_basis(r)]
        if not chosen:
            raise AlreadyIssued(
                _("Every passed candidate of this session already holds a certificate.")
            )
    requests = [
        certificate_services.IssueRequest(
            kind=_kind(session.route),
            holder=r.candidate.person,
            issuer=session.evaluator,
            issued_on=timezone.localdate(),
            basis=r.basis,
            occupation=session.occupation,
            level=session.level,
            title=session.title,
        )
        for r in chosen
    ]
    certificates = certificate_services.issue_certificates(actor, requests)
    passed = [r for r in results if r.passed]
    if session.status == SessionStatus.CLOSED and all(_issued_basis(r) for r in passed):
        _transition(session, SessionStatus.CERTIFIED)
        session.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        "assessment.session.certified",
        session,
        data={"issued": [c.number for c in certificates]},
    )
    return list(certificates)


@transaction.atomic(durable=True)
def record_finding(
    actor: Actor, session_id: int, *, text: str, severity: str = FindingSeverity.NOTE
) -> SupervisionFinding:
    """Record what the session's quality supervisor (or the bureau) saw (督导记录), audited."""
    _require(actor, Capability.RECORD_SUPERVISION, _("Your role may not record findings."))
    session = _locked(actor, session_id, action="view")
    if session.supervisor_id != actor.pk and not actor.can(Capability.SUPERVISE_ASSESSMENTS):
        raise PermissionDenied(_("Only the supervisor assigned to this session records findings."))
    if severity not in FindingSeverity.values:
        raise ValidationFailed(_("Choose how serious the finding is."), field="severity")
    finding = SupervisionFinding.objects.create(
        session=session,
        supervisor=actor,
        text=_text(text, field="text", required=True),
        severity=severity,
    )
    audit.record(
        actor,
        "assessment.finding.recorded",
        session,
        data={"severity": severity, "text": finding.text},
    )
    return finding


@transaction.atomic(durable=True)
def load_assessment_rules(*, actor: Actor | None) -> rules.RulesLoaded:
    """Replace the component and eligibility rules with the data files', audited."""
    loaded = rules.load_rules()
    audit.record(
        actor,
        "assessment.rules.loaded",
        object_type="assessment.rules",
        object_id="data",
        data={
            "components": loaded.components,
            "conditions": loaded.conditions,
            "confirmed": loaded.confirmed,
        },
    )
    return loaded
