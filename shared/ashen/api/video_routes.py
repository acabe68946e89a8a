"""``GET /videos`` and ``GET /videos/<id>``: the library as the store holds it, with indexing progress.

The listing is paged: ``limit`` videos in listing order (title, episode, file name), optionally of
one ``status``, and a ``cursor`` to pass back for the next page (null on the last one). A store
reads one page, never the whole library (on DynamoDB: Queries of the by_status index)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ashen.api.errors import BadRequest
from ashen.api.store_source import StoreSource
from ashen.errors import NotFoundError
from ashen.records import VideoRecord, VideoStatus

DEFAULT_PAGE = 100
MAX_PAGE = 1000
VIEW_FIELDS = (
    "id",
    "title",
    "episode",
    "anilist",
    "mal",
    "filename",
    "kind",
    "duration",
    "fps",
    "width",
    "height",
    "picture",  # inside bars baked into the video: the shape its scenes were hashed in (client-side hashing)
    "frames",
    "scenes",
    "status",
    "error",
    "segments_planned",
    "segments_done",
    "indexed_at",
)


def video_view(video: VideoRecord) -> dict[str, object]:
    """What the API shows of a video: ``VIEW_FIELDS`` and ``progress`` (share of segments hashed)."""
    data = video.to_dict()
    view = {k: data[k] for k in VIEW_FIELDS}
    planned = video.segments_planned
    view["progress"] = (
        round(video.segments_done / planned, 4) if planned else (1.0 if video.status == VideoStatus.INDEXED else 0.0)
    )
    return view


def encode_cursor(key: tuple[str, str, str, str]) -> str:
    """An opaque cursor for the page after the video whose listing key is ``key``."""
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, str, str]:
    """The listing key a cursor holds; BadRequest for anything ``encode_cursor`` did not write."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise BadRequest("cursor: not a cursor this API gave") from None
    if not (isinstance(raw, list) and len(raw) == 4 and all(isinstance(p, str) for p in raw)):
        raise BadRequest("cursor: not a cursor this API gave")
    return (raw[0], raw[1], raw[2], raw[3])


def page_request(params: Mapping[str, str]) -> tuple[int, tuple[str, str, str, str] | None, VideoStatus | None]:
    """``limit`` (1..MAX_PAGE, default DEFAULT_PAGE), ``cursor`` and ``status`` of a listing request."""
    raw_limit = params.get("limit") or str(DEFAULT_PAGE)
    if not raw_limit.isdecimal() or not 1 <= int(raw_limit) <= MAX_PAGE:
        raise BadRequest(f"limit: a whole number from 1 to {MAX_PAGE}")
    status = params.get("status")
    if status is not None and status not in {s.value for s in VideoStatus}:
        raise BadRequest("status: one of " + ", ".join(s.value for s in VideoStatus))
    cursor = params.get("cursor")
    return int(raw_limit), decode_cursor(cursor) if cursor else None, VideoStatus(status) if status else None


def video_router(stores: StoreSource) -> APIGatewayHttpRouter:
    """The video routes of one app, on its store."""
    router = APIGatewayHttpRouter()

    @router.get("/videos")
    def list_videos() -> dict[str, object]:
        params = router.current_event.query_string_parameters or {}
        limit, after, status = page_request(params)
        page = stores.store.list_page(limit=limit, after=after, status=status)
        cursor = encode_cursor(page.last) if page.last is not None else None
        return {"videos": [video_view(v) for v in page.videos], "cursor": cursor}

    @router.get("/videos/<video_id>")
    def get_video(video_id: str) -> dict[str, object]:
        video = stores.store.get_video(video_id)
        if video is None:
            raise NotFoundError(f"no video {video_id}")
        return video_view(video)

    return router
