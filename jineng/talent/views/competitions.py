"""Pages of the competitions, their results and the promotion proposals (破格晋升)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core.errors import DomainError
from jineng.core.scope import CHANGE
from jineng.occupations.models import SkillLevel
from jineng.talent import access, queries, services
from jineng.talent.choices import ProposalStatus
from jineng.talent.forms import ApproveProposalForm, CompetitionForm, EntryForm, ReasonForm
from jineng.talent.models import Competition, PromotionProposal
from jineng.talent.views.common import attach, found, page_of, require_view


@login_required
def competition_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the competitions; the bureau records a new one here."""
    require_view(request.user)
    may_manage = access.may_manage(request.user)
    form = CompetitionForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                competition = services.create_competition(
                    services.CompetitionInput(**data), actor=request.user
                )
            except DomainError as error:
                attach(form, error)
            else:
                messages.success(request, _("The competition has been recorded."))
                return redirect("talent:competition", competition_id=competition.pk)
    competitions = Competition.objects.visible_to(request.user).prefetch_related("occupations")
    page, query = page_of(request, competitions)
    return render(
        request,
        "talent/competition_list.html",
        {
            "page": page,
            "query": query,
            "form": form,
            "proposals": queries.proposals_to_decide(request.user)[:20],
        },
        status=400 if form is not None and form.errors else 200,
    )


def _competition_page(
    request: AuthenticatedHttpRequest,
    competition: Competition,
    *,
    status: int = 200,
    form: forms.Form | None = None,
) -> HttpResponse:
    may_manage = access.may_manage(request.user)
    entries = list(
        competition.entries.select_related("person", "occupation", "proposal__proposed_level")
    )
    for entry in entries:
        entry.shown_name = queries.shown_name(request.user, entry.person.name)  # type: ignore[attr-defined]
    context = {
        "competition": competition,
        "entries": entries,
        "may_manage": may_manage,
        "form": form
        or (
            EntryForm(viewer=request.user, occupations=competition.occupations.all())
            if may_manage
            else None
        ),
    }
    return render(request, "talent/competition_detail.html", context, status=status)


@login_required
@require_GET
def competition_detail(request: AuthenticatedHttpRequest, competition_id: int) -> HttpResponse:
    """Show a competition with its results and proposals."""
    require_view(request.user)
    competition = found(access.get_competition_for_user, request.user, competition_id)
    return _competition_page(request, competition)


@login_required
@require_POST
def entry_add(request: AuthenticatedHttpRequest, competition_id: int) -> HttpResponse:
    """Record an entrant's result."""
    competition = found(
        access.get_competition_for_user, request.user, competition_id, action=CHANGE
    )
    form = EntryForm(request.POST, viewer=request.user, occupations=competition.occupations.all())
    if form.is_valid() and form.cleaned_data.get("person") is not None:
        data = form.cleaned_data
        try:
            services.record_entry(
                competition.pk,
                data["person"],
                occupation=data["occupation"],
                prize=data["prize"],
                rank=data["rank"],
                actor=request.user,
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(request, _("The result has been recorded."))
            return redirect("talent:competition", competition_id=competition.pk)
    return _competition_page(request, competition, status=400, form=form)


@login_required
@require_POST
def propose(request: AuthenticatedHttpRequest, competition_id: int) -> HttpResponse:
    """Let the platform propose promotions for the winners the rules cover."""
    competition = found(
        access.get_competition_for_user, request.user, competition_id, action=CHANGE
    )
    try:
        outcome = services.propose_promotions(competition.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(
            request,
            _("{made} promotions proposed; {skipped} winners not covered.").format(
                made=len(outcome.proposals), skipped=len(outcome.skipped)
            ),
        )
    return redirect("talent:competition", competition_id=competition.pk)


def _approve_form(proposal: PromotionProposal, data: object = None) -> ApproveProposalForm:
    current = proposal.current_level.rank if proposal.current_level else 0
    levels = SkillLevel.objects.filter(
        rank__gt=current, rank__lte=proposal.proposed_level.rank
    ).order_by("rank")
    return ApproveProposalForm(
        data,
        issuers=services.accredited_issuers(proposal),
        levels=levels,
        initial={"level": proposal.proposed_level},
    )


def _proposal_page(
    request: AuthenticatedHttpRequest,
    proposal: PromotionProposal,
    *,
    status: int = 200,
    **given: forms.Form,
) -> HttpResponse:
    open_ = proposal.status == ProposalStatus.PROPOSED and access.may_manage(request.user)
    context = {
        "proposal": proposal,
        "entry": proposal.entry,
        "shown_name": queries.shown_name(request.user, proposal.entry.person.name),
        "approve_form": given.get("approve_form") or (_approve_form(proposal) if open_ else None),
        "reject_form": given.get("reject_form") or (ReasonForm() if open_ else None),
    }
    return render(request, "talent/proposal_detail.html", context, status=status)


@login_required
@require_GET
def proposal_detail(request: AuthenticatedHttpRequest, proposal_id: int) -> HttpResponse:
    """Show a promotion proposal and, to the bureau, the decision forms."""
    require_view(request.user)
    proposal = found(access.get_proposal_for_user, request.user, proposal_id)
    return _proposal_page(request, proposal)


@login_required
@require_POST
def proposal_approve(request: AuthenticatedHttpRequest, proposal_id: int) -> HttpResponse:
    """Approve a promotion: the accredited issuer issues the higher certificate."""
    proposal = found(access.get_proposal_for_user, request.user, proposal_id, action=CHANGE)
    form = _approve_form(proposal, request.POST)
    if form.is_valid():
        try:
            certificate = services.approve_proposal(
                proposal.pk,
                issuer=form.cleaned_data["issuer"],
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(
                request,
                _("Approved: certificate {number} has been issued.").format(
                    number=certificate.number
                ),
            )
            return redirect("talent:proposal", proposal_id=proposal.pk)
    return _proposal_page(request, proposal, status=400, approve_form=form)


@login_required
@require_POST
def proposal_reject(request: AuthenticatedHttpRequest, proposal_id: int) -> HttpResponse:
    """Reject a promotion with the reason."""
    proposal = found(access.get_proposal_for_user, request.user, proposal_id, action=CHANGE)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.reject_proposal(
                proposal.pk, reason=form.cleaned_data["reason"], actor=request.user
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(request, _("The promotion has been rejected."))
            return redirect("talent:proposal", proposal_id=proposal.pk)
    return _proposal_page(request, proposal, status=400, reject_form=form)
