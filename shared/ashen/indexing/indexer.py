"""Indexing a video locally: probe it, hash its segments in parallel (ashen.indexing.segments),
store the scenes. A still image is indexed as one entry instead (ashen.indexing.stills).

The SQS fan-out on AWS (ashen.aws.fanout) hashes the same segments one message each.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ashen.descriptors.buckets import bucket_keys, is_flat
from ashen.descriptors.signature import unpack_all
from ashen.errors import MediaError
from ashen.indexing.picture import detect_picture
from ashen.indexing.segments import Segment, SegmentHash, SourceVideo, hash_segment, plan_segments
from ashen.media.probe import VideoInfo, probe
from ashen.records import Scene, VideoRecord, VideoStatus
from ashen.store.port import SceneStore

VIDEO_SUFFIXES = {
    ".mp4",
    ".mkv",
    ".webm",
    ".avi",
    ".mov",
    ".m4v",
    ".mpg",
    ".mpeg",
    ".ts",
    ".m2ts",
    ".flv",
    ".wmv",
    ".ogv",
    ".gif",
    ".3gp",
}
# Indexed as stills (an animated PNG or WebP by its first frame); a GIF is a still when it has one
# frame, else a video.
STILL_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


@dataclass(frozen=True)
class IndexOptions:
    """What to call the video (default: its file name, no episode, no AniList or MyAnimeList id),
    how many segments to hash at once (default: one per CPU), the longest video to take, in
    seconds (default: ashen.media.probe.max_duration_s(), $ASHEN_MAX_DURATION_HOURS or 12 h), and
    its id (default: ``video_id_for(source)``; ``ashen index`` gives the content's, see
    ashen.indexing.catalog)."""

    title: str | None = None
    episode: str | None = None
    anilist: int | None = None
    mal: int | None = None
    workers: int | None = None
    max_duration: float | None = None
    video_id: str | None = None


class IndexProgress(Protocol):
    """Told how indexing one video goes (the CLI's progress bar)."""

    def started(self, info: VideoInfo) -> None:
        """The video is probed: ``info.duration`` seconds are to come."""

    def advanced(self, seconds: float) -> None:
        """``seconds`` more of the video are hashed."""


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


def keyed(scenes: Iterable[Scene]) -> list[tuple[str, Scene]]:
    """Attach each scene's bucket key, leaving out near-uniform frames (see ashen.descriptors.buckets.is_flat)."""
    scenes = list(scenes)
    if not scenes:
        return []
    values = unpack_all(s.signature for s in scenes)
    keep = ~is_flat(values)
    kept = [s for s, k in zip(scenes, keep, strict=True) if k]
    return list(zip(bucket_keys(values[keep]), kept, strict=True))


def is_still(source: str) -> bool:
    """Whether a source is indexed as a still: a local image file (STILL_SUFFIXES) or a GIF of one
    frame (an animated GIF is a video)."""
    if "://" in source:
        return False
    suffix = Path(source).suffix.lower()
    if suffix == ".gif" and Path(source).is_file():
        from ashen.indexing.stills import is_animated_gif  # Pillow: only when a GIF is indexed

        return not is_animated_gif(source)
    return suffix in STILL_SUFFIXES


def find_videos(paths: Iterable[str]) -> list[str]:
    """Expand folders into the video and image files they hold (sorted); files are kept as given."""
    out: list[str] = []
    wanted = VIDEO_SUFFIXES | STILL_SUFFIXES
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += sorted(str(f) for f in path.rglob("*") if f.is_file() and f.suffix.lower() in wanted)
        else:
            out.append(p)
    return out


def index_video(
    store: SceneStore, source: str, options: IndexOptions | None = None, progress: IndexProgress | None = None
) -> IndexReport:
    """Index one video (or a still image: ``is_still``) into the store, replacing whatever it held
    for the same source.

    Nothing is written until every segment has been hashed, so a failure leaves the store as it was.
    """
    if is_still(source):
        from ashen.indexing.stills import index_still  # Pillow: only for a still

        return index_still(store, source, options)
    began = time.perf_counter()
    options = options or IndexOptions()
    info = probe(source, max_duration=options.max_duration)
    if progress is not None:
        progress.started(info)
    workers = options.workers or os.cpu_count() or 1
    video = SourceVideo(source, info, detect_picture(source, info))
    segments = plan_segments(info.duration, workers)
    parts = _hash_segments(video, segments, workers, progress)
    frames = sum(p.frames for p in parts)
    if frames == 0:
        raise MediaError(f"{source}: no frames could be decoded")
    scenes = [scene for p in parts for scene in p.scenes]
    rows = keyed(scenes)
    name = Path(source.split("?", 1)[0]).name
    record = VideoRecord(
        id=options.video_id or video_id_for(source),
        title=options.title or Path(name).stem,
        filename=name,
        source=source,
        episode=options.episode,
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
        picture=video.crop,
        anilist=options.anilist,
        mal=options.mal,
    )
    store.replace_video(record, rows)
    return IndexReport(record, frames, len(rows), time.perf_counter() - began, flat=len(scenes) - len(rows))


def _hash_segments(
    video: SourceVideo, segments: Sequence[Segment], workers: int, progress: IndexProgress | None
) -> list[SegmentHash]:
    """Every segment hashed, ``workers`` at once, in segment order."""
    # Threads suffice: each segment is an ffmpeg process; Python only reads pipes and does numpy.
    at_once = min(workers, len(segments))
    threads_each = max(1, (os.cpu_count() or 1) // at_once)
    coverage = _Coverage(segments, progress)
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        futures = [
            pool.submit(hash_segment, video, seg, threads=threads_each, on_progress=coverage.reporter(seg))
            for seg in segments
        ]
        return [f.result() for f in futures]


class _Coverage:
    """Turns the time each segment has reached into seconds of video newly covered, for an IndexProgress."""

    def __init__(self, segments: Sequence[Segment], progress: IndexProgress | None) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self._reached = {s.index: s.start for s in segments}

    def reporter(self, segment: Segment) -> Callable[[float], None] | None:
        progress = self._progress
        if progress is None:
            return None

        def report(t: float) -> None:
            with self._lock:
                delta = max(0.0, t - self._reached[segment.index])
                self._reached[segment.index] = max(self._reached[segment.index], t)
            if delta > 0:
                progress.advanced(delta)

        return report
