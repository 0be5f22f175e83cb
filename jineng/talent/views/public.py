"""Public pages of the award rounds: the notice (公示) with its objection form, the winners.

They show only rounds on notice or published, names masked (张*明), employer and
occupation. The objection form writes an objection and answers with the same thanks
whatever it was given; it reads nothing about anyone.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jineng.core.errors import DomainError
from jineng.talent import queries, services
from jineng.talent.forms import ObjectionForm


@require_GET
def public_rounds(request: HttpRequest) -> HttpResponse:
    """List the rounds on public notice and those published."""
    return render(request, "talent/public_rounds.html", {"rounds": queries.public_rounds()})


def public_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a round's public notice, and take objections while it runs."""
    shown = queries.public_notice(pk)
    if shown is None:
        raise Http404(_("No such public notice."))
    award_round, nominees = shown
    choices = [(n.nomination_id, f"{n.name} · {n.employer} · {n.occupation}") for n in nominees]
    form = ObjectionForm(request.POST or None, nominees=choices)
    sent = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.raise_objection(
                award_round.pk,
                data["nominee"],
                objector_name=data["objector_name"],
                contact=data["contact"],
                objection=data["text"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.detail))
        else:
            sent = True
            form = ObjectionForm(nominees=choices)
    status = 400 if form.errors else 200
    return render(
        request,
        "talent/public_notice.html",
        {"round": award_round, "nominees": nominees, "form": form, "sent": sent},
        status=status,
    )


@require_GET
def public_winners(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a published round's winners."""
    shown = queries.public_winners(pk)
    if shown is None:
        raise Http404(_("No such list of winners."))
    award_round, winners = shown
    return render(request, "talent/public_winners.html", {"round": award_round, "winners": winners})
