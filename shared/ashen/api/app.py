"""The search API as a Powertools HTTP API resolver: one app for Lambda and for ``ashen serve``.

Routes: ``POST /search`` (image body, multipart field ``image``, JSON ``{"url"}`` or
``{"signature"}``), ``GET /search?url=``, ``GET /videos``, ``GET /videos/{id}`` and
``GET /openapi.json``. Bad input answers 400 / 413 / 415 with ``{"error": "..."}``, never 500.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response, content_types

from ashen.api.errors import (
    STATUS_BY_TYPE,
    ApiError,
    BadRequest,
    PayloadTooLarge,
    RouteNotFound,
    UnsupportedMediaType,
    error_response,
)
from ashen.descriptors.signature import Signature
from ashen.errors import NotFoundError
from ashen.query.images import MAX_IMAGE_BYTES, load_frames
from ashen.search.pipeline import DEFAULT_LIMIT, SearchResult, search, search_clip
from ashen.store.port import SceneStore

MAX_LIMIT = 100
URL_TIMEOUT_S = 10.0
OPENAPI_FILE = "openapi.json"


def _json(status: int, data: object) -> Response[str]:
    return Response(status, content_types.APPLICATION_JSON, json.dumps(data))


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document kept in the repo (packaged next to this module in the Lambda layer)."""
    candidates = [os.environ.get("ASHEN_OPENAPI"), Path(__file__).with_name(OPENAPI_FILE),
                  Path(__file__).resolve().parents[3] / OPENAPI_FILE]  # fmt: skip
    for path in candidates:
        if path and Path(path).is_file():
            return json.loads(Path(path).read_text())
    raise FileNotFoundError(OPENAPI_FILE)


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _body_bytes(event: Any) -> bytes:
    body = event.body
    if body is None:
        return b""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body)
        except ValueError:
            raise BadRequest("body is not valid base64") from None
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _check_size(data: bytes) -> bytes:
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"image is larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    return data


def _multipart_image(content_type: str, body: bytes) -> bytes:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRequest("multipart body could not be parsed")
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "image":
            data = part.get_payload(decode=True)
            return data if isinstance(data, bytes) else b""
    raise BadRequest("multipart form has no 'image' field")


