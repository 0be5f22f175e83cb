"""Choices of fraud: what a hit does, and where an alert stands."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleAction(models.TextChoices):
    """What a hit does (FRAUD_RULES.md conventions); never an automatic rejection."""

    BLOCK = "block", _("Block (policy violation)")
    HOLD = "hold", _("Hold payment and open a case")
    FLAG = "flag", _("Flag for review")


class AlertStatus(models.TextChoices):
    """Where an alert stands: open until worked to a disposition."""

    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")
    CONFIRMED = "confirmed", _("Confirmed")


class Subject(models.TextChoices):
    """What an alert is about."""

    PERSON = "person", _("Person")
    CLASS = "class", _("Class")
    ORGANIZATION = "organization", _("Organisation")
    SESSION = "session", _("Session")
    CLAIM = "claim", _("Claim")
    ACCOUNT = "account", _("Account")
