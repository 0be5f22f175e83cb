"""The xAPI 1.0.3 record store (学习记录存储) at /xapi/: statements, documents and about.

Statements come as application/json or, with their attachments' bytes, as multipart/mixed
(``attachments``), may be signed (``signatures``), and every resource also takes the alternate
request syntax of cross-origin clients (``alternate``).

Each platform reads and voids only the statements it reported (the specification lets an LRS
filter by the credentials' permissions), and keeps its own State and profile documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from jineng.core.errors import DomainError
from jineng.learning import alternate, attachments, queries, services
from jineng.learning.auth import platform_from_request
from jineng.learning.errors import Malformed
from jineng.learning.validation import (
    agent_key,
    check_agent,
    check_iri,
    check_uuid,
    parse_timestamp,
)

VERSION = "1.0.3"
_VERSION_HEADER = re.compile(r"^1\.0(\.\d+)?$")
View = Callable[..., HttpResponse]


def _error(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def _unauthorised() -> HttpResponse:
    response = JsonResponse(
        {"code": "unauthorised", "detail": _("Send valid HTTP Basic platform credentials.")},
        status=401,
    )
    response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


def xapi(
    methods: tuple[str, ...], *, authenticated: bool = True, consistent: bool = False
) -> Callable[[View], View]:
    """Wrap a record-store view: methods, Basic auth, version header, errors as JSON.

    ``consistent`` views (the Statement resource) send X-Experience-API-Consistent-Through on
    every response, whatever its status: every statement stored before the request started
    is in what it reads.
    """

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            started = timezone.now()
            response = _dispatch(view, methods, authenticated, request)
            response["X-Experience-API-Version"] = VERSION
            if consistent:
                response["X-Experience-API-Consistent-Through"] = started.isoformat()
            if response.status_code == 204:
                # A 204 has no body, so no content type (Django gives every response one).
                del response["Content-Type"]
            return response

        return wrapper

    return decorate


def _dispatch(
    view: View, methods: tuple[str, ...], authenticated: bool, request: HttpRequest
) -> HttpResponse:
    if alternate.is_alternate(request):
        try:
            alternate.rewrite(request)
        except DomainError as exc:
            return _error(exc)
        except RequestDataTooBig:
            return _too_large()
    if request.method not in methods and not (request.method == "HEAD" and "GET" in methods):
        response = JsonResponse(
            {"code": "method_not_allowed", "detail": request.method}, status=405
        )
        response["Allow"] = ", ".join(methods)
        return response
    platform = None
    if authenticated:
        platform = platform_from_request(request)
        if platform is None:
            return _unauthorised()
        version = request.headers.get("X-Experience-API-Version", "")
        if not _VERSION_HEADER.match(version):
            return _error(
                Malformed(
                    _("Send the X-Experience-API-Version header with a 1.0.x version."),
                    field="X-Experience-API-Version",
                )
            )
    try:
        return view(request, platform)
    except DomainError as exc:
        return _error(exc)
    except RequestDataTooBig:
        return _too_large()


def _too_large() -> JsonResponse:
    return JsonResponse(
        {"code": "too_large", "detail": _("The request body is larger than this store takes.")},
        status=413,
    )


def _params(request: HttpRequest, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    source = request.GET
    unknown = sorted(set(source) - allowed)
    if unknown:
        raise Malformed(_("Unknown parameter {name}.").format(name=unknown[0]), field=unknown[0])
    params = {k: source[k] for k in source}
    for name in required:
        if not params.get(name):
            raise Malformed(_("The parameter {name} is required.").format(name=name), field=name)
    return params


def _statements_body(request: HttpRequest) -> tuple[Any, dict[str, attachments.Part]]:
    """Return the statements sent and the attachment parts that came with them, by SHA-2."""
    content_type = request.content_type or ""
    if content_type == "multipart/mixed":
        return attachments.read_multipart(request)
    if content_type != "application/json":
        raise Malformed(
            _("Statements must be sent as application/json or multipart/mixed."),
            field="Content-Type",
        )
    try:
        return json.loads(request.body), {}
    except (ValueError, UnicodeDecodeError):
        raise Malformed(_("The body is not valid JSON."), field="body") from None


def _agent_param(value: str, name: str = "agent") -> dict[str, Any]:
    try:
        agent = json.loads(value)
    except ValueError:
        raise Malformed(
            _("The parameter {name} is not JSON.").format(name=name), field=name
        ) from None
    return check_agent(agent, name, identified=True)


def _bool(value: str | None, name: str) -> bool:
    if value in (None, "false"):
        return False
    if value == "true":
        return True
    raise Malformed(_("The parameter {name} must be true or false.").format(name=name), field=name)


def _statement_response(
    result: dict[str, Any],
    statements: list[dict[str, Any]],
    last_modified: Any,
    *,
    platform_id: int,
    with_attachments: bool,
) -> HttpResponse:
    """Answer statements as JSON or, with their attachments' bytes, as multipart/mixed."""
    if with_attachments:
        boundary = attachments.new_boundary()
        first = json.dumps(result, cls=DjangoJSONEncoder).encode()
        found = attachments.stored(platform_id, attachments.referenced(statements))
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            attachments.multipart_chunks(boundary, first, found),
            content_type=f'multipart/mixed; boundary="{boundary}"',
        )
        # The bytes are the platform's: a browser must neither render nor sniff them.
        response["Content-Disposition"] = "attachment"
        response["X-Content-Type-Options"] = "nosniff"
    else:
        response = JsonResponse(result)
    response["Last-Modified"] = http_date(last_modified.timestamp())
    return response  # type: ignore[return-value]


