"""Pages of the policy's rules (补贴政策): the rule sets, one with its caps and amounts, the
bureau's upload and activation, and the simulation of a year under a rule set.

Claimants read the sets put in force; drafts are the bureau's, reviewers' and auditors'
(``rules.rule_sets_for``): a draft answers 404 to anyone else, like a missing set. Loading,
activating and simulating are the bureau's (MANAGE_SUBSIDY_RULES), checked again by the
services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.subsidies import rules, simulation
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.errors import RuleFileInvalid
from jineng.subsidies.models import RuleSet

# The years a simulation may replay: the platform keeps no older records.
FIRST_YEAR = 2015


class RuleFileForm(forms.Form):
    """The rule file to load: JSON, or xlsx with the sheets caps and amounts."""

    file = forms.FileField(
        label=gettext_lazy("Rule file"),
        help_text=gettext_lazy(
            "JSON, or an xlsx workbook with a sheet “caps” (field, value) and a sheet "
            "“amounts” (kind, level, group, unit, amount_yuan, max_units, note)."
        ),
    )


class SimulationForm(forms.Form):
    """The year to replay and the rule set to replay it under."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR)
    rule_set = forms.ModelChoiceField(
        label=gettext_lazy("Rule set"), queryset=RuleSet.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rule_set"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = RuleSet.objects.order_by("-effective_from", "-number")
        last = timezone.localdate().year
        year = self.fields["year"]
        year.validators.append(MaxValueValidator(last))
        year.widget.attrs["max"] = last
        year.initial = last - 1


def _require_manager(request: AuthenticatedHttpRequest) -> None:
    if not rules.may_manage(request.user):
        raise PermissionDenied(_("Only the bureau loads, activates and simulates rule sets."))


def _found(request: AuthenticatedHttpRequest, rule_set_id: int) -> RuleSet:
    try:
        return rules.get_rule_set_for_user(request.user, rule_set_id)
    except errors.NotFound as error:
        raise Http404(error.detail) from None


@login_required
@require_GET
def rule_set_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the rule sets the user may read, the one in force today first marked."""
    in_force = rules.rule_set_in_force(timezone.localdate())
    return render(
        request,
        "subsidies/rules/list.html",
        {
            "rule_sets": rules.rule_sets_for(request.user),
            "in_force": in_force,
            "may_manage": rules.may_manage(request.user),
        },
    )


@login_required
@require_GET
def rule_set_detail(request: AuthenticatedHttpRequest, rule_set_id: int) -> HttpResponse:
    """Show one rule set: its source, caps and amounts; to the bureau, activation."""
    rule_set = _found(request, rule_set_id)
    return render(
        request,
        "subsidies/rules/detail.html",
        {
            "rule_set": rule_set,
            "amounts": rules.amounts_of(rule_set),
            "may_activate": rules.may_manage(request.user)
            and rule_set.status == RuleSetStatus.DRAFT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_set_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Load a rule file as a draft (the bureau); a bad file lists its faults, loads nothing."""
    _require_manager(request)
    form = RuleFileForm(request.POST or None, request.FILES or None)
    faults: list[Any] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rule_set = rules.load_rule_set(upload, actor=request.user, name=upload.name)
        except RuleFileInvalid as error:
            faults = error.errors
            form.add_error(None, str(error.detail))
        except errors.DomainError as error:
            form.add_error(None, str(error.detail))
        else:
            messages.success(
                request,
                _("Rule set v{number} is loaded as a draft.").format(number=rule_set.number),
            )
            return redirect("subsidies:rule_set", rule_set_id=rule_set.pk)
    if request.method == "POST":
        status = 400
    return render(
        request, "subsidies/rules/upload.html", {"form": form, "faults": faults}, status=status
    )


@login_required
@require_POST
def rule_set_activate(request: AuthenticatedHttpRequest, rule_set_id: int) -> HttpResponse:
    """Put a draft in force (the bureau); the set in force until then is superseded."""
    rule_set = _found(request, rule_set_id)
    _require_manager(request)
    try:
        rules.activate(rule_set.pk, request.user)
    except errors.DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(
            request, _("Rule set v{number} is in force.").format(number=rule_set.number)
        )
    return redirect("subsidies:rule_set", rule_set_id=rule_set.pk)


@login_required
@require_GET
def rule_simulation(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Replay a year under a rule set beside the one in force (the bureau)."""
    _require_manager(request)
    form = SimulationForm(request.GET or None)
    result = None
    status = 200
    if request.GET:
        if form.is_valid():
            result = simulation.simulate(
                form.cleaned_data["year"], form.cleaned_data["rule_set"].pk
            )
            simulation.record_simulation(result, actor=request.user)
        else:
            status = 400
    return render(
        request,
        "subsidies/rules/simulate.html",
        {"form": form, "result": result, "rows": _rows(result) if result else []},
        status=status,
    )


def _rows(result: simulation.Simulation) -> dict[str, list[dict[str, Any]]]:
    """The splits side by side: each group's or town's cost under both rule sets, with the
    share of the largest for the bars."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in ("by_group", "by_town"):
        proposed = {s.key: s for s in getattr(result.proposed, name)}
        current = {s.key: s for s in getattr(result.in_force, name)} if result.in_force else {}
        keys = list(proposed) + [k for k in current if k not in proposed]
        largest = max(
            [s.cost_fen for s in proposed.values()] + [s.cost_fen for s in current.values()] + [1]
        )
        tables[name] = [
            {
                "label": (proposed.get(key) or current[key]).label,
                "proposed": proposed.get(key),
                "in_force": current.get(key),
                "proposed_fen": proposed[key].cost_fen if key in proposed else 0,
                "in_force_fen": current[key].cost_fen if key in current else 0,
                "largest": largest,
            }
            for key in keys
        ]
    return tables


@login_required
@require_GET
def example_workbook(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the example rule set as an xlsx workbook to fill in (the bureau)."""
    _require_manager(request)
    response = HttpResponse(
        rules.workbook_of(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="subsidy-rules-example.xlsx"'
    return response


urlpatterns: list[URLPattern] = [
    path("rules/", rule_set_list, name="rule_sets"),
    path("rules/upload/", rule_set_upload, name="rule_set_upload"),
    path("rules/example.xlsx", example_workbook, name="rule_set_example"),
    path("rules/simulate/", rule_simulation, name="rule_simulation"),
    path("rules/<int:rule_set_id>/", rule_set_detail, name="rule_set"),
    path("rules/<int:rule_set_id>/activate/", rule_set_activate, name="rule_set_activate"),
]
