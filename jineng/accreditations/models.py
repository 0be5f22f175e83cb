"""Accreditation of institutions and evaluators (资质认定): applications, licences, suspensions.

Dates are the whole story of a licence, so its state is derived, never stored:

- ``valid_until`` is the last day of validity (有效期至, inclusive); the licence has expired
  from the next day on, with no job needed.
- ``withdrawn_on`` is the first day on which a withdrawn licence no longer counts.
- A suspension covers ``starts_on`` up to the day before ``ends_on`` (the day it is lifted);
  an open suspension (``ends_on`` empty) covers every day from ``starts_on``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils.translation import gettext_lazy as _

from jineng.accreditations.choices import (
    AccreditationKind,
    AccreditationStatus,
    ApplicationStatus,
    EvaluationKind,
)
from jineng.core.models import DecisionModel, TimeStampedModel
from jineng.core.scope import ScopedQuerySet

_EVALUATION_KIND_MATCHES = Q(kind=AccreditationKind.EVALUATION, evaluation_kind__gt="") | Q(
    kind=AccreditationKind.TRAINING, evaluation_kind=""
)


class ApplicationQuerySet(ScopedQuerySet["AccreditationApplication"]):
    """Applications; ``visible_to(user, action)`` applies the data scope (access.py)."""

    def pending(self) -> ApplicationQuerySet:
        """Applications waiting for the bureau's decision, oldest first."""
        return self.filter(status=ApplicationStatus.SUBMITTED).order_by("created_at", "pk")


