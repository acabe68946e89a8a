"""Indexing: plan segments of a video's time line, hash them in parallel, store the scenes.

The same ``plan_segments`` and ``hash_segment`` serve the local worker pool here and the SQS
fan-out on AWS; only the way segments travel differs. Workers never see each other's output, so
the seam between two segments is settled by a rule each applies on its own, with the same answer
on both sides (``hash_segment``):

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

import hashlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ashen.box import Box
from ashen.descriptors.buckets import bucket_keys, is_flat
from ashen.descriptors.signature import pack, unpack_all
from ashen.errors import MediaError
from ashen.indexing.scenes import scenes_of
from ashen.media.ffmpeg import FrameBatch, ReadOptions, VideoInfo, grab_frame, probe, read_range
from ashen.query.borders import common_box, picture_box
from ashen.records import Scene, VideoRecord, VideoStatus
from ashen.store.port import SceneStore

VIDEO_SUFFIXES = {".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v", ".mpg", ".mpeg", ".ts", ".m2ts", ".flv", ".wmv",
                  ".ogv", ".gif", ".3gp"}  # fmt: skip
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
class SegmentHash:
    segment: Segment
    frames: int
    scenes: list[Scene]


@dataclass(frozen=True)
class IndexReport:
    video: VideoRecord
    frames: int
    scenes: int  # stored
    seconds: float  # wall time
    flat: int = 0  # scenes of near-uniform frames, not stored

    @property
    def realtime_factor(self) -> float:
        return (self.video.duration or 0.0) / self.seconds if self.seconds > 0 else 0.0


def video_id_for(source: str) -> str:
    """Stable id of a source: the same file (or URL without its query string) is the same video."""
    key = source.split("?", 1)[0] if "://" in source else str(Path(source).resolve())
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def plan_segments(duration: float | None, parallelism: int, max_segment: float = MAX_SEGMENT_S) -> list[Segment]:
    """Cut [0, duration) into near-equal segments, at least one per worker when it pays off."""
    if not duration or duration <= 0:
        return [Segment(0, 0.0, None)]
    count = max(1, min(parallelism, int(duration // MIN_SEGMENT_S)))
    count = max(count, math.ceil(duration / max_segment))
    step = duration / count
    bounds = [round(i * step, 3) for i in range(count)]
    return [Segment(i, b, bounds[i + 1] if i + 1 < count else None) for i, b in enumerate(bounds)]


PICTURE_SAMPLES = 5


def detect_picture(source: str, info: VideoInfo, samples: int = PICTURE_SAMPLES) -> Box | None:
    """The picture area inside bars baked into the whole video (letterbox, pillarbox), or None.

    Looks at a few keyframes spread over the video; bars count only when most frames that are not
    too flat to judge agree on them and they come in symmetric pairs (ashen.borders.common_box).
    Queries are trimmed the same way, so both sides hash the picture itself.
    """
    duration = info.duration or 0.0
    times = [duration * (i + 0.5) / samples for i in range(samples)] if duration > 1 else [0.0]
    with ThreadPoolExecutor(max_workers=2) as pool:
        frames = list(pool.map(lambda t: _try_grab(source, t), times))
    frames = [f for f in frames if f is not None]
    if not frames:
        return None
    h, w = frames[0].shape[:2]
    box = common_box([picture_box(f) if f.shape[:2] == (h, w) else None for f in frames], h, w,
                     min_votes=min(2, len(frames)))  # fmt: skip
    if box is None:
        return None
    fy, fx = info.height / h, info.width / w
    t, b, l_, r = box
    # Round towards keeping picture, to even numbers (chroma planes are subsampled).
    top, left = int(t * fy) // 2 * 2, int(l_ * fx) // 2 * 2
    bottom = min(info.height, -(-math.ceil(b * fy) // 2) * 2)
    right = min(info.width, -(-math.ceil(r * fx) // 2) * 2)
    if bottom - top < 16 or right - left < 16 or (top, bottom, left, right) == (0, info.height, 0, info.width):
        return None
    return Box(top, bottom, left, right)


def _try_grab(source: str, at: float) -> np.ndarray | None:
    try:
        return grab_frame(source, at, max_width=4096)
    except MediaError:
        return None


def hash_segment(
    source: str,
    segment: Segment,
    info: VideoInfo,
    *,
    threads: int = 1,
    crop: Box | None = None,
    on_progress: Callable[[float], None] | None = None,
    lookback: float = LOOKBACK_S,
    lookahead_cap: float = LOOKAHEAD_CAP_S,
) -> SegmentHash:
    """The scenes a segment owns (see the module doc) of the picture inside ``crop`` (see
    detect_picture); ``frames`` counts its frames, those with start <= t < end."""
    t0 = max(0.0, segment.start - lookback) if segment.start > 0 else 0.0
    end = math.inf if segment.end is None else segment.end
    batches: list[FrameBatch] = []
    last_inside: np.ndarray | None = None
    options = ReadOptions(threads=threads, batch=READ_BATCH, crop=crop)
    for batch in read_range(source, t0, None, info=info, options=options):
        batches.append(batch)
        inside = batch.times < end
        if on_progress is not None:
            on_progress(float(min(batch.times[-1], end)))
        if inside.any():
            last_inside = batch.signatures[np.flatnonzero(inside)[-1]]
        if batch.times[-1] >= end:
            # Stop once the run of the last frame inside has ended, or the cap is reached.
            if last_inside is None or batch.times[-1] >= end + lookahead_cap:
                break
            if np.any(np.any(batch.signatures[~inside] != last_inside, axis=1)):
                break
    read = FrameBatch.join(batches)
    t, s = read.times, read.signatures
    idx = np.flatnonzero((t >= segment.start) & (t < end))
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


def keyed(scenes: Iterable[Scene]) -> list[tuple[str, Scene]]:
    """Attach each scene's bucket key, leaving out near-uniform frames (see ashen.buckets.is_flat)."""
    scenes = list(scenes)
    if not scenes:
        return []
    values = unpack_all(s.signature for s in scenes)
    keep = ~is_flat(values)
    kept = [s for s, k in zip(scenes, keep, strict=True) if k]
    return list(zip(bucket_keys(values[keep]), kept, strict=True))


