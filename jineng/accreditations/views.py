"""Pages of accreditation: apply and track, review and decide, suspend and withdraw, documents.

Every object comes through ``access`` (404 outside the caller's scope); every write goes
through ``services``; a refused write re-renders its page with the reason next to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.accreditations import access, services, uploads
from jineng.accreditations.choices import ACCREDITATION_ACTIONS, AccreditationStatus
from jineng.accreditations.forms import (
    AccreditationFilterForm,
    ApplicationFilterForm,
    ApplicationForm,
    ApproveForm,
    DocumentForm,
    ReasonForm,
    WithdrawForm,
)
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    ApplicationDocument,
)
from jineng.core.errors import DomainError, NotFound

PAGE_SIZE = 50
# Service field names that a page shows under a differently named form field.
FORM_FIELDS = {
    "occupation_code": "occupation",
    "max_level_code": "max_level",
    "reasons": "reason",
    "file": "file",
}


def _found(getter: Callable[..., Any], *args: Any) -> Any:
    try:
        return getter(*args)
    except NotFound as error:
        raise Http404(error.detail) from None


def _attach(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    if error.status == 403:
        raise PermissionDenied(str(error.detail)) from error
    field = FORM_FIELDS.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.detail))


def _page(request: HttpRequest, queryset: Any) -> tuple[Any, str]:
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


def _may_apply(user: Any) -> bool:
    return bool(user.can(Capability.APPLY_ACCREDITATION) and user.organization_id)


def _may_decide(user: Any) -> bool:
    return bool(user.can(Capability.DECIDE_ACCREDITATION))


@login_required
@require_GET
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List applications in scope: the bureau's review queue or an institution's own."""
    if not (access.sees_all(request.user) or _may_apply(request.user)):
        raise PermissionDenied
    form = ApplicationFilterForm(request.GET or None)
    applications = AccreditationApplication.objects.visible_to(request.user).select_related(
        "organization", "occupation", "max_level"
    )
    if form.is_valid() and form.cleaned_data["status"]:
        applications = applications.filter(status=form.cleaned_data["status"])
    page, query = _page(request, applications)
    return render(
        request,
        "accreditations/application_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "may_apply": _may_apply(request.user),
            "pending_count": AccreditationApplication.objects.visible_to(request.user)
            .pending()
            .count(),
        },
    )


def _check_documents(form: ApplicationForm) -> bool:
    """Refuse bad files before anything is written, naming each one."""
    for upload in form.cleaned_data["documents"]:
        try:
            uploads.check_upload(upload, upload.name, upload.size)
        except DomainError as error:
            form.add_error("documents", str(error.detail))
    return not form.errors


