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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ashen.descriptors.luma_grid import (
    GRID_BYTES,
    MIN_EXPLAINED_CELLS,
    OVERLAY_LUMA,
    explained_cells,
    grid_distances,
    overlay_free_distances,
    shows_overlay,
    unpack_grids,
)
from ashen.query.readings import AS_GIVEN, Reading
from ashen.query.warps import FIRST_PAN, Warps
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
# The corners are fitted only when the picture as it is misses what the contenders share by this
# many levels a cell: an unedited or re-encoded screenshot misses by 0.5-2, a tilted or turned
# one by 5 or more (a fit costs about a hundred grids).
FIT_FROM = 3.0


def scene_grid_distances(
    readings: Sequence[Reading],
    scenes: Sequence[Candidate],
    values: npt.NDArray[np.uint8],
    margin: float,
    fit: bool = False,
) -> Floats:
    """Per scene of one video (``values``: their signature values): its smallest luma-grid
    distance (overlays left out, see ashen.descriptors.luma_grid.overlay_free_distances) to the
    plausible readings of the query, those whose closest of these scenes by CLD is within
    ``margin`` of the closest of all, and the picture as given and a painted-over reading whatever
    their CLD (``_always_compared``); inf where the scene has no grid.
    Not only the reading that matched it best by CLD: after a colour edit, say, the right scene's
    best CLD reading can be the unedited one, of the wrong contrast. And the picture as given
    always: a sign or a title laid over it moves its CLD further than an un-crop hypothesis's,
    while its grid, with the overlay left out, still tells the moments apart. Flipped readings
    only when the closest reading by CLD is flipped, and unflipped ones only when it is not: a
    picture is one or the other, and a flipped reading of a symmetric layout would otherwise line
    a few cells up with another moment. ``fit``: a warp's corners may be fitted (``aligned``), as
    for the likeliest video of a still; not for every video of a clip's every frame."""
    out = np.full(len(scenes), np.inf)
    ok = np.array([len(c.luma) == GRID_BYTES for c in scenes], dtype=bool)
    gridded = [r for r in readings if r.luma is not None]
    if not ok.any() or not gridded:
        return out
    kept = [c for c, k in zip(scenes, ok, strict=True) if k]
    closest = reading_distances(gridded, values[ok]).min(axis=1)
    stored = unpack_grids(c.luma for c in kept)
    mirrored = gridded[int(np.argmin(closest))].mirrored
    chosen = [
        r
        for r, near in zip(gridded, closest, strict=True)
        if (near <= closest.min() + margin and r.mirrored == mirrored) or _always_compared(r)
    ]
    out[ok] = np.min(_warped_distances(chosen, stored, fit), axis=0)
    return out


def _always_compared(reading: Reading) -> bool:
    """Whether a reading's grid is compared whatever its CLD: the picture as given, and a picture
    painted over (its grid leaves the cloud's cells out, and it shows the moment there, while its
    CLD, partly a guess of what the cloud hides, can lie far from every other reading's)."""
    return reading.name == AS_GIVEN or (reading.painted and not reading.luma_only)


def _warped_distances(readings: Sequence[Reading], stored: Grid, fit: bool) -> list[Floats]:
    """``overlay_free_distances`` of each reading's grid to each of ``stored``, under the warp
    ``aligned`` chooses when the reading has warped grids, fitted to the WARP_REFERENCE grids
    closest to the plain grid (of a fixed camera's shot, any of them; of a scrolling one, those
    around the query's moment). When ``fit``, the corners are fitted for one reading only, the
    one a hypothesis lines up best (a fit costs about a hundred grids; the picture as given
    around a trimmed one would only pay for it)."""
    lumas = [r.luma for r in readings if r.luma is not None]  # all of them: readings with a grid
    grids = list(lumas)
    explained = [explained_cells(g, stored) for g in grids]  # each once: both below need them
    plain = [overlay_free_distances(g, stored, e) for g, e in zip(grids, explained, strict=True)]
    near = [stored[np.argsort(p, kind="stable")[:WARP_REFERENCE]] for p in plain]
    warped = [(i, r.warped) for i, r in enumerate(readings) if r.warped is not None and len(stored) >= 2]
    references = {i: np.median(near[i], axis=0) for i, _ in warped}
    lines_up = [float(w.misfits(references[i]).min()) for i, w in warped]
    fitted = warped[int(np.argmin(lines_up))][0] if fit and warped else None
    for i, warps in warped:
        grids[i] = aligned(grids[i], warps, near[i], fit=i == fitted, reference=references[i], contenders=stored)
        if grids[i] is not lumas[i]:
            explained[i] = explained_cells(grids[i], stored)
            plain[i] = overlay_free_distances(grids[i], stored, explained[i])
    return [_unexplained_cost(g, e, d) for g, e, d in zip(grids, explained, plain, strict=True)]


