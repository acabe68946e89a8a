"""The storage port. Shaped after DynamoDB's access patterns: the partition is the bucket key,
scenes of a bucket are fetched together, and a video's scenes can be found without a scan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ashen.records import Candidate, Scene, StoreStats, VideoRecord, VideoStatus


class SceneStore(Protocol):
    def put_video(self, video: VideoRecord) -> None:
        """Create or update a video record (status, progress, metadata)."""

    def get_video(self, video_id: str) -> VideoRecord | None: ...

    def list_videos(self) -> list[VideoRecord]:
        """Every video, in ``ashen.records.listing_order``."""

    def replace_video(self, video: VideoRecord, scenes: Iterable[tuple[str, Scene]]) -> None:
        """Atomically make ``scenes`` (bucket key, scene) the only entries of ``video``."""

    def add_scenes(self, video_id: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        """Write scenes of one video (idempotent: the same scene twice is stored once)."""

    def candidates(self, buckets: Sequence[str]) -> list[Candidate]:
        """Every stored scene in the given buckets."""

    def scenes_between(self, video_id: str, start: float, end: float) -> list[Candidate]:
        """The stored scenes of one video that start in [start, end] (seconds), by time."""

    def remove_video(self, video_id: str) -> bool:
        """Delete a video and all its scenes; False if it was not there."""

    def stats(self) -> StoreStats: ...

    def bucket_sizes(self) -> dict[str, int]:
        """Scenes per bucket (for occupancy reports)."""


class FanoutStore(SceneStore, Protocol):
    """The port plus the progress of a video indexed by independent workers, one segment each
    (ashen.aws.fanout; DynamoStore implements it). ``revision`` names the upload being indexed:
    work for any other revision is refused, so a replaced or redelivered upload counts once."""

    def begin_indexing(self, video: VideoRecord, revision: str) -> bool:
        """Record ``video`` as indexing ``revision``; False if that revision is already recorded."""

    def mark_segment_done(self, video_id: str, revision: str, index: int, frames: int, scenes: int) -> bool:
        """Count segment ``index`` done, with its frames and scenes; False if it was counted already."""

    def finish_if_complete(self, video_id: str, revision: str) -> bool:
        """Mark the video indexed once every planned segment is done; True only for the call that does."""

    def fail_video(self, video_id: str, revision: str, reason: str) -> bool:
        """Mark the video failed with ``reason``; False if it has moved on to another revision."""

    def revision_of(self, video_id: str) -> tuple[str, VideoStatus] | None:
        """(revision, status) of a video, or None when there is no such video."""
