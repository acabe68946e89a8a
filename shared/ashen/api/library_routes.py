"""Managing the library: ``POST /uploads`` (where to upload a video), ``DELETE /videos/<id>``,
``POST /videos/<id>/reindex`` and ``PATCH /videos/<id>`` (title, episode, AniList and MyAnimeList ids).

The routes are the same on both platforms; what they do to the files is a ``Library``'s: on AWS
(ashen.aws.library) a presigned POST to the ingest bucket, deleting or copying the object in place
(the split function then indexes or removes the video); with ``ashen serve``
(ashen.indexing.library) a one-time URL on the server itself and indexing in a background thread.
Meant for the ``admin`` role (the API's key middleware enforces it, not these routes)."""

from __future__ import annotations

import json
from typing import Any, Protocol

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ashen.api.errors import BadRequest, PayloadTooLarge
from ashen.api.requests import body_bytes
from ashen.api.store_source import StoreSource
from ashen.api.video_routes import video_view
from ashen.errors import NotFoundError
from ashen.records import UploadRequest, UploadTicket, VideoEdit, VideoRecord

MAX_NAME = 255  # a file name, as most file systems allow
MAX_TITLE = 200
MAX_EPISODE = 32
MAX_JSON = 64 * 1024
MAX_ID = 2**31 - 1  # AniList and MyAnimeList ids are positive 32-bit integers


class Library(Protocol):
    """Where the library's files live, as the management routes see it."""

    max_bytes: int  # the largest upload accepted

    def new_upload(self, request: UploadRequest, base_url: str) -> UploadTicket:
        """Where to upload ``request``'s file (``base_url``: this API's own address)."""

    def remove(self, video: VideoRecord) -> str:
        """Remove the video: ``removed`` when it is gone, ``removing`` when it will be shortly."""

    def reindex(self, video: VideoRecord) -> None:
        """Index the video's source again (its status turns ``indexing``, then ``indexed``)."""


def _text(doc: dict[str, Any], name: str, longest: int, *, required: bool) -> str | None:
    value = doc.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > longest or not value.isprintable():
        raise BadRequest(f"{name}: a non-empty string of at most {longest} printable characters")
    return value.strip()


def json_object(body: bytes) -> dict[str, Any]:
    """The JSON object of a request body; BadRequest for anything else."""
    if len(body) > MAX_JSON:
        raise PayloadTooLarge(f"a JSON body of at most {MAX_JSON} bytes")
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(doc, dict):
        raise BadRequest("the body must be a JSON object")
    return doc


def upload_request(doc: dict[str, Any], max_bytes: int) -> UploadRequest:
    """``{"filename", "title", "episode"?, "size"}`` checked: a bare file name, a size in bytes."""
    filename = _text(doc, "filename", MAX_NAME, required=True) or ""
    if "/" in filename or "\\" in filename or filename in {".", ".."}:
        raise BadRequest("filename: a file name, without folders")
    title = _text(doc, "title", MAX_TITLE, required=True) or ""
    episode = _text(doc, "episode", MAX_EPISODE, required=False)
    size = doc.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise BadRequest("size: the file's size in bytes, a whole number above 0")
    if size > max_bytes:
        raise PayloadTooLarge(f"size: at most {max_bytes} bytes")
    return UploadRequest(filename, title, episode, size)


def _id(doc: dict[str, Any], name: str, current: int | None) -> int | None:
    """An id the body sets (a positive integer, or null to clear it), else ``current``."""
    if name not in doc:
        return current
    value = doc[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise BadRequest(f"{name}: a whole number from 1 to {MAX_ID}, or null")
    return value


def editing(doc: dict[str, Any], video: VideoRecord) -> VideoEdit:
    """What a PATCH body leaves: ``{"title"?, "episode"?, "anilist"?, "mal"?}`` (null clears all
    but the title); the fields it does not name stay as they are."""
    unknown = set(doc) - {"title", "episode", "anilist", "mal"}
    if unknown or not doc:
        raise BadRequest("the body may set title, episode, anilist and mal, nothing else")
    title = _text(doc, "title", MAX_TITLE, required=True) if "title" in doc else video.title
    episode = _text(doc, "episode", MAX_EPISODE, required=False) if "episode" in doc else video.episode
    return VideoEdit(title or video.title, episode, _id(doc, "anilist", video.anilist), _id(doc, "mal", video.mal))


def ticket_view(ticket: UploadTicket) -> dict[str, object]:
    upload = {"url": ticket.url, "fields": ticket.fields, "method": ticket.method}
    return {"videoId": ticket.video_id, "upload": upload, "expires": ticket.expires}


def library_router(stores: StoreSource, library: Library) -> APIGatewayHttpRouter:
    """The management routes of one app, on its store and its library."""
    router = APIGatewayHttpRouter()

    def video_of(video_id: str) -> VideoRecord:
        video = stores.store.get_video(video_id)
        if video is None:
            raise NotFoundError(f"no video {video_id}")
        return video

    @router.post("/uploads")
    def new_upload() -> Response[dict[str, object]]:
        event = router.current_event
        request = upload_request(json_object(body_bytes(event)), library.max_bytes)
        host = event.headers.get("host") or event.request_context.domain_name
        proto = event.headers.get("x-forwarded-proto") or "http"
        ticket = library.new_upload(request, f"{proto}://{host}")
        return Response(201, content_types.APPLICATION_JSON, ticket_view(ticket))

    @router.delete("/videos/<video_id>")
    def remove_video(video_id: str) -> Response[dict[str, object]]:
        status = library.remove(video_of(video_id))
        return Response(202, content_types.APPLICATION_JSON, {"videoId": video_id, "status": status})

    @router.post("/videos/<video_id>/reindex")
    def reindex_video(video_id: str) -> Response[dict[str, object]]:
        library.reindex(video_of(video_id))
        return Response(202, content_types.APPLICATION_JSON, video_view(video_of(video_id)))

    @router.patch("/videos/<video_id>")
    def patch_video(video_id: str) -> dict[str, object]:
        edit = editing(json_object(body_bytes(router.current_event)), video_of(video_id))
        edited = stores.store.edit_video(video_id, edit)
        if edited is None:
            raise NotFoundError(f"no video {video_id}")
        return video_view(edited)

    return router
