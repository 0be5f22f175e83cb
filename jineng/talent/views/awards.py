"""Pages of the award rounds: open a round, nominate, review, notice, objections, publish."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core.errors import DomainError
from jineng.core.scope import CHANGE
from jineng.talent import access, queries, services
from jineng.talent.choices import RoundStatus
from jineng.talent.forms import (
    AwardTitleForm,
    DecisionForm,
    NominationForm,
    ResolveForm,
    RoundForm,
)
from jineng.talent.models import AwardRound, AwardTitle
from jineng.talent.views.common import attach, found, page_of, require_view


def _require_manage(request: AuthenticatedHttpRequest) -> None:
    if not access.may_manage(request.user):
        raise PermissionDenied


@login_required
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the award rounds; the bureau opens a round or adds an award here."""
    require_view(request.user)
    may_manage = access.may_manage(request.user)
    round_form = title_form = None
    if may_manage:
        round_form = RoundForm(request.POST if "open_round" in request.POST else None)
        title_form = AwardTitleForm(request.POST if "add_title" in request.POST else None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        done = _open_round(request, round_form) or _add_title(request, title_form)
        if done:
            return done
    rounds = AwardRound.objects.visible_to(request.user).select_related("title")
    page, query = page_of(request, rounds)
    errors = any(f is not None and f.errors for f in (round_form, title_form))
    return render(
        request,
        "talent/round_list.html",
        {
            "page": page,
            "query": query,
            "round_form": round_form,
            "title_form": title_form,
            "titles": AwardTitle.objects.all(),
        },
        status=400 if errors else 200,
    )


def _open_round(request: AuthenticatedHttpRequest, form: Any) -> HttpResponse | None:
    if "open_round" not in request.POST or not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        award_round = services.create_round(
            services.RoundInput(
                title=data["title"],
                year=data["year"],
                period=data["period"],
                nominations_open_on=data["nominations_open_on"],
                nominations_close_on=data["nominations_close_on"],
                notice_days=data["notice_days"],
            ),
            actor=request.user,
        )
    except DomainError as error:
        attach(form, error)
        return None
    messages.success(request, _("The round is open for nominations."))
    return redirect("talent:round", round_id=award_round.pk)


def _add_title(request: AuthenticatedHttpRequest, form: Any) -> HttpResponse | None:
    if "add_title" not in request.POST or not form.is_valid():
        return None
    try:
        services.save_award_title(**form.cleaned_data, actor=request.user)
    except DomainError as error:
        attach(form, error)
        return None
    messages.success(request, _("The award has been saved."))
    return redirect("talent:rounds")


def _round_page(
    request: AuthenticatedHttpRequest,
    award_round: AwardRound,
    *,
    status: int = 200,
    **given: forms.Form,
) -> HttpResponse:
    may_manage = access.may_manage(request.user)
    nominations = list(
        award_round.nominations.select_related("person", "occupation", "employer")
        .prefetch_related("objections")
        .order_by("pk")
    )
    reviewing = may_manage and award_round.status == RoundStatus.REVIEWING
    for nomination in nominations:
        nomination.shown_name = queries.shown_name(request.user, nomination.person.name)  # type: ignore[attr-defined]
        # One form per row, each with its own ids, so that every label names its own field.
        nomination.decision_form = (  # type: ignore[attr-defined]
            DecisionForm(auto_id=f"n{nomination.pk}_%s") if reviewing else None
        )
        for objection in nomination.objections.all():
            objection.resolve_form = (  # type: ignore[attr-defined]
                ResolveForm(auto_id=f"o{objection.pk}_%s") if may_manage else None
            )
    today = timezone.localdate()
    context = {
        "round": award_round,
        "nominations": nominations,
        "may_manage": may_manage,
        "today": today,
        "nomination_form": given.get("nomination_form")
        or (
            NominationForm(viewer=request.user)
            if may_manage and award_round.status == RoundStatus.NOMINATING
            else None
        ),
        "errors_form": given.get("errors_form"),
        "may_publish": award_round.status == RoundStatus.NOTICE
        and award_round.notice_ends_on is not None
        and award_round.notice_ends_on <= today,
    }
    return render(request, "talent/round_detail.html", context, status=status)


@login_required
@require_GET
def round_detail(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    """Show a round: its nominations, decisions, objections and next step."""
    require_view(request.user)
    award_round = found(access.get_round_for_user, request.user, round_id)
    return _round_page(request, award_round)


@login_required
@require_POST
def nominate(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    """Record a nomination in a round taking nominations."""
    award_round = found(access.get_round_for_user, request.user, round_id, action=CHANGE)
    _require_manage(request)
    form = NominationForm(request.POST, viewer=request.user)
    if form.is_valid() and form.cleaned_data.get("person") is not None:
        data = form.cleaned_data
        try:
            services.nominate(
                award_round.pk,
                services.NominationInput(
                    person=data["person"],
                    statement=data["statement"],
                    occupation=data["occupation"],
                    nominated_by_organization=data["nominated_by_organization"],
                ),
                actor=request.user,
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(request, _("The nomination has been recorded."))
            return redirect("talent:round", round_id=award_round.pk)
    return _round_page(request, award_round, status=400, nomination_form=form)


_STEPS = {
    "review": services.start_review,
    "notice": services.start_notice,
}


@login_required
@require_POST
def round_advance(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    """Move a round on: start the review, start the notice, publish, or close it."""
    award_round = found(access.get_round_for_user, request.user, round_id, action=CHANGE)
    _require_manage(request)
    step = request.POST.get("step", "")
    form = forms.Form(request.POST)
    form.is_valid()
    try:
        if step in _STEPS:
            _STEPS[step](award_round.pk, actor=request.user)
            messages.success(request, _("The round has moved on."))
        elif step == "publish":
            outcome = services.publish_round(award_round.pk, actor=request.user)
            messages.success(
                request,
                _("{published} winners published; {held} held by open objections.").format(
                    published=outcome.published, held=outcome.held
                ),
            )
        elif step == "close":
            services.close_round(
                award_round.pk, reason=request.POST.get("reason", ""), actor=request.user
            )
            messages.success(request, _("The round has been closed."))
        else:
            form.add_error(None, _("Choose what to do with the round."))
    except DomainError as error:
        attach(form, error)
    if form.errors:
        award_round.refresh_from_db()
        return _round_page(request, award_round, status=400, errors_form=form)
    return redirect("talent:round", round_id=award_round.pk)


@login_required
@require_POST
def nomination_decide(request: AuthenticatedHttpRequest, nomination_id: int) -> HttpResponse:
    """Approve or reject a nomination under review, with the reason."""
    nomination = found(access.get_nomination_for_user, request.user, nomination_id, action=CHANGE)
    _require_manage(request)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_nomination(
                nomination.pk,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(request, _("The decision has been recorded."))
            return redirect("talent:round", round_id=nomination.award_round_id)
    return _round_page(request, nomination.award_round, status=400, errors_form=form)


@login_required
@require_POST
def objection_resolve(request: AuthenticatedHttpRequest, objection_id: int) -> HttpResponse:
    """Resolve an objection: dismiss it, or uphold it and withdraw the nominee."""
    objection = found(access.get_objection_for_user, request.user, objection_id, action=CHANGE)
    _require_manage(request)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_objection(
                objection.pk,
                upheld=form.cleaned_data["outcome"] == "upheld",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(request, _("The objection has been resolved."))
            return redirect("talent:round", round_id=objection.nomination.award_round_id)
    return _round_page(request, objection.nomination.award_round, status=400, errors_form=form)
