"""Training delivery: programmes, classes, sessions, venues, teachers and enrolments."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.catalogs.choices import TrainingType
from jineng.core import scope
from jineng.core.models import DecisionModel, TimeStampedModel
from jineng.core.scope import ScopedQuerySet
from jineng.training.choices import FINISHED_STATUSES, ClassMode, ClassStatus, EnrolmentStatus

# Classes anyone may find ("找培训"): approved and running ones.
PUBLIC_STATUSES = (ClassStatus.APPROVED, ClassStatus.RUNNING)


class Venue(TimeStampedModel):
    """Name a place where an institution trains (培训场地), with its registered capacity."""

    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="venues",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    capacity = models.PositiveIntegerField(_("registered capacity"))

    objects = ScopedQuerySet["Venue"].as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name


class Teacher(TimeStampedModel):
    """Name a teacher of an institution (师资)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="teachers",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=50)
    qualification = models.CharField(_("qualification"), max_length=200, blank=True)

    objects = ScopedQuerySet["Teacher"].as_manager()

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")

    def __str__(self) -> str:
        return self.name


class Programme(TimeStampedModel):
    """Describe what an institution offers (培训项目): occupation, level, type, hours, fee."""

    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="programmes",
        verbose_name=_("institution"),
    )
    name = models.CharField(_("name"), max_length=200)
    occupation = models.ForeignKey(
        "occupations.Occupation", models.PROTECT, related_name="+", verbose_name=_("occupation")
    )
    skill_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill level"),
    )
    training_type = models.CharField(_("training type"), max_length=30, choices=TrainingType)
    theory_hours = models.PositiveIntegerField(_("theory hours"))
    practice_hours = models.PositiveIntegerField(_("practice hours"))
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)
    catalog_entry_key = models.CharField(
        _("subsidised catalog entry"),
        max_length=200,
        blank=True,
        help_text=_(
            "Key of the 政府补贴培训目录 entry this programme trains for; empty if unsubsidised."
        ),
    )

    objects = ScopedQuerySet["Programme"].as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    @property
    def required_hours(self) -> int:
        return self.theory_hours + self.practice_hours

    @property
    def is_subsidised(self) -> bool:
        return bool(self.catalog_entry_key)


class TrainingClassQuerySet(ScopedQuerySet["TrainingClass"]):
    """Classes, restricted to a user's data scope with ``visible_to(user, action)``."""


class TrainingClass(TimeStampedModel, DecisionModel):
    """Run a programme once (培训班): schedule, capacity, mode and workflow state."""

    programme = models.ForeignKey(
        Programme, models.PROTECT, related_name="classes", verbose_name=_("programme")
    )
    code = models.CharField(_("class code"), max_length=40, unique=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    mode = models.CharField(_("mode"), max_length=10, choices=ClassMode, default=ClassMode.OFFLINE)
    status = models.CharField(
        _("status"), max_length=20, choices=ClassStatus, default=ClassStatus.DRAFT, db_index=True
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    catalog_entry = models.ForeignKey(
        "catalogs.CatalogEntry",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalog entry at approval"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    closing_note = models.TextField(_("completion result (结业)"), blank=True)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="training_class_dates",
                violation_error_message=_("A class cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="training_class_capacity_positive",
                violation_error_message=_("A class has at least one seat."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.programme.name}"

    @property
    def is_finished(self) -> bool:
        """Tell whether the class has ended (结业 or 归档) and its results are decided."""
        return self.status in FINISHED_STATUSES


class ClassSession(models.Model):
    """Schedule one session of a class (课次): day, time, venue and teacher."""

    training_class = models.ForeignKey(
        TrainingClass, models.CASCADE, related_name="sessions", verbose_name=_("training class")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.ForeignKey(
        Venue,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("venue"),
    )
    teacher = models.ForeignKey(
        Teacher,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("teacher"),
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)

    objects = ScopedQuerySet["ClassSession"].as_manager()

    class Meta:
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="training_session_times",
                violation_error_message=_("A session must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.training_class.code} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Enrolment(TimeStampedModel):
    """Hold a person's place in one training class (报名/学员)."""

    training_class = models.ForeignKey(
        TrainingClass, models.PROTECT, related_name="enrolments", verbose_name=_("training class")
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="enrolments", verbose_name=_("person")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus, default=EnrolmentStatus.ENROLLED
    )
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    seated_at = models.DateTimeField(
        _("seated at"),
        null=True,
        blank=True,
        help_text=_(
            "When the place took a seat: at enrolment, or when promoted from the waitlist."
        ),
    )
    transferred_to = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transferred to"),
    )
    result_note = models.CharField(_("result"), max_length=200, blank=True)
    attended_minutes = models.PositiveIntegerField(
        _("attended minutes at completion"), null=True, blank=True
    )
    online_minutes = models.PositiveIntegerField(
        _("online minutes at completion"), null=True, blank=True
    )
    required_hours = models.PositiveIntegerField(
        _("required hours at completion"), null=True, blank=True
    )

    objects = ScopedQuerySet["Enrolment"].as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "person"],
                condition=Q(status__in=["enrolled", "waitlisted"]),
                name="training_enrolment_one_active",
                violation_error_message=_("This person is already enrolled in this class."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.training_class.code}"

    @property
    def placed_at(self) -> datetime.datetime:
        """When the trainee had a seat in the class (``placed_at()`` for queries)."""
        return self.seated_at or self.created_at

    @property
    def result(self) -> str:
        """Say the result in the viewer's language: hours done at completion, else the note.

        A closed class's result is rendered from the stored minutes and hours, never stored as
        text, so it reads the same in Chinese and English; the note is a withdrawal's reason.
        """
        if self.attended_minutes is None or self.required_hours is None:
            return self.result_note
        online = self.online_minutes or 0
        return gettext(
            "{done} of {required} hours ({attended} min attended, {online} min online)"
        ).format(
            done=round((self.attended_minutes + online) / 60, 1),
            required=self.required_hours,
            attended=self.attended_minutes,
            online=online,
        )


# Data scope (jineng/core/scope.py, ADR 0005). A class belongs to the township it is held in;
# its sessions, enrolments and check-ins follow it. Programmes and teachers belong to their
# institution's region, a venue to its own township.
scope.register(
    Programme,
    organization="organization",
    region="organization__region",
    url_params=("programme_id",),
)
scope.register(Venue, organization="organization", region="region", url_params=("venue_id",))
scope.register(
    Teacher, organization="organization", region="organization__region", url_params=("teacher_id",)
)
scope.register(
    TrainingClass,
    organization="programme__organization",
    region="region",
    public=Q(status__in=PUBLIC_STATUSES),
    url_params=("class_id",),
)
scope.register(
    ClassSession,
    organization="training_class__programme__organization",
    region="training_class__region",
    public=Q(training_class__status__in=PUBLIC_STATUSES),
    # The check-in pages' session; "session_id" alone names an assessment session.
    url_params=(
        "attendance:screen/session_id",
        "attendance:code/session_id",
        "attendance:manual/session_id",
    ),
)
scope.register(
    Enrolment,
    organization="training_class__programme__organization",
    region="training_class__region",
    person="person",
    url_params=("enrolment_id",),
)


def placed_at(enrolment: str = "") -> Coalesce:
    """When a place took its seat, as an expression (``enrolment`` is the path to it).

    A waitlisted place is seated only when promoted; places written before ``seated_at`` was
    kept fall back to their creation.
    """
    prefix = f"{enrolment}__" if enrolment else ""
    return Coalesce(F(f"{prefix}seated_at"), F(f"{prefix}created_at"))
