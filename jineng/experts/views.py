"""Pages of the judge pool: the experts list, an expert's page and forms, and the draws.

Every object comes through ``access`` (404 outside the caller's scope); people come through
the people access layer, found by citizen ID and name typed into a form (never an id in a
URL); every write goes through ``services``; a refused write re-renders its page with the
reason next to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.models import User
from jineng.core.errors import DomainError, NotFound
from jineng.experts import access, queries, services
from jineng.experts.forms import (
    DrawForm,
    ExpertFilterForm,
    ExpertForm,
    NewExpertForm,
    OccupationForm,
    QualificationForm,
    ReasonForm,
    RelationForm,
)
from jineng.experts.models import Expert
from jineng.occupations.models import SkillLevel
from jineng.organizations.access import organizations_for
from jineng.people import access as people_access
from jineng.people.models import Person

PAGE_SIZE = 50
FORM_FIELDS = {"person": "id_number", "user": "username", "max_level": "max_level"}


def _found(getter: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return getter(*args, **kwargs)
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


def _require_keeper(user: User) -> None:
    if not access.manages_experts(user):
        raise PermissionDenied


def _person(form: forms.Form, user: User) -> Person | None:
    """Find the person the form names, in the user's scope; a form error when none."""
    data = form.cleaned_data
    person = people_access.find_person_by_identity(data["id_number"], data["name"])
    if person is None or not people_access.is_visible_to(user, person):
        form.add_error("id_number", _("No registered person has this citizen ID number and name."))
        return None
    return person


def _account(form: forms.Form) -> tuple[bool, User | None]:
    username = (form.cleaned_data.get("username") or "").strip()
    if not username:
        return True, None
    account = User.objects.filter(username=username, is_active=True).first()
    if account is None:
        form.add_error("username", _("No active account has this sign-in name."))
        return False, None
    return True, account


@login_required
@require_GET
def expert_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the experts in scope with filters by occupation, level, organisation and cards."""
    if not access.reads_experts(request.user):
        own = access.expert_for_user(request.user)
        if own is None:
            raise PermissionDenied
        return redirect("experts:detail", pk=own.pk)
    form = ExpertFilterForm(request.GET or None, organizations=organizations_for(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    page, query = _page(request, queries.search_experts(request.user, filters))
    return render(
        request,
        "experts/expert_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "may_keep": access.manages_experts(request.user),
        },
    )


@login_required
def expert_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Put a registered person in the pool, found by citizen ID and name."""
    _require_keeper(request.user)
    form = NewExpertForm(request.POST or None, organizations=organizations_for(request.user))
    if request.method == "POST" and form.is_valid():
        person = _person(form, request.user)
        ok, account = _account(form)
        if person is not None and ok:
            data = form.cleaned_data
            try:
                expert = services.create_expert(
                    person,
                    services.ExpertInput(
                        organization=data["organization"],
                        title=data["title"],
                        note=data["note"],
                        user=account,
                    ),
                    actor=request.user,
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, _("The expert is in the judge pool."))
                return redirect("experts:detail", pk=expert.pk)
    status = 400 if form.errors else 200
    return render(request, "experts/expert_form.html", {"form": form, "new": True}, status=status)


@login_required
def expert_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change where an expert works, their title, account and note."""
    _require_keeper(request.user)
    expert: Expert = _found(access.get_expert_for_user, request.user, pk, action="change")
    initial = {
        "organization": expert.organization,
        "title": expert.title,
        "note": expert.note,
        "username": expert.user.username if expert.user else "",
    }
    form = ExpertForm(
        request.POST or None, initial=initial, organizations=organizations_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        ok, account = _account(form)
        if ok:
            data = form.cleaned_data
            try:
                services.update_expert(
                    expert.pk,
                    services.ExpertInput(
                        organization=data["organization"],
                        title=data["title"],
                        note=data["note"],
                        user=account,
                    ),
                    actor=request.user,
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, _("The expert has been saved."))
                return redirect("experts:detail", pk=expert.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "expert": expert, "new": False}
    return render(request, "experts/expert_form.html", context, status=status)


def _expert_page(
    request: AuthenticatedHttpRequest, expert: Expert, *, status: int = 200, **given: forms.Form
) -> HttpResponse:
    keeper = access.manages_experts(request.user)
    own = expert.user_id is not None and expert.user_id == request.user.pk
    context = {
        "expert": expert,
        "occupations": expert.occupations.select_related("occupation", "max_level"),
        "qualifications": expert.qualifications.all(),
        "relations": expert.relations.select_related("person"),
        "picks": expert.draw_picks.select_related("draw__occupation", "draw__level").order_by(
            "-draw__created_at"
        )[:20],
        "may_keep": keeper,
        "is_own": own,
        "sees_draws": access.reads_experts(request.user),
        "occupation_form": given.get("occupation_form") or (OccupationForm() if keeper else None),
        "qualification_form": given.get("qualification_form")
        or (QualificationForm() if keeper else None),
        "relation_form": given.get("relation_form") or (RelationForm() if keeper or own else None),
        "reason_form": given.get("reason_form") or (ReasonForm() if keeper else None),
    }
    return render(request, "experts/expert_detail.html", context, status=status)


@login_required
@require_GET
def expert_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show an expert: occupations, qualifications, relations and recent picks."""
    expert = _found(access.get_expert_for_user, request.user, pk)
    return _expert_page(request, expert)


