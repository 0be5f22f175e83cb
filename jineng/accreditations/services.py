"""Every write of accreditation (资质认定): apply, attach documents, decide, suspend, withdraw.

Each public service owns its transaction, checks the actor's capability, locks the row it
changes before re-checking its state, and writes its audit event in the same transaction.
Suspension starts on the day it is decided and is lifted on the day it is lifted, so the
history of a licence never changes after the fact; a withdrawal may be dated ahead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.accreditations import access, locks, uploads
from jineng.accreditations.choices import (
    AccreditationAction,
    AccreditationKind,
    ApplicationStatus,
    EvaluationKind,
    check_action,
    check_transition,
    transition,
)
from jineng.accreditations.errors import ApplicationPending, LicenceNumberTaken
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationSuspension,
    ApplicationDocument,
)
from jineng.core import audit, scope
from jineng.core.errors import (
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from jineng.core.scope import CHANGE
from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import notify, organization_staff
from jineng.occupations.models import Occupation, SkillLevel

# An application carries at most this many documents.
MAX_DOCUMENTS = 20
MAX_TEXT = 2000


@dataclass(frozen=True)
class ApplicationInput:
    """What an organisation asks to be accredited for."""

    kind: str
    occupation_code: str
    max_level_code: str
    evaluation_kind: str = ""
    statement: str = ""


@dataclass(frozen=True)
class ApprovalInput:
    """The bureau's grant: licence number, validity and, optionally, a narrower level."""

    licence_number: str
    valid_from: datetime.date
    valid_until: datetime.date
    max_level_code: str = ""
    note: str = ""


def _require(actor: Actor, capability: str, message: str) -> None:
    if not actor.can(capability):
        raise PermissionDenied(message)


Locked = TypeVar("Locked", AccreditationApplication, Accreditation)


def _in_scope(obj: Locked, actor: Actor) -> Locked:
    """Re-check a locked application or licence against the actor's scope (404 alike).

    A bureau account limited to a town decides only for organisations of that town.
    """
    missing = (
        _("No such accreditation application.")
        if isinstance(obj, AccreditationApplication)
        else _("No such accreditation.")
    )
    scope.require(actor, obj, action=CHANGE, missing=missing)
    return obj


def _text(value: str, *, field: str, required: bool = False, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=max_length), field=field
        )
    return text


def _occupation(code: str) -> Occupation:
    occupation = Occupation.objects.filter(code=(code or "").strip()).first()
    if occupation is None:
        raise ValidationFailed(
            _("Occupation code {code} is not in the classification.").format(code=code),
            field="occupation_code",
        )
    return occupation


def _level(code: str) -> SkillLevel:
    level = SkillLevel.objects.filter(code=(code or "").strip()).first()
    if level is None:
        raise ValidationFailed(
            _("Skill level {code} is not known.").format(code=code), field="max_level_code"
        )
    return level


def _evaluation_kind(kind: str, evaluation_kind: str) -> str:
    if kind not in AccreditationKind.values:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=kind, allowed=", ".join(AccreditationKind.values)
            ),
            field="kind",
        )
    evaluation_kind = (evaluation_kind or "").strip()
    if kind == AccreditationKind.TRAINING:
        if evaluation_kind:
            raise ValidationFailed(
                _("A training application has no evaluation kind."), field="evaluation_kind"
            )
        return ""
    if evaluation_kind not in EvaluationKind.values:
        raise ValidationFailed(
            _("An evaluation application names one of: {allowed}.").format(
                allowed=", ".join(EvaluationKind.values)
            ),
            field="evaluation_kind",
        )
    return evaluation_kind


@transaction.atomic(durable=True)
def apply_for_accreditation(data: ApplicationInput, *, actor: Actor) -> AccreditationApplication:
    """File an application for the actor's own organisation (申请资质), audited."""
    _require(actor, Capability.APPLY_ACCREDITATION, _("Your role may not apply for accreditation."))
    if not actor.organization_id:
        raise PermissionDenied(_("Only staff of an organisation may apply for accreditation."))
    application = AccreditationApplication(
        organization=actor.organization,
        kind=data.kind,
        evaluation_kind=_evaluation_kind(data.kind, data.evaluation_kind),
        occupation=_occupation(data.occupation_code),
        max_level=_level(data.max_level_code),
        statement=_text(data.statement, field="statement"),
        submitted_by=actor,
    )
    pending = AccreditationApplication.objects.pending().filter(
        organization_id=application.organization_id,
        kind=application.kind,
        occupation=application.occupation,
        evaluation_kind=application.evaluation_kind,
    )
    if pending.exists():
        raise _pending_conflict(application)
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError:
        raise _pending_conflict(application) from None
    audit.record(
        actor,
        "accreditations.application.submitted",
        application,
        data=_scope(application),
    )
    return application


def _pending_conflict(application: AccreditationApplication) -> ApplicationPending:
    return ApplicationPending(
        _("Your organisation already has a pending application for {code} {name}.").format(
            code=application.occupation.code, name=application.occupation.name
        ),
        field="occupation_code",
    )


