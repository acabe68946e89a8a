"""What both clients share: settings from arguments or the environment, and the retry decision."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ashen_client._errors import TransportError, error_of, retry_after
from ashen_client._retry import Retry
from ashen_client._routes import Call

DEFAULT_URL = "http://127.0.0.1:8000"  # `ashen serve`'s
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0  # a clip search on a busy server can take seconds
USER_AGENT = "ashen-client-python/0.1.0"


@dataclass(frozen=True)
class Settings:
    """The base URL and key (arguments, else $ASHEN_API_URL and $ASHEN_API_KEY) and timeouts."""

    base_url: str
    api_key: str | None
    timeout: httpx.Timeout

    @classmethod
    def of(cls, base_url: str | None, api_key: str | None, connect_timeout: float, read_timeout: float) -> Settings:
        url = (base_url or os.environ.get("ASHEN_API_URL") or DEFAULT_URL).rstrip("/")
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"the base URL must be http(s)://..., got {url!r}")
        key = api_key if api_key is not None else os.environ.get("ASHEN_API_KEY") or None
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout)
        return cls(url, key, timeout)

    def request_args(self, call: Call[Any]) -> dict[str, Any]:
        """httpx request arguments of ``call``; the key goes only to the API's own origin (never to
        an S3 upload URL)."""
        headers = {"user-agent": USER_AGENT, **call.headers}
        target = urlsplit(call.path)
        if self.api_key and (not target.scheme or target.netloc == urlsplit(self.base_url).netloc):
            headers["x-api-key"] = self.api_key
        args: dict[str, Any] = {"params": dict(call.params) or None, "headers": headers}
        if call.json is not None:
            args["json"] = call.json
        elif call.content is not None:
            args["content"] = call.content
        return args


def outcome(retry: Retry, call: Call[Any], attempt: int, result: httpx.Response | httpx.TransportError) -> Any:
    """What to do after one try: ``(answer, None)``, ``(None, seconds to wait before the next)``,
    or raise the error (an ApiError by status, or TransportError) when no retry is left or fits."""
    if isinstance(result, httpx.TransportError):
        delay = retry.delay(attempt, None) if retry.retries_error(result, call.idempotent) else None
        if delay is None:
            raise TransportError(f"{call.method} {call.path}: {type(result).__name__}: {result}") from result
        return None, delay
    if result.status_code < 400:
        return call.read(result), None
    error = error_of(result)
    delay = (
        retry.delay(attempt, retry_after(result)) if retry.retries_status(result.status_code, call.idempotent) else None
    )
    if delay is None:
        raise error
    return None, delay
