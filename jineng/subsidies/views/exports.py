"""The claims list's xlsx export (导出): a POST of the list's filters, under CSRF.

A GET never exports (a link followed by a crawler or a prefetch would write audit events).
A role that may not export gets 403; the rows are the viewer's scope only (``exports``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.core.http import mark_personal_data
from jineng.core.tabular.workbook import CONTENT_TYPE
from jineng.subsidies import exports


@login_required
@require_POST
def export_claims(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    """Download the claims the list shows (its status filter) as an xlsx workbook."""
    if not exports.may_export(request.user):
        raise PermissionDenied
    try:
        out, _count = exports.export_claims(
            request.user, {"status": request.POST.get("status", "")}
        )
    except errors.PermissionDenied:
        raise PermissionDenied from None
    except errors.ValidationFailed as error:
        return HttpResponseBadRequest(error.detail)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = FileResponse(
        out, as_attachment=True, filename=f"claims-{stamp}.xlsx", content_type=CONTENT_TYPE
    )
    return mark_personal_data(response)


urlpatterns: list[URLPattern] = [
    path("claims/export/", export_claims, name="claims_export"),
]
