"""Demo data of assessment: sessions by the demo evaluation bodies, through the services.

After the judge pool's demo and the certificates' signing key: for an evaluator accredited
(职业技能等级认定) for an occupation, one session held today with candidates from a completed
demo class (or direct applicants), examiners drawn, scores entered (some fail), closed, its
certificates issued and one of them revoked with a reason; a second session's plan filed and
waiting for the bureau's draw. Idempotent: nothing is added when the demo sessions exist.
"""

from __future__ import annotations

import datetime
import random
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.choices import AccreditationKind, EvaluationKind
from jineng.accreditations.models import Accreditation
from jineng.assessment import services
from jineng.assessment.models import AssessmentSession, ComponentRule
from jineng.occupations.models import Occupation, SkillLevel
from jineng.people.models import Person

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

PREFIX = "【演示】"
SEED = 20260314
REVOKE_REASON = "复核发现该考生实际操作考核存在替考行为，依规撤销证书。"
EXAMINERS = 3


def build_demo(*, stdout: SupportsWrite[str]) -> None:
    """Build the demo sessions (idempotent)."""
    if AssessmentSession.objects.filter(title__startswith=PREFIX).exists():
        stdout.write("assessment: demo sessions already there.\n")
        return
    if ComponentRule.objects.exists():
        stdout.write("assessment: component and eligibility rules already loaded.\n")
    else:
        loaded = services.load_assessment_rules(actor=None)
        stdout.write(
            f"assessment: {loaded.components} component rules, {loaded.conditions} conditions "
            "loaded (unconfirmed).\n"
        )
    level5 = SkillLevel.objects.filter(code="level5").first()
    level4 = SkillLevel.objects.filter(code="level4").first()
    admin = _bureau_admin()
    licences = list(
        Accreditation.objects.filter(
            kind=AccreditationKind.EVALUATION, evaluation_kind=EvaluationKind.SKILL_LEVEL
        )
        .valid_on(timezone.localdate())
        .select_related("organization", "occupation", "max_level")
        .order_by("organization__credit_code", "occupation__code")
    )
    if level5 is None or level4 is None or not licences or admin is None:
        stdout.write("assessment: no accredited evaluation body or levels; skipped.\n")
        return
    rng = random.Random(SEED)
    licence, class_code = _pick(licences)
    staff = _staff(licence.organization)
    held = _held_today(stdout, rng, admin, staff, licence.occupation, level5, class_code)
    other = next(
        (lic for lic in licences if lic.organization_id != licence.organization_id), licence
    )
    _filed_ahead(stdout, rng, _staff(other.organization), other.occupation, level4, held)


def _bureau_admin() -> User | None:
    return (
        User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True, username="admin").first()
        or User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True).order_by("pk").first()
    )


def _staff(organization: Any) -> User:
    staff = (
        User.objects.filter(organization=organization, role=Role.EVALUATOR, is_active=True)
        .order_by("pk")
        .first()
    )
    if staff is None:
        staff = User(
            username=f"demo_evaluator_{organization.credit_code.lower()}",
            role=Role.EVALUATOR,
            organization=organization,
        )
        staff.set_unusable_password()
        staff.save()
    return staff


def _pick(licences: list[Accreditation]) -> tuple[Accreditation, str]:
    """A licence whose occupation has a finished demo class with completers, if any."""
    from jineng.accreditations.queries import lineage_ids
    from jineng.training.choices import FINISHED_STATUSES, EnrolmentStatus
    from jineng.training.models import TrainingClass

    classes = (
        TrainingClass.objects.filter(
            status__in=FINISHED_STATUSES, enrolments__status=EnrolmentStatus.COMPLETED
        )
        .select_related("programme__occupation")
        .distinct()
        .order_by("code")
    )
    for training_class in classes:
        occupation = training_class.programme.occupation
        for licence in licences:
            if licence.occupation_id in lineage_ids(occupation):
                licence.occupation = occupation
                return licence, training_class.code
    return licences[0], ""


