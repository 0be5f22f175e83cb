"""Responses that carry full personal data are never stored by a browser or a proxy.

A page or an API answer showing a full ID or phone number, and every file of people (an
export, an import's row errors), is marked with ``Cache-Control: private, no-store``: the
back button, a shared proxy or a disk cache would otherwise keep a copy nobody audits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.http import HttpResponseBase
from django.utils.cache import patch_cache_control

Response = TypeVar("Response", bound=HttpResponseBase)
Params = ParamSpec("Params")


def mark_personal_data(response: Response) -> Response:
    """Forbid any cache to store this response (Cache-Control: private, no-store)."""
    patch_cache_control(response, private=True, no_store=True)
    return response


def no_store(view: Callable[Params, Response]) -> Callable[Params, Response]:
    """Mark every response of a view that shows full personal data as not to be stored."""

    @wraps(view)
    def wrapper(*args: Params.args, **kwargs: Params.kwargs) -> Response:
        return mark_personal_data(view(*args, **kwargs))

    return wrapper
