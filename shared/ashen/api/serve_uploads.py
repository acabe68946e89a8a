"""The upload URLs of `ashen serve`: ``POST /uploads/<token>`` with the video file as the raw body.

The one route the resolver does not see: its body may be far larger than the edge's cap
(``EdgeLimits.max_body``), so it is streamed to the store's home a chunk at a time, never held in
memory, by the ``UploadSink`` (ashen.indexing.library.LocalLibrary), which then indexes it in the
background. The Host rule applies as to every request; the request deadline stops once the headers
are in (a large file takes as long as it takes), and a worker takes ``at_once`` uploads at a time.
Answers ``201 {"videoId", "status": "indexing"}``; 403 for a token that is not valid (forged,
expired, used), 413 over the sink's maximum, 411 without a Content-Length."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import Protocol
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from ashen.api.serve_edge import host_allowed
from ashen.errors import AshenError

UPLOAD_PATH = re.compile(r"/uploads/([A-Za-z0-9_.\-]+)")


class UploadSink(Protocol):
    max_bytes: int

    def receive(self, token: str, body: _Readable, length: int) -> str:
        """Keep ``length`` bytes of ``body`` as the upload ``token`` names; the video id."""


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _answer(start_response: StartResponse, status: str, doc: dict[str, str]) -> list[bytes]:
    data = json.dumps(doc).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class UploadEdge:
    """A WSGI app that takes upload URLs itself and hands every other request to ``inner``."""

    def __init__(
        self,
        inner: WSGIApplication,
        sink: UploadSink,
        *,
        bound_host: str,
        at_once: int = 2,
        on_received: Callable[[], None] = lambda: None,
    ) -> None:
        self.inner, self.sink, self.bound_host, self.on_received = inner, sink, bound_host, on_received
        self._slots = threading.BoundedSemaphore(at_once)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        match = UPLOAD_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "POST" or match is None:
            return self.inner(environ, start_response)
        self.on_received()
        port = int(environ.get("SERVER_PORT") or 0)
        if not host_allowed(environ.get("HTTP_HOST", ""), self.bound_host, port):
            return _answer(start_response, "421 Misdirected Request", {"error": "unknown Host for this server"})
        raw = environ.get("CONTENT_LENGTH") or ""
        if not raw.isdecimal():
            return _answer(start_response, "411 Length Required", {"error": "an upload needs a Content-Length"})
        if int(raw) > self.sink.max_bytes:
            return _answer(start_response, "413 Payload Too Large", {"error": f"at most {self.sink.max_bytes} bytes"})
        if not self._slots.acquire(blocking=False):
            return _answer(start_response, "503 Service Unavailable", {"error": "too many uploads at once"})
        try:
            video_id = self.sink.receive(match.group(1), environ["wsgi.input"], int(raw))
        except AshenError as exc:
            return _answer(start_response, "403 Forbidden", {"error": str(exc)})
        finally:
            self._slots.release()
        return _answer(start_response, "201 Created", {"videoId": video_id, "status": "indexing"})
