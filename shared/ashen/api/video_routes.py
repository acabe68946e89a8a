"""``GET /videos`` and ``GET /videos/<id>``: the library as the store holds it, with indexing progress."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ashen.api.store_source import StoreSource
from ashen.errors import NotFoundError
from ashen.records import VideoRecord, VideoStatus

VIEW_FIELDS = (
    "id",
    "title",
    "episode",
    "filename",
    "duration",
    "fps",
    "width",
    "height",
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


def video_router(stores: StoreSource) -> APIGatewayHttpRouter:
    """The video routes of one app, on its store."""
    router = APIGatewayHttpRouter()

    @router.get("/videos")
    def list_videos() -> dict[str, object]:
        return {"videos": [video_view(v) for v in stores.store.list_videos()]}

    @router.get("/videos/<video_id>")
    def get_video(video_id: str) -> dict[str, object]:
        video = stores.store.get_video(video_id)
        if video is None:
            raise NotFoundError(f"no video {video_id}")
        return video_view(video)

    return router
