"""The rules page (风险预警规则): published to every signed-in user, tuned by the bureau.

Public rules are a policy: any signed-in user reads each rule's code, name, what a hit does,
whether it runs and what it looks for. The thresholds, the versions and each rule's precision
(confirmed / (confirmed + cleared)) are for view_alerts roles only, so that a provider cannot
tune its claims just under them. The bureau (manage_fraud_rules) records a new version with a
note (``services.change_rule``) and starts a scan (``views.scans``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.fraud import access, services
from jineng.fraud.choices import AlertStatus, RuleAction
from jineng.fraud.forms import RuleChangeForm, ScanForm
from jineng.fraud.models import FraudRule
from jineng.fraud.rules.base import REGISTRY, RuleSpec
from jineng.fraud.thresholds import label


@dataclass
class Precision:
    """How a rule's worked alerts came out."""

    confirmed: int = 0
    cleared: int = 0
    open: int = 0

    @property
    def value(self) -> float | None:
        worked = self.confirmed + self.cleared
        return self.confirmed / worked if worked else None

    @property
    def percent(self) -> int | None:
        value = self.value
        return round(value * 100) if value is not None else None


@dataclass
class RuleView:
    """A rule as its page shows it; the staff parts are empty for everyone else."""

    code: str
    name: str
    explanation: str
    action: str
    action_label: str
    enabled: bool
    version: int | None = None
    thresholds: list[tuple[str, str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    precision: Precision | None = None


def labelled(spec: RuleSpec, thresholds: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """A version's thresholds as (key, label, value), in the rule's own order."""
    keys = [*spec.defaults, *(k for k in thresholds if k not in spec.defaults)]
    return [(key, label(spec, key), thresholds.get(key)) for key in keys]


def precision_by_rule(user: Any) -> dict[str, Precision]:
    """Per rule code, its alerts confirmed, cleared and open (one query)."""
    rows = (
        access.alerts_for_user(user)
        .order_by()
        .values("rule_code")
        .annotate(
            confirmed=Count("id", filter=Q(status=AlertStatus.CONFIRMED)),
            cleared=Count("id", filter=Q(status=AlertStatus.CLEARED)),
            open=Count("id", filter=Q(status=AlertStatus.OPEN)),
        )
    )
    return {
        row["rule_code"]: Precision(row["confirmed"], row["cleared"], row["open"]) for row in rows
    }


def _in_force() -> dict[str, FraudRule]:
    """The version in force of every rule that has one (what a hit does is public)."""
    found: dict[str, FraudRule] = {}
    rows = FraudRule.objects.filter(effective_from__lte=timezone.now()).order_by("code", "-version")
    for version in rows.only("code", "version", "action", "enabled", "thresholds"):
        found.setdefault(version.code, version)
    return found


def rule_views(user: Any, codes: list[str] | None = None) -> list[RuleView]:
    """Every registered rule (or these) as the user may see it."""
    staff = access.may_view(user)
    in_force = _in_force()
    versions: dict[str, list[FraudRule]] = defaultdict(list)
    precision: dict[str, Precision] = {}
    if staff:
        for version in access.rules_for_user(user).select_related("created_by"):
            versions[version.code].append(version)
        precision = precision_by_rule(user)
    actions = dict(RuleAction.choices)
    found = []
    for code in codes if codes is not None else sorted(REGISTRY):
        spec = REGISTRY[code]
        current = in_force.get(code)
        action = current.action if current else spec.action
        view = RuleView(
            code=code,
            name=str(spec.name),
            explanation=str(spec.explanation),
            action=action,
            action_label=str(actions.get(action, action)),
            enabled=current.enabled if current else True,
        )
        if staff:
            view.version = current.version if current else None
            view.thresholds = labelled(
                spec, dict(current.thresholds) if current else dict(spec.defaults)
            )
            view.versions = [
                {
                    "version": v.version,
                    "thresholds": labelled(spec, dict(v.thresholds)),
                    "action": str(actions.get(v.action, v.action)),
                    "enabled": v.enabled,
                    "effective_from": v.effective_from,
                    "by": v.created_by.get_full_name() or v.created_by.username
                    if v.created_by
                    else _("the system"),
                    "note": v.note,
                }
                for v in sorted(versions.get(code, []), key=lambda v: -v.version)
            ]
            view.precision = precision.get(code, Precision())
        found.append(view)
    return found


@login_required
@require_GET
def rule_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The published rules; thresholds, versions and precision for view_alerts roles."""
    user = request.user
    return render(
        request,
        "fraud/rule_list.html",
        {
            "rules": rule_views(user),
            "staff": access.may_view(user),
            "may_manage": access.may_manage(user),
            "scan_form": ScanForm() if access.may_manage(user) else None,
        },
    )


def _form_for(spec: RuleSpec, data: Any = None) -> RuleChangeForm:
    current = services.current_version(spec.code)
    thresholds = dict(current.thresholds) if current else dict(spec.defaults)
    initial = {
        **thresholds,
        "enabled": current.enabled if current else True,
        "action": current.action if current else spec.action,
    }
    return RuleChangeForm(spec, data, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def rule_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """One rule: what it looks for and, for the staff, its versions; the bureau changes it."""
    spec = REGISTRY.get(code.upper())
    if spec is None:
        raise Http404(_("No such rule."))
    user = request.user
    may_manage = access.may_manage(user)
    form = _form_for(spec) if may_manage else None
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        form = _form_for(spec, request.POST)
        if form.is_valid():
            try:
                version = services.change_rule(
                    spec.code,
                    thresholds=form.thresholds(),
                    enabled=form.cleaned_data["enabled"],
                    action=form.cleaned_data["action"],
                    note=form.cleaned_data["note"],
                    actor=user,
                )
            except errors.DomainError as error:
                if error.status == 403:
                    raise PermissionDenied(str(error.detail)) from error
                field_name = error.field if error.field in form.fields else None
                form.add_error(field_name, str(error.detail))
            else:
                messages.success(
                    request,
                    _("Version {version} of {code} is in force from now.").format(
                        version=version.version, code=spec.code
                    ),
                )
                return redirect("fraud:rule_detail", code=spec.code)
        status = 400
    return render(
        request,
        "fraud/rule_detail.html",
        {
            "rule": rule_views(user, [spec.code])[0],
            "staff": access.may_view(user),
            "form": form,
        },
        status=status,
    )