def _people(rng: random.Random, count: int, exclude: set[int]) -> list[Person]:
    """Direct applicants: the demo worker first (so their phone shows a certificate and the
    skill upgrade claim it allows), then others at random."""
    worker = User.objects.filter(username="worker1", person__isnull=False).first()
    first = [worker.person_id] if worker and worker.person_id not in exclude else []
    ids = list(
        Person.objects.exclude(pk__in={*exclude, *first})
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    rng.shuffle(ids)
    return list(Person.objects.filter(pk__in=[*first, *ids[: count - len(first)]]).order_by("pk"))


def _applicants(staff: User, session: AssessmentSession, people: list[Person], years: int) -> None:
    from jineng.core.errors import DomainError

    for person in people:
        try:
            services.add_applicant(
                staff,
                session.pk,
                services.ApplicantInput(
                    id_number=person.id_number, name=person.name, years_in_occupation=years
                ),
            )
        except DomainError:
            continue


def _examiners(
    rng: random.Random,
    admin: User,
    occupation: Occupation,
    level: SkillLevel,
    exclude: set[int],
) -> None:
    """Make sure enough qualified experts with accounts exist for the occupation."""
    from jineng.experts import services as experts_services
    from jineng.experts.models import Expert

    have = Expert.objects.filter(
        active=True, occupations__occupation=occupation, user__isnull=False
    ).count()
    for n, person in enumerate(_people(rng, max(0, EXAMINERS + 2 - have), exclude)):
        if Expert.objects.filter(person=person).exists():
            continue
        account = User(username=f"demo_examiner_{person.pk}", role=Role.WORKER, person=person)
        if User.objects.filter(person=person).exists():
            continue
        account.set_unusable_password()
        account.save()
        expert = experts_services.create_expert(
            person, experts_services.ExpertInput(user=account, title="考评员"), actor=admin
        )
        experts_services.add_occupation(expert.pk, occupation, level, actor=admin)
        experts_services.add_qualification(
            expert.pk,
            experts_services.QualificationInput(
                kind="examiner",
                number=f"DEMO-KP-{person.pk:06d}-{n}",
                valid_from=datetime.date(2022, 1, 1),
                valid_until=timezone.localdate() + datetime.timedelta(days=1500),
            ),
            actor=admin,
        )


def _ensure_accounts(admin: User, session: AssessmentSession) -> list[User]:
    """The drawn examiners' accounts (an account is made for one who has none)."""
    from jineng.experts import services as experts_services

    users = []
    for examiner in session.examiners.select_related("expert__person", "expert__user"):
        expert = examiner.expert
        if expert.user is None:
            account = User.objects.filter(person=expert.person).first()
            if account is None:
                account = User(
                    username=f"demo_examiner_{expert.person_id}",
                    role=Role.WORKER,
                    person=expert.person,
                )
                account.set_unusable_password()
                account.save()
            expert = experts_services.update_expert(
                expert.pk,
                experts_services.ExpertInput(
                    organization=expert.organization,
                    title=expert.title,
                    note=expert.note,
                    user=account,
                ),
                actor=admin,
            )
        assert expert.user is not None
        users.append(expert.user)
    return users


def _held_today(
    stdout: SupportsWrite[str],
    rng: random.Random,
    admin: User,
    staff: User,
    occupation: Occupation,
    level: SkillLevel,
    class_code: str,
) -> set[int]:
    from jineng.certificates import services as certificate_services
    from jineng.certificates.models import Certificate

    today = timezone.localdate()
    session = services.create_session(
        staff,
        services.SessionInput(
            route=EvaluationKind.SKILL_LEVEL,
            occupation=occupation,
            level=level,
            title=f"{PREFIX}{today.year}年第一批{occupation.name}五级认定",
            starts_on=today,
            ends_on=today,
            venue="鉴定中心实操考场",
            capacity=30,
        ),
    )
    if class_code:
        services.add_candidates_from_class(staff, session.pk, class_code)
    if session.candidates.count() < 4:
        taken = set(session.candidates.values_list("person_id", flat=True))
        _applicants(staff, session, _people(rng, 6 - len(taken), taken), years=2)
    people = set(session.candidates.values_list("person_id", flat=True))
    _examiners(rng, admin, occupation, SkillLevel.objects.get(code="level3"), people)
    services.file_plan(staff, session.pk)
    reviewer = User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("pk").first()
    if reviewer is not None:
        services.assign_supervisor(admin, session.pk, reviewer)
        services.record_finding(
            reviewer, session.pk, text="考场秩序良好，身份核验规范，监考人员到位。"
        )
    services.draw_session_examiners(admin, session.pk, count=EXAMINERS)
    session.refresh_from_db()
    examiner = _ensure_accounts(admin, session)[0]
    candidates = list(session.candidates.order_by("pk"))
    for component in session.components.all():
        values = {}
        for n, candidate in enumerate(candidates):
            low = n % 4 == 3  # every fourth candidate fails one component
            values[candidate.pk] = (
                rng.randint(35, 55) if low and component.key == "practical" else rng.randint(62, 95)
            )
        services.enter_scores(examiner, session.pk, component.key, values)
    services.close_session(staff, session.pk)
    issued = services.issue_session_certificates(staff, session.pk)
    if issued:
        certificate = Certificate.objects.get(pk=issued[-1].pk)
        certificate_services.revoke_certificate(admin, certificate, reason=REVOKE_REASON)
    stdout.write(
        f"assessment: session {session.pk} held with {len(candidates)} candidates, "
        f"{len(issued)} certificates issued (one revoked).\n"
    )
    return people


def _filed_ahead(
    stdout: SupportsWrite[str],
    rng: random.Random,
    staff: User,
    occupation: Occupation,
    level: SkillLevel,
    exclude: set[int],
) -> None:
    from jineng.accreditations.queries import is_accredited

    start = timezone.localdate() + datetime.timedelta(days=14)
    if not is_accredited(
        staff.organization,  # type: ignore[arg-type]
        occupation,
        level,
        AccreditationKind.EVALUATION,
        start,
        evaluation_kind=EvaluationKind.SKILL_LEVEL,
    ):
        stdout.write("assessment: no licence for the filed demo plan; skipped.\n")
        return
    session = services.create_session(
        staff,
        services.SessionInput(
            route=EvaluationKind.SKILL_LEVEL,
            occupation=occupation,
            level=level,
            title=f"{PREFIX}{start.year}年第二批{occupation.name}四级认定",
            starts_on=start,
            ends_on=start + datetime.timedelta(days=1),
            venue="鉴定中心理论考场二",
            capacity=40,
        ),
    )
    _applicants(staff, session, _people(rng, 5, exclude), years=7)
    if session.candidates.exists():
        services.file_plan(staff, session.pk)
    stdout.write(f"assessment: session {session.pk} filed, waiting for the bureau's draw.\n")
