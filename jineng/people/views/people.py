"""Pages for the bureau console's register of people: search, a person, target groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core import errors
from jineng.core.http import no_store
from jineng.people import identity as people_identity
from jineng.people import services
from jineng.people.access import get_person_for_user
from jineng.people.exporters.jobs import INLINE_MAX_ROWS
from jineng.people.filters import refuse_numbers
from jineng.people.forms import MembershipForm, PersonLookupForm, PersonSearchForm
from jineng.people.models import Person
from jineng.people.providers import record_for
from jineng.people.queries import SEARCH_KEYS, search_people, with_list_details

PAGE_SIZE = 50


def can_manage_memberships(user: Any) -> bool:
    """Tell whether the user may record target-group memberships."""
    return user.can(Capability.RECORD_MEMBERSHIPS)


def _person_or_404(request: AuthenticatedHttpRequest, pk: int) -> Person:
    try:
        return get_person_for_user(request.user, pk)
    except errors.NotFound:
        raise Http404(_("No such person.")) from None


@login_required
def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search the people in the user's scope, 50 to a page, identity masked."""
    if not request.user.can(Capability.VIEW_PEOPLE):
        raise PermissionDenied
    form = PersonSearchForm(request.GET or None, user=request.user)
    people = Person.objects.none()
    if not form.is_bound:
        people = search_people(request.user, {})
    elif form.is_valid():
        try:
            refuse_numbers(request.GET)
            people = search_people(request.user, form.cleaned_data)
        except errors.ValidationFailed as error:
            form.add_error(error.field if error.field in form.fields else None, error.detail)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/person_list.html",
        {
            "form": form,
            "lookup_form": PersonLookupForm(),
            "page": page,
            "query": query.urlencode(),
            # A search this large is exported by a background job, not by a download link.
            "export_in_background": page.paginator.count > INLINE_MAX_ROWS,
            "search": [(key, request.GET[key]) for key in SEARCH_KEYS if request.GET.get(key)],
        },
    )


@login_required
@require_POST
@no_store
def person_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find a person by full ID or phone, sent in the body and audited with its purpose."""
    if not request.user.can(Capability.VIEW_PEOPLE):
        raise PermissionDenied
    lookup_form = PersonLookupForm(request.POST)
    found: list[Person] = []
    status = 200
    if lookup_form.is_valid():
        data = lookup_form.cleaned_data
        try:
            found = people_identity.look_up_people(
                people_identity.Lookup(id_number=data["id_number"], phone=data["phone"]),
                actor=request.user,
                purpose=data["purpose"],
            )
        except errors.DomainError as error:
            lookup_form.add_error(None, error.detail)
            status = error.status
    else:
        status = 400
    people = with_list_details(Person.objects.filter(pk__in=[p.pk for p in found]), request.user)
    context = {
        "lookup_form": lookup_form,
        "looked_up": lookup_form.is_valid() and status == 200,
        "page": Paginator(people.order_by("pk"), PAGE_SIZE).get_page(1),
    }
    return render(request, "people/person_lookup.html", context, status=status)


def _render_detail(
    request: AuthenticatedHttpRequest,
    person: Person,
    *,
    identity: people_identity.PersonalData | None = None,
    membership_form: MembershipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    revealed = identity is not None
    shown = identity or person.masked_identity()
    manage = can_manage_memberships(user)
    context = {
        "person": person,
        "identity": shown,
        "revealed": revealed,
        "can_reveal": people_identity.can_see_full_pii(user, person),
        # The groups, organisations and timeline the viewer may see (records.policy).
        "record": record_for(person, user),
        "can_manage_memberships": manage,
        "membership_form": membership_form or (MembershipForm() if manage else None),
        "can_view_audit": user.can(Capability.VIEW_AUDIT),
    }
    return render(request, "people/person_detail.html", context, status=status)


@login_required
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show one person: masked identity, target groups, organisations, lifelong record."""
    return _render_detail(request, _person_or_404(request, pk))


@login_required
@require_POST
@no_store
def person_reveal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show the full ID and phone numbers to a role allowed to see them; audited."""
    person = _person_or_404(request, pk)
    try:
        identity = people_identity.reveal_personal_data(
            person, actor=request.user, purpose=request.POST.get("purpose", "")
        )
    except errors.PermissionDenied:
        raise PermissionDenied from None
    except (errors.ValidationFailed, errors.RateLimited) as error:
        messages.error(request, error.detail)
        return _render_detail(request, person, status=error.status)
    return _render_detail(request, person, identity=identity)


@login_required
@require_POST
def membership_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a target-group membership for a person (bureau staff only)."""
    person = _person_or_404(request, pk)
    if not can_manage_memberships(request.user):
        raise PermissionDenied
    form = MembershipForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_membership(
                person,
                data["group"],
                source=data["source"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                evidence=data["evidence"],
                actor=request.user,
            )
        except errors.DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.detail)
        else:
            messages.success(
                request,
                _("{person} is now recorded as {group}.").format(
                    person=person.name, group=data["group"].name
                ),
            )
            return redirect("people:detail", pk=person.pk)
    return _render_detail(request, person, membership_form=form, status=400)