def _public_host(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        raise BadRequest(f"bad url: host {host!r} cannot be resolved") from None
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_multicast:
            return False
    return True


def fetch_url(url: str) -> bytes:
    """GET an image by URL (http/https, public hosts unless ASHEN_ALLOW_PRIVATE_URLS=1), size-capped."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("bad url: only http and https URLs are fetched")
    if not _flag(os.environ.get("ASHEN_ALLOW_PRIVATE_URLS")) and not _public_host(parts.hostname):
        raise BadRequest("bad url: private or local addresses are not fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "ashen/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_IMAGE_BYTES:
                raise PayloadTooLarge(f"image is larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
            data = resp.read(MAX_IMAGE_BYTES + 1)
    except ApiError:
        raise
    except urllib.error.HTTPError as exc:
        raise BadRequest(f"bad url: the server answered {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BadRequest(f"bad url: could not fetch it ({reason})") from None
    return _check_size(data)


def _image_frames(data: bytes) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """A still image is one frame; an animated GIF / WebP / APNG is a clip of several."""
    return load_frames(_check_size(data))


def create_app(
    store: SceneStore | None = None,
    *,
    store_factory: Callable[[], SceneStore] | None = None,
    on_search: Callable[[SearchResult, float], None] | None = None,
) -> APIGatewayHttpResolver:
    """The resolver, on ``store`` or on what ``store_factory`` makes on first use (a cheap cold start)."""
    if (store is None) == (store_factory is None):
        raise ValueError("give exactly one of store and store_factory")
    app = APIGatewayHttpResolver(cors=CORSConfig(allow_origin="*", max_age=300), serializer=json.dumps)
    holder: dict[str, SceneStore] = {} if store is None else {"store": store}

    def get_store() -> SceneStore:
        if "store" not in holder:
            assert store_factory is not None
            holder["store"] = store_factory()
        return holder["store"]

    def query_options() -> tuple[str | None, int, dict[str, bool]]:
        params = app.current_event.query_string_parameters or {}
        title = params.get("title") or None
        raw = params.get("limit")
        try:
            limit = DEFAULT_LIMIT if raw in (None, "") else int(raw)
        except ValueError:
            raise BadRequest("limit must be a whole number") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        variants = {"borders": _flag(params.get("cutBorders"), default=True), "mirrors": _flag(params.get("mirror"),
                    default=True), "crops": _flag(params.get("uncrop"), default=True),
                    "tones": _flag(params.get("tones"), default=True)}  # fmt: skip
        return title, limit, variants

    def answer(query: Signature | list[tuple[float, npt.NDArray[np.uint8]]]) -> Response[str]:
        title, limit, variants = query_options()
        began = time.perf_counter()
        if isinstance(query, Signature):
            result = search(get_store(), query, limit=limit, title=title)
        else:
            result = search_clip(get_store(), query, limit=limit, title=title, **variants)
        if on_search is not None:
            on_search(result, time.perf_counter() - began)
        return _json(200, {"error": "", **result.to_dict()})  # frameCount, result, and flat when it is

    @app.post("/search")
    def post_search() -> Response[str]:
        event = app.current_event
        content_type = (event.headers or {}).get("content-type", "").strip()
        mime = content_type.split(";", 1)[0].strip().lower()
        query_options()  # validate parameters before reading the body
        body = _body_bytes(event)
        if mime.startswith("image/") or mime == "application/octet-stream":
            return answer(_image_frames(body))
        if mime == "multipart/form-data":
            _check_size(body)
            return answer(_image_frames(_multipart_image(content_type, body)))
        if mime == "application/json" or (not mime and body.lstrip().startswith(b"{")):
            try:
                doc = json.loads(body or b"null")
            except (ValueError, UnicodeDecodeError):
                raise BadRequest("body is not valid JSON") from None
            if not isinstance(doc, dict):
                raise BadRequest('JSON body must be an object: {"url": ...} or {"signature": ...}')
            if isinstance(doc.get("signature"), str):
                try:
                    signature = Signature.from_hex(doc["signature"].strip())
                except (ValueError, TypeError) as exc:
                    raise BadRequest(f"bad signature: {exc}") from None
                return answer(signature)
            if isinstance(doc.get("url"), str):
                return answer(_image_frames(fetch_url(doc["url"])))
            raise BadRequest('JSON body needs "url" or "signature"')
        if not mime:
            raise UnsupportedMediaType("missing Content-Type: send image/*, multipart/form-data or application/json")
        raise UnsupportedMediaType(
            f"unsupported Content-Type {mime}: send image/*, multipart/form-data or application/json"
        )

    @app.get("/search")
    def get_search() -> Response[str]:
        params = app.current_event.query_string_parameters or {}
        url = params.get("url")
        if not url:
            raise BadRequest("GET /search needs ?url=<image url> (or POST the image)")
        query_options()
        return answer(_image_frames(fetch_url(url)))

    @app.get("/videos")
    def list_videos() -> Response[str]:
        return _json(200, {"videos": [_video_view(v) for v in get_store().list_videos()]})

    @app.get("/videos/<video_id>")
    def get_video(video_id: str) -> Response[str]:
        video = get_store().get_video(video_id)
        if video is None:
            raise NotFoundError(f"no video {video_id}")
        return _json(200, _video_view(video))

    @app.get("/openapi.json")
    def openapi() -> Response[str]:
        return _json(200, openapi_document())

    app.exception_handler(list(STATUS_BY_TYPE))(error_response)

    @app.not_found
    def no_route(exc: Exception) -> Response[dict[str, str]]:
        return error_response(RouteNotFound(f"no route {app.current_event.http_method} {app.current_event.path}"))

    return app


def _video_view(video: Any) -> dict[str, object]:
    data = video.to_dict()
    keep = ("id", "title", "episode", "filename", "duration", "fps", "width", "height", "frames", "scenes",
            "status", "error", "segments_planned", "segments_done", "indexed_at")  # fmt: skip
    view = {k: data[k] for k in keep}
    planned = video.segments_planned
    view["progress"] = (
        round(video.segments_done / planned, 4) if planned else (1.0 if video.status == "indexed" else 0.0)
    )
    return view
