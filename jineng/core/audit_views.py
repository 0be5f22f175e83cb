"""The public page of the audit trail's signed checkpoints (anyone may read it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from jineng.core import checkpoints

# accounts.roles.Capability.VIEW_AUDIT, named by its value: core sits below accounts (ADR 0012).
VIEW_AUDIT = "view_audit"

# How many of the newest checkpoints the page lists.
RECENT_CHECKPOINTS = 50


@require_safe
def audit_checkpoints(request: HttpRequest) -> HttpResponse:
    """List the newest signed checkpoints and the public key that verifies them.

    Anyone sees the whole trail's checkpoints; each stream's (one organisation's count of
    events, i.e. how busy it is) only those who may read the audit trail (ADR 0002).
    """
    detailed = request.user.is_authenticated and request.user.can(VIEW_AUDIT)
    return render(
        request,
        "core/audit_checkpoints.html",
        {
            "lines": checkpoints.recent(RECENT_CHECKPOINTS, whole_trail_only=not detailed),
            "detailed": detailed,
            "whole_trail": checkpoints.ALL_STREAMS,
            "public_key": checkpoints.public_key_text(),
            "public_key_pem": checkpoints.public_key_pem(),
            "fingerprint": checkpoints.public_key_fingerprint(),
        },
    )
