"""What is waiting for one person (工作台): a few sections of items, each one click from its action.

Every read goes through the owning app's access layer or scoped queryset (``visible_to``), so a
section shows only rows the viewer may act on, and a section appears only when the viewer's
role has the capability to do what it asks (a reviewer is never shown class approvals it may
not give). Within a section items are newest first; ``count`` is the whole number waiting,
``items`` the first few of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.accreditations.choices import ApplicationStatus
from jineng.accreditations.models import AccreditationApplication
from jineng.assessment import queries as assessment_queries
from jineng.attendance import access as attendance_access
from jineng.attendance import queries as attendance_queries
from jineng.catalogs import access as catalog_access
from jineng.catalogs.choices import AppealStatus, VersionStatus
from jineng.catalogs.models import CatalogAppeal, CatalogVersion
from jineng.certificates import queries as certificate_queries
from jineng.core.models import Job
from jineng.core.money import format_yuan
from jineng.core.scope import CHANGE, VIEW
from jineng.experts.access import expert_for_user
from jineng.fraud import access as fraud_access
from jineng.fraud.choices import AlertStatus
from jineng.people.access import own_person
from jineng.people.models import Person
from jineng.subsidies import queries as subsidy_queries
from jineng.subsidies.choices import Confirmation
from jineng.subsidies.models import Claim, ClaimLine
from jineng.talent import queries as talent_queries
from jineng.training import queries as training_queries
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, TrainingClass

# How many items of a section the home page lists; the section links to the rest.
SHOWN = 5
# The jobs staff start from the people pages, and the page of each.
JOB_PAGES = {"people.import": "people:import_job", "people.export": "people:export_job"}


@dataclass(frozen=True)
class Item:
    """One thing waiting: what it is, in people's words, since when, and where to act on it."""

    title: str
    when: datetime.datetime | datetime.date | None
    link: str
    detail: str = ""
    # Given by the section it is listed in, unless the item is a kind of its own.
    kind: str = ""

    @property
    def when_iso(self) -> str:
        """The time for the page's <time datetime>: a day, or a moment in the local zone."""
        if isinstance(self.when, datetime.datetime):
            return timezone.localtime(self.when).isoformat()
        return self.when.isoformat() if self.when else ""

    @property
    def when_shown(self) -> str:
        """The time as the page shows it: a day, or a day and a local time to the minute."""
        if isinstance(self.when, datetime.datetime):
            return _local(self.when)
        return self.when.isoformat() if self.when else ""


@dataclass(frozen=True)
class Section:
    """A kind of work: its heading, how many are waiting, the first few, and the full list."""

    kind: str
    heading: str
    count: int
    items: list[Item]
    action: str
    more: str = ""
    empty: str = ""


@dataclass(frozen=True)
class Capable:
    """One thing the viewer's role lets them do, with the page where they do it."""

    label: str
    link: str


@dataclass(frozen=True)
class Workspace:
    """The home page of one viewer: the sections waiting and what else they can do."""

    sections: list[Section] = field(default_factory=list)
    can_do: list[Capable] = field(default_factory=list)

    @property
    def quiet(self) -> list[Section]:
        """The sections with nothing in them, listed briefly after those with work."""
        return [section for section in self.sections if not section.items]

    @property
    def waiting(self) -> int:
        """Everything waiting for the viewer, over all sections."""
        return sum(section.count for section in self.sections)


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _section(
    kind: str,
    heading: str,
    rows: QuerySet[Any],
    describe: Callable[[Any], Item],
    *,
    action: str,
    more: str = "",
    empty: str = "",
    count: int | None = None,
) -> Section:
    """A section of rows: the first few described as items, the count over all of them."""
    return Section(
        kind=kind,
        heading=heading,
        count=rows.count() if count is None else count,
        items=[replace(item, kind=item.kind or kind) for item in map(describe, rows[:SHOWN])],
        action=action,
        more=more,
        empty=empty,
    )


# --- the bureau and reviewers -------------------------------------------------------------


