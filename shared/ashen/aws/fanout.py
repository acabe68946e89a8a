"""Indexing as a fan-out: one message per segment, hashed by independent workers.

Each worker runs ``ashen.indexing.segments.hash_segment``, whose seam rule needs no word from the
other workers: the segments' scenes put together are exactly those of one full read, as in the
local indexer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum

from ashen.aws.naming import Naming
from ashen.aws.s3 import S3Object
from ashen.box import Box
from ashen.errors import MediaError
from ashen.indexing.indexer import keyed, video_id_for
from ashen.indexing.picture import detect_picture
from ashen.indexing.segments import Segment, SourceVideo, hash_segment, plan_segments
from ashen.media.probe import VideoInfo, probe
from ashen.records import VideoRecord, VideoStatus
from ashen.store.port import FanoutStore

SEGMENT_S = 90.0  # of video per message: well inside a hash function's timeout


@dataclass(frozen=True)
class SegmentTask:
    """One SQS message: which segment of which upload to hash, and what the split learnt of the
    video (its probe, and the picture inside baked-in bars, see detect_picture)."""

    video_id: str
    source: S3Object
    segment: Segment
    planned: int  # segments of the video
    info: VideoInfo
    crop: Box | None = None

    def to_message(self) -> str:
        """The message body: flat JSON (read back by from_message, also from workers of older versions)."""
        body = {
            "video_id": self.video_id,
            "revision": self.source.revision,
            "bucket": self.source.bucket,
            "key": self.source.key,
            "index": self.segment.index,
            "start": self.segment.start,
            "end": self.segment.end,
            "planned": self.planned,
            "info": asdict(self.info),
            "version_id": self.source.version_id,
            "crop": list(self.crop) if self.crop is not None else None,
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_message(cls, body: str) -> SegmentTask:
        """A task from its message body; ``version_id`` and ``crop`` may be missing (older splits)."""
        data = json.loads(body)
        crop = data.get("crop")
        return cls(
            video_id=data["video_id"],
            source=S3Object(data["bucket"], data["key"], data["revision"], data.get("version_id")),
            segment=Segment(data["index"], data["start"], data["end"]),
            planned=data["planned"],
            info=VideoInfo(**data["info"]),
            crop=Box(*crop) if crop else None,
        )


def plan_tasks(
    video_id: str, source: S3Object, info: VideoInfo, *, crop: Box | None = None, segment_seconds: float = SEGMENT_S
) -> list[SegmentTask]:
    """Cut the time line into segments of at most ``segment_seconds``; one task each."""
    segments = plan_segments(info.duration, 1, max_segment=segment_seconds)
    return [SegmentTask(video_id, source, s, len(segments), info, crop) for s in segments]


class SegmentStatus(StrEnum):
    """What became of one segment message."""

    DONE = "done"
    DUPLICATE = "duplicate"  # counted before: a redelivered message
    STALE = "stale"  # the upload was deleted, replaced or failed since the split
    FAILED = "failed"  # the source cannot be decoded: the video is failed with the reason


@dataclass(frozen=True)
class SegmentOutcome:
    status: SegmentStatus
    frames: int = 0
    scenes: int = 0
    finished: bool = False  # this segment was the last one: the video is now indexed


def run_segment(store: FanoutStore, task: SegmentTask, source: str, *, threads: int = 1) -> SegmentOutcome:
    """Hash one segment, write its scenes, count it done; safe to run twice for the same task.

    A MediaError (the source cannot be decoded) fails the video with its reason instead of being
    retried: retrying the same bytes gives the same answer. Anything else propagates, and the
    queue retries the message (then parks it in the dead-letter queue).
    """
    revision = task.source.revision
    current = store.revision_of(task.video_id)
    if current is None or current[0] != revision or current[1] == VideoStatus.FAILED:
        return SegmentOutcome(SegmentStatus.STALE)
    try:
        part = hash_segment(SourceVideo(source, task.info, task.crop), task.segment, threads=threads)
    except MediaError as exc:
        store.fail_video(task.video_id, revision, f"segment {task.segment.index}: {exc}")
        return SegmentOutcome(SegmentStatus.FAILED)
    if part.frames == 0 and task.planned == 1:
        store.fail_video(task.video_id, revision, "no frames could be decoded")
        return SegmentOutcome(SegmentStatus.FAILED)
    written = store.add_scenes(task.video_id, keyed(part.scenes))
    counted = store.mark_segment_done(task.video_id, revision, task.segment.index, part.frames, written)
    finished = store.finish_if_complete(task.video_id, revision)
    status = SegmentStatus.DONE if counted else SegmentStatus.DUPLICATE
    return SegmentOutcome(status, part.frames, written, finished)


def start_video(
    store: FanoutStore, upload: S3Object, naming: Naming, source: str, *, segment_seconds: float = SEGMENT_S
) -> tuple[VideoRecord, list[SegmentTask]]:
    """Probe ``source`` (a URL reading ``upload``), record the video as indexing and plan its tasks;
    no tasks when this revision is already recorded (a redelivered event) or the source cannot be
    read (the video is recorded failed)."""
    video = VideoRecord(
        id=video_id_for(upload.url),
        title=naming.title,
        filename=naming.filename,
        source=upload.url,
        episode=naming.episode,
        status=VideoStatus.INDEXING,
        extra={"revision": upload.revision, "bucket": upload.bucket, "key": upload.key},
    )
    try:
        info = probe(source)
    except MediaError as exc:
        video.status, video.error = VideoStatus.FAILED, str(exc).replace(source.split("?", 1)[0], video.source)
        store.begin_indexing(video, upload.revision)
        return video, []
    crop = detect_picture(source, info)
    tasks = plan_tasks(video.id, upload, info, crop=crop, segment_seconds=segment_seconds)
    video.picture = crop
    video.duration, video.fps, video.width, video.height = info.duration, info.fps, info.width, info.height
    video.segments_planned = len(tasks)
    if not store.begin_indexing(video, upload.revision):
        return video, []
    return video, tasks
