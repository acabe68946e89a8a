"""`ashen serve`: the Powertools resolver of ashen.api.app as a WSGI handler (served by
``serve_gunicorn`` behind the edge rules of ``serve_edge``).

Each request is translated into an API Gateway HTTP API (payload v2) event, resolved by the very
same app the query Lambda runs, and the proxy response is written back, so curl, the SDK and the
web page behave alike against local and cloud.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.types import StartResponse, WSGIEnvironment

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ashen.api.serve_edge import Handler

_REASONS = {
    200: "OK",
    204: "No Content",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    421: "Misdirected Request",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class LocalContext:
    """The bits of a Lambda context the resolver and Powertools may read."""

    function_name: str = "ashen-local"
    memory_limit_in_mb: int = 0
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:ashen-local"
    aws_request_id: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass(frozen=True)
class LocalRequest:
    """One HTTP request as the local server received it."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    raw_body: bool = False  # binary bodies as bytes, not base64 (the local server: no copy of an upload)

    def event(self) -> dict[str, Any]:
        """The API Gateway HTTP API (payload v2) event of this request, shaped as API Gateway shapes
        it: header names lower-cased, cookies apart, repeated query keys joined with commas, a binary
        body base64 (text as it is)."""
        headers = {k.lower(): v for k, v in self.headers.items()}
        params: dict[str, str] = {}
        for k, v in parse_qsl(self.query, keep_blank_values=True):
            params[k] = f"{params[k]},{v}" if k in params else v
        now = time.time()
        return {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": self.path,
            "rawQueryString": self.query,
            "cookies": [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()] or None,
            "headers": headers,
            "queryStringParameters": params or None,
            "requestContext": {
                "accountId": "local",
                "apiId": "local",
                "domainName": headers.get("host", "localhost"),
                "domainPrefix": "local",
                "http": {
                    "method": self.method.upper(),
                    "path": self.path,
                    "protocol": self.protocol,
                    "sourceIp": self.source_ip,
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": uuid.uuid4().hex,
                "routeKey": "$default",
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
            **(
                _event_body(self.body)
                if not self.raw_body or not self.body
                else {"body": self.body, "isBase64Encoded": False}
            ),
        }


def _event_body(body: bytes) -> dict[str, Any]:
    """The body fields of an event: text as it is (JSON needs no base64 round trip), other bytes
    base64 as API Gateway sends binary media."""
    if not body:
        return {"body": None, "isBase64Encoded": False}
    try:
        return {"body": body.decode("utf-8"), "isBase64Encoded": False}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


def http_event(
    method: str, path: str, *, query: str = "", headers: Mapping[str, str] | None = None, body: bytes = b""
) -> dict[str, Any]:
    """The HTTP API event of a request from 127.0.0.1 over HTTP/1.1 (see ``LocalRequest.event``)."""
    return LocalRequest(method, path, query, headers or {}, body).event()


def wsgi_to_event(environ: WSGIEnvironment, body: bytes) -> dict[str, Any]:
    """The HTTP API event of one WSGI request."""
    headers = {key[5:].replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    request = LocalRequest(
        raw_body=True,
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO", "/") or "/",
        query=environ.get("QUERY_STRING", ""),
        headers=headers,
        body=body,
        source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
        protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
    )
    return request.event()


def resolver_handler(app_factory: Callable[[], APIGatewayHttpResolver]) -> Handler:
    """A handler (see ``serve_edge``) answering each request with an app from ``app_factory``, one
    app per thread: the resolver keeps the current event on itself, so a thread may not share it."""
    apps = threading.local()

    def handle(environ: WSGIEnvironment, body: bytes, start_response: StartResponse) -> Iterable[bytes]:
        app: APIGatewayHttpResolver | None = getattr(apps, "app", None)
        if app is None:
            app = apps.app = app_factory()
        event = wsgi_to_event(environ, body)
        del body  # the event holds the body now; this frame's reference would keep a second copy
        context = LocalContext(aws_request_id=event["requestContext"]["requestId"])
        response = app.resolve(event, context)  # type: ignore[arg-type]  # LocalContext stands in for LambdaContext
        del event
        status, headers, data = _wsgi_response(response)
        start_response(status, headers)
        return [data]

    return handle


def _wsgi_response(response: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """The status line, headers and body of an API Gateway proxy response."""
    status = int(response.get("statusCode", 200))
    payload = response.get("body") or ""
    data = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode("utf-8")
    headers = [(name, str(value)) for name, value in (response.get("headers") or {}).items()]
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    headers += [("Set-Cookie", c) for c in response.get("cookies") or []]
    if not any(n.lower() == "content-length" for n, _ in headers):
        headers.append(("Content-Length", str(len(data))))
    return f"{status} {_REASONS.get(status, 'Status')}", headers, data
