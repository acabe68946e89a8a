"""The clip vote: the frames of a clip (or GIF) agree on one video and one time offset.

Each frame's closest candidates, and its closest-grid scenes among those tied with its best, are
evidence: an interval of clip starts (the scene's time minus the frame's offset, give or take
``clip_tolerance_s``) in one video, with a similarity. A hypothesis is the centre of a piece of
evidence; its support from a frame is that frame's best similarity among evidence of the same
video containing it. An offset's score is the mean over the best ``clip_quorum`` of the frames (a
frame across a cut or a fade does not veto the rest). Offsets of one video within
``moment_margin`` (in distance) of its best are told apart by how well the grids of their
supporting scenes agree with the frames.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ashen.descriptors.signature import SIMILARITY_SCALE, similarity_of
from ashen.search.moments import scene_grid_distances_per_video, video_best, video_codes
from ashen.search.options import Tuning
from ashen.search.ranking import Floats, Frame, Ints, Pool


@dataclass(frozen=True)
class Evidence:
    """Per piece of evidence: its video code, interval of clip starts, similarity, frame index and
    luma-grid distance."""

    vid: Ints
    lo: Floats
    hi: Floats
    sim: Floats
    frame: Ints
    fine: Floats


def _frame_need(pool: Pool, f: int, vids: Ints, tuning: Tuning) -> tuple[Ints, Ints, Ints]:
    """For frame ``f``: its scenes within the margin of its best in each video, its top-K by CLD,
    and the candidates whose grids it compares (of the videos in contention for this frame:
    grids choose among a video's moments, not between videos)."""
    dist, margin = pool.rankings[f].dist, tuning.moment_margin
    video_closest = -video_best(vids, -dist)[vids]
    near = np.flatnonzero(dist <= video_closest + margin)
    closest_cld = np.argsort(dist, kind="stable")[: tuning.clip_top_k]
    need = np.union1d(near, closest_cld)
    return near, closest_cld, need[video_closest[need] <= dist.min() + margin]


def _frame_evidence(pool: Pool, f: int, vids: Ints, tuning: Tuning) -> tuple[Ints, Floats]:
    """The candidates that take part for frame ``f``, and their grid distances: its top-K by
    CLD, and its scenes within the margin of its best in each video whose grids are closest (a
    still shot can tie more scenes than K, and the right one need not be among the first K)."""
    frame, margin = pool.frames[f], tuning.moment_margin
    near, closest_cld, need = _frame_need(pool, f, vids, tuning)
    pool.need_grids(need)  # (read already by ``evidence``, for every frame at once)
    fine = np.full(len(pool.candidates), np.inf)
    scenes = [pool.candidates[i] for i in need]
    fine[need] = scene_grid_distances_per_video(frame.readings, scenes, pool.values[need], margin)
    closest = near[np.argsort(fine[near], kind="stable")[: tuning.clip_top_k]]
    top = np.array(list(dict.fromkeys([*closest_cld, *closest])), dtype=np.intp)
    return top, fine[top]


def evidence(pool: Pool, vids: Ints, tuning: Tuning) -> Evidence:
    """The evidence of every frame of the clip (the grids every frame compares read together first)."""
    pool.need_grids(i for f in range(len(pool.frames)) for i in _frame_need(pool, f, vids, tuning)[2])
    starts = np.array([c.start for c in pool.candidates])
    ends = np.array([c.end for c in pool.candidates])
    parts: list[tuple[Ints, Floats, Floats, Floats, Ints, Floats]] = []
    for f, (frame, ranking) in enumerate(zip(pool.frames, pool.rankings, strict=True)):
        top, fine = _frame_evidence(pool, f, vids, tuning)
        tol = tuning.clip_tolerance_s
        lo, hi = starts[top] - frame.offset - tol, ends[top] - frame.offset + tol
        parts.append((vids[top], lo, hi, similarity_of(ranking.dist[top]), np.full(len(top), f), fine))
    vid, lo, hi, sim, fr, fine = (np.concatenate(x) for x in zip(*parts, strict=True))
    return Evidence(vid, lo, hi, sim, fr, fine)


@dataclass(frozen=True)
class Support:
    """Per hypothesis (the centre of each piece of evidence): which evidence contains it, its
    support from each frame, the grid distance of that support, and whether a frame supports it."""

    inside: npt.NDArray[np.bool_]
    score: Floats
    fine: Floats
    supported: npt.NDArray[np.bool_]


def support(ev: Evidence, frames: int) -> Support:
    hyp = (ev.lo + ev.hi) / 2
    inside = (ev.vid[None, :] == ev.vid[:, None]) & (ev.lo[None, :] <= hyp[:, None]) & (hyp[:, None] <= ev.hi[None, :])
    score = np.zeros((len(hyp), frames))
    fine = np.zeros((len(hyp), frames))
    supported = np.zeros((len(hyp), frames), dtype=bool)
    rows = np.arange(len(hyp))
    for f in range(frames):
        cols = np.flatnonzero(ev.frame == f)
        held = np.where(inside[:, cols], ev.sim[None, cols], -1.0)
        pick = np.argmax(held, axis=1)
        found = held[rows, pick] >= 0
        score[:, f] = np.where(found, held[rows, pick], 0.0)
        # (the closest grid among that frame's evidence there, not only the best CLD match's)
        fine[found, f] = np.where(inside[:, cols], ev.fine[None, cols], np.inf).min(axis=1)[found]
        supported[:, f] = found
    return Support(inside, score, fine, supported)


@dataclass(frozen=True)
class Vote:
    """The vote's outcome: per hypothesis its video code, score and the best score of its video;
    hypotheses in the order they win (best video first, then the chosen offset of each)."""

    ev: Evidence
    inside: npt.NDArray[np.bool_]
    best_score: Floats  # per video code
    winners: list[int]  # one hypothesis per video, best video first
    videos: list[str]  # video ids by code


def vote(pool: Pool, tuning: Tuning) -> Vote | None:
    """Count the frames' votes (see the module doc); None when nothing was read."""
    if not pool.candidates:
        return None
    vids, videos = video_codes(pool.candidates)
    ev = evidence(pool, vids, tuning)
    sup = support(ev, len(pool.frames))
    quorum = max(1, math.ceil(tuning.clip_quorum * len(pool.frames)))
    score = np.sort(sup.score, axis=1)[:, -quorum:].mean(axis=1)
    best_score = video_best(ev.vid, score)
    tied = score >= best_score[ev.vid] - tuning.moment_margin / SIMILARITY_SCALE
    # (over the frames that support them: a missing frame already costs its share of the score)
    count = sup.supported.sum(axis=1)
    mean_fine = np.where(tied & (count > 0), sup.fine.sum(axis=1) / np.maximum(count, 1), np.inf)
    chosen: dict[int, int] = {}
    for h in np.lexsort((-score, mean_fine)):
        chosen.setdefault(int(ev.vid[h]), int(h))
    winners = sorted(chosen.values(), key=lambda h: (-best_score[ev.vid[h]], h))
    return Vote(ev, sup.inside, best_score, winners, videos)


def times(v: Vote, h: int, span: float, tolerance: float) -> tuple[float, float, float]:
    """(from, at, to) of hypothesis ``h``: ``at`` the middle of what all supporting evidence of its
    video agrees on (the video time of the clip's offset 0); ``from`` the earliest start and
    ``to`` the end of the clip at the latest one (a still shot agrees on a wide range)."""
    agree = v.inside[h] & (v.ev.vid == v.ev.vid[h])
    earliest, latest = float(v.ev.lo[agree].max()), float(v.ev.hi[agree].min())
    at = max(0.0, (earliest + latest) / 2)
    return max(0.0, min(earliest + tolerance, at)), at, max(latest - tolerance, at) + span


def clip_span(frames: Sequence[Frame]) -> float:
    return max(f.offset for f in frames)
