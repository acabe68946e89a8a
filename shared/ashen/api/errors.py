"""Errors the HTTP layer raises, and the one table that gives every error its HTTP status.

The status of an answer depends on the type of the exception only, never on its message: the
most specific class listed in ``STATUS_BY_TYPE`` along the exception's MRO wins. Every 4xx answer
is ``{"error": "<message>"}``. Any other exception is a bug: it answers 500
``{"error": "internal error", "requestId": "..."}`` and goes to the log with its traceback, never to the client.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ashen.errors import AshenError, ImageTooLarge, NotFoundError, UnsupportedImageFormat
from ashen.preview.signing import BadSignature


class ApiError(Exception):
    """Bad input found by the HTTP layer itself (the request rather than the picture)."""


class BadRequest(ApiError):
    """The request is malformed: body, query parameters or URL."""


class PayloadTooLarge(ApiError):
    """The body, or the image behind a URL, is over the size limit."""


class UnsupportedMediaType(ApiError):
    """The body has a Content-Type the API does not read."""


class RouteNotFound(ApiError):
    """No route answers this method and path."""


STATUS_BY_TYPE: Mapping[type[Exception], HTTPStatus] = {
    AshenError: HTTPStatus.BAD_REQUEST,
    ImageTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    UnsupportedImageFormat: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,  # TIFF, PSD, EPS...: outside the decoding budget
    NotFoundError: HTTPStatus.NOT_FOUND,
    BadSignature: HTTPStatus.FORBIDDEN,  # a preview URL not signed by us, or expired
    ApiError: HTTPStatus.BAD_REQUEST,
    BadRequest: HTTPStatus.BAD_REQUEST,
    PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    RouteNotFound: HTTPStatus.NOT_FOUND,
}


def status_of(exc: Exception) -> HTTPStatus:
    """The status of the most specific listed class ``exc`` is an instance of (500 if none)."""
    listed = (STATUS_BY_TYPE[cls] for cls in type(exc).__mro__ if cls in STATUS_BY_TYPE)
    return next(listed, HTTPStatus.INTERNAL_SERVER_ERROR)


def error_response(exc: Exception) -> Response[dict[str, str]]:
    """``{"error": "<message>"}`` with the status of the exception's type."""
    return Response(status_of(exc).value, content_types.APPLICATION_JSON, {"error": str(exc)})


logger = logging.getLogger("ashen.api")


def request_id(event: BaseProxyEvent) -> str:
    """The API Gateway request id of ``event`` (the one in its access log), or a new one if it has none."""
    context = event.get("requestContext")
    found = context.get("requestId") if isinstance(context, dict) else None
    return found if isinstance(found, str) and found else uuid.uuid4().hex


def internal_error(exc: Exception, event: BaseProxyEvent) -> Response[dict[str, str]]:
    """500 for an exception no route expected: its request id to the client, the details to the log."""
    rid = request_id(event)
    method, path = event.http_method, event.path
    logger.error(
        "internal error: %s %s (request %s): %r",
        method,
        path,
        rid,
        exc,
        exc_info=exc,
        extra={"requestId": rid, "method": method, "path": path},
    )
    body = {"error": "internal error", "requestId": rid}
    return Response(HTTPStatus.INTERNAL_SERVER_ERROR.value, content_types.APPLICATION_JSON, body)
