"""URL routes of the REST API; unknown paths and methods answer with the JSON error shape."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _

from jineng.api.errors import error_response, not_found_view
from jineng.composition.api import api


def _json_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Give ninja's plain-text 405 the shared error shape, keeping its Allow header."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        json_response = error_response(
            405,
            {
                "code": "method_not_allowed",
                "detail": _("Method {method} is not allowed here.").format(method=request.method),
            },
        )
        json_response["Allow"] = response["Allow"]
        return json_response

    return wrapped


# Not named app_name/namespace: a module-level app_name would namespace this whole URLconf.
api_patterns, api_app_name, api_namespace = api.urls
for pattern in api_patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = _json_not_allowed(pattern.callback)

urlpatterns = [
    path("", (api_patterns, api_app_name, api_namespace)),
    re_path(r"^.*$", not_found_view, name="api-not-found"),
]
