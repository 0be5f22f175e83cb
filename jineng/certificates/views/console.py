"""The bureau's pages: the list of certificates, one certificate with its history, status
changes with a reason, and the national upload export.

Every certificate comes through ``access`` (404 outside the caller's scope); status changes
go through ``services``; a refused change re-renders the page with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.certificates import access, exports, queries, services
from jineng.certificates.forms import CertificateFilterForm, StatusReasonForm
from jineng.certificates.models import Certificate, CertificateStatus
from jineng.core import errors, pii
from jineng.core.http import mark_personal_data
from jineng.core.models import AuditEvent

PAGE_SIZE = 50
# Which status change each state allows (the services decide; this only picks the forms).
ACTIONS: dict[str, tuple[str, ...]] = {
    CertificateStatus.VALID: ("suspend", "revoke"),
    CertificateStatus.SUSPENDED: ("reinstate", "revoke"),
    CertificateStatus.REVOKED: (),
}
CHANGES: dict[str, Callable[..., Any]] = {
    "suspend": services.suspend_certificate,
    "revoke": services.revoke_certificate,
    "reinstate": services.reinstate_certificate,
}
DONE = {
    "suspend": lambda: _("The certificate is suspended."),
    "revoke": lambda: _("The certificate is revoked."),
    "reinstate": lambda: _("The certificate is valid again."),
}


def _found(request: AuthenticatedHttpRequest, certificate_id: int) -> Certificate:
    try:
        return access.get_certificate_for_user(request.user, certificate_id)
    except errors.NotFound as error:
        raise Http404(error.detail) from None


def _may_list(user: Any) -> bool:
    return access.sees_all(user) or bool(user.organization_id)


@login_required
@require_GET
def certificate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the certificates in scope with filters (kind, status, occupation, issuer, number)."""
    if not _may_list(request.user):
        raise PermissionDenied
    form = CertificateFilterForm(request.GET or None)
    filters = form.filters()
    certificates = queries.filter_certificates(queries.certificates_for(request.user), filters)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/certificate_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_export": access.may_manage(request.user),
        },
    )


def _history(certificate: Certificate, *, with_reasons: bool) -> list[dict[str, Any]]:
    """The certificate's audit events, oldest first, as the detail page lists them."""
    events = AuditEvent.objects.for_object(certificate).order_by("created_at", "pk")
    return [
        {
            "at": event.created_at,
            "action": event.action.rsplit(".", 1)[-1],
            "actor": event.actor_label,
            "reason": (event.data or {}).get("reason", "") if with_reasons else "",
        }
        for event in events
    ]


def _detail_page(
    request: AuthenticatedHttpRequest,
    certificate: Certificate,
    *,
    status: int = 200,
    failed: tuple[str, StatusReasonForm] | None = None,
) -> HttpResponse:
    user = request.user
    allowed = ACTIONS[certificate.status] if access.may_manage(user) else ()
    forms_ = {name: StatusReasonForm(prefix=name) for name in allowed}
    if failed:
        forms_[failed[0]] = failed[1]
    sees_reason = access.sees_status_reason(user)
    return render(
        request,
        "certificates/certificate_detail.html",
        {
            "certificate": certificate,
            "holder_name": certificate.holder.name
            if access.sees_all(user) or user.person_id == certificate.holder_id
            else pii.mask_name(certificate.holder.name),
            "sees_reason": sees_reason,
            "history": _history(certificate, with_reasons=sees_reason),
            "status_forms": [(name, forms_[name]) for name in allowed],
            "is_holder": user.person_id == certificate.holder_id,
        },
        status=status,
    )


@login_required
@require_GET
def certificate_detail(request: AuthenticatedHttpRequest, certificate_id: int) -> HttpResponse:
    """Show one certificate, its status history and, to the bureau, the status changes."""
    return _detail_page(request, _found(request, certificate_id))


@login_required
@require_POST
def certificate_status(
    request: AuthenticatedHttpRequest, certificate_id: int, action: str
) -> HttpResponse:
    """Suspend, revoke or reinstate a certificate, with the reason the bureau keeps."""
    certificate = _found(request, certificate_id)
    if action not in CHANGES:
        raise Http404
    if not access.may_manage(request.user):
        raise PermissionDenied
    form = StatusReasonForm(request.POST, prefix=action)
    if form.is_valid():
        try:
            CHANGES[action](request.user, certificate, reason=form.cleaned_data["reason"])
        except errors.DomainError as error:
            if error.status == 403:
                raise PermissionDenied(str(error.detail)) from error
            form.add_error(None, str(error.detail))
        else:
            messages.success(request, DONE[action]())
            return redirect("certificates:detail", certificate_id=certificate.pk)
    certificate.refresh_from_db()
    return _detail_page(request, certificate, status=400, failed=(action, form))


@login_required
@require_GET
def export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Download the certificates in scope (the list's filters) for the national upload."""
    fmt = request.GET.get("format", "xlsx")
    try:
        exports.check_export(request.user, fmt)
    except errors.PermissionDenied as error:
        raise PermissionDenied(str(error.detail)) from None
    except errors.ValidationFailed as error:
        raise Http404(error.detail) from None
    filters = CertificateFilterForm(request.GET or None).filters()
    certificates = queries.filter_certificates(queries.certificates_for(request.user), filters)
    exports.record_export(
        request.user, fmt=fmt, count=certificates.count(), filters=filters.as_params()
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"certificates-{stamp}.{fmt}"
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(certificates), content_type=exports.CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            exports.xlsx_file(certificates),
            as_attachment=True,
            filename=filename,
            content_type=exports.CONTENT_TYPES["xlsx"],
        )
    return mark_personal_data(response)
