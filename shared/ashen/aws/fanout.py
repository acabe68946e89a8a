"""Indexing as a fan-out: one message per segment, hashed by independent workers.

Each worker runs ``ashen.indexing.segments.hash_segment``, whose seam rule needs no word from the
other workers: the segments' scenes put together are exactly those of one full read, as in the
local indexer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from ashen.aws.naming import Naming
from ashen.aws.s3 import S3Object
from ashen.box import Box
from ashen.errors import MediaError
from ashen.indexing.indexer import keyed, video_id_for
from ashen.indexing.picture import detect_picture
from ashen.indexing.segments import Segment, SourceVideo, hash_segment, plan_segments
from ashen.media.probe import VideoInfo, describe_source, probe
from ashen.records import VideoKind, VideoRecord, VideoStatus
from ashen.store.port import Begun, FanoutStore

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
    FAILED = "failed"  # the segment could not be hashed, the last attempt: the video is failed


@dataclass(frozen=True)
class SegmentOutcome:
    status: SegmentStatus
    frames: int = 0
    scenes: int = 0
    finished: bool = False  # this segment was the last one: the video is now indexed


class SegmentError(Exception):
    """A segment could not be hashed this time; the queue delivers it again (its reason is kept
    on the video, and a later attempt or the dead-letter handler reports it)."""


def public_reason(text: str, source: str, filename: str) -> str:
    """An error's text as users may see it: the source URL (which names the bucket, the account
    and the key) replaced by the file name, at most 300 characters. The full text goes to the logs."""
    return text.replace(describe_source(source), filename)[:300]


def run_segment(
    store: FanoutStore, task: SegmentTask, source: str, *, threads: int = 1, attempt: int = 1, attempts: int = 3
) -> SegmentOutcome:
    """Hash one segment, write its scenes under its revision, count it done; safe to run twice.

    A MediaError (a read that is not complete) raises SegmentError, so the queue retries it, until
    ``attempt`` reaches ``attempts``: then the video is failed with the reason. Writes of a revision
    that stopped being indexed meanwhile are taken back.
    """
    revision, video_id = task.source.revision, task.video_id
    if store.revision_of(video_id) != (revision, VideoStatus.INDEXING):
        return SegmentOutcome(SegmentStatus.STALE)
    try:
        part = hash_segment(SourceVideo(source, task.info, task.crop), task.segment, threads=threads)
        if part.frames == 0 and task.planned == 1:
            raise MediaError(f"{describe_source(source)}: no frames could be decoded")
    except MediaError as exc:
        reason = f"segment {task.segment.index + 1} of {task.planned}: " + public_reason(str(exc), source, _name(task))
        if attempt >= attempts:
            store.fail_video(video_id, revision, f"{reason} (after {attempt} attempts)")
            return SegmentOutcome(SegmentStatus.FAILED)
        store.note_error(video_id, revision, f"{reason} (attempt {attempt} of {attempts})")
        raise SegmentError(reason) from exc
    rows = keyed(part.scenes)
    written = store.put_scenes(video_id, revision, rows)
    if not store.mark_segment_done(video_id, revision, task.segment.index, part.frames, written):
        now = store.revision_of(video_id)
        if now is not None and now[0] == revision and now[1] != VideoStatus.FAILED:
            return SegmentOutcome(SegmentStatus.DUPLICATE)  # counted before: the same items again
        store.take_back_scenes(video_id, revision, rows)  # replaced, deleted or failed meanwhile
        return SegmentOutcome(SegmentStatus.STALE)
    finished = store.finish_if_complete(video_id, revision)
    return SegmentOutcome(SegmentStatus.DONE, part.frames, written, finished)


def _name(task: SegmentTask) -> str:
    return PurePosixPath(task.source.key).name


def upload_record(
    upload: S3Object, naming: Naming, status: VideoStatus, kind: VideoKind = VideoKind.VIDEO
) -> VideoRecord:
    """The record of an upload's revision as its event begins it: named, with its object."""
    return VideoRecord(
        id=video_id_for(upload.url),
        title=naming.title,
        filename=naming.filename,
        source=upload.url,
        episode=naming.episode,
        anilist=naming.anilist,
        mal=naming.mal,
        status=status,
        kind=kind,
        extra={"revision": upload.revision, "bucket": upload.bucket, "key": upload.key},
    )


def start_video(
    store: FanoutStore,
    upload: S3Object,
    naming: Naming,
    source: str,
    *,
    sequencer: str = "",
    segment_seconds: float = SEGMENT_S,
) -> tuple[VideoRecord, list[SegmentTask]]:
    """Probe ``source`` (a URL reading ``upload``), record the video as indexing and plan its tasks.
    No tasks when this revision was queued before, a later event decided the video, or the source
    cannot be read (the video is recorded failed, with a reason that names no infrastructure)."""
    video = upload_record(upload, naming, VideoStatus.INDEXING)
    try:
        info = probe(source)
        crop = detect_picture(source, info)
    except MediaError as exc:
        video.status, video.error = VideoStatus.FAILED, public_reason(str(exc), source, naming.filename)
        store.begin_indexing(video, upload.revision, sequencer)
        return video, []
    tasks = plan_tasks(video.id, upload, info, crop=crop, segment_seconds=segment_seconds)
    video.picture = crop
    video.duration, video.fps, video.width, video.height = info.duration, info.fps, info.width, info.height
    video.segments_planned = len(tasks)
    if store.begin_indexing(video, upload.revision, sequencer) == Begun.KNOWN:
        return video, []
    return video, tasks
