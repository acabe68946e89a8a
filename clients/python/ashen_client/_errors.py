"""The errors the SDK raises: one class per HTTP status the API answers, and TransportError."""

from __future__ import annotations

import email.utils
import time

import httpx


class AshenClientError(Exception):
    """Base class of every error this SDK raises."""


class TransportError(AshenClientError):
    """The request got no answer: the server could not be reached, or a timeout passed (after retries)."""


class IndexingFailed(AshenClientError):
    """``wait_indexed``: the video's indexing failed; ``video`` says why (``video.error``)."""

    def __init__(self, video: object, message: str) -> None:
        super().__init__(message)
        self.video = video


class ApiError(AshenClientError):
    """The API answered an error status: ``status``, the API's ``message`` and the ``response``."""

    def __init__(self, status: int, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status, self.message, self.response = status, message, response


class BadRequest(ApiError):
    """400: a malformed request, parameter or picture."""


class Unauthorized(ApiError):
    """401: a key is required, or the key given is not known."""


class PaymentRequired(ApiError):
    """402: a trace.moe key's quota is spent (trace.moe's status)."""


class Forbidden(ApiError):
    """403: the key's role may not do this (management routes need ``admin``), or a bad preview URL."""


class NotFound(ApiError):
    """404: no such video, route or file."""


class PayloadTooLarge(ApiError):
    """413: the body, or the picture behind a URL, is over the API's size limit."""


class UnsupportedMediaType(ApiError):
    """415: a body the API does not read (a TIFF, a PDF...)."""


class RateLimited(ApiError):
    """429: over a quota or a rate; ``retry_after`` is the seconds the API asked to wait (or None)."""

    def __init__(
        self, status: int, message: str, response: httpx.Response | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(status, message, response)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the server failed (the message carries its request id for its log)."""


BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    402: PaymentRequired,
    403: Forbidden,
    404: NotFound,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: RateLimited,
}


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (a number or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]:
        request = body.get("requestId")
        return f"{body['error']} (request {request})" if request else str(body["error"])
    return response.reason_phrase


def error_of(response: httpx.Response) -> ApiError:
    """The error an error ``response`` stands for, by its status."""
    status, message = response.status_code, _message(response)
    if status == 429:
        return RateLimited(status, message, response, retry_after(response))
    if status >= 500:
        return ServerError(status, message, response)
    return BY_STATUS.get(status, ApiError)(status, message, response)
