"""Public verification (证书查验, no login): by number, or by pasting or uploading a credential.

The page by number shows only ``queries.public_view``: the holder masked, the status in
words, never the reason. An unknown number answers 404 with the same plain page for every
unknown number. Guessing numbers and checking credentials are limited per client address
(certificates.throttling).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from jineng.certificates import queries, throttling, verification
from jineng.certificates.forms import MAX_CREDENTIAL_BYTES, CredentialForm, NumberForm
from jineng.certificates.uploads import BoundedMemoryUploadHandler
from jineng.core.errors import RateLimited


def _refused(
    request: HttpRequest, error: RateLimited, template: str, context: dict
) -> HttpResponse:
    response = render(request, template, {**context, "refusal": error.detail}, status=429)
    response["Retry-After"] = str(error.extra.get("retry_after", throttling.WINDOW_SECONDS))
    return response


@require_GET
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    """Show what anyone may know of a certificate: masked holder, what, who, when, status."""
    found = queries.public_view(number)
    if found is None:
        try:
            throttling.check_miss_allowed(request)
        except RateLimited as error:
            return _refused(request, error, "certificates/verify_missing.html", {})
        return render(
            request,
            "certificates/verify_missing.html",
            {"form": NumberForm(initial={"number": number[:40]})},
            status=404,
        )
    response = render(request, "certificates/verify.html", {"certificate": found})
    # The status may change at any time: no cache keeps an old "valid".
    response["Cache-Control"] = "no-cache"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Look up a number, or check a pasted or uploaded credential and show every check.

    The upload handlers are replaced before anything reads the body (hence csrf_exempt here
    and csrf_protect on the view proper): an uploaded file is kept in memory up to the limit
    and one byte, never written to a temporary file.
    """
    request.upload_handlers = [BoundedMemoryUploadHandler(request, MAX_CREDENTIAL_BYTES)]
    return _check(request)


@csrf_protect
def _check(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.GET.get("number"):
        lookup = NumberForm(request.GET)
        if lookup.is_valid():
            return redirect("verify:certificate", number=lookup.cleaned_data["number"].strip())
    else:
        lookup = NumberForm()
    form = CredentialForm(request.POST or None, request.FILES or None)
    context: dict = {"lookup": lookup, "form": form, "result": None}
    if request.method == "POST" and form.is_valid():
        try:
            throttling.check_credential_allowed(request)
        except RateLimited as error:
            return _refused(request, error, "certificates/verify_form.html", context)
        context["result"] = verification.verify_credential(form.cleaned_data["credential"])
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "certificates/verify_form.html", context, status=status)