def _scope(obj: AccreditationApplication | Accreditation) -> dict[str, Any]:
    return {
        "organization": obj.organization_id,
        "kind": obj.kind,
        "occupation": obj.occupation.code,
        "max_level": obj.max_level.code,
        "evaluation_kind": obj.evaluation_kind,
    }


@transaction.atomic(durable=True)
def add_document(
    application_id: int, upload: IO[bytes], *, name: str, size: int | None, title: str, actor: Actor
) -> ApplicationDocument:
    """Attach a checked PDF, JPEG or PNG to a pending application (上传材料), audited."""
    # Outside the caller's scope the application does not exist (404), as for every read.
    access.get_application_for_user(actor, application_id)
    application = _in_scope(locks.application_for_update(application_id), actor)
    if application.organization_id != actor.organization_id or not actor.can(
        Capability.APPLY_ACCREDITATION
    ):
        raise PermissionDenied(_("Only the applying organisation may add documents."))
    if not application.is_pending:
        raise InvalidTransition(
            _("Application {number} has been decided; documents can no longer be added.").format(
                number=application.pk
            )
        )
    if application.documents.count() >= MAX_DOCUMENTS:
        raise ValidationFailed(
            _("An application may carry at most {n} documents.").format(n=MAX_DOCUMENTS),
            field="file",
        )
    title = _text(title, field="title", required=True, max_length=200)
    stored = uploads.store(upload, name, size)
    try:
        document = ApplicationDocument.objects.create(
            application=application,
            title=title,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_name=stored.storage_name,
            uploaded_by=actor,
        )
        audit.record(
            actor,
            "accreditations.document.added",
            document,
            data={
                "application": application.pk,
                "title": title,
                "content_type": stored.content_type,
                "size": stored.size,
                "sha256": stored.sha256,
            },
        )
    except BaseException:
        uploads.remove(stored.storage_name)
        raise
    return document


def _granted_level(application: AccreditationApplication, code: str) -> SkillLevel:
    if not (code or "").strip():
        return application.max_level
    level = _level(code)
    if level.rank > application.max_level.rank:
        raise ValidationFailed(
            _("The granted level cannot be above the level applied for ({level}).").format(
                level=application.max_level.name
            ),
            field="max_level_code",
        )
    return level


def _licence_number(value: str) -> str:
    number = _text(value, field="licence_number", required=True, max_length=50)
    if Accreditation.objects.filter(licence_number=number).exists():
        raise LicenceNumberTaken(
            _("Licence number {number} is already in use.").format(number=number),
            field="licence_number",
        )
    return number


def _decide(application: AccreditationApplication, to: str, reasons: str, actor: Actor) -> None:
    transition(application, to)
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_reasons = reasons
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reasons"])


@transaction.atomic(durable=True)
def approve_application(
    application_id: int, decision: ApprovalInput, *, actor: Actor
) -> Accreditation:
    """Grant a licence for the scope applied for, or a lower level (批准资质), audited."""
    _require(actor, Capability.DECIDE_ACCREDITATION, _("Only the bureau decides applications."))
    application = _in_scope(locks.application_for_update(application_id), actor)
    # Checked after the lock: a second reviewer finds the application already decided.
    check_transition(application, ApplicationStatus.APPROVED)
    if decision.valid_until < decision.valid_from:
        raise ValidationFailed(
            _("The licence cannot end ({until}) before it starts ({start}).").format(
                until=decision.valid_until, start=decision.valid_from
            ),
            field="valid_until",
        )
    level = _granted_level(application, decision.max_level_code)
    number = _licence_number(decision.licence_number)
    note = _text(decision.note, field="note")
    _decide(application, ApplicationStatus.APPROVED, note, actor)
    try:
        with transaction.atomic():
            accreditation = Accreditation.objects.create(
                organization_id=application.organization_id,
                application=application,
                kind=application.kind,
                occupation=application.occupation,
                max_level=level,
                evaluation_kind=application.evaluation_kind,
                licence_number=number,
                valid_from=decision.valid_from,
                valid_until=decision.valid_until,
                granted_by=actor,
            )
    except IntegrityError:
        if Accreditation.objects.filter(licence_number=number).exists():
            raise LicenceNumberTaken(
                _("Licence number {number} is already in use.").format(number=number),
                field="licence_number",
            ) from None
        # The one-to-one constraint: the application already has its licence.
        raise InvalidTransition(
            _("Application {number} has already been decided.").format(number=application.pk)
        ) from None
    audit.record(actor, "accreditations.application.approved", application, data={"note": note})
    _tell_applicant(application, NotificationKind.APPLICATION_APPROVED)
    audit.record(
        actor,
        "accreditations.accreditation.granted",
        accreditation,
        data={
            **_scope(accreditation),
            "application": application.pk,
            "licence_number": number,
            "valid_from": decision.valid_from,
            "valid_until": decision.valid_until,
        },
    )
    return accreditation


