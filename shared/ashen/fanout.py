"""Indexing as a fan-out: one message per segment, hashed by independent workers.

The local indexer hashes every segment and joins them (``scenes.join_segments``). Workers of a
fan-out never see each other's output, so the seam between two segments is settled by a rule
each applies on its own, with the same answer on both sides:

* Every worker also decodes a short look-back before its start (``LOOKBACK_S``). If the frame
  just before the seam carries the same signature as the first frame of the segment, the run
  started in the previous segment: this worker drops that run's scenes.
* Every worker reads on past its end, for as long as the run of its last frame continues (at
  most ``LOOKAHEAD_CAP_S``), and splits that whole run into scenes (a run one picture drifts
  across is several scenes, see ashen.scenes).

So a run's scenes belong to the segment in which it starts, with their full extent, and no scene is
left twice at a seam. Both sides compare the same two frames (the range reader yields exactly the
frames of one full read), and both treat frames more than ``LOOKBACK_S`` apart as a cut, so they
agree even on sources with holes in the time line. A run longer than the look-ahead cap is stored
with its end at the cap (search still finds it; only its ``to`` is short).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from ashen.borders import Box
from ashen.errors import MediaError
from ashen.indexer import Segment, SegmentHash, detect_picture, keyed, plan_segments
from ashen.models import VideoRecord
from ashen.scenes import scenes_of
from ashen.signature import pack
from ashen.video import FrameBatch, VideoInfo, read_range

SEGMENT_S = 90.0  # of video per message: well inside a hash function's timeout
LOOKBACK_S = 2.0
LOOKAHEAD_CAP_S = 30.0
READ_BATCH = 32  # frames per pipe read: small, so reading past the end stops soon after the run does


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


def hash_owned(
    source: str,
    segment: Segment,
    info: VideoInfo,
    *,
    lookback: float = LOOKBACK_S,
    lookahead_cap: float = LOOKAHEAD_CAP_S,
    threads: int = 1,
    crop: Box | None = None,
) -> SegmentHash:
    """The scenes a segment owns (see the module doc): ``frames`` counts frames in [start, end)."""
    t0 = max(0.0, segment.start - lookback) if segment.start > 0 else 0.0
    end = math.inf if segment.end is None else segment.end
    batches: list[FrameBatch] = []
    last_inside: np.ndarray | None = None
    for batch in read_range(source, t0, None, info=info, threads=threads, batch=READ_BATCH, crop=crop):
        batches.append(batch)
        inside = batch.times < end
        if inside.any():
            last_inside = batch.signatures[np.flatnonzero(inside)[-1]]
        if batch.times[-1] >= end:
            after = ~inside
            # Stop once the run of the last frame inside has ended, or the cap is reached.
            if last_inside is None or batch.times[-1] >= end + lookahead_cap:
                break
            if np.any(np.any(batch.signatures[after] != last_inside, axis=1)):
                break
    read = FrameBatch.join(batches)
    t, s = read.times, read.signatures
    inside = (t >= segment.start) & (t < end)
    idx = np.flatnonzero(inside)
    if len(idx) == 0:
        return SegmentHash(segment, 0, [])
    first, last = int(idx[0]), int(idx[-1])
    # Extend over the frames past the end that continue the last run (gap rule as below).
    stop = last + 1
    while (
        stop < len(t)
        and t[stop] <= end + lookahead_cap
        and t[stop] - t[stop - 1] <= lookback
        and np.array_equal(s[stop], s[last])
        and t[last] >= end - lookback  # the next worker sees this frame in its look-back
    ):
        stop += 1
    scenes = scenes_of(t[first:stop], s[first:stop], read.luma[first:stop])
    # Drop the first run's scenes when it started in the previous segment (a run one picture
    # drifts across is several scenes of one signature; the owner splits it, having read it all).
    if first > 0 and t[first] - t[first - 1] <= lookback and np.array_equal(s[first - 1], s[first]):
        carried = pack(s[first : first + 1])[0].tobytes()
        while scenes and scenes[0].signature == carried:
            scenes = scenes[1:]
    return SegmentHash(segment, len(idx), scenes)


class FanoutStore(Protocol):
    """The port plus the progress operations a fan-out needs (DynamoStore implements them)."""

    def begin_indexing(self, video: VideoRecord, revision: str) -> bool: ...

    def add_scenes(self, video_id: str, scenes: Any) -> int: ...

    def mark_segment_done(self, video_id: str, revision: str, index: int, frames: int, scenes: int) -> bool: ...

    def finish_if_complete(self, video_id: str, revision: str) -> bool: ...

    def fail_video(self, video_id: str, revision: str, reason: str) -> bool: ...

    def revision_of(self, video_id: str) -> tuple[str, str] | None: ...


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
    if current[1] == "failed":
        return SegmentOutcome("stale")
    try:
        crop = tuple(task.crop) if task.crop else None
        part = hash_owned(source, task.segment, task.video_info, threads=threads, crop=crop)  # type: ignore[arg-type]
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
        status="indexing", extra={"revision": revision, "bucket": bucket, "key": key},
    )  # fmt: skip
    try:
        info = probe(source)
    except MediaError as exc:
        video.status, video.error = "failed", str(exc).replace(source.split("?", 1)[0], video.source)
        store.begin_indexing(video, revision)
        return video, []
    crop = detect_picture(source, info)
    tasks = plan_tasks(video_id, revision, bucket, key, info, segment_seconds, version_id, crop)
    video.picture = list(crop) if crop else None
    video.duration, video.fps, video.width, video.height = info.duration, info.fps, info.width, info.height
    video.segments_planned = len(tasks)
    if not store.begin_indexing(video, revision):
        return video, []
    return video, tasks