def _unexplained_cost(grid: Grid, cells: npt.NDArray[np.bool_], dist: Floats) -> Floats:
    """``dist`` (``overlay_free_distances`` of ``grid``) with each cell no stored scene explains (not
    among ``cells``, its ``explained_cells``) counted as OVERLAY_LUMA over all the cells the grid
    shows: the same for every scene, so that it changes no ranking within one reading, but a
    reading that explains little of the picture (the room around a phone photo's screen) does not
    choose the moment by the few cells it matches."""
    shown = int((~np.isnan(grid)).sum())
    explained = int(cells.sum())
    if explained < MIN_EXPLAINED_CELLS:  # compared on every cell: nothing was left out
        return dist
    return (dist * explained + OVERLAY_LUMA * (shown - explained)) / max(shown, 1)


def aligned(
    luma: Grid,
    warps: Warps,
    stored: Grid,
    fit: bool = True,
    reference: Grid | None = None,
    contenders: Grid | None = None,
) -> Grid:
    """The query's grid under the warp (ashen.query.warps) that lines it up best with what the
    ``stored`` grids of a video's contending moments share (their median, each centred on its
    mean over the cells the warp shows): the best hypothesis, its corners then fitted one at a
    time (a phone photo's keystone tilt) when ``fit`` and the picture misses by FIT_FROM or more. One warp
    for all of them, so that no moment wins by a warp of its own; ``luma`` itself unless the
    warp fits clearly better. ``reference``: that median, when the caller has it. When the best
    is a pan, which pan is chosen against all the ``contenders`` (``Warps.pan``), when given."""
    reference = np.median(stored, axis=0) if reference is None else reference
    cost = warps.misfits(reference)
    best = int(np.argmin(cost))
    fitting = fit and cost[0] >= FIT_FROM and best < FIRST_PAN
    grid, fits = warps.fitted(best, reference) if fitting else (warps.grids[best], cost[best])
    if best >= FIRST_PAN and contenders is not None and fits < WARP_GAIN * cost[0]:
        grid = warps.grids[warps.pan(contenders)]
    return luma if not fits < WARP_GAIN * cost[0] else np.asarray(grid, dtype=np.float32)


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
    wider when a dark overlay was painted over (its CLD is partly a guess), and when the picture
    has no colour (its luma-only readings: compared on Y alone, the CLD says the moment roughly)."""
    margin = tuning.painted_moment_margin if any(r.painted for r in readings) else tuning.moment_margin
    if any(r.luma_only for r in readings):
        margin = max(margin, tuning.colourless_moment_margin)
    return margin


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
    painted = _painted(readings)
    kept = np.array([i for i in mine.tolist() if len(candidates[i].luma) == GRID_BYTES], dtype=np.intp)
    if not painted or not len(kept):
        return np.zeros(0, dtype=np.intp)
    stored = unpack_grids(candidates[i].luma for i in kept)
    d = np.min([grid_distances(np.broadcast_to(g, stored.shape), stored) for g in painted], axis=0)
    return kept[np.argsort(d, kind="stable")[:count]]


def _painted(readings: Sequence[Reading]) -> list[npt.NDArray[np.float32]]:
    """The luma grids of a frame's painted-over readings (censorship mist; NaN where hidden)."""
    return [r.luma for r in readings if r.painted and not r.luma_only and r.luma is not None]


