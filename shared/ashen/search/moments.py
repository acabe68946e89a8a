"""Moments: which scene of a video a query shows.

CLD is coarse: several moments of a still shot (a screencast, a tree in the wind) often lie one
quantisation step apart, as close as a screenshot lands to its own frame. Among one video's scenes
within ``Tuning.moment_margin`` of its closest (its contenders), the one whose luma grid is
closest to the query's is the answer; all of it judged per video, so other videos' scenes (more
of them by brute force than through buckets) never change which moment of a video is chosen.
Those contenders lie next to each other in time, so the scenes around them are read too
(``neighbour_ranges``): the right one may sit in a bucket the probe did not read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ashen.descriptors.luma_grid import GRID_BYTES, grid_distances, overlay_free_distances, unpack_grids
from ashen.query.readings import AS_GIVEN, Reading
from ashen.records import Candidate
from ashen.search.options import Tuning
from ashen.search.ranking import Floats, Ints, reading_distances

Grid = npt.NDArray[np.float32]
# A warp is taken only when it lines the query up with what a video's contending moments share
# this much better than the picture as it is (a scrolling shot shares little: its median is a blur).
WARP_GAIN = 0.8
# ... judged against the median of this many contenders closest by the plain grid: a fixed
# camera's moments all share the still part; of a scrolling shot, only those around its moment do.
WARP_REFERENCE = 8


def scene_grid_distances(
    readings: Sequence[Reading], scenes: Sequence[Candidate], values: npt.NDArray[np.uint8], margin: float
) -> Floats:
    """Per scene of one video (``values``: their signature values): its smallest luma-grid
    distance (overlays left out, see ashen.descriptors.luma_grid.overlay_free_distances) to the
    plausible readings of the query, those whose closest of these scenes by CLD is within
    ``margin`` of the closest of all, and the picture as given; inf where the scene has no grid.
    Not only the reading that matched it best by CLD: after a colour edit, say, the right scene's
    best CLD reading can be the unedited one, of the wrong contrast. And the picture as given
    always: a sign or a title laid over it moves its CLD further than an un-crop hypothesis's,
    while its grid, with the overlay left out, still tells the moments apart."""
    out = np.full(len(scenes), np.inf)
    ok = np.array([len(c.luma) == GRID_BYTES for c in scenes], dtype=bool)
    gridded = [r for r in readings if r.luma is not None]
    if not ok.any() or not gridded:
        return out
    kept = [c for c, k in zip(scenes, ok, strict=True) if k]
    closest = reading_distances(gridded, values[ok]).min(axis=1)
    stored = unpack_grids(c.luma for c in kept)
    best = np.full(len(kept), np.inf)
    for r, near in zip(gridded, closest, strict=True):
        if (near <= closest.min() + margin or r.name == AS_GIVEN) and r.luma is not None:
            best = np.minimum(best, _warped_distances(r, r.luma, stored))
    out[ok] = best
    return out


def _warped_distances(reading: Reading, luma: Grid, stored: Grid) -> Floats:
    """``overlay_free_distances`` of the reading's grid to each of ``stored``, under the warp
    ``aligned`` chooses when the reading has warped grids, fitted to the WARP_REFERENCE grids
    closest to the plain grid (of a fixed camera's shot, any of them; of a scrolling one, those
    around the query's moment)."""
    plain = overlay_free_distances(luma, stored)
    if reading.warped is None or len(stored) < 2:
        return plain
    near = stored[np.argsort(plain, kind="stable")[:WARP_REFERENCE]]
    grid = aligned(luma, reading.warped.grids, near)
    return plain if grid is luma else overlay_free_distances(grid, stored)


def aligned(luma: Grid, warped: Grid, stored: Grid) -> Grid:
    """The query's grid under the warp (ashen.query.warps) that lines it up best with what the
    ``stored`` grids of a video's contending moments share (their median, each centred on its
    mean over the cells the warp shows): one warp for all of them, so that no moment wins by a
    warp of its own; ``luma`` itself unless a warp fits clearly better."""
    reference = np.median(stored, axis=0)
    shown = ~np.isnan(warped)
    count = np.maximum(shown.sum(axis=(1, 2)), 1)
    w = np.where(shown, warped, 0.0)
    r = np.where(shown, reference, 0.0)
    w -= (w.sum(axis=(1, 2)) / count)[:, None, None]
    r -= (r.sum(axis=(1, 2)) / count)[:, None, None]
    cost = np.where(shown, np.abs(w - r), 0.0).sum(axis=(1, 2)) / count
    best = int(np.argmin(cost))
    return luma if not cost[best] < WARP_GAIN * cost[0] else np.asarray(warped[best], dtype=np.float32)


def scene_grid_distances_per_video(
    readings: Sequence[Reading], candidates: Sequence[Candidate], values: npt.NDArray[np.uint8], margin: float
) -> Floats:
    """``scene_grid_distances`` of each candidate among the candidates of its own video."""
    out = np.full(len(candidates), np.inf)
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        groups.setdefault(c.video_id, []).append(i)
    for members in groups.values():
        out[members] = scene_grid_distances(readings, [candidates[i] for i in members], values[members], margin)
    return out


def moment_margin(readings: Sequence[Reading], tuning: Tuning) -> float:
    """How far from a video's closest scene its contenders may be, for a frame's ``readings``:
    wider when a dark overlay was painted over (its CLD is partly a guess)."""
    return tuning.painted_moment_margin if any(r.painted for r in readings) else tuning.moment_margin


def video_codes(candidates: Sequence[Candidate]) -> tuple[Ints, list[str]]:
    """A small integer per candidate naming its video, and the video ids in code order."""
    codes: dict[str, int] = {}
    vid = np.array([codes.setdefault(c.video_id, len(codes)) for c in candidates], dtype=np.intp)
    return vid, list(codes)


def video_best(vid: Ints, value: Floats) -> Floats:
    """The largest ``value`` per video code in ``vid``."""
    best = np.full(int(vid.max()) + 1 if len(vid) else 0, -np.inf)
    np.maximum.at(best, vid, value)
    return best


def contenders(mine: npt.NDArray[np.bool_], dist: Floats, margin: float) -> Ints:
    """The moments a video's answer is chosen from: its scenes (``mine``, a mask over the
    candidates) within ``margin`` of its closest."""
    return np.flatnonzero(mine & (dist <= dist[mine].min() + margin))


def shown_cell_closest(readings: Sequence[Reading], candidates: Sequence[Candidate], mine: Ints, count: int) -> Ints:
    """The ``count`` of ``mine`` (indices of one video's candidates) whose luma grids lie closest
    to a painted-over reading's on the cells it shows (the hidden ones are NaN in its grid); none
    when the frame has no such reading. What a censorship cloud leaves shown tells the moment
    when the guess of what it hides moves the CLD past any margin."""
    painted = [r.luma for r in readings if r.painted and not r.luma_only and r.luma is not None]
    kept = np.array([i for i in mine.tolist() if len(candidates[i].luma) == GRID_BYTES], dtype=np.intp)
    if not painted or not len(kept):
        return np.zeros(0, dtype=np.intp)
    stored = unpack_grids(candidates[i].luma for i in kept)
    d = np.min([grid_distances(np.broadcast_to(g, stored.shape), stored) for g in painted], axis=0)
    return kept[np.argsort(d, kind="stable")[:count]]


def frame_contenders(
    readings: Sequence[Reading],
    candidates: Sequence[Candidate],
    mine: npt.NDArray[np.bool_],
    dist: Floats,
    margin: float,
    shown: int = 0,
) -> Ints:
    """The moments a video's answer is chosen from, for one frame: its ``contenders`` within
    ``margin``, and for a frame painted over, its ``shown`` scenes closest on the cells the cloud
    leaves shown (``shown_cell_closest``; ``Tuning.painted_grid_contenders``)."""
    near = contenders(mine, dist, margin)
    closest = shown_cell_closest(readings, candidates, np.flatnonzero(mine), shown) if shown else near[:0]
    return np.union1d(near, closest) if len(closest) else near


def moments(
    readings: Sequence[Reading],
    candidates: Sequence[Candidate],
    values: npt.NDArray[np.uint8],
    dist: Floats,
    margin: float,
    shown: int = 0,
) -> Iterator[tuple[int, float]]:
    """One (candidate, distance) per video, closest video first: among the video's contenders,
    the one whose luma grid is closest to the query's; the distance is that of the video's
    closest scene (how surely the video is the one; the grid says when). Lazy: grids are
    compared only for the videos a caller goes on to ask for."""
    vid, _ = video_codes(candidates)
    closest = -video_best(vid, -dist)
    for v in np.argsort(closest, kind="stable"):
        near = frame_contenders(readings, candidates, vid == v, dist, margin, shown)
        if len(near) > 1:
            fine = scene_grid_distances(readings, [candidates[i] for i in near], values[near], margin)
            near = near[np.lexsort((dist[near], fine))]  # by grid distance, then by CLD distance
        yield int(near[0]), float(closest[v])


@dataclass
class _Range:
    """Seconds ``lo`` to ``hi`` of one video, the closest grid distance of a contending moment
    inside and the middle of that moment."""

    lo: float
    hi: float
    fine: float
    middle: float


def neighbour_ranges(moments_: Sequence[tuple[Candidate, float]], tuning: Tuning) -> list[tuple[float, float]]:
    """Time ranges to read around a video's contending moments (each with its grid distance):
    ``neighbour_s`` around each, overlapping ones merged, at most ``neighbour_ranges`` of them
    (those holding the closest grids first), each at most ``neighbour_span_s`` long (around its
    closest moment)."""
    ranges: list[_Range] = []
    for c, fine in sorted(moments_, key=lambda m: m[0].start):
        lo, hi, middle = max(0.0, c.start - tuning.neighbour_s), c.end + tuning.neighbour_s, (c.start + c.end) / 2
        if ranges and lo <= ranges[-1].hi:
            last = ranges[-1]
            last.hi = max(last.hi, hi)
            if fine < last.fine:
                last.fine, last.middle = fine, middle
        else:
            ranges.append(_Range(lo, hi, fine, middle))
    out = []
    span = tuning.neighbour_span_s
    for r in sorted(ranges, key=lambda r: r.fine)[: tuning.neighbour_ranges]:
        lo, hi = r.lo, r.hi
        if hi - lo > span:
            lo = max(lo, min(r.middle - span / 2, hi - span))
            hi = lo + span
        out.append((lo, hi))
    return out