@transaction.atomic(durable=True)
def reject_application(
    application_id: int, *, reasons: str, actor: Actor
) -> AccreditationApplication:
    """Refuse an application with the reasons the organisation will read (驳回申请), audited."""
    _require(actor, Capability.DECIDE_ACCREDITATION, _("Only the bureau decides applications."))
    reasons = _text(reasons, field="reasons", required=True)
    application = _in_scope(locks.application_for_update(application_id), actor)
    _decide(application, ApplicationStatus.REJECTED, reasons, actor)
    audit.record(
        actor, "accreditations.application.rejected", application, data={"reasons": reasons}
    )
    _tell_applicant(application, NotificationKind.APPLICATION_REJECTED)
    return application


def _tell_applicant(application: AccreditationApplication, kind: NotificationKind) -> None:
    """Tell the applicant organisation's staff that the bureau decided its application."""
    notify(
        organization_staff(application.organization_id),
        kind,
        params={"number": application.pk},
        target=reverse("accreditations:application", kwargs={"application_id": application.pk}),
    )


def _status_today(accreditation: Accreditation) -> str:
    return accreditation.status_on(timezone.localdate())


@transaction.atomic(durable=True)
def suspend_accreditation(
    accreditation_id: int, *, reason: str, actor: Actor
) -> AccreditationSuspension:
    """Suspend a licence from today until lifted (暂停资质), audited."""
    _require(actor, Capability.DECIDE_ACCREDITATION, _("Only the bureau suspends licences."))
    reason = _text(reason, field="reason", required=True)
    accreditation = _in_scope(locks.accreditation_for_update(accreditation_id), actor)
    check_action(accreditation, AccreditationAction.SUSPEND, _status_today(accreditation))
    suspension = AccreditationSuspension.objects.create(
        accreditation=accreditation,
        starts_on=timezone.localdate(),
        reason=reason,
        suspended_by=actor,
    )
    audit.record(
        actor,
        "accreditations.accreditation.suspended",
        accreditation,
        data={"suspension": suspension.pk, "starts_on": suspension.starts_on, "reason": reason},
    )
    return suspension


@transaction.atomic(durable=True)
def lift_suspension(accreditation_id: int, *, reason: str, actor: Actor) -> AccreditationSuspension:
    """End a licence's suspension from today on (恢复资质), audited."""
    _require(actor, Capability.DECIDE_ACCREDITATION, _("Only the bureau lifts suspensions."))
    reason = _text(reason, field="reason", required=True)
    accreditation = _in_scope(locks.accreditation_for_update(accreditation_id), actor)
    check_action(accreditation, AccreditationAction.LIFT_SUSPENSION, _status_today(accreditation))
    suspension = accreditation.suspensions.get(ends_on__isnull=True)
    suspension.ends_on = timezone.localdate()
    suspension.lift_reason = reason
    suspension.lifted_by = actor
    suspension.save(update_fields=["ends_on", "lift_reason", "lifted_by"])
    audit.record(
        actor,
        "accreditations.suspension.lifted",
        accreditation,
        data={"suspension": suspension.pk, "ends_on": suspension.ends_on, "reason": reason},
    )
    return suspension


@transaction.atomic(durable=True)
def withdraw_accreditation(
    accreditation_id: int,
    *,
    reason: str,
    actor: Actor,
    effective_on: datetime.date | None = None,
) -> Accreditation:
    """Withdraw a licence from a date, today or later (撤销资质), audited."""
    _require(actor, Capability.DECIDE_ACCREDITATION, _("Only the bureau withdraws licences."))
    reason = _text(reason, field="reason", required=True)
    today = timezone.localdate()
    effective_on = effective_on or today
    if effective_on < today:
        raise ValidationFailed(
            _("A withdrawal cannot be back-dated; choose today or a later date."),
            field="effective_on",
        )
    accreditation = _in_scope(locks.accreditation_for_update(accreditation_id), actor)
    check_action(accreditation, AccreditationAction.WITHDRAW, _status_today(accreditation))
    if accreditation.withdrawn_on is not None:
        raise InvalidTransition(
            _("Licence {licence} is already withdrawn from {date}.").format(
                licence=accreditation.licence_number, date=accreditation.withdrawn_on
            )
        )
    if effective_on > accreditation.valid_until:
        raise ValidationFailed(
            _("Licence {licence} expires on {date}, before the withdrawal would start.").format(
                licence=accreditation.licence_number, date=accreditation.valid_until
            ),
            field="effective_on",
        )
    accreditation.withdrawn_on = effective_on
    accreditation.withdrawal_reason = reason
    accreditation.save(update_fields=["withdrawn_on", "withdrawal_reason", "updated_at"])
    audit.record(
        actor,
        "accreditations.accreditation.withdrawn",
        accreditation,
        data={"withdrawn_on": effective_on, "reason": reason},
    )
    return accreditation
