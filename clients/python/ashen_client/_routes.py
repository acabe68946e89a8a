"""Every route of the API as a ``Call``: what to send and how to read the answer.

Both clients (``Client``, ``AsyncClient``) send these same calls; only how they wait differs.
``OPERATIONS`` names the method that serves each operationId of openapi.json (a test fails when a
route has none).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from ashen_client._models import Me, Removal, SearchResponse, Upload, Video, VideoPage
from ashen_client._sources import Url

T = TypeVar("T")

OPERATIONS: dict[str, str] = {
    "searchImage": "search",
    "searchUrl": "search",
    "listVideos": "videos",
    "getVideo": "video",
    "updateVideo": "update_video",
    "deleteVideo": "delete_video",
    "reindexVideo": "reindex",
    "createUpload": "create_upload",
    "getMe": "me",
    "openapi": "openapi",
    "webPage": "web_page",
    "webAsset": "web_asset",
    "apiDocs": "api_docs",
    "apiDocsAsset": "api_docs_asset",
    "getVideoPreview": "preview_video",
    "getImagePreview": "preview_image",
}
UNSET: Any = object()  # a patch field left as it is (None clears it)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request: method, path (relative to the base URL, or absolute), what it carries, how
    its answer is read, and whether sending it twice is harmless (it may then be retried on any
    retryable failure)."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool = True


def _json(response: httpx.Response) -> Any:
    return response.json()


def _bytes(response: httpx.Response) -> bytes:
    return response.content


def _text(response: httpx.Response) -> str:
    return response.text


def _search(response: httpx.Response) -> SearchResponse:
    return SearchResponse.from_json(response.json())


def _video(response: httpx.Response) -> Video:
    return Video.from_json(response.json())


def _seg(value: str) -> str:
    return quote(value, safe="")


def search_params(
    *,
    title: str | None = None,
    limit: int = 10,
    anilist_id: int | None = None,
    cut_borders: bool = True,
    mirror: bool = True,
    uncrop: bool = True,
    tones: bool = True,
    anilist_info: bool = False,
) -> dict[str, str]:
    """The query parameters of a search (only those that differ from the API's defaults)."""
    params = {"limit": str(limit)}
    if title:
        params["title"] = title
    if anilist_id is not None:
        params["anilistID"] = str(anilist_id)
    for name, on in (("cutBorders", cut_borders), ("mirror", mirror), ("uncrop", uncrop), ("tones", tones)):
        if not on:
            params[name] = "0"
    if anilist_info:
        params["anilistInfo"] = "1"
    return params


def search(
    body: bytes | Url, params: Mapping[str, str], content_type: str = "application/octet-stream"
) -> Call[SearchResponse]:
    """``POST /search`` with the picture's bytes (or a descriptor), or ``GET /search?url=``."""
    if isinstance(body, Url):
        return Call("GET", "/search", _search, {**params, "url": body.url})
    return Call("POST", "/search", _search, params, content=body, headers={"content-type": content_type})


def search_signature(signature: str, params: Mapping[str, str]) -> Call[SearchResponse]:
    return Call("POST", "/search", _search, params, json={"signature": signature.strip()})


def videos_page(limit: int | None, cursor: str | None, status: str | None) -> Call[VideoPage]:
    params = {k: str(v) for k, v in (("limit", limit), ("cursor", cursor), ("status", status)) if v is not None}
    return Call("GET", "/videos", lambda r: VideoPage.from_json(r.json()), params)


def video(video_id: str) -> Call[Video]:
    return Call("GET", f"/videos/{_seg(video_id)}", _video)


def update_video(video_id: str, title: Any, episode: Any, anilist: Any, mal: Any) -> Call[Video]:
    patch = {k: v for k, v in (("title", title), ("episode", episode), ("anilist", anilist), ("mal", mal))}
    return Call("PATCH", f"/videos/{_seg(video_id)}", _video, json={k: v for k, v in patch.items() if v is not UNSET})


def delete_video(video_id: str) -> Call[Removal]:
    return Call("DELETE", f"/videos/{_seg(video_id)}", lambda r: Removal.from_json(r.json()))


def reindex(video_id: str) -> Call[Video]:
    return Call("POST", f"/videos/{_seg(video_id)}/reindex", _video, idempotent=False)


def create_upload(filename: str, title: str, size: int, episode: str | None) -> Call[Upload]:
    body: dict[str, object] = {"filename": filename, "title": title, "size": size}
    if episode is not None:
        body["episode"] = episode
    return Call("POST", "/uploads", lambda r: Upload.from_json(r.json()), json=body, idempotent=False)


def upload_file(upload: Upload, path: str | os.PathLike[str]) -> Call[Any]:
    """The file sent where ``POST /uploads`` said: as the raw body (``ashen serve``), or as the
    form field ``file`` after the given fields (an S3 presigned POST). Not retried: a one-time URL."""
    target = upload.upload
    with open(path, "rb") as stream:
        data = stream.read()
    if not target.fields:
        return Call(target.method, target.url, _bytes, content=data, idempotent=False)
    form = httpx.Request(target.method, target.url, data=target.fields, files={"file": (os.path.basename(path), data)})
    headers = {"content-type": form.headers["content-type"]}
    return Call(target.method, target.url, _bytes, content=form.read(), headers=headers, idempotent=False)


def me() -> Call[Me]:
    return Call("GET", "/me", lambda r: Me.from_json(r.json()))


def openapi() -> Call[Any]:
    return Call("GET", "/openapi.json", _json)


def web_page() -> Call[str]:
    return Call("GET", "/", _text)


def web_asset(name: str) -> Call[bytes]:
    return Call("GET", f"/web/{_seg(name)}", _bytes)


def api_docs() -> Call[str]:
    return Call("GET", "/docs", _text)


def api_docs_asset(name: str) -> Call[bytes]:
    return Call("GET", f"/docs/{_seg(name)}", _bytes)


def preview(url: str | None, kind: str) -> Call[bytes]:
    """A match's preview (its signed ``video_url`` or ``image_url``, absolute or from the root)."""
    if not url:
        raise ValueError(f"this match has no {kind} preview URL (the server serves none)")
    parts = urlsplit(url)
    path = url if parts.scheme else f"{parts.path}{'?' + parts.query if parts.query else ''}"
    return Call("GET", path, _bytes)
