"""The client side of ``POST /uploads`` (`ashen upload`): ask where to upload, send the file
(streamed, with a progress callback), then poll ``GET /videos/<id>`` until it is indexed.

Either platform's answer is sent the same way: with ``fields`` (S3's presigned POST) the file goes
as the last part of a multipart form after them; without (``ashen serve``) as the raw body. The
stdlib's http.client streams it; nothing of the file is held in memory. Every request to the API
carries ``x-api-key`` when a key is given."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ashen.errors import AshenError

_CHUNK = 1 << 20
TIMEOUT_S = 60.0


class UploadFailed(AshenError):
    """The API refused the upload, the transfer failed, or the video failed to index."""


@dataclass(frozen=True)
class Api:
    """The API at ``url`` (``http(s)://host[:port]``), with an API key or none."""

    url: str
    key: str | None = None

    def call(self, method: str, path: str, doc: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"content-type": "application/json"} | ({"x-api-key": self.key} if self.key else {})
        body = json.dumps(doc).encode() if doc is not None else None
        status, data = _request(method, self.url.rstrip("/") + path, headers, [body] if body else [], len(body or b""))
        try:
            answer = json.loads(data or b"{}")
        except ValueError:
            answer = {"error": data[:200].decode("utf-8", "replace")}
        if status >= 400:
            raise UploadFailed(f"{method} {path}: {status} {answer.get('error', '')}".rstrip())
        return answer if isinstance(answer, dict) else {}


def _request(method: str, url: str, headers: dict[str, str], chunks: Any, length: int) -> tuple[int, bytes]:
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.netloc, timeout=TIMEOUT_S)
    try:
        conn.putrequest(method, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        for name, value in (headers | {"content-length": str(length)}).items():
            conn.putheader(name, value)
        conn.endheaders()
        for chunk in chunks:
            conn.send(chunk)
        response = conn.getresponse()
        return response.status, response.read()
    except OSError as exc:
        raise UploadFailed(f"{method} {parts.netloc}: {exc}") from exc
    finally:
        conn.close()


def _file_chunks(path: Path, on_sent: Callable[[int], object]) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            yield chunk
            on_sent(len(chunk))


def send_file(upload: dict[str, Any], path: Path, on_sent: Callable[[int], object]) -> None:
    """Send ``path`` as ``upload`` (the answer's ``upload``: url, fields, method) says."""
    size = path.stat().st_size
    fields: dict[str, str] = upload.get("fields") or {}
    if not fields:
        headers = {"content-type": "application/octet-stream"}
        chunks: Iterator[bytes] = _file_chunks(path, on_sent)
        status, data = _request(upload.get("method", "POST"), upload["url"], headers, chunks, size)
    else:
        boundary = "ashen-" + secrets.token_hex(12)
        head = "".join(
            f'--{boundary}\r\ncontent-disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
        )
        head += f'--{boundary}\r\ncontent-disposition: form-data; name="file"; filename="{path.name}"\r\n'
        head += "content-type: application/octet-stream\r\n\r\n"
        tail = f"\r\n--{boundary}--\r\n".encode()
        headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
        stream = _chain(head.encode(), _file_chunks(path, on_sent), tail)
        status, data = _request("POST", upload["url"], headers, stream, len(head.encode()) + size + len(tail))
    if status >= 300:
        raise UploadFailed(f"the upload was refused: {status} {data[:300].decode('utf-8', 'replace')}")


def _chain(head: bytes, middle: Iterator[bytes], tail: bytes) -> Iterator[bytes]:
    yield head
    yield from middle
    yield tail


def start_upload(api: Api, path: Path, title: str, episode: str | None) -> dict[str, Any]:
    """The answer of ``POST /uploads`` for ``path``."""
    doc = {"filename": path.name, "title": title, "size": path.stat().st_size}
    return api.call("POST", "/uploads", doc | ({"episode": episode} if episode else {}))


def wait_indexed(
    api: Api, video_id: str, on_progress: Callable[[float], None], *, every: float = 1.0, limit_s: float = 86400
) -> dict[str, Any]:
    """Poll the video until it is indexed (its view); UploadFailed with its reason if it failed."""
    began = time.monotonic()
    while time.monotonic() - began < limit_s:
        try:
            view = api.call("GET", f"/videos/{video_id}")
        except UploadFailed as exc:
            if " 404" not in str(exc):  # on AWS the video appears once the split function ran
                raise
            view = {"status": "uploaded", "progress": 0.0}
        on_progress(float(view.get("progress") or 0.0))
        if view.get("status") == "indexed":
            return view
        if view.get("status") == "failed":
            raise UploadFailed(f"{video_id} failed to index: {view.get('error') or 'no reason given'}")
        time.sleep(every)
    raise UploadFailed(f"{video_id} was not indexed after {limit_s:.0f} s")


def api_key(given: str | None) -> str | None:
    return given or os.environ.get("ASHEN_API_KEY") or None
