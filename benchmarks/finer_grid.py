"""Would a finer grid choose the moment? A diagnosis of the moment choice, not a product path.

Replays `benchmarks/robustness.py`'s draws (the same samples and edits) for chosen videos, searches
each edited screenshot by brute force, and records the likeliest video's contenders as
`ashen.search.moments` compared them on the 16x16 luma grid, with the warp each reading was
aligned under. It then compares the same contenders on a 32x32 grid: each scene's frames read
again as 32x32 block means of the index path's 64x64 grid and averaged, the query's readings that
carry warps (as given, trimmed, fitted) sampled at 32x32 under the warp chosen on the 16x16 grid
(``--refit``: its corners then fitted again on the 32x32 grid), under the same rules (explained
cells with the median offset taken out, cells no scene explains costed as overlay). Printed per
query: the 16x16 and 32x32 picks and their margins (best other moment's distance less the right
moment's: positive is right); when no right moment contends, how far it lies by CLD.

    PYTHONPATH=shared .venv/bin/python benchmarks/finer_grid.py heldout release dancer.avi,pianist.avi
    (SET: seed, unseen, heldout or fresh; --seed N, --per-video 4, --times T1,T2, --refit)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import frames as bench_frames
import robustness as R

import ashen.media.frames as media_frames
import ashen.query.warps as W
import ashen.search.moments as M
import ashen.search.pipeline as P
from ashen.descriptors.luma_grid import LUMA_WEIGHTS, OVERLAY_LUMA
from ashen.search import SearchOptions, search_image
from ashen.search.ranking import reading_distances
from ashen.store import SqliteStore

FINE = 32
REC: dict[str, Any] = {}
_FRAMES: dict[Path, Any] = {}


def _fine_descriptors(grids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The index path's descriptors, with 32x32 luma block means in place of the 16x16 grid."""
    n = len(grids)
    means = grids.reshape(n, FINE, 2, FINE, 2, 3).mean(axis=(2, 4), dtype=np.float64) / 257.0
    signatures, _ = ORIGINAL_DESCRIPTORS(grids)
    return signatures, np.asarray((means - media_frames.RGB24_BIAS) @ LUMA_WEIGHTS, dtype=np.float32)


ORIGINAL_DESCRIPTORS = media_frames._grid_descriptors


def fine_scene(path: Path, start: float, end: float) -> np.ndarray:
    """The 32x32 luma grid of a scene: its frames' block means, averaged."""
    if path not in _FRAMES:
        media_frames._grid_descriptors = _fine_descriptors
        try:
            _FRAMES[path] = media_frames.read_all(str(path))
        finally:
            media_frames._grid_descriptors = ORIGINAL_DESCRIPTORS
    batch = _FRAMES[path]
    inside = (batch.times >= start - 1e-6) & (batch.times <= end + 1e-6)
    return np.asarray(batch.luma[inside].mean(axis=0))


def _record() -> None:
    """Wrap the moment choice's steps so that each search leaves what it compared in REC."""
    grid_distances, warped, aligned, moments = (
        M.scene_grid_distances,
        M._warped_distances,
        M.aligned,
        P.moments,
    )

    def scene_grid_distances(readings: Any, scenes: Any, values: Any, margin: float, fit: bool = False) -> Any:
        out = grid_distances(readings, scenes, values, margin, fit)
        if fit:
            REC["last"] = (list(scenes), out.copy(), REC.get("aligned", []))
        return out

    def warped_distances(readings: Any, stored: Any, fit: bool) -> Any:
        REC["aligned"] = []
        return warped(readings, stored, fit)

    def aligned_(luma: Any, warps: Any, stored: Any, fit: bool = True, reference: Any = None) -> Any:
        grid = aligned(luma, warps, stored, fit, reference)
        REC["aligned"].append((warps, luma, grid))
        return grid

    def moments_(readings: Any, candidates: Any, values: Any, dist: Any, margin: float, *a: Any, **k: Any) -> Any:
        REC["moments"] = (readings, candidates, values, dist, margin)
        return moments(readings, candidates, values, dist, margin, *a, **k)

    M.scene_grid_distances, M._warped_distances, M.aligned, P.moments = (
        scene_grid_distances,
        warped_distances,
        aligned_,
        moments_,
    )