STATEMENT_QUERY = {
    "agent",
    "verb",
    "activity",
    "registration",
    "since",
    "until",
    "limit",
    "ascending",
    "format",
    "attachments",
    "related_agents",
    "related_activities",
    "more",
}


@xapi(("GET", "POST", "PUT"), consistent=True)
def statements(request: HttpRequest, platform: Any) -> HttpResponse:
    """Serve the Statements resource: store (POST/PUT) and fetch or query (GET)."""
    if request.method == "POST":
        _params(request, set())
        body, parts = _statements_body(request)
        batch = body if isinstance(body, list) else [body]
        ids, _count = services.store_statements(platform, batch, parts=parts)
        return JsonResponse(ids, safe=False)
    if request.method == "PUT":
        params = _params(request, {"statementId"}, required=("statementId",))
        statement_id = check_uuid(params["statementId"], "statementId")
        body, parts = _statements_body(request)
        if not isinstance(body, dict):
            raise Malformed(_("PUT takes one statement."), field="body")
        services.store_statements(platform, [body], put_id=statement_id, parts=parts)
        return HttpResponse(status=204)
    return _get_statements(request, platform)


def _formatted(
    request: HttpRequest, statements: list[dict[str, Any]], fmt: str, platform_id: int
) -> list[dict[str, Any]]:
    return queries.formatted_page(
        statements,
        fmt,
        languages=request.headers.get("Accept-Language", ""),
        platform_id=platform_id,
    )


def _get_statements(request: HttpRequest, platform: Any) -> HttpResponse:
    params = _params(request, STATEMENT_QUERY | {"statementId", "voidedStatementId"})
    fmt = params.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise Malformed(_("format must be ids, exact or canonical."), field="format")
    with_attachments = _bool(params.get("attachments"), "attachments")
    single = [k for k in ("statementId", "voidedStatementId") if k in params]
    if single:
        extra = set(params) - {single[0], "format", "attachments"}
        if extra:
            raise Malformed(
                _("{name} cannot be combined with other filters.").format(name=single[0]),
                field=single[0],
            )
        row = queries.get_statement(
            check_uuid(params[single[0]], single[0]),
            platform_id=platform.pk,
            voided=single[0] == "voidedStatementId",
        )
        if row is None:
            return JsonResponse(
                {"code": "not_found", "detail": _("No such statement.")}, status=404
            )
        (found,) = _formatted(request, [row.data], fmt, platform.pk)
        return _statement_response(
            found,
            [row.data],
            row.stored,
            platform_id=platform.pk,
            with_attachments=with_attachments,
        )
    flt = _filter(params, fmt, platform.pk)
    page, token = queries.find_statements(flt)
    more = ""
    if token:
        more = reverse("learning:statements") + "?more=" + token
        if with_attachments:
            more += "&attachments=true"
    statements = _formatted(request, [r.data for r in page], flt.format, platform.pk)
    result = {"statements": statements, "more": more}
    newest = max((r.stored for r in page), default=timezone.now())
    return _statement_response(
        result,
        [r.data for r in page],
        newest,
        platform_id=platform.pk,
        with_attachments=with_attachments,
    )


