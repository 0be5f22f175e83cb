"""Pages for getting an account: self-registration, password reset, the SMS outbox."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core.models import SmsOutboxMessage

# Messages the outbox page shows at once, the newest first.
OUTBOX_PAGE_SIZE = 100


@login_required
def sms_outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the text messages the development gateway kept instead of sending, for the bureau."""
    if not request.user.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied
    messages = SmsOutboxMessage.objects.order_by("-created_at", "-id")[:OUTBOX_PAGE_SIZE]
    return render(
        request,
        "registration/sms_outbox.html",
        {"outbox": list(messages), "limit": OUTBOX_PAGE_SIZE},
    )
