"""Pages where an institution's clerk keeps its venues (培训场地) and teachers (师资).

Only rows the caller may change are shown or edited (their own institution's, through
``access``; 404 for anyone else's); every write goes through ``services``, and a refusal is
shown next to its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core.errors import DomainError, NotFound
from jineng.core.scope import CHANGE
from jineng.training import services
from jineng.training.access import get_teacher_for_user, get_venue_for_user
from jineng.training.forms import TeacherForm, VenueForm
from jineng.training.models import Teacher, Venue

Row = TypeVar("Row", Venue, Teacher)


def _require_clerk(request: AuthenticatedHttpRequest) -> None:
    if not request.user.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied


def _show_refusal(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal next to its field, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.detail)


def _own(get: Callable[..., Row], request: AuthenticatedHttpRequest, pk: int) -> Row:
    """A venue or teacher the caller may change; 404 alike for anyone else's or a missing one."""
    try:
        return get(request.user, pk, action=CHANGE)
    except NotFound as error:
        raise Http404(error.detail) from None


def _form_page(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    save: Callable[[], object],
    *,
    saved: str,
    to: str,
    template: str,
    context: dict[str, object],
) -> HttpResponse:
    """Save a valid POSTed form with ``save`` and go to ``to``; else show the page again, with
    the form's errors or the service's refusal next to its field."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except DomainError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, saved)
            return redirect(to)
    return render(request, template, {**context, "form": form})


def _venue_args(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "address": data["address"],
        "capacity": data["capacity"],
        "region_code": data["region_code"],
        "latitude": data["latitude"],
        "longitude": data["longitude"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def venues(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the institution's venues and register one."""
    _require_clerk(request)
    form = VenueForm(request.POST or None)
    rows = (
        Venue.objects.visible_to(request.user, CHANGE)
        .select_related("region")
        .order_by("name", "pk")
    )
    return _form_page(
        request,
        form,
        lambda: services.create_venue(actor=request.user, **_venue_args(form.cleaned_data)),
        saved=_("Venue saved."),
        to="training:venues",
        template="training/venues.html",
        context={"venues": rows},
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request: AuthenticatedHttpRequest, venue_id: int) -> HttpResponse:
    """Correct one of the institution's venues."""
    _require_clerk(request)
    venue = _own(get_venue_for_user, request, venue_id)
    initial = {
        "name": venue.name,
        "address": venue.address,
        "region_code": venue.region.code if venue.region else "",
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "capacity": venue.capacity,
    }
    form = VenueForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        lambda: services.update_venue(
            venue.pk, actor=request.user, **_venue_args(form.cleaned_data)
        ),
        saved=_("Venue saved."),
        to="training:venues",
        template="training/venue_form.html",
        context={"venue": venue},
    )


@login_required
@require_http_methods(["GET", "POST"])
def teachers(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the institution's teachers and register one."""
    _require_clerk(request)
    form = TeacherForm(request.POST or None)
    rows = Teacher.objects.visible_to(request.user, CHANGE).order_by("name", "pk")
    return _form_page(
        request,
        form,
        lambda: services.create_teacher(
            form.cleaned_data["name"],
            actor=request.user,
            qualification=form.cleaned_data["qualification"],
        ),
        saved=_("Teacher saved."),
        to="training:teachers",
        template="training/teachers.html",
        context={"teachers": rows},
    )


@login_required
@require_http_methods(["GET", "POST"])
def teacher_edit(request: AuthenticatedHttpRequest, teacher_id: int) -> HttpResponse:
    """Correct one of the institution's teachers."""
    _require_clerk(request)
    teacher = _own(get_teacher_for_user, request, teacher_id)
    form = TeacherForm(
        request.POST or None,
        initial={"name": teacher.name, "qualification": teacher.qualification},
    )
    return _form_page(
        request,
        form,
        lambda: services.update_teacher(
            teacher.pk,
            form.cleaned_data["name"],
            actor=request.user,
            qualification=form.cleaned_data["qualification"],
        ),
        saved=_("Teacher saved."),
        to="training:teachers",
        template="training/teacher_form.html",
        context={"teacher": teacher},
    )
