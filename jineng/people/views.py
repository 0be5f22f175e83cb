"""Pages for the bureau console's register of people."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jineng.people.models import Person


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """List the people in the user's scope."""
    people = Person.objects.visible_to(request.user).select_related("region")[:50]
    return render(request, "people/person_list.html", {"people": people})
