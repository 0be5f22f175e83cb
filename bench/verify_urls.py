"""The site's URLs plus one minimal view, the yardstick of bench/verify_certificates.py.

``/bench/one-row/<pk>`` reads one certificate's status by primary key and answers it as
text: a request through the same middleware, server and database, doing the least a page
can. Served only by the benchmark (bench/verify_settings.py), never by the site.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from jineng.certificates.models import Certificate
from jineng.urls import urlpatterns as site_patterns


def one_row(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer one row's status, read by primary key."""
    status = Certificate.objects.filter(pk=pk).values_list("status", flat=True).first()
    return HttpResponse(status or "", content_type="text/plain")


urlpatterns = [path("bench/one-row/<int:pk>", one_row), *site_patterns]
