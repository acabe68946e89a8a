"""The span a preview clip shows: the shot around a moment, at most MAX_CLIP_S long.

Scenes that start a shot carry ``cut`` (ashen.indexing.scenes). The shot of ``at`` runs from the
last cut at or before it to the next cut after it; the clip is that shot cut down to MAX_CLIP_S
around ``at`` (centred when the shot allows, else as much of the shot as fits on the other side).
Only the scenes within MAX_CLIP_S of ``at`` are read: a cut further away cannot bound the clip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ashen.records import Candidate, VideoRecord
from ashen.store.port import SceneStore

MAX_CLIP_S = 5.0
MIN_CLIP_S = 0.1  # a moment at a shot's very end still shows a few frames


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def shot_of(scenes: Sequence[Candidate], at: float, length: float | None) -> Span:
    """The shot around ``at`` among ``scenes`` (of one video, any order), within MAX_CLIP_S of it;
    the video's ``length`` (None: unknown) bounds it."""
    before = [s.start for s in scenes if s.cut and s.start <= at]
    after = [s.start for s in scenes if s.cut and s.start > at]
    start = max(before) if before else max(0.0, at - MAX_CLIP_S)
    end = min(after) if after else at + MAX_CLIP_S
    return Span(start, end if length is None else min(end, length))


def clip_span(shot: Span, at: float) -> Span:
    """At most MAX_CLIP_S of ``shot`` around ``at``: centred, then widened inside the shot on the
    side that has room."""
    lo, hi = max(shot.start, at - MAX_CLIP_S / 2), min(shot.end, at + MAX_CLIP_S / 2)
    hi = min(shot.end, hi + MAX_CLIP_S - (hi - lo))
    lo = max(shot.start, lo - (MAX_CLIP_S - (hi - lo)))
    if hi - lo < MIN_CLIP_S:
        lo = max(0.0, hi - MIN_CLIP_S)
    return Span(round(lo, 3), round(hi, 3))


def preview_span(store: SceneStore, video: VideoRecord, at: float) -> Span:
    """The span of ``video`` a preview clip of ``at`` shows (one time-range read of the store)."""
    scenes = store.scenes_between(video.id, max(0.0, at - MAX_CLIP_S), at + MAX_CLIP_S)
    return clip_span(shot_of(scenes, at, video.duration), at)
