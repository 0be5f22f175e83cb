"""The ledger's xlsx export (台账导出): a POST of the ledger page's filters, under CSRF.

A GET never exports. An export of more than INLINE_MAX_ROWS rows is answered with a 307 to the
auditor's background export (the browser posts the same form there). A role that does not read
the ledger gets 403; an account whose scope holds no ledger (limited to a region) the page's
404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.core.http import mark_personal_data
from jineng.core.tabular.workbook import CONTENT_TYPE, INLINE_MAX_ROWS, ExportTooLarge
from jineng.funds import exports
from jineng.funds.forms import LedgerFilterForm


@login_required
@require_POST
def export_ledger(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    """Download the ledger's entries that the page's filters select, as an xlsx workbook."""
    form = LedgerFilterForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    try:
        out, _count = exports.export_ledger(request.user, form.filters(), max_rows=INLINE_MAX_ROWS)
    except errors.PermissionDenied:
        raise PermissionDenied from None
    except errors.NotFound as error:
        raise Http404(error.detail) from None
    except ExportTooLarge as error:
        if error.count > exports.EXPORT_MAX_ROWS:
            return HttpResponseBadRequest(error.detail)
        # Too large to write while the page waits: the same POST queues a background job.
        return HttpResponseRedirect(reverse("auditor_export_ledger"), status=307)
    except errors.ValidationFailed as error:
        return HttpResponseBadRequest(error.detail)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = FileResponse(
        out, as_attachment=True, filename=f"ledger-{stamp}.xlsx", content_type=CONTENT_TYPE
    )
    return mark_personal_data(response)
