"""Pages where an institution keeps its programmes (培训项目): list, add and edit.

Only programmes the caller may change are shown or edited (through ``access``; 404 for anyone
else's); every write goes through ``services``, and a refusal is shown next to its field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core.errors import DomainError
from jineng.core.scope import CHANGE
from jineng.training import services
from jineng.training.access import get_programme_for_user
from jineng.training.forms import ProgrammeForm
from jineng.training.models import Programme
from jineng.training.views.common import found


@login_required
@require_http_methods(["GET", "POST"])
def programmes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the institution's programmes and add one."""
    if not request.user.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_programme(
                services.ProgrammeInput(**form.cleaned_data), actor=request.user
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.detail)
        else:
            messages.success(request, _("Programme saved."))
            return redirect("training:programmes")
    rows = (
        Programme.objects.visible_to(request.user, CHANGE)
        .select_related("occupation", "skill_level")
        .annotate(class_count=Count("classes"))
        .order_by("-pk")
    )
    return render(request, "training/programmes.html", {"programmes": rows, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthenticatedHttpRequest, programme_id: int) -> HttpResponse:
    """Edit a programme while none of its classes has been submitted or approved."""
    if not request.user.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied
    programme = found(get_programme_for_user, request.user, programme_id, action=CHANGE)
    initial = {
        "name": programme.name,
        "occupation_code": programme.occupation.code,
        "skill_level_code": programme.skill_level.code if programme.skill_level else "",
        "training_type": programme.training_type,
        "theory_hours": programme.theory_hours,
        "practice_hours": programme.practice_hours,
        "fee_fen": programme.fee_fen,
        "catalog_entry_key": programme.catalog_entry_key,
    }
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_programme(
                programme.pk, services.ProgrammeInput(**form.cleaned_data), actor=request.user
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.detail)
        else:
            messages.success(request, _("Programme saved."))
            return redirect("training:programmes")
    return render(request, "training/programme_form.html", {"programme": programme, "form": form})