def classes_to_approve(user: Viewer) -> Section:
    """Classes submitted for approval in the viewer's region, newest submission first."""
    rows = (
        TrainingClass.objects.visible_to(user, CHANGE)
        .filter(status=ClassStatus.SUBMITTED)
        .select_related("programme__organization")
        .order_by("-updated_at", "-pk")
    )
    return _section(
        "training.class_to_approve",
        _("Classes to approve"),
        rows,
        lambda c: Item(
            title=_("{institution} submitted class {code} ({programme}) for approval").format(
                institution=c.programme.organization.name, code=c.code, programme=c.programme.name
            ),
            when=c.updated_at,
            link=reverse("training:detail", args=[c.pk]),
            detail=_("Starts on {day}").format(day=c.starts_on.isoformat()),
        ),
        action=_("Approve or return"),
        more=reverse("training:approvals"),
    )


def catalog_versions_to_publish(user: Viewer) -> Section:
    """Catalog versions in review that the viewer may publish: never one they prepared."""
    rows = (
        catalog_access.restrict_versions(CatalogVersion.objects.all(), user, CHANGE)
        .filter(status=VersionStatus.IN_REVIEW)
        .exclude(Q(created_by=_pk(user)) | Q(submitted_by=_pk(user)) | Q(editors=_pk(user)))
        .select_related("catalog", "submitted_by")
        .distinct()
        .order_by("-submitted_at", "-pk")
    )
    return _section(
        "catalogs.version_to_publish",
        _("Catalog versions to publish"),
        rows,
        lambda v: Item(
            title=_("Version {number} of {catalog} awaits your countersignature").format(
                number=v.number, catalog=v.catalog.get_kind_display()
            ),
            when=v.submitted_at,
            link=reverse("catalogs:workbench", args=[v.pk]),
            detail=_("Submitted by {name}").format(name=v.submitted_by) if v.submitted_by else "",
        ),
        action=_("Review and publish"),
        more=reverse("catalogs:console"),
    )


def _pk(user: Viewer) -> int:
    return int(getattr(user, "pk", 0) or 0)


def applications_to_decide(user: Viewer) -> Section:
    """Accreditation applications waiting for a decision, newest first."""
    rows = (
        AccreditationApplication.objects.visible_to(user)
        .filter(status=ApplicationStatus.SUBMITTED)
        .select_related("organization", "occupation")
        .order_by("-created_at", "-pk")
    )
    return _section(
        "accreditations.application_to_decide",
        _("Accreditation applications to decide"),
        rows,
        lambda a: Item(
            title=_("{organization} applies for accreditation in {occupation}").format(
                organization=a.organization.name, occupation=a.occupation.name
            ),
            when=a.created_at,
            link=reverse("accreditations:application", args=[a.pk]),
        ),
        action=_("Approve or reject"),
        more=reverse("accreditations:applications") + "?status=submitted",
    )


def check_ins_to_review(user: Viewer) -> Section:
    """Flagged check-ins no reviewer has decided, newest first."""
    rows = attendance_queries.review_queue(attendance_access.check_ins_to_review(user))
    return _section(
        "attendance.check_in_to_review",
        _("Flagged check-ins to review"),
        rows,
        lambda a: Item(
            title=_("Check-in of {name} to class {code} was flagged: {flags}").format(
                name=a.enrolment.person.name,
                code=a.enrolment.training_class.code,
                flags="、".join(a.flag_labels),
            ),
            when=a.checked_in_at,
            link=reverse("attendance:review", args=[a.pk]),
        ),
        action=_("Accept or reject"),
        more=reverse("attendance:flagged"),
    )


def appeals_to_decide(user: Viewer) -> Section:
    """Appeals against catalog changes waiting for the bureau's decision, newest first."""
    rows = (
        CatalogAppeal.objects.visible_to(user)
        .filter(status=AppealStatus.FILED)
        .select_related("organization")
        .order_by("-created_at", "-pk")
    )
    return _section(
        "catalogs.appeal_to_decide",
        _("Appeals to decide"),
        rows,
        lambda a: Item(
            title=_("{organization} appeals a catalog change").format(
                organization=a.organization.name
            ),
            when=a.created_at,
            link=reverse("catalogs:appeal_decide", args=[a.pk]),
        ),
        action=_("Uphold or dismiss"),
        more=reverse("catalogs:appeal_queue"),
    )


