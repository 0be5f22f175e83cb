"""Pages of the lifelong training record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    """Show the logged-in worker their own record."""
    return render(request, "records/my_record.html", {})
