"""Choices of attendance: how a check-in was taken and what a reviewer should look at."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttendanceMethod(models.TextChoices):
    """How a check-in reached the record."""

    QR = "qr", _("Scanned on the trainee's phone")
    MANUAL = "manual", _("Recorded by staff")


class AttendanceFlag(models.TextChoices):
    """Why a check-in deserves a reviewer's look; flagged check-ins are kept, never dropped."""

    OUTSIDE_WINDOW = "outside_window", _("Outside the session's time window")
    FAR_FROM_VENUE = "far_from_venue", _("Far from the venue")
    NO_LOCATION = "no_location", _("No location given")
    SHARED_DEVICE = "shared_device", _("Device already used by another trainee in this session")


class ReviewDecision(models.TextChoices):
    """A reviewer's decision on a flagged check-in (核查结论); empty while it waits."""

    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