@login_required
@require_GET
def my_expert(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open the signed-in expert's own page."""
    own = access.expert_for_user(request.user)
    if own is None:
        raise Http404(_("Your account is not in the judge pool."))
    return redirect("experts:detail", pk=own.pk)


def _keeper_target(request: AuthenticatedHttpRequest, pk: int) -> Expert:
    expert: Expert = _found(access.get_expert_for_user, request.user, pk)
    _require_keeper(request.user)
    return expert


@login_required
@require_POST
def occupation_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Let the expert examine one more occupation."""
    expert = _keeper_target(request, pk)
    form = OccupationForm(request.POST)
    if form.is_valid():
        level = SkillLevel.objects.get(code=form.cleaned_data["max_level"])
        try:
            services.add_occupation(
                expert.pk, form.cleaned_data["occupation"], level, actor=request.user
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The occupation has been added."))
            return redirect("experts:detail", pk=expert.pk)
    return _expert_page(request, expert, status=400, occupation_form=form)


@login_required
@require_POST
def occupation_end(request: AuthenticatedHttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """Stop the expert examining an occupation from today."""
    expert = _keeper_target(request, pk)
    try:
        services.end_occupation(expert.pk, entry_id, actor=request.user)
    except NotFound as error:
        raise Http404(error.detail) from None
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("The expert no longer examines this occupation."))
    return redirect("experts:detail", pk=expert.pk)


@login_required
@require_POST
def qualification_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a qualification card of the expert."""
    expert = _keeper_target(request, pk)
    form = QualificationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_qualification(
                expert.pk,
                services.QualificationInput(
                    kind=data["kind"],
                    number=data["number"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    issued_by=data["issued_by"],
                ),
                actor=request.user,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The qualification has been recorded."))
            return redirect("experts:detail", pk=expert.pk)
    return _expert_page(request, expert, status=400, qualification_form=form)


@login_required
@require_POST
def relation_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Declare a relation of the expert to a person (the keeper, or the expert themselves)."""
    expert: Expert = _found(access.get_expert_for_user, request.user, pk)
    if not (access.manages_experts(request.user) or expert.user_id == request.user.pk):
        raise PermissionDenied
    form = RelationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        person = people_access.find_person_by_identity(data["id_number"], data["name"])
        if person is None:
            form.add_error(
                "id_number", _("No registered person has this citizen ID number and name.")
            )
        else:
            try:
                services.declare_relation(
                    expert.pk, person, data["kind"], note=data["note"], actor=request.user
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, _("The relation has been declared."))
                return redirect("experts:detail", pk=expert.pk)
    return _expert_page(request, expert, status=400, relation_form=form)


@login_required
@require_POST
def expert_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take the expert out of the pool, with the reason."""
    expert = _keeper_target(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.deactivate_expert(
                expert.pk, reason=form.cleaned_data["reason"], actor=request.user
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The expert is out of the judge pool."))
            return redirect("experts:detail", pk=expert.pk)
    return _expert_page(request, expert, status=400, reason_form=form)


@login_required
@require_POST
def expert_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Bring the expert back into the pool."""
    expert = _keeper_target(request, pk)
    try:
        services.reactivate_expert(expert.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("The expert is back in the judge pool."))
    return redirect("experts:detail", pk=expert.pk)


@login_required
@require_GET
def draw_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the draws in scope, newest first."""
    if not access.reads_experts(request.user):
        raise PermissionDenied
    page, query = _page(request, queries.recent_draws(request.user))
    context = {"page": page, "query": query, "may_keep": access.manages_experts(request.user)}
    return render(request, "experts/draw_list.html", context)


@login_required
def draw_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Draw examiners by hand (the assessment pages draw for their sessions themselves: their
    purposes are reserved, and the service refuses them here)."""
    _require_keeper(request.user)
    form = DrawForm(request.POST or None, organizations=organizations_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        level = SkillLevel.objects.filter(code=data["level"]).first() if data["level"] else None
        try:
            made = services.draw_examiners(
                request.user,
                services.DrawSpec(
                    purpose=data["purpose"],
                    occupation=data["occupation"],
                    level=level,
                    on_date=data["on_date"],
                    end_date=data["end_date"],
                    count=data["count"],
                    excluded_organization_ids=frozenset(o.pk for o in data["excluded"]),
                ),
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The examiners have been drawn."))
            return redirect("experts:draw", pk=made.pk)
    status = 400 if form.errors else 200
    return render(request, "experts/draw_form.html", {"form": form}, status=status)


def _draw_page(
    request: AuthenticatedHttpRequest, pk: int, *, status: int = 200, **given: forms.Form
) -> HttpResponse:
    made = _found(access.get_draw_for_user, request.user, pk)
    keeper = access.manages_experts(request.user)
    context = {
        "draw": made,
        "rows": queries.pool_rows(made, request.user),
        "reproduces": queries.reproduces(made),
        "may_keep": keeper,
        "reserved": services.is_reserved_purpose(made.purpose),
        "cancel_form": given.get("cancel_form")
        or (
            ReasonForm()
            if keeper and made.is_standing and not services.is_reserved_purpose(made.purpose)
            else None
        ),
    }
    return render(request, "experts/draw_detail.html", context, status=status)


@login_required
@require_GET
def draw_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show a draw: seed, pool with every exclusion reason, picks, and the reproduce check."""
    return _draw_page(request, pk)


@login_required
@require_POST
def draw_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cancel a draw, with the reason, so its purpose may be drawn again."""
    _found(access.get_draw_for_user, request.user, pk)
    _require_keeper(request.user)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_draw(pk, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The draw has been cancelled."))
            return redirect("experts:draw", pk=pk)
    return _draw_page(request, pk, status=400, cancel_form=form)
