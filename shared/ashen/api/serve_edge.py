"""The edge rules `ashen serve` applies before the API sees a request, as a WSGI wrapper.

* Host: only ``localhost``, an IP literal or the bound host name, on the served port (421
  otherwise): a DNS-rebinding page, whose Host is its own name, cannot read the library.
* CORS: no ``Access-Control-*`` header unless the request's Origin is one of the configured ones.
* Admission: a worker admits ``threads`` requests at once and runs ``cpu_slots`` of them in the
  resolver; the rest answer 503 with Retry-After at once (or after waiting ``queue_timeout`` s).
* Bodies: over ``max_body`` is 413 before a byte of it is read; a body is read only once the
  request holds a slot, so waiting requests keep theirs in the socket, not in memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import ipaddress
import json
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from wsgiref.types import StartResponse, WSGIEnvironment

if TYPE_CHECKING:
    from _typeshed import OptExcInfo

Handler = Callable[[WSGIEnvironment, bytes, StartResponse], Iterable[bytes]]

MAX_BODY = 26 * 1024 * 1024  # the API's 25 MiB image limit plus room for a multipart form's framing
_CORS_ALLOW = "Content-Type, x-api-key"
_CORS_METHODS = "GET,POST,PATCH,DELETE,OPTIONS"
# The rate-limit headers of docs/accounts.md, readable by the allowed pages.
_CORS_EXPOSE = "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Retry-After, " + (
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
_TOO_LARGE = ("413 Payload Too Large", "request body too large")


@dataclass(frozen=True)
class EdgeLimits:
    """What one worker admits; see the module doc."""

    threads: int = 8
    cpu_slots: int = 2
    queue_timeout: float = 10.0
    max_body: int = MAX_BODY
    retry_after: int = 1


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split_host(value: str) -> tuple[str, str]:
    """A Host header's name and port ("" when it has none); IPv6 literals come bracketed."""
    value = value.strip()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else ""
    name, _, port = value.partition(":")
    return (value, "") if ":" in port else (name, port)


def host_allowed(host_header: str, bound_host: str, port: int) -> bool:
    """Whether a request's Host names this server: localhost, an IP literal or the bound name, on ``port``."""
    name, given_port = _split_host(host_header)
    if not name or (given_port and given_port != str(port)):
        return False
    name = name.lower()
    if name in {"localhost", bound_host.lower().strip("[]")}:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _json(start_response: StartResponse, status: str, message: str, extra: list[tuple[str, str]]) -> list[bytes]:
    data = json.dumps({"error": message}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *extra]
    start_response(status, headers)
    return [data]


def _cors_start(start_response: StartResponse, origin: str | None) -> StartResponse:
    """``start_response`` less the API's own CORS headers, plus ours for an allowed ``origin``."""

    def start(
        status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None, /
    ) -> Callable[[bytes], object]:
        kept = [(n, v) for n, v in headers if not n.lower().startswith("access-control-")]
        if origin is not None:
            kept += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            kept += [("Access-Control-Allow-Headers", _CORS_ALLOW), ("Access-Control-Allow-Methods", _CORS_METHODS)]
            kept += [("Access-Control-Expose-Headers", _CORS_EXPOSE)]
        return start_response(status, kept, exc_info)

    return start


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None) if sys.platform.startswith("linux") else None


def give_back_memory() -> None:
    """Hand the heap pages a request freed back to the system. glibc keeps them in its per-thread
    arenas otherwise: five 50-megapixel decodes left a worker at 600 MB for good
    (benchmarks/serve_memory.py). A no-op where there is no malloc_trim."""
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)


class EdgeApp:
    """The WSGI app of one worker: the edge rules around ``handler``, which answers a request
    whose body has been read (``on_received`` is told then: the request deadline stops)."""

    def __init__(
        self,
        handler: Handler,
        limits: EdgeLimits,
        *,
        bound_host: str,
        cors_origins: Iterable[str] = (),
        on_received: Callable[[], None] = lambda: None,
    ) -> None:
        self.handler, self.limits, self.bound_host = handler, limits, bound_host
        self.cors_origins = frozenset(o.rstrip("/") for o in cors_origins)
        self.on_received = on_received
        self._admitted = threading.BoundedSemaphore(limits.threads)
        self._running = threading.BoundedSemaphore(limits.cpu_slots)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        port = int(environ.get("SERVER_PORT") or 0)
        if not host_allowed(environ.get("HTTP_HOST", ""), self.bound_host, port):
            self.on_received()
            return _json(start_response, "421 Misdirected Request", "unknown Host for this server", [])
        origin = environ.get("HTTP_ORIGIN")
        start = _cors_start(start_response, origin if origin in self.cors_origins else None)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = self.limits.max_body + 1 if chunked else _content_length(environ)  # chunked: read, then judge
        if length is None or (length > self.limits.max_body and not chunked):
            self.on_received()
            status, why = ("400 Bad Request", "bad Content-Length") if length is None else _TOO_LARGE
            return _json(start, status, why, [("Connection", "close")])
        if not self._admitted.acquire(blocking=False):
            return self._busy(start)
        try:
            if not self._running.acquire(timeout=self.limits.queue_timeout):
                return self._busy(start)
            try:
                body = environ["wsgi.input"].read(length) if length else b""
                self.on_received()
                if len(body) > self.limits.max_body:  # a chunked body: its size is known once read
                    return _json(start, *_TOO_LARGE, [("Connection", "close")])
                return self.handler(environ, body, start)
            finally:
                self._running.release()
                give_back_memory()
        finally:
            self._admitted.release()

    def _busy(self, start: StartResponse) -> list[bytes]:
        retry = [("Retry-After", str(self.limits.retry_after)), ("Connection", "close")]
        return _json(start, "503 Service Unavailable", "server busy, retry shortly", retry)


def _content_length(environ: WSGIEnvironment) -> int | None:
    """The declared body length (0 if none); None if it is not a number."""
    raw = environ.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        return None
    return length if length >= 0 else None