@contextmanager
def _fine_sampling() -> Iterator[None]:
    """The warps' sampling at SIDE x SIDE points, each point a cell (no 2x2 cell means)."""
    kept = W.cell_means, W.GRID_SIDE
    W.cell_means = lambda v: np.asarray(v, dtype=np.float32)
    W.GRID_SIDE = FINE
    try:
        yield
    finally:
        W.cell_means, W.GRID_SIDE = kept


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(np.nan_to_num(a, nan=-1), np.nan_to_num(b, nan=-1)))


def corners_of(warps: W.Warps, luma: np.ndarray, grid: np.ndarray) -> np.ndarray | None:
    """The corners of the warp whose 16x16 grid ``aligned`` returned."""
    if grid is luma:
        return W._PLAIN.copy()
    h, w = warps.size
    for k, g in enumerate(warps.grids):
        if _same(g, grid):
            return np.asarray(W.warp_corners(w / h)[k])
    for key, g in warps._sampled.items():
        if _same(g, grid):
            return np.frombuffer(key, dtype=np.float64).reshape(4, 2).copy()
    return None


def fine_query(warps: W.Warps, luma: np.ndarray, grid: np.ndarray, reference: np.ndarray | None) -> np.ndarray | None:
    """The reading's 32x32 grid under the warp chosen on the 16x16 grid (refitted to
    ``reference`` when given)."""
    if grid is luma:
        return np.asarray(warps.luma, dtype=np.float32)
    corners = corners_of(warps, luma, grid)
    if corners is None:
        return None
    with _fine_sampling():
        if reference is not None:
            return np.asarray(W.fitted_from(warps.luma, corners[None], reference, {})[0][0])
        return np.asarray(W.grids_at(warps.luma, corners[None])[0])