def _overlay_contenders(
    readings: Sequence[Reading],
    candidates: Sequence[Candidate],
    mine: npt.NDArray[np.bool_],
    dist: Floats,
    margin: float,
    wider: float,
    need_grids: Callable[[Ints], None] | None,
) -> Ints:
    """A video's ``contenders`` within ``margin``, or within ``wider`` when the picture as given
    shows an overlay that none of the video's scenes within it explains (ashen.descriptors.
    luma_grid.shows_overlay): a sign or a title card moves the CLD of the picture, so the right
    moment can lie further from the closest than the margin (a bright board over scrolling
    credits: 4.7 further, behind 640 other moments of the same white-on-blue)."""
    near = contenders(mine, dist, margin)
    wide = contenders(mine, dist, wider) if wider > margin else near
    given = next((r.luma for r in readings if r.name == AS_GIVEN and r.luma is not None), None)
    if len(wide) == len(near) or given is None:
        return near
    if need_grids is not None:
        need_grids(wide)  # (``need_grids``: as in ``moments``)
    grids = [candidates[i].luma for i in wide if len(candidates[i].luma) == GRID_BYTES]
    if not grids:
        return near
    return wide if shows_overlay(given, unpack_grids(grids)) else near


def moment_contenders(
    readings: Sequence[Reading],
    candidates: Sequence[Candidate],
    mine: npt.NDArray[np.bool_],
    dist: Floats,
    margin: float,
    wider: float = 0.0,
    need_grids: Callable[[Ints], None] | None = None,
    *,
    shown: int = 0,
) -> Ints:
    """The moments a video's answer is chosen from, for one frame: its contenders within
    ``margin`` (within ``wider`` under an overlay, ``_overlay_contenders``), and for a frame
    painted over, its ``shown`` scenes closest on the cells the cloud leaves shown
    (``shown_cell_closest``; ``Tuning.painted_grid_contenders``). ``need_grids``: as in ``moments``."""
    near = _overlay_contenders(readings, candidates, mine, dist, margin, wider, need_grids)
    if not shown or not _painted(readings):
        return near
    if need_grids is not None:
        need_grids(np.flatnonzero(mine))
    closest = shown_cell_closest(readings, candidates, np.flatnonzero(mine), shown)
    return np.union1d(near, closest) if len(closest) else near


def moments(
    readings: Sequence[Reading],
    candidates: Sequence[Candidate],
    values: npt.NDArray[np.uint8],
    dist: Floats,
    margin: float,
    wider: float = 0.0,
    need_grids: Callable[[Ints], None] | None = None,
    *,
    shown: int = 0,
) -> Iterator[tuple[int, float]]:
    """One (candidate, distance) per video, closest video first: among the video's contenders,
    the one whose luma grid is closest to the query's; the distance is that of the video's
    closest scene (how surely the video is the one; the grid says when). Lazy: grids are
    compared only for the videos a caller goes on to ask for, a warp fitted only for the first.
    ``wider``, ``shown``: see ``moment_contenders``; ``need_grids`` first makes the ``candidates`` compared
    carry their grids (ashen.search.ranking.Pool.need_grids)."""
    vid, _ = video_codes(candidates)
    closest = -video_best(vid, -dist)
    for rank, v in enumerate(np.argsort(closest, kind="stable")):
        near = moment_contenders(readings, candidates, vid == v, dist, margin, wider, need_grids, shown=shown)
        if len(near) > 1:
            if need_grids is not None:
                need_grids(near)
            scenes = [candidates[i] for i in near]
            fine = scene_grid_distances(readings, scenes, values[near], margin, fit=rank == 0)
            near = near[np.lexsort((dist[near], fine))]  # by grid distance, then by CLD distance
        yield int(near[0]), float(closest[v])


def leading_contenders(candidates: Sequence[Candidate], dist: Floats, margin: float, count: int) -> Ints:
    """The contenders ``moments`` compares on the grid for the ``count`` videos closest by
    ``dist``: those of each such video with more than one (their grids are read together)."""
    if not len(candidates):
        return np.zeros(0, dtype=np.intp)
    vid, _ = video_codes(candidates)
    closest = -video_best(vid, -dist)
    near = (dist <= closest[vid] + margin) & np.isin(vid, np.argsort(closest, kind="stable")[:count])
    several = np.bincount(vid[near], minlength=len(closest)) > 1
    return np.flatnonzero(near & several[vid])


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
