"""Indexing as a fan-out: one message per segment, hashed by independent workers.

Each worker runs ``ashen.indexer.hash_segment``, whose seam rule needs no word from the other
workers: the segments' scenes put together are exactly those of one full read, as in the local
indexer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ashen.box import Box
from ashen.errors import MediaError
from ashen.indexing.indexer import Segment, detect_picture, hash_segment, keyed, plan_segments
from ashen.media.ffmpeg import VideoInfo
from ashen.records import VideoRecord, VideoStatus
from ashen.store.port import FanoutStore

SEGMENT_S = 90.0  # of video per message: well inside a hash function's timeout


@dataclass(frozen=True)
class SegmentTask:
    """One SQS message: which part of which revision of which object to hash."""

    video_id: str
    revision: str
    bucket: str
    key: str
    index: int
    start: float
    end: float | None
    planned: int
    info: dict[str, Any]
    version_id: str | None = None  # the S3 object version to read (None: unversioned bucket)
    crop: list[int] | None = None  # the picture inside baked-in bars (ashen.indexer.detect_picture)

    @property
    def segment(self) -> Segment:
        return Segment(self.index, self.start, self.end)

    @property
    def video_info(self) -> VideoInfo:
        return VideoInfo(**self.info)

    def to_message(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_message(cls, body: str) -> SegmentTask:
        data = json.loads(body)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def plan_tasks(
    video_id: str,
    revision: str,
    bucket: str,
    key: str,
    info: VideoInfo,
    segment_seconds: float = SEGMENT_S,
    version_id: str | None = None,
    crop: Box | None = None,
) -> list[SegmentTask]:
    """Cut the time line into segments of at most ``segment_seconds``; one task each."""
    segments = plan_segments(info.duration, 1, max_segment=segment_seconds)
    picture = list(crop) if crop else None
    return [
        SegmentTask(
            video_id, revision, bucket, key, s.index, s.start, s.end, len(segments), asdict(info), version_id, picture
        )
        for s in segments
    ]


@dataclass(frozen=True)
class SegmentOutcome:
    status: str  # done | duplicate | stale | failed
    frames: int = 0
    scenes: int = 0
    finished: bool = False  # this segment was the last one: the video is now indexed


def run_segment(store: FanoutStore, task: SegmentTask, source: str, *, threads: int = 1) -> SegmentOutcome:
    """Hash one segment, write its scenes, count it done; safe to run twice for the same task.

    A MediaError (the source cannot be decoded) fails the video with its reason instead of being
    retried: retrying the same bytes gives the same answer. Anything else propagates, and the
    queue retries the message (then parks it in the dead-letter queue).
    """
    current = store.revision_of(task.video_id)
    if current is None or current[0] != task.revision:
        return SegmentOutcome("stale")  # the object was deleted or replaced since the split
    if current[1] == VideoStatus.FAILED:
        return SegmentOutcome("stale")
    try:
        crop = tuple(task.crop) if task.crop else None
        part = hash_segment(source, task.segment, task.video_info, threads=threads, crop=crop)  # type: ignore[arg-type]
    except MediaError as exc:
        store.fail_video(task.video_id, task.revision, f"segment {task.index}: {exc}")
        return SegmentOutcome("failed")
    if part.frames == 0 and task.planned == 1:
        store.fail_video(task.video_id, task.revision, "no frames could be decoded")
        return SegmentOutcome("failed")
    written = store.add_scenes(task.video_id, keyed(part.scenes))
    counted = store.mark_segment_done(task.video_id, task.revision, task.index, part.frames, written)
    finished = store.finish_if_complete(task.video_id, task.revision)
    return SegmentOutcome("done" if counted else "duplicate", part.frames, written, finished)


def start_video(
    store: FanoutStore,
    *,
    video_id: str,
    revision: str,
    bucket: str,
    key: str,
    source: str,
    title: str,
    episode: str | None,
    filename: str,
    probe: Callable[[str], VideoInfo],
    segment_seconds: float = SEGMENT_S,
    version_id: str | None = None,
) -> tuple[VideoRecord, list[SegmentTask]]:
    """Probe, record the video as ``indexing`` and plan its tasks; no tasks when this revision is
    already recorded (a redelivered event) or the source cannot be read (status ``failed``)."""
    video = VideoRecord(
        id=video_id, title=title, filename=filename, source=f"s3://{bucket}/{key}", episode=episode,
        status=VideoStatus.INDEXING, extra={"revision": revision, "bucket": bucket, "key": key},
    )  # fmt: skip
    try:
        info = probe(source)
    except MediaError as exc:
        video.status, video.error = VideoStatus.FAILED, str(exc).replace(source.split("?", 1)[0], video.source)
        store.begin_indexing(video, revision)
        return video, []
    crop = detect_picture(source, info)
    tasks = plan_tasks(video_id, revision, bucket, key, info, segment_seconds, version_id, crop)
    video.picture = crop
    video.duration, video.fps, video.width, video.height = info.duration, info.fps, info.width, info.height
    video.segments_planned = len(tasks)
    if not store.begin_indexing(video, revision):
        return video, []
    return video, tasks