class AccreditationApplication(TimeStampedModel, DecisionModel):
    """Ask the bureau to accredit an organisation for a scope (资质申请)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="accreditation_applications",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AccreditationKind)
    occupation = models.ForeignKey(
        "occupations.Occupation",
        models.PROTECT,
        related_name="+",
        verbose_name=_("occupation"),
        help_text=_("An occupation, or a category to cover every occupation in it."),
    )
    max_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        related_name="+",
        verbose_name=_("highest skill level"),
    )
    evaluation_kind = models.CharField(
        _("evaluation kind"), max_length=20, choices=EvaluationKind, blank=True
    )
    statement = models.TextField(
        _("statement"),
        blank=True,
        help_text=_("Facilities, faculty and experience that support the application."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus, default=ApplicationStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    decision_reasons = models.TextField(
        _("reasons for the decision"),
        blank=True,
        help_text=_("Required when the application is rejected."),
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("accreditation application")
        verbose_name_plural = _("accreditation applications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=_EVALUATION_KIND_MATCHES,
                name="accreditations_application_evaluation_kind",
                violation_error_message=_(
                    "An evaluation application names its evaluation kind; a training one does not."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.REJECTED) | ~Q(decision_reasons=""),
                name="accreditations_application_rejection_has_reasons",
                violation_error_message=_("A rejection must give its reasons."),
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "occupation", "evaluation_kind"],
                condition=Q(status=ApplicationStatus.SUBMITTED),
                name="accreditations_application_one_pending",
                violation_error_message=_(
                    "This organisation already has a pending application for this scope."
                ),
            ),
        ]

    def __str__(self) -> str:
        # The audit trail stores this label when an event is written: name the scope in words.
        # Load organization, occupation and max_level with select_related to avoid three queries.
        return " · ".join(
            [
                f"#{self.pk} {self.organization.name}",
                str(self.get_kind_display()),
                f"{self.occupation.code} {self.occupation.name}",
                self.max_level.name,
            ]
        )

    @property
    def is_pending(self) -> bool:
        """Tell whether the bureau has yet to decide."""
        return self.status == ApplicationStatus.SUBMITTED


class ApplicationDocument(models.Model):
    """Keep one supporting document of an application (申请材料), stored outside the web root."""

    application = models.ForeignKey(
        AccreditationApplication,
        models.PROTECT,
        related_name="documents",
        verbose_name=_("application"),
    )
    title = models.CharField(_("title"), max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_name = models.CharField(
        _("stored as"),
        max_length=100,
        unique=True,
        help_text=_("A random name under MEDIA_ROOT/private; never derived from the upload."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedQuerySet["ApplicationDocument"].as_manager()

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class AccreditationQuerySet(ScopedQuerySet["Accreditation"]):
    """Licences; ``visible_to(user, action)`` applies the data scope (access.py)."""

    def valid_on(self, on_date: datetime.date) -> AccreditationQuerySet:
        """Licences in force on a date: within validity, not withdrawn, not suspended."""
        suspended = AccreditationSuspension.objects.filter(accreditation=OuterRef("pk")).covering(
            on_date
        )
        return self.filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on_date),
            valid_from__lte=on_date,
            valid_until__gte=on_date,
        ).exclude(Exists(suspended))

    def with_status(self, on_date: datetime.date) -> AccreditationQuerySet:
        """Annotate each licence with its derived status on a date (``status``)."""
        suspended = AccreditationSuspension.objects.filter(accreditation=OuterRef("pk")).covering(
            on_date
        )
        return self.annotate(
            status=models.Case(
                models.When(
                    withdrawn_on__lte=on_date, then=Value(AccreditationStatus.WITHDRAWN.value)
                ),
                models.When(valid_until__lt=on_date, then=Value(AccreditationStatus.EXPIRED.value)),
                models.When(valid_from__gt=on_date, then=Value(AccreditationStatus.PENDING.value)),
                models.When(Exists(suspended), then=Value(AccreditationStatus.SUSPENDED.value)),
                default=Value(AccreditationStatus.ACTIVE.value),
                output_field=models.CharField(),
            )
        )


class Accreditation(TimeStampedModel):
    """Record that an organisation may train or evaluate a scope until a date (资质)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="accreditations",
        verbose_name=_("organisation"),
    )
    application = models.OneToOneField(
        AccreditationApplication,
        models.PROTECT,
        related_name="accreditation",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AccreditationKind)
    occupation = models.ForeignKey(
        "occupations.Occupation",
        models.PROTECT,
        related_name="+",
        verbose_name=_("occupation"),
        help_text=_("A category covers every occupation in it."),
    )
    max_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        related_name="+",
        verbose_name=_("highest skill level"),
    )
    evaluation_kind = models.CharField(
        _("evaluation kind"), max_length=20, choices=EvaluationKind, blank=True
    )
    licence_number = models.CharField(_("licence number"), max_length=50, unique=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), help_text=_("The last day of validity (inclusive).")
    )
    withdrawn_on = models.DateField(
        _("withdrawn on"),
        null=True,
        blank=True,
        help_text=_("The first day on which the licence no longer counts."),
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("granted by")
    )

    objects = AccreditationQuerySet.as_manager()

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        ordering = ["organization__name", "kind", "occupation__code", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="accreditations_accreditation_valid_range",
                violation_error_message=_("A licence cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=_EVALUATION_KIND_MATCHES,
                name="accreditations_accreditation_evaluation_kind",
                violation_error_message=_(
                    "An evaluation licence names its evaluation kind; a training one does not."
                ),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | ~Q(withdrawal_reason=""),
                name="accreditations_accreditation_withdrawal_has_reason",
                violation_error_message=_("A withdrawal must give its reason."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind", "valid_from", "valid_until"], name="accreditations_kind_dates"
            )
        ]

    def __str__(self) -> str:
        return self.licence_number

    def status_on(self, on_date: datetime.date) -> AccreditationStatus:
        """Return the licence's state on a date (uses prefetched suspensions when present)."""
        if self.withdrawn_on is not None and self.withdrawn_on <= on_date:
            return AccreditationStatus.WITHDRAWN
        if self.valid_until < on_date:
            return AccreditationStatus.EXPIRED
        if self.valid_from > on_date:
            return AccreditationStatus.PENDING
        if any(s.covers(on_date) for s in self.suspensions.all()):
            return AccreditationStatus.SUSPENDED
        return AccreditationStatus.ACTIVE

    def open_suspension(self) -> AccreditationSuspension | None:
        """Return the suspension not yet lifted, if any."""
        return next((s for s in self.suspensions.all() if s.ends_on is None), None)


class SuspensionQuerySet(ScopedQuerySet["AccreditationSuspension"]):
    def covering(self, on_date: datetime.date) -> SuspensionQuerySet:
        """Suspensions in effect on a date."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on_date), starts_on__lte=on_date)


class AccreditationSuspension(models.Model):
    """Suspend a licence from a date until the bureau lifts it (暂停资质)."""

    accreditation = models.ForeignKey(
        Accreditation,
        models.PROTECT,
        related_name="suspensions",
        verbose_name=_("accreditation"),
    )
    starts_on = models.DateField(_("suspended from"))
    ends_on = models.DateField(
        _("lifted on"),
        null=True,
        blank=True,
        help_text=_("The first day on which the licence counts again; empty while suspended."),
    )
    reason = models.TextField(_("reason"))
    lift_reason = models.TextField(_("reason for lifting"), blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("suspended by")
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="accreditations_suspension_range",
                violation_error_message=_("A suspension cannot be lifted before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="accreditations_suspension_has_reason",
                violation_error_message=_("A suspension must give its reason."),
            ),
            models.UniqueConstraint(
                fields=["accreditation"],
                condition=Q(ends_on__isnull=True),
                name="accreditations_suspension_one_open",
                violation_error_message=_("This licence is already suspended."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.accreditation_id} {self.starts_on}–{self.ends_on or ''}"

    def covers(self, on_date: datetime.date) -> bool:
        """Tell whether the suspension is in effect on a date."""
        return self.starts_on <= on_date and (self.ends_on is None or on_date < self.ends_on)
