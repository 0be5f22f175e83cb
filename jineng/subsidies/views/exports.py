"""The claims list's xlsx export (导出): a POST of the list's filters, under CSRF.

A GET never exports (a link followed by a crawler or a prefetch would write audit events). A
role that may not export gets 403; the rows are the viewer's scope only (``exports``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.core.http import mark_personal_data
from jineng.core.tabular.workbook import CONTENT_TYPE, INLINE_MAX_ROWS, ExportTooLarge
from jineng.subsidies import exports


@login_required
@require_POST
def export_claims(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    """Download the claims the list shows (its status filter) as an xlsx workbook."""
    if not exports.may_export(request.user):
        raise PermissionDenied
    try:
        filters = {"status": request.POST.get("status", "")}
        out, _count = exports.export_claims(request.user, filters, max_rows=INLINE_MAX_ROWS)
    except errors.PermissionDenied:
        raise PermissionDenied from None
    except ExportTooLarge as error:
        if error.count > exports.EXPORT_MAX_ROWS:
            return HttpResponseBadRequest(error.detail)
        # Too large to write while the page waits: the same POST queues a background job.
        return HttpResponseRedirect(reverse("auditor_export_claims"), status=307)
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