# --- institution staff --------------------------------------------------------------------


def returned_classes(user: Viewer) -> Section:
    """The organisation's classes the bureau returned, to be corrected and submitted again."""
    rows = (
        TrainingClass.objects.visible_to(user, CHANGE)
        .filter(status=ClassStatus.RETURNED)
        .select_related("programme")
        .order_by("-updated_at", "-pk")
    )
    return _section(
        "training.class_returned",
        _("Returned classes"),
        rows,
        lambda c: Item(
            title=_("Class {code} ({programme}) was returned").format(
                code=c.code, programme=c.programme.name
            ),
            when=c.decided_at or c.updated_at,
            link=reverse("training:detail", args=[c.pk]),
            detail=c.decision_note,
        ),
        action=_("Correct and submit again"),
        more=reverse("training:list") + "?status=returned",
    )


def _today_bounds() -> tuple[datetime.datetime, datetime.datetime]:
    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + datetime.timedelta(days=1)


def sessions_today(user: Viewer) -> Section:
    """Today's sessions of the organisation's running classes, each with its check-in screen."""
    start, end = _today_bounds()
    rows = (
        ClassSession.objects.filter(
            training_class__in=TrainingClass.objects.visible_to(user, CHANGE).filter(
                status=ClassStatus.RUNNING
            ),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("training_class__programme", "venue")
        .order_by("starts_at", "pk")
    )
    return _section(
        "attendance.session_today",
        _("Sessions today"),
        rows,
        lambda s: Item(
            title=_("Session {topic} of class {code}, {start}–{end}").format(
                topic=attendance_queries.session_title(s),
                code=s.training_class.code,
                start=timezone.localtime(s.starts_at).strftime("%H:%M"),
                end=timezone.localtime(s.ends_at).strftime("%H:%M"),
            ),
            when=s.starts_at,
            link=reverse("attendance:screen", args=[s.pk]),
            detail=s.venue.name if s.venue else "",
        ),
        action=_("Show the check-in code"),
        more=reverse("training:list") + "?status=running",
        empty=_("No sessions today."),
    )


def recent_jobs(user: Viewer) -> Section:
    """The viewer's own imports and exports of people, newest first."""
    rows = Job.objects.visible_to(user).filter(kind__in=JOB_PAGES).order_by("-created_at", "-pk")
    return _section(
        "core.job",
        _("Your recent imports and exports"),
        rows,
        lambda job: Item(
            kind=job.kind,
            title=_("{what}: {status}, {done} of {total} rows").format(
                what=_("Import of people")
                if job.kind == "people.import"
                else _("Export of people"),
                status=job.get_status_display(),
                done=job.done,
                total=job.total,
            ),
            when=job.created_at,
            link=reverse(JOB_PAGES[job.kind], args=[job.pk]),
        ),
        action=_("See the result"),
        more=reverse("people:import"),
        empty=_("No imports or exports yet."),
        count=rows.exclude(status__in=(Job.Status.SUCCEEDED, Job.Status.FAILED)).count(),
    )


# --- evaluators, employers: their own work ------------------------------------------------


def own_applications(user: Viewer) -> Section:
    """The organisation's accreditation applications, newest first; count: those waiting."""
    rows = (
        AccreditationApplication.objects.visible_to(user)
        .select_related("occupation")
        .order_by("-created_at", "-pk")
    )
    return _section(
        "accreditations.own_application",
        _("Your accreditation applications"),
        rows,
        lambda a: Item(
            title=_("Application for {occupation}: {status}").format(
                occupation=a.occupation.name, status=a.get_status_display()
            ),
            when=a.decided_at or a.created_at,
            link=reverse("accreditations:application", args=[a.pk]),
        ),
        action=_("Open"),
        more=reverse("accreditations:applications"),
        empty=_("No applications yet."),
        count=rows.filter(status=ApplicationStatus.SUBMITTED).count(),
    )


def own_appeals(user: Viewer) -> Section:
    """The organisation's appeals against catalog changes, newest first; count: those open."""
    rows = CatalogAppeal.objects.visible_to(user).order_by("-created_at", "-pk")
    appealable = catalog_access.appealable_changes_for(user).count()
    return _section(
        "catalogs.own_appeal",
        _("Your catalog appeals"),
        rows,
        lambda a: Item(
            title=_("Appeal of {day}: {status}").format(
                day=timezone.localdate(a.created_at).isoformat(), status=a.get_status_display()
            ),
            when=a.decided_at or a.created_at,
            link=reverse("catalogs:my_appeals"),
        ),
        action=_("Open"),
        more=reverse("catalogs:my_appeals"),
        empty=_("No appeals. Changes you may appeal: {n}.").format(n=appealable),
        count=rows.filter(status=AppealStatus.FILED).count(),
    )


def people_registered(user: Viewer) -> Section:
    """The people of the viewer's organisation, newest first (those it registered or hires)."""
    rows = Person.objects.visible_to(user, VIEW).order_by("-created_at", "-pk")
    return _section(
        "people.person",
        _("People of your organisation"),
        rows,
        lambda p: Item(
            title=_("{name}, registered on {day}").format(
                name=p.name, day=timezone.localdate(p.created_at).isoformat()
            ),
            when=p.created_at,
            link=reverse("people:detail", args=[p.pk]),
        ),
        action=_("Open"),
        more=reverse("people:list"),
        empty=_("No people yet."),
        count=0,
    )


# --- assessment, certificates and talent --------------------------------------------------


def _session_title(session: Any) -> str:
    return _("{title}, {start} to {end}").format(
        title=session.title, start=session.starts_on.isoformat(), end=session.ends_on.isoformat()
    )


def sessions_to_file(user: Viewer) -> Section:
    """The evaluator's draft assessment sessions whose plan is not yet filed with the bureau."""
    return _section(
        "assessment.session_to_file",
        _("Assessment plans to file"),
        assessment_queries.sessions_awaiting_filing(user),
        lambda s: Item(
            title=_session_title(s),
            when=s.starts_on,
            link=reverse("assessment:session", args=[s.pk]),
        ),
        action=_("Add candidates and file the plan"),
        more=reverse("assessment:list") + "?status=draft",
        empty=_("No plans to file."),
    )


def sessions_to_certify(user: Viewer) -> Section:
    """The evaluator's closed sessions whose certificates are not issued yet."""
    return _section(
        "assessment.session_to_certify",
        _("Certificates to issue"),
        assessment_queries.results_to_certify(user),
        lambda s: Item(
            title=_session_title(s),
            when=s.ends_on,
            link=reverse("assessment:session", args=[s.pk]),
        ),
        action=_("Issue the certificates"),
        more=reverse("assessment:list") + "?status=closed",
        empty=_("No closed session waits for its certificates."),
    )


def plans_to_receive(user: Viewer) -> Section:
    """Assessment plans filed with the bureau, waiting for their examiners to be drawn."""
    return _section(
        "assessment.plan_to_receive",
        _("Assessment plans filed"),
        assessment_queries.plans_to_receive(user).select_related("evaluator"),
        lambda s: Item(
            title=_("{evaluator} filed {session}").format(
                evaluator=s.evaluator.name, session=_session_title(s)
            ),
            when=s.filed_at,
            link=reverse("assessment:session", args=[s.pk]),
        ),
        action=_("Draw the examiners and assign a supervisor"),
        more=reverse("assessment:plans"),
    )


def score_changes_to_approve(user: Viewer) -> Section:
    """Score changes another administrator asked for, waiting for a second approver."""
    return _section(
        "assessment.score_change",
        _("Score changes to approve"),
        assessment_queries.score_changes_to_approve(user),
        lambda c: Item(
            title=_("Score of {name} in {session}: {old} to {new}").format(
                name=c.score.candidate.person.name,
                session=c.score.candidate.session.title,
                old=c.old_value,
                new=c.new_value,
            ),
            when=c.requested_at,
            link=reverse("assessment:changes"),
            detail=c.reason,
        ),
        action=_("Approve or reject"),
        more=reverse("assessment:changes"),
    )


def sessions_to_supervise(user: Viewer) -> Section:
    """Open sessions the viewer supervises as 质量督导员."""
    return _section(
        "assessment.session_to_supervise",
        _("Sessions you supervise"),
        assessment_queries.sessions_to_supervise(user),
        lambda s: Item(
            title=_session_title(s),
            when=s.starts_on,
            link=reverse("assessment:session", args=[s.pk]),
        ),
        action=_("Record findings"),
        more=reverse("assessment:mine"),
        empty=_("You supervise no open session."),
    )


def scores_to_enter(user: Viewer) -> Section:
    """Sessions the viewer was drawn to examine, taking scores now."""
    return _section(
        "assessment.scores_to_enter",
        _("Scores to enter"),
        assessment_queries.scores_to_enter(user),
        lambda s: Item(
            title=_session_title(s),
            when=s.starts_on,
            link=reverse("assessment:session", args=[s.pk]),
        ),
        action=_("Enter the scores"),
        more=reverse("assessment:mine"),
        empty=_("No session waits for your scores."),
    )


def promotions_to_decide(user: Viewer) -> Section:
    """Promotions proposed from competition results, waiting for the bureau."""
    return _section(
        "talent.proposal",
        _("Promotions to decide"),
        talent_queries.proposals_to_decide(user),
        lambda p: Item(
            title=_("{name}, {competition}: promote to {level}").format(
                name=p.entry.person.name,
                competition=p.entry.competition.name,
                level=p.proposed_level.name,
            ),
            when=p.created_at,
            link=reverse("talent:proposal", args=[p.pk]),
        ),
        action=_("Approve or reject"),
        more=reverse("talent:competitions"),
    )


def objections_to_resolve(user: Viewer) -> Section:
    """Objections raised during an award round's public notice, not yet resolved."""
    return _section(
        "talent.objection",
        _("Objections to resolve"),
        talent_queries.objections_to_resolve(user),
        lambda o: Item(
            title=_("Objection to a nominee of {award}").format(
                award=o.nomination.award_round.title.name
            ),
            when=o.created_at,
            link=reverse("talent:round", args=[o.nomination.award_round_id]),
        ),
        action=_("Resolve"),
        more=reverse("talent:rounds"),
    )


def nominations_to_review(user: Viewer) -> Section:
    """Award nominations waiting for the bureau's review."""
    return _section(
        "talent.nomination",
        _("Nominations to review"),
        talent_queries.nominations_to_review(user),
        lambda n: Item(
            title=_("{name} nominated for {award}").format(
                name=n.person.name, award=n.award_round.title.name
            ),
            when=n.created_at,
            link=reverse("talent:round", args=[n.award_round_id]),
        ),
        action=_("Accept or decline"),
        more=reverse("talent:rounds"),
    )


def own_certificates(user: Viewer) -> Section:
    """The worker's certificates, each with its verification page and downloads."""
    return _section(
        "certificates.own",
        _("Your certificates"),
        certificate_queries.holder_certificates(user),
        lambda c: Item(
            title=_("{title} ({number}): {status}").format(
                title=c.title, number=c.number, status=c.get_status_display()
            ),
            when=c.issued_on,
            link=reverse("verify:certificate", args=[c.number]),
        ),
        # Each certificate links its own page; the record is offered once, below.
        action=_("Verify or download"),
        empty=_("No certificates yet."),
    )


# --- subsidy money and fraud control ----------------------------------------------------------


def _claim_item(claim: Claim) -> Item:
    claimant = claim.organization.name if claim.organization else _("a worker")
    return Item(
        title=_("Claim {number}: {kind} for {claimant}, {amount}").format(
            number=claim.number,
            kind=claim.get_kind_display(),
            claimant=claimant,
            amount=format_yuan(claim.total_fen),
        ),
        when=claim.submitted_at,
        link=reverse("subsidies:claim", args=[claim.pk]),
        detail=claim.get_status_display(),
    )


def _claims_waiting(user: Viewer, *steps: str) -> QuerySet[Claim]:
    rows = Claim.objects.none()
    for step in steps:
        rows = rows | subsidy_queries.queue(user, step)
    return rows.select_related("organization").order_by("submitted_at", "pk")


def claims_to_review(user: Viewer) -> Section:
    """Subsidy claims waiting for a review or the public notice the viewer may give."""
    return _section(
        "subsidies.claim_to_review",
        _("Subsidy claims to review"),
        _claims_waiting(
            user,
            subsidy_queries.FIRST_REVIEW,
            subsidy_queries.SECOND_REVIEW,
            subsidy_queries.START_NOTICE,
        ),
        _claim_item,
        action=_("Review"),
        more=reverse("subsidies:claim_queue"),
    )


def claims_to_approve(user: Viewer) -> Section:
    """Claims whose public notice has ended, with nothing holding them, to approve."""
    return _section(
        "subsidies.claim_to_approve",
        _("Subsidy claims to approve"),
        _claims_waiting(user, subsidy_queries.APPROVE),
        _claim_item,
        action=_("Approve or reject"),
        more=reverse("subsidies:claim_queue"),
    )


def claims_to_pay(user: Viewer) -> Section:
    """Approved claims the viewer may pay."""
    return _section(
        "subsidies.claim_to_pay",
        _("Approved claims to pay"),
        _claims_waiting(user, subsidy_queries.PAY),
        _claim_item,
        action=_("Pay"),
        more=reverse("subsidies:claim_payments"),
    )


def alerts_to_work(user: Viewer) -> Section:
    """Open fraud alerts, newest first."""
    rows = fraud_access.alerts_for_user(user).filter(status=AlertStatus.OPEN)
    return _section(
        "fraud.alert_to_work",
        _("Fraud alerts to work"),
        rows.order_by("-created_at", "-pk"),
        lambda a: Item(
            title=f"{a.rule_code}: {a.summary}",
            when=a.created_at,
            link=reverse("fraud:alert_detail", args=[a.pk]),
        ),
        action=_("Clear or confirm"),
        more=reverse("fraud:alert_list"),
    )


def subsidies_to_confirm(user: Viewer) -> Section:
    """The worker's claim lines waiting for their word that they attended and were assessed."""
    person = own_person(user)
    rows = (
        subsidy_queries.lines_for_person(person).filter(
            active=True, confirmation=Confirmation.PENDING
        )
        if person is not None
        else ClaimLine.objects.none()
    )
    return _section(
        "subsidies.line_to_confirm",
        _("Subsidies in your name to confirm"),
        rows,
        lambda line: Item(
            title=_("{kind} of {amount}, claim {number}").format(
                kind=line.claim.get_kind_display(),
                amount=format_yuan(line.amount_fen),
                number=line.claim.number,
            ),
            when=line.claim.submitted_at,
            link=reverse("subsidies:my_subsidies"),
        ),
        action=_("Confirm or say it is not right"),
        more=reverse("subsidies:my_subsidies"),
        empty=_("Nothing to confirm."),
    )


# --- workers ------------------------------------------------------------------------------


def worker_sections(user: Viewer) -> list[Section]:
    """A worker's next session, their places in classes and the waitlist places to watch."""
    person = own_person(user)
    if person is None:
        return []
    enrolments = list(training_queries.my_enrolments(person))
    seated = [e.training_class_id for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
    upcoming = (
        ClassSession.objects.filter(training_class_id__in=seated, ends_at__gte=timezone.now())
        .select_related("training_class__programme", "venue")
        .order_by("starts_at", "pk")
    )
    next_items = [
        Item(
            kind="training.next_session",
            title=_("{programme}: {topic}").format(
                programme=s.training_class.programme.name,
                topic=attendance_queries.session_title(s),
            ),
            when=s.starts_at,
            link=reverse("training:find_detail", args=[s.training_class_id]),
            # The start is the item's time; the detail says until when, and where.
            detail=", ".join(
                part
                for part in (
                    _("until {end}").format(end=timezone.localtime(s.ends_at).strftime("%H:%M")),
                    s.venue.name if s.venue else "",
                )
                if part
            ),
        )
        for s in upcoming[:1]
    ]
    active = [e for e in enrolments if e.status in (EnrolmentStatus.ENROLLED,)]
    waiting = [e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED]
    return [
        Section(
            kind="training.next_session",
            heading=_("Your next session"),
            count=len(next_items),
            items=next_items,
            action=_("See the class"),
            more=reverse("training:mine"),
            empty=_("No session coming up. Find a class to enrol in."),
        ),
        Section(
            kind="training.enrolment",
            heading=_("Your classes"),
            count=len(active),
            items=_enrolment_items(active),
            action=_("See the class"),
            more=reverse("training:mine"),
            empty=_("You are not enrolled in any class."),
        ),
        Section(
            kind="training.waitlisted",
            heading=_("On the waitlist"),
            count=len(waiting),
            items=_enrolment_items(waiting),
            action=_("See or withdraw"),
            more=reverse("training:mine"),
            empty=_("You are on no waitlist."),
        ),
    ]


def _enrolment_items(enrolments: Iterable[object]) -> list[Item]:
    items = []
    for e in list(enrolments)[:SHOWN]:
        c = e.training_class  # type: ignore[attr-defined]
        items.append(
            Item(
                kind="training.enrolment",
                title=_("{programme} (class {code}), {start} to {end}").format(
                    programme=c.programme.name,
                    code=c.code,
                    start=c.starts_on.isoformat(),
                    end=c.ends_on.isoformat(),
                ),
                when=e.created_at,  # type: ignore[attr-defined]
                link=reverse("training:find_detail", args=[c.pk]),
            )
        )
    return items


# --- what each role sees ------------------------------------------------------------------

# (capability, the section it earns), in the order the home page shows them.
SECTIONS: list[tuple[str, Callable[[Viewer], Section]]] = [
    (Capability.APPROVE_CLASSES, classes_to_approve),
    (Capability.PUBLISH_CATALOGS, catalog_versions_to_publish),
    (Capability.DECIDE_ACCREDITATION, applications_to_decide),
    (Capability.REVIEW_CHECK_INS, check_ins_to_review),
    (Capability.DECIDE_APPEALS, appeals_to_decide),
    (Capability.MANAGE_CLASSES, returned_classes),
    (Capability.RECORD_ATTENDANCE, sessions_today),
    (Capability.IMPORT_PEOPLE, recent_jobs),
    (Capability.APPLY_ACCREDITATION, own_applications),
    (Capability.FILE_APPEALS, own_appeals),
    (Capability.RUN_ASSESSMENTS, sessions_to_file),
    (Capability.RUN_ASSESSMENTS, sessions_to_certify),
    (Capability.SUPERVISE_ASSESSMENTS, plans_to_receive),
    (Capability.SUPERVISE_ASSESSMENTS, score_changes_to_approve),
    (Capability.RECORD_SUPERVISION, sessions_to_supervise),
    (Capability.MANAGE_TALENT, promotions_to_decide),
    (Capability.MANAGE_TALENT, nominations_to_review),
    (Capability.MANAGE_TALENT, objections_to_resolve),
    (Capability.REVIEW_CLAIMS, claims_to_review),
    (Capability.APPROVE_CLAIMS, claims_to_approve),
    (Capability.PAY_CLAIMS, claims_to_pay),
    (Capability.WORK_ALERTS, alerts_to_work),
]


def _can_do(user: Viewer) -> list[Capable]:
    """The other things the role may do, in words, each with its page."""
    offers: list[tuple[str, str, str]] = [
        (Capability.VIEW_PEOPLE, _("Look up people in your scope"), reverse("people:list")),
        (Capability.CREATE_PEOPLE, _("Register a person"), reverse("people:list")),
        (Capability.IMPORT_PEOPLE, _("Import people from a spreadsheet"), reverse("people:import")),
        (Capability.MANAGE_CLASSES, _("Run your programmes and classes"), reverse("training:list")),
        (
            Capability.APPLY_ACCREDITATION,
            _("Apply for accreditation"),
            reverse("accreditations:apply"),
        ),
        (Capability.FILE_APPEALS, _("Appeal a catalog change"), reverse("catalogs:my_appeals")),
        (
            Capability.VIEW_ACCREDITATIONS,
            _("Read accreditations and applications"),
            reverse("accreditations:list"),
        ),
        (Capability.VIEW_AUDIT, _("Read the audit trail"), reverse("accounts:audit")),
        (
            Capability.VIEW_AUDIT,
            _("The auditor's view: claims, ledger, alerts and the audit trail, with exports"),
            reverse("auditor"),
        ),
        (
            Capability.VIEW_STATISTICS,
            _("See the training statistics"),
            reverse("statistics:dashboard"),
        ),
        (Capability.ENROL_SELF, _("Find training and enrol"), reverse("training:find")),
        (Capability.ENROL_SELF, _("See your attendance"), reverse("attendance:mine")),
        (
            Capability.RUN_ASSESSMENTS,
            _("File and run assessment sessions"),
            reverse("assessment:list"),
        ),
        (
            Capability.VIEW_ASSESSMENTS,
            _("Read assessment sessions and results"),
            reverse("assessment:list"),
        ),
        (Capability.MANAGE_EXPERTS, _("Keep the judge pool"), reverse("experts:list")),
        (
            Capability.MANAGE_CERTIFICATES,
            _("Look up, suspend and revoke certificates"),
            reverse("certificates:list"),
        ),
        (Capability.VIEW_TALENT, _("See the high-skill talent pool"), reverse("talent:pool")),
        (Capability.MANAGE_TALENT, _("Run competitions"), reverse("talent:competitions")),
        (Capability.MANAGE_TALENT, _("Run award rounds"), reverse("talent:rounds")),
        (Capability.CLAIM_SUBSIDIES, _("Claim subsidies"), reverse("subsidies:claims")),
        (Capability.VIEW_SUBSIDIES, _("See subsidy claims"), reverse("subsidies:claims")),
        (
            Capability.MANAGE_SUBSIDY_RULES,
            _("Load subsidy rules and simulate changes"),
            reverse("subsidies:rule_sets"),
        ),
        (Capability.VIEW_SUBSIDIES, _("See budgets and the ledger"), reverse("funds:balances")),
        (Capability.VIEW_ALERTS, _("See fraud alerts"), reverse("fraud:alert_list")),
        (Capability.ENROL_SELF, _("Your subsidies"), reverse("subsidies:my_subsidies")),
    ]
    found = [Capable(label, link) for cap, label, link in offers if has_capability(user, cap)]
    if getattr(user, "person_id", None):
        found.insert(
            0, Capable(_("Your lifelong training record (我的档案)"), reverse("records:mine"))
        )
    return found


def workspace_for(user: Viewer) -> Workspace:
    """Build the viewer's home page: the sections their role earns, then what else they can do."""
    sections = [build(user) for capability, build in SECTIONS if has_capability(user, capability)]
    # Being drawn as an examiner, not a role, is what makes scores wait for someone.
    if expert_for_user(user) is not None:
        sections.append(scores_to_enter(user))
    if has_capability(user, Capability.ENROL_SELF):
        sections = (
            worker_sections(user) + [subsidies_to_confirm(user), own_certificates(user)] + sections
        )
    elif has_capability(user, Capability.CREATE_PEOPLE) and not has_capability(
        user, Capability.IMPORT_PEOPLE
    ):
        # An employer registers its people one at a time: show the latest of them.
        sections.append(people_registered(user))
    return Workspace(sections=sections, can_do=_can_do(user))
