"""Steps the fraud pages share: who may see them, and alerts through the access layer."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.fraud import access, integration
from jineng.fraud.models import Alert
from jineng.subsidies.models import ClaimHold


def require_alerts(request: AuthenticatedHttpRequest) -> None:
    """404 for anyone without view_alerts: alerts answer like nothing is there."""
    if not access.may_view(request.user):
        raise Http404(_("No such page."))


def alert_or_404(request: AuthenticatedHttpRequest, alert_id: int) -> Alert:
    """The alert the user may view; 404 alike for missing and out of scope."""
    require_alerts(request)
    try:
        return access.get_alert_for_user(request.user, alert_id)
    except errors.NotFound as error:
        raise Http404(error.detail) from None


def claims_held(alert: Alert) -> int:
    """How many claims the alert holds now (open holds it placed)."""
    return ClaimHold.objects.filter(
        source=integration.source_of(alert), released_at__isnull=True
    ).count()
