"""Attendance (考勤): one check-in of an enrolled trainee to one class session."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jineng.accounts.roles import Capability
from jineng.attendance import policy
from jineng.attendance.choices import AttendanceFlag, AttendanceMethod, ReviewDecision
from jineng.core import scope
from jineng.core.scope import ScopedQuerySet
from jineng.training.models import placed_at


class AttendanceQuerySet(ScopedQuerySet["Attendance"]):
    """Check-ins, restricted to a user's data scope with ``visible_to(user, action)``."""

    def counted(self) -> AttendanceQuerySet:
        """Keep the check-ins that count toward hours: all but manual ones recorded outside
        the manual window (before the session began, or after its grace), all but those
        for a session held before the trainee had a place (see ``before_the_place``), and
        all but flagged ones a reviewer rejected."""
        return self.exclude(outside_manual_window() | before_the_place() | rejected())

    def awaiting_review(self) -> AttendanceQuerySet:
        """Keep the flagged check-ins no reviewer has decided yet."""
        return self.filter(is_flagged=True, review="")


def outside_manual_window() -> Q:
    """Match manual check-ins recorded before their session's window or after its grace."""
    early = datetime.timedelta(minutes=policy.early_minutes())
    grace = datetime.timedelta(hours=policy.manual_grace_hours())
    return Q(method=AttendanceMethod.MANUAL) & (
        Q(created_at__lt=F("session__starts_at") - early)
        | Q(created_at__gt=F("session__ends_at") + grace)
    )


def rejected() -> Q:
    """Match check-ins a reviewer rejected: they stay in the record but add no hours."""
    return Q(review=ReviewDecision.REJECTED)


def before_the_place() -> Q:
    """Match check-ins the trainee could not have made: to a session that ended before their
    place (the enrolment) took its seat, or dated before it.

    A person who joins a running class late was not a trainee at the sessions already held,
    so a check-in to one, manual or by device, never counts toward hours. One who joins
    during a session may check in to it from that moment on. A transfer (转班) creates the
    new place in the target class: the check-ins of the old place stay with it and count in
    the class they were made in. A place on the waitlist takes its seat when it is promoted:
    the sessions held while it waited do not count either.
    """
    placed = placed_at("enrolment")
    return Q(session__ends_at__lt=placed) | Q(checked_in_at__lt=placed)


class Attendance(models.Model):
    """Record that a trainee was present at a session (考勤), with time, device and place."""

    enrolment = models.ForeignKey(
        "training.Enrolment",
        models.PROTECT,
        related_name="attendances",
        verbose_name=_("enrolment"),
    )
    session = models.ForeignKey(
        "training.ClassSession",
        models.PROTECT,
        related_name="attendances",
        verbose_name=_("session"),
    )
    checked_in_at = models.DateTimeField(_("checked in at"), db_index=True)
    method = models.CharField(_("method"), max_length=10, choices=AttendanceMethod)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    device_id = models.CharField(_("device id"), max_length=64, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accuracy_m = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(
        _("distance from the venue (m)"), null=True, blank=True
    )
    flags = models.JSONField(
        _("flags"),
        default=list,
        blank=True,
        help_text=_(
            "Reasons a reviewer should look at this check-in; it counts unless a reviewer "
            "rejects it."
        ),
    )
    is_flagged = models.BooleanField(_("flagged"), default=False, db_index=True)
    reason = models.CharField(_("reason for a manual check-in"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    review = models.CharField(
        _("review decision"), max_length=10, choices=ReviewDecision, blank=True, db_index=True
    )
    review_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["checked_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"],
                name="attendance_one_per_session",
                violation_error_message=_("This trainee has already checked in to this session."),
            ),
            models.CheckConstraint(
                condition=~models.Q(method=AttendanceMethod.MANUAL) | ~models.Q(reason=""),
                name="attendance_manual_has_reason",
                violation_error_message=_("A manual check-in needs a reason."),
            ),
            models.CheckConstraint(
                condition=models.Q(review="")
                | (models.Q(is_flagged=True) & ~models.Q(review_reason="")),
                name="attendance_review_flagged_with_reason",
                violation_error_message=_(
                    "Only a flagged check-in is reviewed, and a decision needs a reason."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} @ {self.session_id}"

    @property
    def flag_labels(self) -> list[str]:
        """The flags in words, for pages and the record."""
        return [str(AttendanceFlag(flag).label) for flag in self.flags]

    @property
    def is_manual(self) -> bool:
        return self.method == AttendanceMethod.MANUAL

    @property
    def is_before_the_place(self) -> bool:
        """Tell whether its session ended, or it is dated, before the trainee had a place."""
        placed = self.enrolment.placed_at
        return self.session.ends_at < placed or self.checked_in_at < placed

    @property
    def is_outside_manual_window(self) -> bool:
        """Tell whether it is a manual one recorded before its session's window or after its
        grace."""
        if not self.is_manual or self.created_at is None:
            return False
        return not (
            policy.manual_opens_at(self.session.starts_at)
            <= self.created_at
            <= policy.manual_closes_at(self.session.ends_at)
        )

    @property
    def is_rejected(self) -> bool:
        """Tell whether a reviewer rejected it."""
        return self.review == ReviewDecision.REJECTED

    @property
    def is_counted(self) -> bool:
        """Tell whether it counts toward hours (the same rule as ``counted()``; needs session
        and enrolment)."""
        return not (self.is_outside_manual_window or self.is_before_the_place or self.is_rejected)

    @property
    def not_counted_reason(self) -> str:
        """Say why it does not count toward hours, or nothing if it counts."""
        if self.is_before_the_place:
            return str(_("the session was held before the trainee had a place in the class"))
        if self.is_outside_manual_window:
            return str(_("recorded outside the session's manual window"))
        if self.is_rejected:
            return str(_("rejected by a reviewer: {reason}")).format(reason=self.review_reason)
        return ""


# Data scope (jineng/core/scope.py, ADR 0005): a check-in follows its class (the township it
# is held in, the institution that runs it) and belongs to the trainee.
scope.register(
    Attendance,
    organization="enrolment__training_class__programme__organization",
    region="enrolment__training_class__region",
    person="enrolment__person",
    requires=Capability.VIEW_ATTENDANCE,
    url_params=("attendance_id",),
)
