"""Keys and limits at the API: the access middleware every route passes, and ``GET /me``.

Which routes need what (``needed_role``): the page, its files, the API docs, ``/openapi.json`` and
the (already signed) ``/preview/*`` URLs are public; searching, the video listing and ``/me`` need a
``search`` key (or ``admin``), or fall in the anonymous tier when keys are not required; every other
method or path (the library's management) needs an ``admin`` key, whatever the policy, so an
unknown management path answers 401/403 before it could answer 404.

A search is reserved before it runs and refunded if it answers 4xx/5xx (ashen.accounts.access).
Search answers and ``/me`` carry the day's quota as ``RateLimit-Limit`` / ``-Remaining`` /
``-Reset`` (seconds to the UTC day's end; IETF draft-ietf-httpapi-ratelimit-headers), the two windows
as ``RateLimit-Policy``, and trace.moe's ``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (epoch
seconds). Refusals: 401 (no, unknown or revoked key), 403 (role), 429 with ``Retry-After``. The key is read
from ``x-api-key``, or trace.moe's ``x-trace-key`` header or ``?key=`` (docs/trace-moe.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ashen.accounts.access import Access, Caller, OverLimit, Usage
from ashen.accounts.keys import AccessError, KeyRequired, Role
from ashen.api.errors import error_response, internal_error, status_of
from ashen.api.tracemoe import api_key, me_fields, speaks_trace_moe

Middleware = Callable[[APIGatewayHttpResolver, NextMiddleware], Response[object]]
_PUBLIC_PREFIXES = ("/docs/", "/web/", "/static/", "/preview/")
_PUBLIC_PATHS = {"/", "/docs", "/openapi.json"}
_SEARCH_PATHS = {"/search", "/me", "/videos"}
_CALLER = "ashen_caller"


def needed_role(method: str, path: str) -> Role | None:
    """The role a request needs: None (public), ``search`` or ``admin``."""
    method = method.upper()
    if method == "OPTIONS":
        return None  # CORS preflight: answered before any route
    if method == "GET" and (path in _PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIXES)):
        return None
    if method == "POST" and path == "/search":
        return Role.SEARCH
    if method == "GET" and (path in _SEARCH_PATHS or path.startswith("/videos/")):
        return Role.SEARCH
    return Role.ADMIN


def is_search(method: str, path: str) -> bool:
    return path == "/search" and method.upper() in {"GET", "POST"}


def source_ip(event: BaseProxyEvent) -> str:
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    return str(http.get("sourceIp") or "")


def rate_headers(usage: Usage, now: float) -> dict[str, str]:
    """The RateLimit fields (IETF draft) and trace.moe's X-RateLimit ones of ``usage``."""
    caller, remaining = usage.caller, str(usage.remaining)
    return {
        "RateLimit-Limit": str(caller.quota),
        "RateLimit-Remaining": remaining,
        "RateLimit-Reset": str(max(0, math.ceil(usage.reset - now))),
        "RateLimit-Policy": f"{caller.quota};w=86400, {caller.rate};w=60",
        "X-RateLimit-Limit": str(caller.quota),
        "X-RateLimit-Remaining": remaining,
        "X-RateLimit-Reset": str(usage.reset),
    }


def _refusal(exc: AccessError, access: Access, *, trace_moe: bool = False) -> Response[dict[str, str]]:
    """401 / 403 / 429 with Retry-After; to a client speaking trace.moe, trace.moe's statuses: 403
    for a key it does not know and 402 for a spent quota (its rate stays 429)."""
    status = HTTPStatus.UNAUTHORIZED if isinstance(exc, KeyRequired) else HTTPStatus.FORBIDDEN
    if trace_moe and isinstance(exc, KeyRequired):
        status = HTTPStatus.FORBIDDEN
    headers: dict[str, str] = {}
    if isinstance(exc, OverLimit):
        spent = trace_moe and exc.refused_by == "quota"
        status = HTTPStatus.PAYMENT_REQUIRED if spent else HTTPStatus.TOO_MANY_REQUESTS
        headers = {"Retry-After": str(exc.retry_after), **rate_headers(exc.usage, access.clock())}
    return Response(status.value, content_types.APPLICATION_JSON, {"error": str(exc)}, headers)


def access_middleware(access: Access) -> Middleware:
    """The middleware of ``access``: who the request is, whether its role may, and a search's count."""

    def gate(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[object]:
        event = app.current_event
        method, path = event.http_method, event.path
        needed = needed_role(method, path)
        if needed is None:
            return next_middleware(app)
        try:
            caller = access.caller(api_key(event.headers, event.query_string_parameters), source_ip(event))
            access.check_role(caller, needed)
            app.append_context(**{_CALLER: caller})
            if not is_search(method, path):
                return _with_headers(access, caller, _answered(app, next_middleware))
            usage = access.reserve(caller)
        except AccessError as exc:
            trace_moe = speaks_trace_moe(event.headers, event.query_string_parameters)
            return _refusal(exc, access, trace_moe=trace_moe)  # type: ignore[return-value]  # a dict body
        return _counted(access, app, next_middleware, usage)

    return gate


def _answered(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[object]:
    """The route's answer; an error it raises is answered here as the app would (so the answer
    can carry the rate headers). Powertools' own HTTP errors pass through."""
    try:
        return next_middleware(app)
    except ServiceError:
        raise
    except Exception as exc:
        failed = status_of(exc) >= HTTPStatus.INTERNAL_SERVER_ERROR
        answer = internal_error(exc, app.current_event) if failed else error_response(exc)
        return answer  # type: ignore[return-value]  # a dict body is an object


def _with_headers(access: Access, caller: Caller, response: Response[object]) -> Response[object]:
    """A response that counts nothing still says where the caller stands (every response does)."""
    if "RateLimit-Limit" not in response.headers:  # GET /me sets them itself
        response.headers.update(rate_headers(access.usage(caller), access.clock()))
    return response


def _counted(
    access: Access, app: APIGatewayHttpResolver, next_middleware: NextMiddleware, usage: Usage
) -> Response[object]:
    """Run the search; refund its reservation unless it answered 2xx/3xx; add the rate headers."""
    try:
        response = _answered(app, next_middleware)
    except ServiceError:
        access.refund(usage)
        raise
    if response.status_code >= HTTPStatus.BAD_REQUEST:
        access.refund(usage)
        usage = Usage(usage.caller, usage.used - 1, usage.reset, usage.window)
    response.headers.update(rate_headers(usage, access.clock()))
    return response


def me_router(access: Access) -> APIGatewayHttpRouter:
    """``GET /me``: the caller's name, role, quota, rate, used today and the reset time, and
    trace.moe's ``id``, ``priority``, ``concurrency`` and ``quotaUsed`` (ashen.api.tracemoe)."""
    router = APIGatewayHttpRouter()

    @router.get("/me")
    def me() -> Response[dict[str, object]]:
        caller: Caller = router.context[_CALLER]
        usage = access.usage(caller)
        trace_id = caller.subject.removeprefix("ip:") if caller.role is None else caller.name
        body: dict[str, object] = {
            "name": caller.name,
            "role": str(caller.role) if caller.role is not None else "anonymous",
            "quota": caller.quota,
            "used": usage.used,
            "remaining": usage.remaining,
            "rate": caller.rate,
            "reset": datetime.fromtimestamp(usage.reset, UTC).isoformat().replace("+00:00", "Z"),
            "resetEpoch": usage.reset,
            **me_fields(trace_id, caller.quota, usage.used),
        }
        return Response(200, content_types.APPLICATION_JSON, body, rate_headers(usage, access.clock()))

    return router
