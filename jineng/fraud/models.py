"""Models of fraud control (风险预警): rule versions as data, and the alerts hits open.

A rule's code lives in jineng/fraud/rules (``REGISTRY``); what is in force for it — the
thresholds, the action, whether it runs — is a ``FraudRule`` version. Changing anything makes
a new version; old versions stay, so every alert names the version that opened it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.core.scope import ScopedQuerySet
from jineng.fraud.choices import AlertStatus, RuleAction, Subject

_USER = settings.AUTH_USER_MODEL


class FraudRule(models.Model):
    """One version of a rule's data: thresholds, action, enabled, from when."""

    code = models.CharField(_("rule"), max_length=8)
    version = models.PositiveIntegerField(_("version"))
    thresholds = models.JSONField(_("thresholds"), default=dict)
    action = models.CharField(_("action"), max_length=8, choices=RuleAction.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)
    created_by = models.ForeignKey(
        _USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet["FraudRule"].as_manager()

    class Meta:
        verbose_name = _("fraud rule version")
        verbose_name_plural = _("fraud rule versions")
        ordering = ("code", "-version")
        constraints = [
            models.UniqueConstraint(fields=("code", "version"), name="fraud_rule_code_version"),
            models.CheckConstraint(
                condition=Q(action__in=RuleAction.values), name="fraud_rule_action_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Alert(models.Model):
    """A hit of a rule: the subject, the evidence rows, and how it was worked."""

    rule = models.ForeignKey(
        FraudRule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("rule version")
    )
    # The rule's code, kept beside the version so one open alert per (code, key) is a constraint.
    rule_code = models.CharField(_("rule"), max_length=8, db_index=True)
    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)
    subject_id = models.BigIntegerField(_("subject id"))
    key = models.CharField(_("key"), max_length=200)
    summary = models.TextField(_("summary"))
    evidence = models.JSONField(_("evidence"), default=list)
    evidence_count = models.PositiveIntegerField(_("evidence rows"), default=0)
    person_ids = models.JSONField(_("people"), default=list)
    class_ids = models.JSONField(_("classes"), default=list)
    organization_ids = models.JSONField(_("organisations"), default=list)
    holds = models.PositiveIntegerField(_("claims held"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    disposition_reason = models.TextField(_("reason"), blank=True)
    disposed_by = models.ForeignKey(
        _USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disposed by"),
    )
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)

    objects = ScopedQuerySet["Alert"].as_manager()

    class Meta:
        verbose_name = _("fraud alert")
        verbose_name_plural = _("fraud alerts")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("rule_code", "status"), name="fraud_alert_rule_status")]
        constraints = [
            models.UniqueConstraint(
                fields=("rule_code", "key"),
                condition=Q(status="open"),
                name="fraud_alert_one_open_per_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="fraud_alert_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(disposition_reason=""),
                name="fraud_alert_disposed_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN


class AlertPerson(models.Model):
    """A person an alert concerns (its ``person_ids`` as rows), so that one query finds the
    alerts about a person: the record's "why is my claim held" (PIPL Art. 24)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="people")
    person_id = models.BigIntegerField(_("person"), db_index=True)

    objects = ScopedQuerySet["AlertPerson"].as_manager()

    class Meta:
        verbose_name = _("person of a fraud alert")
        verbose_name_plural = _("people of fraud alerts")
        constraints = [
            models.UniqueConstraint(fields=("alert", "person_id"), name="fraud_alert_person_once")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}:{self.person_id}"