def find_videos(paths: Iterable[str]) -> list[str]:
    """Expand folders into the video files they hold (sorted); files are kept as given."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += sorted(str(f) for f in path.rglob("*") if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES)
        else:
            out.append(p)
    return out


def index_video(
    store: SceneStore,
    source: str,
    *,
    title: str | None = None,
    episode: str | None = None,
    workers: int | None = None,
    on_start: Callable[[VideoInfo], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> IndexReport:
    """Index one video into the store, replacing whatever it held for the same source.

    Nothing is written until every segment has been hashed, so a failure leaves the store as it was.
    ``on_progress`` receives seconds of video newly covered.
    """
    began = time.perf_counter()
    info = probe(source)
    if on_start is not None:
        on_start(info)
    workers = workers or os.cpu_count() or 1
    crop = detect_picture(source, info)
    segments = plan_segments(info.duration, workers)
    lock = threading.Lock()
    reached = {s.index: s.start for s in segments}

    def progress_of(seg: Segment) -> Callable[[float], None]:
        def report(t: float) -> None:
            with lock:
                delta = max(0.0, t - reached[seg.index])
                reached[seg.index] = max(reached[seg.index], t)
            if on_progress is not None and delta > 0:
                on_progress(delta)

        return report

    # Threads suffice: each segment is an ffmpeg process; Python only reads pipes and does numpy.
    threads_each = max(1, (os.cpu_count() or 1) // min(workers, len(segments)))
    with ThreadPoolExecutor(max_workers=min(workers, len(segments))) as pool:
        futures = [
            pool.submit(hash_segment, source, seg, info, threads=threads_each, crop=crop, on_progress=progress_of(seg))
            for seg in segments
        ]
        parts = [f.result() for f in futures]
    frames = sum(p.frames for p in parts)
    if frames == 0:
        raise MediaError(f"{source}: no frames could be decoded")
    scenes = [scene for p in parts for scene in p.scenes]
    rows = keyed(scenes)
    name = Path(source.split("?", 1)[0]).name
    video = VideoRecord(
        id=video_id_for(source),
        title=title or Path(name).stem,
        filename=name,
        source=source,
        episode=episode,
        duration=info.duration,
        fps=info.fps,
        width=info.width,
        height=info.height,
        frames=frames,
        scenes=len(rows),
        status=VideoStatus.INDEXED,
        segments_planned=len(segments),
        segments_done=len(segments),
        indexed_at=time.time(),
        picture=crop,
    )
    store.replace_video(video, rows)
    return IndexReport(video, frames, len(rows), time.perf_counter() - began, flat=len(scenes) - len(rows))