def fine_distances(query: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """overlay_free_distances and _unexplained_cost of ashen's 16x16 rules, on 32x32 grids."""
    shown = ~np.isnan(query)
    cells = shown.reshape(-1)
    d = query.reshape(-1)[cells][None] - stored.reshape(len(stored), -1)[:, cells]
    d = np.abs(d - np.partition(d, d.shape[1] // 2, axis=1)[:, d.shape[1] // 2 : d.shape[1] // 2 + 1])
    kept = max(1, int(cells.sum() * 0.75))
    closest = np.argsort(np.partition(d, kept - 1, axis=1)[:, :kept].sum(axis=1), kind="stable")[:8]
    explained = np.zeros(cells.size, dtype=bool)
    explained[cells] = d[closest].min(axis=0) < OVERLAY_LUMA
    explained = explained.reshape(query.shape)
    if explained.sum() < shown.size // 4:
        explained = shown
    count = int(explained.sum())
    q = np.where(explained, query, 0.0)
    s = np.where(explained, stored, 0.0)
    q = q - q.sum() / count
    s = s - s.sum(axis=(1, 2), keepdims=True) / count
    dist = np.where(explained, np.abs(q - s), 0.0).sum(axis=(1, 2)) / count
    if count >= shown.size // 4:
        dist = (dist * count + OVERLAY_LUMA * (int(shown.sum()) - count)) / int(shown.sum())
    return np.asarray(dist)


def _margin(d: np.ndarray, right: np.ndarray) -> float:
    wrong = d[~right].min() if (~right).any() else np.inf
    return float(wrong - d[right].min()) if right.any() else -np.inf


def _truth_gap(truth: float) -> str:
    """When no right moment contends: how far the right scenes lie by CLD beyond the video's
    closest, and which of them the 16x16 grid would pick were they contenders."""
    readings, candidates, values, dist, margin = REC["moments"]
    top = candidates[int(np.argmin(dist))].video_id
    mine = np.array([c.video_id == top for c in candidates])
    right = mine & np.array([abs(c.at - truth) <= R.TOLERANCE_S for c in candidates])
    if not right.any():
        return "no right scene read"
    best = dist[mine].min()
    near = np.union1d(np.flatnonzero(mine & (dist <= best + margin)), np.flatnonzero(right))
    grid = M.scene_grid_distances(readings, [candidates[i] for i in near], values[near], margin + 100)
    by_reading = reading_distances(readings, values[mine]).min(axis=1)
    return (
        f"right scenes {float(dist[right].min() - best):.2f} beyond the closest by CLD (margin {margin}); "
        f"were they contenders, the grid: right {_margin(grid, right[near]):+.3f} "
        f"(luma-only readings: {sum(r.luma_only for r in readings)}, closest {by_reading.min():.2f})"
    )


def analyse(path: Path, truth: float, edit: str, answer: Any, refit: bool) -> str:
    if answer is None or answer.video.filename != path.name:
        return f"{path.name} {truth:.2f} {edit}: the top video is wrong"
    if "last" not in REC:
        return f"{path.name} {truth:.2f} {edit}: one moment contended, no grid compared"
    scenes, d16, aligned = REC["last"]
    right = np.array([abs(c.at - truth) <= R.TOLERANCE_S or c.start - 2 <= truth <= c.end + 2 for c in scenes])
    head = f"{path.name} t={truth:.2f} {edit:18s} answer {answer.at:.2f} n={len(scenes)} right={int(right.sum())}"
    if not right.any():
        return f"{head} | {_truth_gap(truth)}"
    stored = np.stack([fine_scene(path, c.start, c.end) for c in scenes])
    reference = np.median(stored[np.argsort(d16, kind="stable")[:8]], axis=0) if refit else None
    fines = [fine_query(w, luma, g, None if g is luma else reference) for w, luma, g in aligned]
    d32 = [fine_distances(f, stored) for f in fines if f is not None]
    i16 = int(np.lexsort((np.arange(len(scenes)), d16))[0])
    out = f"{head} | 16: {scenes[i16].at:.2f} {_margin(d16, right):+.3f}"
    if not d32:
        return f"{out} | 32: no reading with warps"
    d = np.min(d32, axis=0)
    return f"{out} | 32: {scenes[int(np.argmin(d))].at:.2f} {_margin(d, right):+.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("set", choices=("seed", "unseen", "heldout", "fresh"))
    ap.add_argument("edits")
    ap.add_argument("videos")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-video", type=int, default=4)
    ap.add_argument("--times", default="")
    ap.add_argument("--refit", action="store_true")
    a = ap.parse_args()
    want, times = set(a.videos.split(",")), [float(t) for t in a.times.split(",") if t]
    _record()
    with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "s.sqlite3") as store:
        setup = R.build(store, False, {k: a.set == k for k in ("unseen", "heldout", "fresh")}, lambda m: None)
        only = R.chosen_edits(a.edits)
        rng = np.random.default_rng(a.seed)
        for video in setup.queried + setup.negatives:
            n = R.sample_count(R.probe(str(video)).duration or 1.0, a.per_video)
            draw = rng.spawn(1)[0] if video.name == R.CREDITS_NAME else rng
            for s in R.make_samples(video, n, video in setup.indexed, setup.truth_times.get(video.name), draw):
                if video.name not in want or (times and not any(abs(s.truth - t) < 0.05 for t in times)):
                    continue
                for edit, rgb in R.edited_copies(bench_frames.export_frame(video, s.t), s.params, only):
                    REC.clear()
                    result = search_image(store, rgb, SearchOptions(limit=5, brute_force=True))
                    print(analyse(video, s.truth, edit, result.matches[0] if result.matches else None, a.refit))


if __name__ == "__main__":
    main()
