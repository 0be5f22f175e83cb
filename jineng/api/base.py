"""The REST API's frame (django-ninja): auth, errors, body parsing and docs, without routers.

The apps' routers are mounted on it by the composition root (jineng/composition/api.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.parser import Parser

from jineng.api.auth import AUTH
from jineng.api.errors import register_error_handlers
from jineng.core.errors import ValidationFailed

DESCRIPTION = """\
The API of jineng, the lifelong vocational skills training platform.

**Authentication.** Other systems send `Authorization: Bearer <token>`; a token is issued with
`jineng token create USERNAME [--name N] [--days D]` and revoked with `jineng token revoke
PREFIX`. The web console's session also works; requests that change data then need the
`X-CSRFToken` header.

**Errors.** Every error has the same JSON shape: `{"code": "...", "detail": "...", "field":
"..."}`. `code` is stable and meant for programs (`invalid`, `unauthenticated`,
`permission_denied`, `not_found`, `person_exists`, `idempotency_key_reused`, ...), `detail`
is a human-readable reason, and `field` names the input at fault when there is one.
Objects outside the caller's data scope answer 404, exactly like missing ones.

**Busy.** A request that waits more than a few seconds for records another request is
changing answers 503 `busy` with a `Retry-After` header (seconds): nothing was written, and
the same request (with the same `Idempotency-Key`) may be sent again after that time.

**Request ids.** Every response carries `X-Request-ID`, the server's own id of the request,
which the logs and the audit trail record. A caller's own `X-Request-ID` (up to 64 letters,
digits and `. _ : -`) never replaces it: it is logged beside it and returned as
`X-Client-Request-ID`.

**Idempotency.** Create endpoints accept an `Idempotency-Key` header. Repeating a request
with the same key and body replays the first response (status, body, `Location`) with the
header `Idempotent-Replayed: true` and writes nothing; the same key with a different body
answers 422 `idempotency_key_reused`; while the first request runs, a duplicate answers 409
`idempotency_key_in_progress`. Keys are per user and kept for 24 hours.

**Personal data.** ID and phone numbers are always masked; `POST /people/{id}/reveal` returns
them in full to roles allowed to see them, for a stated `purpose`, and each such view is
audited. A response with full numbers carries `Cache-Control: private, no-store`.

**Lists** take `limit` (1-200, default 50) and `offset` (at most 2^63-1) and return `count`,
the total number of matches. Ids in paths and queries are positive 64-bit numbers; larger ones
answer 400.
"""


class ObjectBodyParser(Parser):
    """ninja's JSON parser, refusing any body that is not a JSON object.

    Every request body of the API is a schema (an object). ninja's ``Schema`` reads its fields
    as attributes of whatever it is given, so without this check ``null``, ``[]`` or ``"x"``
    would pass as a body whose fields are all missing: an operation whose fields all have
    defaults (such as ``reveal_person``) would then run with them.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        """Return the decoded JSON object; a JSON value of another type is invalid."""
        data = super().parse_body(request)
        if not isinstance(data, dict):
            # ninja wraps parser errors in a 400 HttpError; errors.py answers with this one.
            raise ValidationFailed(_("The request body must be a JSON object."), field="body")
        return data


class JinengAPI(NinjaAPI):
    """NinjaAPI with readable operation ids and a plain-JSON OpenAPI document."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        """Use the endpoint function's name: stable and readable."""
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Return the document as plain JSON data, so it dumps to YAML without anchors."""
        return json.loads(json.dumps(super().get_openapi_schema(**kwargs)))


def new_api() -> JinengAPI:
    """Return the API mounted at /api/v1/ with its auth, error shape and docs, and no routers."""
    api = JinengAPI(
        title="jineng API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        auth=AUTH,
        parser=ObjectBodyParser(),
        # Swagger UI comes from ninja's own static files ("ninja" is in INSTALLED_APPS): no CDN.
        docs=Swagger(settings={"persistAuthorization": False}),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    register_error_handlers(api)
    return api