@login_required
def application_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Let an institution or evaluator apply online, with documents."""
    if not _may_apply(request.user):
        raise PermissionDenied
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and _check_documents(form):
        data = form.cleaned_data
        try:
            application = services.apply_for_accreditation(
                services.ApplicationInput(
                    kind=data["kind"],
                    occupation_code=data["occupation"].code,
                    max_level_code=data["max_level"].code,
                    evaluation_kind=data["evaluation_kind"],
                    statement=data["statement"],
                ),
                actor=request.user,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            _add_documents(request, application, data["documents"])
            messages.success(request, _("Your application has been submitted."))
            return redirect("accreditations:application", application_id=application.pk)
    status = 400 if form.errors else 200
    return render(request, "accreditations/application_form.html", {"form": form}, status=status)


def _add_documents(
    request: AuthenticatedHttpRequest, application: AccreditationApplication, files: list
) -> None:
    for upload in files:
        try:
            services.add_document(
                application.pk,
                upload,
                name=upload.name,
                size=upload.size,
                title=PurePath(uploads.clean_original_name(upload.name)).stem,
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.detail)


def _application_page(
    request: AuthenticatedHttpRequest,
    application: AccreditationApplication,
    *,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    user = request.user
    may_upload = application.is_pending and application.organization_id == user.organization_id
    may_decide = application.is_pending and _may_decide(user)
    context = {
        "application": application,
        "documents": application.documents.all(),
        "accreditation": Accreditation.objects.filter(application=application).first(),
        "document_form": forms_.get("document_form") or (DocumentForm() if may_upload else None),
        "approve_form": forms_.get("approve_form")
        or (ApproveForm(requested=application.max_level) if may_decide else None),
        "reject_form": forms_.get("reject_form") or (ReasonForm() if may_decide else None),
    }
    return render(request, "accreditations/application_detail.html", context, status=status)


@login_required
@require_GET
def application_detail(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """Show an application, its documents and, to the bureau, the decision forms."""
    application = _found(access.get_application_for_user, request.user, application_id)
    return _application_page(request, application)


@login_required
@require_POST
def document_add(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """Attach one more document to a pending application."""
    application = _found(access.get_application_for_user, request.user, application_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_document(
                application.pk,
                upload,
                name=upload.name,
                size=upload.size,
                title=form.cleaned_data["title"],
                actor=request.user,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The document has been added."))
            return redirect("accreditations:application", application_id=application.pk)
    return _application_page(request, application, status=400, document_form=form)


@login_required
@require_GET
def document_download(
    request: AuthenticatedHttpRequest, application_id: int, document_id: int
) -> FileResponse:
    """Serve a document only to the applicant's staff and the bureau; 404 for everyone else."""
    document: ApplicationDocument = _found(
        access.get_document_for_user, request.user, application_id, document_id
    )
    path = uploads.path_of(document.storage_name)
    if not path.is_file():
        raise Http404(_("The stored file is missing."))
    response = FileResponse(
        path.open("rb"),
        content_type=document.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'"
    return response


def _decision_target(
    request: AuthenticatedHttpRequest, application_id: int
) -> AccreditationApplication:
    application = _found(access.get_application_for_user, request.user, application_id)
    if not _may_decide(request.user):
        raise PermissionDenied
    return application


@login_required
@require_POST
def application_approve(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """Approve an application with a licence number, validity and level."""
    application = _decision_target(request, application_id)
    form = ApproveForm(request.POST, requested=application.max_level)
    if form.is_valid():
        data = form.cleaned_data
        try:
            accreditation = services.approve_application(
                application.pk,
                services.ApprovalInput(
                    licence_number=data["licence_number"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    max_level_code=data["max_level"].code,
                    note=data["note"],
                ),
                actor=request.user,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The licence has been granted."))
            return redirect("accreditations:detail", accreditation_id=accreditation.pk)
    return _application_page(request, application, status=400, approve_form=form)


@login_required
@require_POST
def application_reject(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """Reject an application with the reasons the organisation will read."""
    application = _decision_target(request, application_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.reject_application(
                application.pk, reasons=form.cleaned_data["reason"], actor=request.user
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The application has been rejected."))
            return redirect("accreditations:application", application_id=application.pk)
    return _application_page(request, application, status=400, reject_form=form)


@login_required
@require_GET
def accreditation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List licences in scope with their status today."""
    if not (access.sees_all(request.user) or _may_apply(request.user)):
        raise PermissionDenied
    today = timezone.localdate()
    form = AccreditationFilterForm(request.GET or None)
    licences = (
        Accreditation.objects.visible_to(request.user)
        .with_status(today)
        .select_related("organization", "occupation", "max_level")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            licences = licences.filter(kind=data["kind"])
        if data["status"]:
            # status is with_status()'s annotation, which django-stubs cannot follow there.
            licences = licences.filter(status=data["status"])  # type: ignore[misc]
        if data["q"]:
            text = data["q"].strip()
            licences = licences.filter(
                Q(organization__name__icontains=text)
                | Q(licence_number__icontains=text)
                | Q(occupation__name__icontains=text)
                | Q(occupation__code__startswith=text)
            )
    page, query = _page(request, licences)
    for licence in page:
        licence.status_label = AccreditationStatus(licence.status).label
    return render(
        request,
        "accreditations/accreditation_list.html",
        {"form": form, "page": page, "query": query, "may_apply": _may_apply(request.user)},
    )


def _accreditation_page(
    request: AuthenticatedHttpRequest,
    accreditation: Accreditation,
    *,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    today = timezone.localdate()
    current = accreditation.status_on(today)
    actions = ACCREDITATION_ACTIONS[current] if _may_decide(request.user) else frozenset()
    context = {
        "accreditation": accreditation,
        "status": current,
        "status_label": AccreditationStatus(current).label,
        "suspensions": accreditation.suspensions.all(),
        # Prefixed: several reason forms share one page, and ids must stay unique.
        "suspend_form": forms_.get("suspend_form")
        or ("suspend" in actions and ReasonForm(prefix="suspend")),
        "lift_form": forms_.get("lift_form")
        or ("lift_suspension" in actions and ReasonForm(prefix="lift")),
        "withdraw_form": forms_.get("withdraw_form")
        or ("withdraw" in actions and WithdrawForm(prefix="withdraw")),
    }
    return render(request, "accreditations/accreditation_detail.html", context, status=status)


@login_required
@require_GET
def accreditation_detail(request: AuthenticatedHttpRequest, accreditation_id: int) -> HttpResponse:
    """Show a licence, its suspensions and, to the bureau, suspend and withdraw."""
    accreditation = _found(access.get_accreditation_for_user, request.user, accreditation_id)
    return _accreditation_page(request, accreditation)


def _licence_action(
    request: AuthenticatedHttpRequest,
    accreditation_id: int,
    form_class: type[ReasonForm],
    form_name: str,
    act: Callable[[Accreditation, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    accreditation = _found(access.get_accreditation_for_user, request.user, accreditation_id)
    if not _may_decide(request.user):
        raise PermissionDenied
    form = form_class(request.POST, prefix=form_name.removesuffix("_form"))
    if form.is_valid():
        try:
            act(accreditation, form.cleaned_data)
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, done)
            return redirect("accreditations:detail", accreditation_id=accreditation.pk)
    return _accreditation_page(request, accreditation, status=400, **{form_name: form})


@login_required
@require_POST
def accreditation_suspend(request: AuthenticatedHttpRequest, accreditation_id: int) -> HttpResponse:
    """Suspend a licence from today."""
    return _licence_action(
        request,
        accreditation_id,
        ReasonForm,
        "suspend_form",
        lambda a, data: services.suspend_accreditation(
            a.pk, reason=data["reason"], actor=request.user
        ),
        _("The licence is suspended from today."),
    )


@login_required
@require_POST
def accreditation_lift(request: AuthenticatedHttpRequest, accreditation_id: int) -> HttpResponse:
    """Lift a licence's suspension from today."""
    return _licence_action(
        request,
        accreditation_id,
        ReasonForm,
        "lift_form",
        lambda a, data: services.lift_suspension(a.pk, reason=data["reason"], actor=request.user),
        _("The suspension has been lifted."),
    )


@login_required
@require_POST
def accreditation_withdraw(
    request: AuthenticatedHttpRequest, accreditation_id: int
) -> HttpResponse:
    """Withdraw a licence from a date."""
    return _licence_action(
        request,
        accreditation_id,
        WithdrawForm,
        "withdraw_form",
        lambda a, data: services.withdraw_accreditation(
            a.pk,
            reason=data["reason"],
            effective_on=data.get("effective_on"),
            actor=request.user,
        ),
        _("The licence has been withdrawn."),
    )
