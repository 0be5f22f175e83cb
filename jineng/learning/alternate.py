"""The alternate request syntax of xAPI 1.0.3 (Part Three, 1.3) for cross-origin clients.

Such a client POSTs with the intended method as the only query parameter (``?method=PUT``) and
a form-encoded body: ``content`` is the request body, the header fields (Authorization,
X-Experience-API-Version, Content-Type, Content-Length, If-Match, If-None-Match) are headers,
and every other field is a query parameter. ``rewrite`` turns the request into the one it
stands for, so authentication and the views read the credentials and parameters as usual.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qsl

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from jineng.learning.errors import Malformed

METHODS = ("GET", "PUT", "POST", "DELETE")
# Form fields read as headers, by their lower-case name: the META key each one sets.
HEADERS = {
    "authorization": "HTTP_AUTHORIZATION",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
}
# A form carries a few headers and parameters: more than this many fields is refused.
MAX_FIELDS = 100


def is_alternate(request: HttpRequest) -> bool:
    """Tell whether a request uses the alternate syntax (a POST with a method parameter)."""
    return request.method == "POST" and "method" in request.GET


def _fields(request: HttpRequest) -> list[tuple[str, str]]:
    content_type = request.content_type or ""
    if content_type not in ("", "application/x-www-form-urlencoded"):
        raise Malformed(
            _("A request with the method parameter must be form-encoded."), field="Content-Type"
        )
    try:
        text = request.body.decode("utf-8")
        return parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise Malformed(_("The form is not valid UTF-8 form data."), field="content") from None


def rewrite(request: HttpRequest) -> None:
    """Turn an alternate-syntax request, in place, into the request it stands for."""
    if set(request.GET) != {"method"}:
        raise Malformed(
            _("With the method parameter, every other parameter goes in the form."),
            field="method",
        )
    method = request.GET["method"]
    if method not in METHODS:
        raise Malformed(_("The method parameter must be GET, PUT, POST or DELETE."), field="method")
    fields = _fields(request)
    content = ""
    params = QueryDict(mutable=True)
    # The form's own type describes the form, not the content: the content is JSON unless
    # the form says otherwise.
    request.META["CONTENT_TYPE"] = "application/json"
    sent = set()
    for name, value in fields:
        header = HEADERS.get(name.lower())
        if name == "content":
            content = value
        elif header == "CONTENT_TYPE":
            request.META[header] = value
        elif header and header not in request.META and header not in sent:
            # A header the client could set itself wins over its copy in the form.
            request.META[header] = value
            sent.add(header)
        elif not header:
            params.appendlist(name, value)
    body = content.encode("utf-8")
    request.META["CONTENT_LENGTH"] = str(len(body))
    request.method = method
    # The stubs type GET as immutable; the rebuilt request's query is a fresh QueryDict.
    request.GET = params  # type: ignore[assignment]
    request._body = body
    request._stream = io.BytesIO(body)
    request.__dict__.pop("headers", None)
    request._set_content_type_params(request.META)  # type: ignore[attr-defined]
