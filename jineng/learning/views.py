"""The bureau's page of learning platforms: register them, issue and revoke credentials."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core import errors
from jineng.learning import queries, services
from jineng.learning.forms import PlatformForm, RegistrationForm, initial_registrations
from jineng.learning.linking import class_extension_iri
from jineng.learning.models import LearningPlatform, account_homepage


def _require_manager(request: AuthenticatedHttpRequest) -> None:
    if not request.user.can(Capability.MANAGE_LEARNING_PLATFORMS):
        raise PermissionDenied


@login_required
def platform_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List learning platforms and their credentials; register a new platform."""
    _require_manager(request)
    form = PlatformForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            platform = services.create_platform(
                form.cleaned_data["name"],
                organization=form.cleaned_data["organization"],
                registrations=form.registrations(),
                actor=request.user,
            )
        except errors.DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.detail))
        else:
            messages.success(request, _("Platform {name} registered.").format(name=platform.name))
            return redirect("learning_console:platforms")
    return render(
        request,
        "learning/platform_list.html",
        {
            "form": form,
            "platforms": queries.platforms_with_credentials(),
            "homepage": account_homepage(),
            "class_iri": class_extension_iri(),
            "issued": request.session.pop("learning_issued", None),
        },
    )


@login_required
def platform_registrations(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set the institutions and classes a platform's online minutes count toward."""
    _require_manager(request)
    platform = LearningPlatform.objects.filter(pk=pk).first()
    if platform is None:
        raise Http404(_("No such platform."))
    form = RegistrationForm(request.POST or None, initial=initial_registrations(platform))
    if request.method == "POST" and form.is_valid():
        try:
            services.register_platform(platform.pk, form.registrations(), actor=request.user)
        except errors.DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.detail))
        else:
            messages.success(
                request,
                _("Registrations of platform {name} saved.").format(name=platform.name),
            )
            return redirect("learning_console:platforms")
    status = 400 if form.errors else 200
    return render(
        request,
        "learning/platform_registrations.html",
        {"platform": platform, "form": form},
        status=status,
    )


@login_required
@require_POST
def credential_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Issue a credential to a platform and show its secret once."""
    _require_manager(request)
    platform = LearningPlatform.objects.filter(pk=pk).first()
    if platform is None:
        raise Http404(_("No such platform."))
    try:
        credential, secret = services.create_credential(platform, actor=request.user)
    except errors.DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        # Shown on the next page only: the session entry is popped when rendered.
        request.session["learning_issued"] = {
            "platform": platform.name,
            "pair": f"{credential.key}:{secret}",
        }
    return redirect("learning_console:platforms")


@login_required
@require_POST
def credential_revoke(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """Revoke a platform credential."""
    _require_manager(request)
    try:
        services.revoke_credential(key, actor=request.user)
    except errors.NotFound:
        raise Http404(_("No such credential.")) from None
    messages.success(request, _("Credential {key} revoked.").format(key=key))
    return redirect("learning_console:platforms")
