"""Segments of a video's time line, hashed independently with the same result as one full read.

The same ``plan_segments`` and ``hash_segment`` serve the local worker pool (ashen.indexing.indexer)
and the SQS fan-out on AWS (ashen.aws.fanout); only the way segments travel differs. Workers never
see each other's output, so the seam between two segments is settled by a rule each applies on its
own, with the same answer on both sides:

* Every worker also decodes a short look-back before its start (``LOOKBACK_S``). If the frame
  just before the seam carries the same signature as the first frame of the segment, the run
  started in the previous segment: this worker drops that run's scenes.
* Every worker reads on past its end, for as long as the run of its last frame continues (at
  most ``LOOKAHEAD_CAP_S``), and splits that whole run into scenes (a run one picture drifts
  across is several scenes, see ashen.indexing.scenes).

So a run's scenes belong to the segment in which it starts, with their full extent, and the
segments' scenes put together are exactly those of one full read. Both sides compare the same two
frames (the range reader yields exactly the frames of one full read), and both treat frames more
than ``LOOKBACK_S`` apart as a cut, so they agree even on sources with holes in the time line. A
run longer than the look-ahead cap is stored with its end at the cap (search still finds it; only
its ``to`` is short).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ashen.box import Box
from ashen.descriptors.signature import pack
from ashen.indexing.scenes import scenes_of
from ashen.media.frames import FrameBatch, ReadOptions, read_range
from ashen.media.probe import VideoInfo
from ashen.records import Scene

MIN_SEGMENT_S = 8.0  # shorter segments cost more in seeking than they gain in parallelism
MAX_SEGMENT_S = 900.0
LOOKBACK_S = 2.0
LOOKAHEAD_CAP_S = 30.0
READ_BATCH = 32  # frames per pipe read: small, so reading past the end stops soon after the run does


@dataclass(frozen=True)
class Segment:
    index: int
    start: float
    end: float | None  # None: to the end of the video


@dataclass(frozen=True)
class SourceVideo:
    """A video as its segments are hashed: where to read it, what its probe found, and the picture
    inside baked-in bars to hash (None: the whole frame; see ashen.indexing.picture). Every segment
    of a video is hashed with the same three."""

    source: str
    info: VideoInfo
    crop: Box | None = None


@dataclass(frozen=True)
class SegmentHash:
    segment: Segment
    frames: int
    scenes: list[Scene]


def plan_segments(duration: float | None, parallelism: int, max_segment: float = MAX_SEGMENT_S) -> list[Segment]:
    """Cut [0, duration) into near-equal segments, at least one per worker when it pays off."""
    if not duration or duration <= 0:
        return [Segment(0, 0.0, None)]
    count = max(1, min(parallelism, int(duration // MIN_SEGMENT_S)))
    count = max(count, math.ceil(duration / max_segment))
    step = duration / count
    bounds = [round(i * step, 3) for i in range(count)]
    return [Segment(i, b, bounds[i + 1] if i + 1 < count else None) for i, b in enumerate(bounds)]


def hash_segment(
    video: SourceVideo, segment: Segment, *, threads: int = 1, on_progress: Callable[[float], None] | None = None
) -> SegmentHash:
    """The scenes a segment owns (see the module doc); ``frames`` counts its frames, those with
    start <= t < end. ``on_progress`` is told the time reached (at most the segment's end)."""
    end = math.inf if segment.end is None else segment.end
    read = _read_segment(video, segment, threads, on_progress)
    t, s = read.times, read.signatures
    idx = np.flatnonzero((t >= segment.start) & (t < end))
    if len(idx) == 0:
        return SegmentHash(segment, 0, [])
    first, last = int(idx[0]), int(idx[-1])
    stop = _run_stop(t, s, last, end)
    joined = first > 0 and t[first] - t[first - 1] <= LOOKBACK_S  # the frame before is this video's previous one
    scenes = scenes_of(t[first:stop], s[first:stop], read.luma[first:stop], read.luma[first - 1] if joined else None)
    # Drop the first run's scenes when it started in the previous segment (a run one picture
    # drifts across is several scenes of one signature; the owner splits it, having read it all).
    if joined and np.array_equal(s[first - 1], s[first]):
        carried = pack(s[first : first + 1])[0].tobytes()
        while scenes and scenes[0].signature == carried:
            scenes = scenes[1:]
    return SegmentHash(segment, len(idx), scenes)


def _read_segment(
    video: SourceVideo, segment: Segment, threads: int, on_progress: Callable[[float], None] | None
) -> FrameBatch:
    """The segment's frames with the look-back before it, and past its end for as long as the run
    of its last frame may go on: reading stops once it has ended, or at the look-ahead cap."""
    t0 = max(0.0, segment.start - LOOKBACK_S) if segment.start > 0 else 0.0
    end = math.inf if segment.end is None else segment.end
    options = ReadOptions(threads=threads, batch=READ_BATCH, crop=video.crop)
    batches: list[FrameBatch] = []
    last_inside: npt.NDArray[np.uint8] | None = None
    for batch in read_range(video.source, t0, None, info=video.info, options=options):
        batches.append(batch)
        inside = batch.times < end
        if on_progress is not None:
            on_progress(float(min(batch.times[-1], end)))
        if inside.any():
            last_inside = batch.signatures[np.flatnonzero(inside)[-1]]
        if batch.times[-1] >= end and _run_over(batch, inside, last_inside, end):
            break
    return FrameBatch.join(batches)


def _run_over(
    batch: FrameBatch, inside: npt.NDArray[np.bool_], last_inside: npt.NDArray[np.uint8] | None, end: float
) -> bool:
    """Whether a batch reaching past the end shows the run of the last frame inside has ended (or
    the look-ahead cap is reached)."""
    if last_inside is None or batch.times[-1] >= end + LOOKAHEAD_CAP_S:
        return True
    return bool(np.any(np.any(batch.signatures[~inside] != last_inside, axis=1)))


def _run_stop(t: npt.NDArray[np.float64], s: npt.NDArray[np.uint8], last: int, end: float) -> int:
    """One past the frames after ``last`` (the segment's last frame) that continue its run: same
    signature, no gap of more than LOOKBACK_S, within the cap, and only when the next worker sees
    ``last`` in its look-back."""
    stop = last + 1
    while (
        stop < len(t)
        and t[stop] <= end + LOOKAHEAD_CAP_S
        and t[stop] - t[stop - 1] <= LOOKBACK_S
        and np.array_equal(s[stop], s[last])
        and t[last] >= end - LOOKBACK_S
    ):
        stop += 1
    return stop
