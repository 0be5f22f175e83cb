"""Responses with full personal data are marked so that no cache stores them."""

from django.http import HttpResponse
from django.test import RequestFactory

from jineng.core.http import mark_personal_data, no_store


def test_mark_personal_data_forbids_storing_and_keeps_other_directives():
    response = HttpResponse()
    response["Cache-Control"] = "public, max-age=60"
    mark_personal_data(response)
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store", "max-age=60"}


def test_no_store_marks_every_response_of_a_view():
    @no_store
    def view(request, pk):
        """Show something personal."""
        return HttpResponse(status=400 if pk else 200)

    request = RequestFactory().get("/")
    assert view(request, 0)["Cache-Control"] == "private, no-store"
    assert view(request, pk=1)["Cache-Control"] == "private, no-store"
    assert view.__doc__ == "Show something personal."
