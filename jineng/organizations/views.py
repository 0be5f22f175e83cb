"""Organisation pages: the bureau registers organisations and their administrators; an
organisation's administrator manages its own staff; the bureau's list of every account."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.lockout import locked_logins
from jineng.accounts.models import User
from jineng.accounts.roles import Capability
from jineng.core.errors import DomainError, NotFound
from jineng.organizations import access, services
from jineng.organizations.forms import (
    AccountSearchForm,
    BureauAccountForm,
    LinkPasswordForm,
    OrganizationForm,
    OrganizationSearchForm,
    StaffForm,
)
from jineng.organizations.models import Organization

PAGE_SIZE = 50
# The session key of a set-password link just made: shown on the next page once, then gone.
ISSUED_LINK = "organizations_issued_link"


def _require(request: AuthenticatedHttpRequest, capability: str) -> None:
    if not request.user.can(capability):
        raise PermissionDenied


def _require_account_manager(request: AuthenticatedHttpRequest) -> None:
    if not services.manages_accounts(request.user):
        raise PermissionDenied


def _organization(request: AuthenticatedHttpRequest, organization_id: int) -> Organization:
    """The organisation in the user's scope (404 outside it, like a missing one)."""
    try:
        return access.organization_for(request.user, organization_id)
    except NotFound:
        raise Http404(_("No such organisation.")) from None


def _staff_manager_of(request: AuthenticatedHttpRequest, organization_id: int) -> Organization:
    """The organisation whose staff the user manages: 404 outside the scope, 403 in it."""
    organization = _organization(request, organization_id)
    if not services.manages_staff_of(request.user, organization):
        raise PermissionDenied
    return organization


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.detail))


def _issue(request: HttpRequest, user: User, link: services.PasswordLink) -> None:
    """Keep a new set-password link for the next page only (never stored or logged)."""
    path = reverse(
        "organizations:set_password", kwargs={"uidb64": link.uidb64, "token": link.token}
    )
    request.session[ISSUED_LINK] = {
        "username": user.username,
        "url": request.build_absolute_uri(path),
    }


@login_required
def organization_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List and find organisations (机构管理), for the bureau."""
    _require(request, Capability.MANAGE_ORGANIZATIONS)
    form = OrganizationSearchForm(request.GET or None)
    organizations = access.organizations_for(request.user)
    if form.is_valid():
        text = (form.cleaned_data["q"] or "").strip()
        if text:
            organizations = organizations.filter(name__icontains=text) | organizations.filter(
                credit_code=text.upper()
            )
        if form.cleaned_data["kind"]:
            organizations = organizations.filter(kind=form.cleaned_data["kind"])
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organizations/organization_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "manages_accounts": services.manages_accounts(request.user),
        },
    )


@login_required
def organization_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register an organisation (登记机构); next, its first administrator."""
    _require(request, Capability.MANAGE_ORGANIZATIONS)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.register_organization(form.as_input(), actor=request.user)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("{name} is registered. Now add its first administrator.").format(
                    name=organization.name
                ),
            )
            return redirect("organizations:staff_create", organization_id=organization.pk)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "organization": None},
        status=400 if form.errors else 200,
    )