def _filter(params: dict[str, str], fmt: str, platform_id: int) -> queries.StatementFilter:
    if "more" in params:
        if set(params) - {"more", "attachments"}:
            raise Malformed(_("more cannot be combined with other parameters."), field="more")
        try:
            flt = queries.StatementFilter.from_token(params["more"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise Malformed(_("The more link is not valid."), field="more") from None
        if flt.platform_id != platform_id:
            raise Malformed(_("The more link is not valid."), field="more")
        return flt
    try:
        limit = int(params.get("limit", "0"))
    except ValueError:
        limit = -1
    if limit < 0:
        raise Malformed(_("limit must be a whole number of at least 0."), field="limit")
    return queries.StatementFilter(
        agent=agent_key(_agent_param(params["agent"])) if "agent" in params else "",
        verb=check_iri(params["verb"], "verb") if "verb" in params else "",
        activity=check_iri(params["activity"], "activity") if "activity" in params else "",
        registration=check_uuid(params["registration"], "registration")
        if "registration" in params
        else None,
        since=parse_timestamp(params["since"], "since") if "since" in params else None,
        until=parse_timestamp(params["until"], "until") if "until" in params else None,
        limit=min(limit or queries.MAX_PAGE, queries.MAX_PAGE),
        ascending=_bool(params.get("ascending"), "ascending"),
        format=fmt,
        platform_id=platform_id,
        related_agents=_bool(params.get("related_agents"), "related_agents"),
        related_activities=_bool(params.get("related_activities"), "related_activities"),
    )


def _document_response(
    request: HttpRequest, key: services.DocumentKey, params: dict[str, str], id_name: str
) -> HttpResponse:
    document_id = params.get(id_name)
    if request.method in ("PUT", "POST"):
        if not document_id:
            raise Malformed(
                _("The parameter {name} is required.").format(name=id_name), field=id_name
            )
        services.save_document(
            key,
            document_id,
            request.body,
            request.content_type or "application/octet-stream",
            merge=request.method == "POST",
            if_match=request.headers.get("If-Match"),
            if_none_match=request.headers.get("If-None-Match"),
        )
        return HttpResponse(status=204)
    if request.method == "DELETE":
        if not document_id and key.kind != "state":
            raise Malformed(
                _("The parameter {name} is required.").format(name=id_name), field=id_name
            )
        services.delete_documents(key, document_id, if_match=request.headers.get("If-Match"))
        return HttpResponse(status=204)
    return _get_documents(key, document_id, params.get("since"))


def _get_documents(
    key: services.DocumentKey, document_id: str | None, since: str | None
) -> HttpResponse:
    documents = queries.documents_of(key.filter())
    if document_id:
        document = documents.filter(document_id=document_id).first()
        if document is None:
            return JsonResponse({"code": "not_found", "detail": _("No such document.")}, status=404)
        response = HttpResponse(bytes(document.content), content_type=document.content_type)
        response["ETag"] = f'"{document.etag}"'
        response["Last-Modified"] = http_date(document.updated.timestamp())
        return response
    if since:
        documents = documents.filter(updated__gt=parse_timestamp(since, "since"))
    return JsonResponse(list(documents.values_list("document_id", flat=True)), safe=False)


@xapi(("GET", "PUT", "POST", "DELETE"))
def state(request: HttpRequest, platform: Any) -> HttpResponse:
    """Serve the State resource (activityId, agent, stateId, registration, since)."""
    params = _params(
        request,
        {"activityId", "agent", "stateId", "registration", "since"},
        required=("activityId", "agent"),
    )
    if "since" in params and (request.method != "GET" or "stateId" in params):
        raise Malformed(_("since applies only to a list of states."), field="since")
    key = services.DocumentKey(
        kind="state",
        platform_id=platform.pk,
        activity_id=check_iri(params["activityId"], "activityId"),
        agent_key=agent_key(_agent_param(params["agent"])),
        registration=services.registration_text(params.get("registration")),
    )
    return _document_response(request, key, params, "stateId")


@xapi(("GET", "PUT", "POST", "DELETE"))
def activity_profile(request: HttpRequest, platform: Any) -> HttpResponse:
    """Serve the Activity Profile resource (activityId, profileId, since)."""
    params = _params(request, {"activityId", "profileId", "since"}, required=("activityId",))
    key = services.DocumentKey(
        kind="activity_profile",
        platform_id=platform.pk,
        activity_id=check_iri(params["activityId"], "activityId"),
    )
    return _document_response(request, key, params, "profileId")


@xapi(("GET", "PUT", "POST", "DELETE"))
def agent_profile(request: HttpRequest, platform: Any) -> HttpResponse:
    """Serve the Agent Profile resource (agent, profileId, since)."""
    params = _params(request, {"agent", "profileId", "since"}, required=("agent",))
    key = services.DocumentKey(
        kind="agent_profile",
        platform_id=platform.pk,
        agent_key=agent_key(_agent_param(params["agent"])),
    )
    return _document_response(request, key, params, "profileId")


@xapi(("GET",))
def activities(request: HttpRequest, platform: Any) -> HttpResponse:
    """Serve the Activities resource: the activity with its latest known definition."""
    params = _params(request, {"activityId"}, required=("activityId",))
    activity_id = check_iri(params["activityId"], "activityId")
    found = queries.activity_definition(activity_id, platform_id=platform.pk)
    return JsonResponse(found or {"objectType": "Activity", "id": activity_id})


@xapi(("GET",))
def agents(request: HttpRequest, platform: Any) -> HttpResponse:
    """Serve the Agents resource: the Person object of one agent (no identity merging)."""
    params = _params(request, {"agent"}, required=("agent",))
    agent = _agent_param(params["agent"])
    person: dict[str, Any] = {"objectType": "Person"}
    for key in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return JsonResponse(person)


@xapi(("GET",), authenticated=False)
def about(request: HttpRequest, platform: Any) -> HttpResponse:
    """Serve the About resource: the supported versions (the store declares no limitations)."""
    return JsonResponse({"version": [VERSION]})
