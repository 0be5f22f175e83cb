"""Login, second factor, password, security policy and audit-trail pages."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from jineng.accounts import services
from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.forms import SecurityPolicyForm, TokenForm
from jineng.accounts.lockout import locked_logins
from jineng.accounts.models import User
from jineng.accounts.roles import Capability
from jineng.accounts.security import is_verified, role_requires_second_factor
from jineng.core import audit, audit_labels, audit_search, checkpoints
from jineng.core.errors import DomainError

AUDIT_PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """Log in with username and password; lockout is handled by django-axes."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["login_failure_limit"] = settings.AXES_FAILURE_LIMIT
        return context


def _next_url(request: HttpRequest, default: str = "home") -> str:
    """Return the safe ?next= target of a request, or the default page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _qr_svg(data: str) -> str:
    """Render a QR code as inline SVG (no external service sees the secret)."""
    return segno.make(data, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


@login_required
def second_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the TOTP code after login; send users without a device to enrolment."""
    if is_verified(request.user):
        return redirect(_next_url(request))
    if services.confirmed_device(request.user) is None:
        return redirect(f"{_enrol_path()}?{request.GET.urlencode()}")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("That code is not right or has expired. Wait for a new one."))
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


def _enrol_path() -> str:
    return reverse("accounts:totp_enrol")


@login_required
def totp_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app: show its QR code and secret, confirm with a code."""
    if services.confirmed_device(request.user) is not None:
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect("accounts:security")
    device = services.start_totp_enrolment(request.user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_device(device, form.cleaned_data["token"], actor=request.user):
            otp_login(request, device)
            messages.success(request, _("Two-step verification is now on for your account."))
            return redirect(_next_url(request, default="accounts:security"))
        form.add_error("token", _("That code is not right or has expired. Wait for a new one."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/totp_enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": request.GET.get("next", ""),
            "required": role_requires_second_factor(request.user.role),
        },
    )


@login_required
def security(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the account's security: second factor status and password change."""
    return render(
        request,
        "accounts/security.html",
        {
            "device": services.confirmed_device(request.user),
            "required": role_requires_second_factor(request.user.role),
            "password_rules": password_validators_help_texts(),
        },
    )


@login_required
@require_POST
def totp_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Turn off the second factor for one's own account, when the role allows it."""
    if not is_verified(request.user):
        # Only a session that proved the second factor may remove it.
        raise PermissionDenied
    try:
        services.remove_totp_devices(request.user, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Two-step verification is now off for your account."))
    return redirect("accounts:security")


@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Change one's password under the rules in settings (AUTH_PASSWORD_VALIDATORS)."""
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.change_password(
            request.user, form.cleaned_data["new_password1"], actor=request.user
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "password_rules": password_validators_help_texts()},
    )


@login_required
def security_policy(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Let the bureau choose which roles must use a second factor."""
    if not request.user.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied
    form = SecurityPolicyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changed = services.set_second_factor_policy(form.required_by_role(), actor=request.user)
        if changed:
            messages.success(request, _("The security policy has been saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("accounts:security_policy")
    return render(request, "accounts/security_policy.html", {"form": form})


def _actor_names(ids: set[int]) -> dict[int, str]:
    """The names of the accounts that acted, by id (an account's full name, if it has one)."""
    return {
        user.pk: user.get_full_name()
        for user in User.objects.filter(pk__in=ids).only("pk", "first_name", "last_name")
        if user.get_full_name()
    }


def _find_person(
    request: AuthenticatedHttpRequest, form: audit_search.PersonSearchForm
) -> int | None:
    """The person whose full citizen ID the auditor gave, found through the people app."""
    if not form.is_valid():
        return None
    try:
        found = audit_labels.find_people(
            request.user, form.cleaned_data["id_number"], form.cleaned_data["purpose"]
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.detail)
        return None
    if len(found) != 1:
        messages.info(request, _("Nobody you may see holds this citizen ID."))
        return None
    return found[0]


@login_required
def audit_trail(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    """List audit events in people's words with filters; export them; verify the chain.

    Only roles that read the audit trail (Capability.VIEW_AUDIT, all of them city-wide) see
    it; an account limited to a region reads only the events about the people and
    organisations in it (audit_search.visible_events). A POST of ``export=xlsx`` with the
    filters in its body (the page's export button, under CSRF) downloads the filtered
    events, and the download is itself audited; a GET never exports.
    """
    if not request.user.can(Capability.VIEW_AUDIT):
        raise PermissionDenied
    exporting = request.method == "POST" and request.POST.get("export") == "xlsx"
    params = (request.POST if exporting else request.GET).copy()
    for key in ("export", "page", "csrfmiddlewaretoken"):
        params.pop(key, None)
    form = audit_search.AuditFilterForm(params or None, viewer=request.user)
    events = audit_search.search(form)
    status = 200 if form.is_valid() or not form.is_bound else 400
    if exporting and status == 200:
        try:
            content = audit_search.export(
                events, actor=request.user, filters=form.filters(), actor_names=_actor_names
            )
        except DomainError as error:
            messages.error(request, error.detail)
            status = error.status
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            return FileResponse(
                content,
                as_attachment=True,
                filename=f"audit-{stamp}.xlsx",
                content_type=audit_search.CONTENT_TYPE,
            )
    person_search = audit_search.PersonSearchForm()
    if request.method == "POST" and request.POST.get("find_person") == "1":
        person_search = audit_search.PersonSearchForm(request.POST)
        found = _find_person(request, person_search)
        if found is not None:
            return redirect(f"{reverse('accounts:audit')}?person={found}")
        status = 400 if person_search.errors else status
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    chain_checked = request.method == "POST" and request.POST.get("verify") == "1"
    chain_break = audit.verify() if chain_checked else None
    # The published checkpoints show what the chain alone cannot: rows deleted from its end.
    checkpoint_problems = checkpoints.mismatches() if chain_checked else []
    published = sum(1 for _ in checkpoints.read_log()) if chain_checked else 0
    names = _actor_names({e.actor_id for e in page.object_list if e.actor_id is not None})
    return render(
        request,
        "accounts/audit_trail.html",
        {
            "form": form,
            "person_search": person_search,
            "page": page,
            "rows": audit_search.rows(page.object_list, request.user, names),
            "query": params.urlencode(),
            "export_fields": [(key, value) for key in params for value in params.getlist(key)],
            "time_zone": settings.TIME_ZONE,
            "chain_checked": chain_checked,
            "chain_break": chain_break,
            "checkpoint_problems": checkpoint_problems,
            "published_checkpoints": published,
        },
        status=status,
    )


@login_required
def lockouts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the (username, address) pairs locked out after failed logins, for the bureau."""
    if not request.user.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied
    return render(
        request,
        "accounts/lockouts.html",
        {"locked": locked_logins(), "failure_limit": settings.AXES_FAILURE_LIMIT},
    )


@login_required
@require_POST
def lockout_unlock(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Unlock one (username, address) pair from the lockouts page."""
    if not request.user.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied
    username = request.POST.get("username", "")
    ip_address = request.POST.get("ip_address", "")
    try:
        services.unlock_login(username, ip_address, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("{username} may log in again from {address}.").format(
                username=username, address=ip_address
            ),
        )
    return redirect("accounts:lockouts")
