"""Pages of alerts: the list (filters by rule and status), one alert, its disposition.

Only view_alerts roles (bureau, reviewers, auditors) see alerts; anyone else gets 404, as for
a missing alert. Evidence is masked unless a role with view_full_pii asks for it in full with
a purpose (audited, ``evidence.record_full_view``). work_alerts roles (bureau, reviewers)
dispose of an open alert through ``services.dispose``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.core.http import mark_personal_data, no_store
from jineng.core.models import AuditEvent
from jineng.fraud import access, services
from jineng.fraud.forms import AlertFilterForm, DispositionForm, RevealForm
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY
from jineng.fraud.views import evidence
from jineng.fraud.views.common import alert_or_404, claims_held, require_alerts

PAGE_SIZE = 50


def filter_alerts(alerts: QuerySet[Alert], filters: dict[str, str]) -> QuerySet[Alert]:
    """Alerts of a rule and a status, as the list's filters ask."""
    if filters.get("rule"):
        alerts = alerts.filter(rule_code=filters["rule"])
    if filters.get("status"):
        alerts = alerts.filter(status=filters["status"])
    return alerts


@login_required
@require_GET
def alert_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the alerts, newest first, filtered by rule and status."""
    require_alerts(request)
    form = AlertFilterForm(request.GET or None)
    alerts = filter_alerts(access.alerts_for_user(request.user), form.filters())
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    names = {code: spec.name for code, spec in REGISTRY.items()}
    return render(
        request,
        "fraud/alert_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "rows": [(alert, names.get(alert.rule_code, "")) for alert in page],
        },
    )


def _history(alert: Alert) -> list[dict[str, Any]]:
    events = AuditEvent.objects.for_object(alert).order_by("created_at", "pk")
    return [
        {
            "at": event.created_at,
            "action": event.action.rsplit(".", 1)[-1],
            "actor": event.actor_label,
        }
        for event in events
    ]


def _detail(
    request: AuthenticatedHttpRequest,
    alert: Alert,
    *,
    full: bool = False,
    purpose: str = "",
    form: DispositionForm | None = None,
    reveal_form: RevealForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    people = evidence.people_of(alert, user, full=full)
    columns, rows = evidence.evidence_table(alert, people, full=full)
    spec = REGISTRY.get(alert.rule_code)
    may_work = access.may_work(user) and alert.is_open
    response = render(
        request,
        "fraud/alert_detail.html",
        {
            "alert": alert,
            "spec": spec,
            "people": list(people.values()),
            "columns": columns,
            "rows": rows,
            "more_rows": max(alert.evidence_count - len(rows), 0),
            "full": full,
            "purpose": purpose,
            "may_see_full": evidence.may_see_full(user),
            "reveal_form": reveal_form or RevealForm(),
            "claims_held": claims_held(alert),
            "may_work": may_work,
            "form": (form or DispositionForm()) if may_work else None,
            "history": _history(alert),
        },
        status=status,
    )
    return mark_personal_data(response) if full else response


@login_required
@require_GET
def alert_detail(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    """Show one alert: its summary, rule, evidence (masked), holds and disposition."""
    return _detail(request, alert_or_404(request, alert_id))


@login_required
@require_POST
@no_store
def alert_reveal(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    """Show the alert's evidence with full personal data to a role that needs it (audited)."""
    alert = alert_or_404(request, alert_id)
    if not evidence.may_see_full(request.user):
        raise PermissionDenied
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _detail(request, alert, reveal_form=form, status=400)
    try:
        purpose = evidence.record_full_view(
            alert, actor=request.user, purpose=form.cleaned_data["purpose"]
        )
    except errors.ValidationFailed as error:
        form.add_error("purpose", str(error.detail))
        return _detail(request, alert, reveal_form=form, status=400)
    except errors.RateLimited as error:
        messages.error(request, str(error.detail))
        return _detail(request, alert, reveal_form=form, status=error.status)
    return _detail(request, alert, full=True, purpose=purpose)


@login_required
@require_POST
def alert_dispose(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    """Clear an open alert with a reason, or confirm it (recovery orders for what was paid)."""
    alert = alert_or_404(request, alert_id)
    if not access.may_work(request.user):
        raise PermissionDenied
    form = DispositionForm(request.POST)
    if form.is_valid():
        try:
            services.dispose(
                alert.pk,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except errors.DomainError as error:
            if error.status == 403:
                raise PermissionDenied(str(error.detail)) from error
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error.detail))
        else:
            messages.success(
                request,
                _("The alert is cleared and its holds are released.")
                if form.cleaned_data["outcome"] == "cleared"
                else _("The alert is confirmed; recovery is ordered for what was paid."),
            )
            return redirect("fraud:alert_detail", alert_id=alert.pk)
    alert = alert_or_404(request, alert_id)
    if not alert.is_open:
        messages.error(request, _("This alert has already been worked."))
        return redirect("fraud:alert_detail", alert_id=alert.pk)
    return _detail(request, alert, form=form, status=400)