@login_required
def organization_edit(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    """Correct an organisation's registration, for the bureau."""
    organization = _organization(request, organization_id)
    _require(request, Capability.MANAGE_ORGANIZATIONS)
    form = OrganizationForm(request.POST or None, initial=OrganizationForm.initial_of(organization))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_organization(
                organization, form.as_input(), actor=request.user
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            if changed:
                messages.success(request, _("The organisation's details have been saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("organizations:detail", organization_id=organization.pk)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def organization_detail(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    """An organisation and its staff accounts, for the bureau and the organisation's admins."""
    organization = _staff_manager_of(request, organization_id)
    staff = list(access.staff_of(organization))
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "organization": organization,
            "staff": staff,
            "has_admin": any(u.is_organization_admin and u.is_active for u in staff),
            "may_add_staff": bool(services.staff_roles_for(organization)),
            "bureau": services.is_bureau_manager(request.user),
            "issued": request.session.pop(ISSUED_LINK, None),
            "link_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


@login_required
def staff_create(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    """Open a staff account of the organisation and show its set-password link once."""
    organization = _staff_manager_of(request, organization_id)
    first = not access.staff_of(organization).filter(is_organization_admin=True).exists()
    form = StaffForm(request.POST or None, organization=organization, initial={"is_admin": first})
    if request.method == "POST" and form.is_valid():
        try:
            user, link = services.create_staff_account(
                organization, form.as_input(), actor=request.user
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            _issue(request, user, link)
            messages.success(
                request, _("The account {username} is open.").format(username=user.username)
            )
            return redirect("organizations:detail", organization_id=organization.pk)
    return render(
        request,
        "organizations/staff_form.html",
        {
            "form": form,
            "organization": organization,
            "first": first,
            "may_add_staff": bool(services.staff_roles_for(organization)),
        },
        status=400 if form.errors else 200,
    )


_STAFF_ACTIONS = ("deactivate", "reactivate", "grant_admin", "revoke_admin", "reset_password")


@login_required
@require_POST
def staff_action(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    """Deactivate, reactivate, make administrator or not, or reset the password of a staff
    account; an account of another organisation answers 404, as a missing one."""
    organization = _staff_manager_of(request, organization_id)
    back = redirect("organizations:detail", organization_id=organization.pk)
    action = request.POST.get("action", "")
    try:
        user_id = int(request.POST.get("account", ""))
    except ValueError:
        user_id = 0
    if action not in _STAFF_ACTIONS or not user_id:
        messages.error(request, _("Choose an account and what to do with it."))
        return back
    try:
        if action in ("deactivate", "reactivate"):
            user = services.set_staff_active(
                organization, user_id, action == "reactivate", actor=request.user
            )
            done = (
                _("{username} may sign in again.")
                if user.is_active
                else _("{username} can no longer sign in.")
            )
        elif action in ("grant_admin", "revoke_admin"):
            user = services.set_staff_admin(
                organization, user_id, action == "grant_admin", actor=request.user
            )
            done = (
                _("{username} is now an administrator of the organisation.")
                if user.is_organization_admin
                else _("{username} is no longer an administrator of the organisation.")
            )
        else:
            link = services.reset_staff_password(organization, user_id, actor=request.user)
            user = User.objects.get(pk=user_id)
            _issue(request, user, link)
            done = _("The old password of {username} no longer works.")
    except NotFound:
        raise Http404(_("No such account.")) from None
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, done.format(username=user.username))
    return back


@never_cache
@login_required
def account_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find any account and deactivate, reactivate or unlock it (账号管理), for the bureau."""
    _require_account_manager(request)
    form = AccountSearchForm(request.GET or None)
    accounts = access.search_accounts("")
    if form.is_valid():
        accounts = access.search_accounts(form.cleaned_data["q"], form.cleaned_data["role"])
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    locked = {login.username for login in locked_logins()}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organizations/account_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "locked": locked,
            "issued": request.session.pop(ISSUED_LINK, None),
            "link_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


@login_required
def account_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open an account of the bureau itself (administrator, reviewer, auditor)."""
    _require_account_manager(request)
    form = BureauAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, link = services.create_bureau_account(
                form.as_input(), actor=request.user, region_code=form.region_code()
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            _issue(request, user, link)
            messages.success(
                request, _("The account {username} is open.").format(username=user.username)
            )
            return redirect(f"{reverse('organizations:accounts')}?q={user.username}")
    return render(
        request,
        "organizations/account_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def account_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give another account a one-time set-password link instead of its password."""
    _require_account_manager(request)
    try:
        user_id = int(request.POST.get("account", ""))
    except ValueError:
        user_id = 0
    back = reverse("organizations:accounts")
    if not user_id:
        messages.error(request, _("Choose an account and what to do with it."))
        return HttpResponseRedirect(back)
    try:
        user, link = services.reset_account_password(user_id, actor=request.user)
    except NotFound:
        raise Http404(_("No such account.")) from None
    except DomainError as error:
        messages.error(request, error.detail)
        return HttpResponseRedirect(back)
    _issue(request, user, link)
    messages.success(
        request,
        _("The old password of {username} no longer works.").format(username=user.username),
    )
    return HttpResponseRedirect(f"{back}?q={user.username}")


@login_required
@require_POST
def account_active(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Deactivate or reactivate one account from the bureau's list."""
    _require_account_manager(request)
    back = reverse("organizations:accounts")
    query = request.POST.get("query", "")
    if query:
        back = f"{back}?{query}"
    try:
        user_id = int(request.POST.get("account", ""))
    except ValueError:
        messages.error(request, _("Choose an account and what to do with it."))
        return HttpResponseRedirect(back)
    active = request.POST.get("active") == "1"
    try:
        user = services.set_account_active(user_id, active, actor=request.user)
    except NotFound:
        raise Http404(_("No such account.")) from None
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        done = (
            _("{username} may sign in again.")
            if user.is_active
            else _("{username} can no longer sign in.")
        )
        messages.success(request, done.format(username=user.username))
    return HttpResponseRedirect(back)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Choose a password through a one-time link (设置密码); the link's token leaves the
    address bar at once (Django keeps it in the session), and works once."""

    template_name = "organizations/set_password.html"
    form_class = LinkPasswordForm
    token_generator = services.link_token_generator
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        if self.user is None:  # the view shows the form only for a valid link's account
            raise Http404
        services.set_password_from_link(self.user, form.cleaned_data["new_password1"])
        messages.success(self.request, _("Your password is set. Sign in with it now."))
        return HttpResponseRedirect(str(self.success_url))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_rules"] = password_validators_help_texts()
        return context
