"""Luma grid: block-mean brightness on a 16x16 grid, finer than the 8x8 one a Color Layout
signature is quantised from.

CLD keeps a few coarse DCT terms of the block means, quantised; two moments of a still shot (a
screencast with one line typed, a tree in the wind) often differ by a single quantisation step,
which is as close as a screenshot of either lands. Each stored scene therefore also keeps its luma
grid (256 bytes, averaged over the scene's frames), and search compares grids to choose among a
video's contending moments (ashen.search.moments). Grids are compared after removing their mean
brightness, so a uniform colour shift of the query does not decide between moments.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

GRID_SIDE = 16  # blocks per side: each is a 4x4 patch of the index path's 64x64 grid
GRID_BYTES = GRID_SIDE * GRID_SIDE
OVERLAY_LUMA = 8.0  # cell difference no scene explains: an overlay (re-encoding noise moves a cell ~1)
MIN_EXPLAINED_CELLS = 64  # a quarter of the grid
OVERLAY_CELLS = 8  # unexplained cells that show an overlay: a sign over 5% of the picture covers 13
KEPT_SHARE = 0.75  # the closest scenes are chosen by their closest three quarters of cells
EXPLAINING_SCENES = 8  # a cell is explained by one of the closest few scenes, not by any of hundreds
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])  # BT.601 R, G, B: the weights CLD's Y uses


def luma_of(means: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """(..., n, n, 3) RGB block means -> (..., n, n) luma (BT.601, the weights CLD's Y uses)."""
    return np.asarray(means @ LUMA_WEIGHTS, dtype=np.float32)


def pack_grid(luma: npt.NDArray[np.floating]) -> bytes:
    """(16, 16) luma -> 256 bytes, rounded."""
    return bytes(np.clip(np.rint(luma), 0, 255).astype(np.uint8).tobytes())


def unpack_grids(blobs: Iterable[bytes]) -> npt.NDArray[np.float32]:
    """Packed grids -> (n, 16, 16); every blob must be GRID_BYTES long."""
    data = b"".join(blobs)
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, GRID_SIDE, GRID_SIDE).astype(np.float32)


def _centred_differences(
    query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating], shown: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per cell |query - stored| after centring each on its mean over the ``shown`` cells (0
    elsewhere), and how many cells are shown per row."""
    count = np.maximum(shown.sum(axis=(-2, -1), keepdims=True), 1).astype(np.float64)
    q = np.where(shown, query, 0.0)
    s = np.where(shown, stored, 0.0)
    q = q - q.sum(axis=(-2, -1), keepdims=True) / count
    s = s - s.sum(axis=(-2, -1), keepdims=True) / count
    return np.where(shown, np.abs(q - s), 0.0), count[..., 0, 0]


def grid_distances(query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """Mean absolute luma difference of (n, 16, 16) query grids and (n, 16, 16) stored ones, pairwise
    by row, each centred on its own mean. Query cells that are NaN (padding the query does not
    show) are left out of both."""
    diff, count = _centred_differences(query, stored, ~np.isnan(query))
    return np.asarray(diff.sum(axis=(-2, -1)) / count, dtype=np.float64)


def _median_centred_differences(
    query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating], shown: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float32]:
    """Per cell |query - stored| of one (16, 16) query grid and (n, 16, 16) stored ones, less the
    median of those differences over the ``shown`` cells (inf elsewhere): a brightness shift is
    taken out as the mean is, but an overlay over a sixth of the picture (a title card, a bright
    sign on a dark shot) moves the mean of every cell, not the median. (The upper median, by a
    partition: ``np.median`` costs ten times as much over hundreds of contenders.)"""
    cells = shown.reshape(-1)
    d = (
        np.asarray(query, dtype=np.float32).reshape(-1)[cells][None, :]
        - np.asarray(stored, dtype=np.float32).reshape(len(stored), -1)[:, cells]
    )
    middle = d.shape[1] // 2
    d = np.abs(d - np.partition(d, middle, axis=1)[:, middle : middle + 1])
    if cells.all():
        return np.asarray(d.reshape(stored.shape), dtype=np.float32)
    out = np.full((len(stored), cells.size), np.inf, dtype=np.float32)
    out[:, cells] = d
    return out.reshape(stored.shape)


def explained_cells(query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating]) -> npt.NDArray[np.bool_]:
    """The (16, 16) cells of ``query`` (NaN: not shown) that one of the EXPLAINING_SCENES closest
    of the (n, 16, 16) ``stored`` grids misses by under OVERLAY_LUMA, the median difference taken out;
    closest by the mean of their KEPT_SHARE smallest cell differences, so that an overlay does
    not choose them. Not any stored grid: among the hundreds of scenes of a fixed camera's shot,
    one or another happens to be as bright as a title card's letters in almost every cell, and
    the card would then count as picture."""
    shown = ~np.isnan(query)
    if not shown.any():
        return np.asarray(shown, dtype=bool)
    diff = _median_centred_differences(query, stored, shown)
    cells = diff.reshape(len(diff), -1)
    kept = max(1, int(shown.sum() * KEPT_SHARE))
    whole = np.partition(cells, kept - 1, axis=1)[:, :kept].sum(axis=1)
    closest = np.argsort(whole, kind="stable")[:EXPLAINING_SCENES]
    return np.asarray(shown & (diff[closest].min(axis=0) < OVERLAY_LUMA), dtype=bool)


def shows_overlay(query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating]) -> bool:
    """Whether OVERLAY_CELLS or more shown cells of the (16, 16) ``query`` grid are ones that none
    of the (n, 16, 16) ``stored`` grids explains (``explained_cells``): something laid over the
    picture (a sign, a title card, subtitles, a logo), not a moment any of them shows."""
    shown = ~np.isnan(query)
    return int((shown & ~explained_cells(query, stored)).sum()) >= OVERLAY_CELLS


def overlay_free_distances(
    query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating]
) -> npt.NDArray[np.float64]:
    """``grid_distances`` of one (16, 16) query grid to each of (n, 16, 16) stored ones, leaving
    out the cells an overlay covers: a cell that even the closest stored grids miss by
    OVERLAY_LUMA (``explained_cells``) shows what no scene does (hard subtitles, a logo, a meme
    caption, a title card), and would otherwise outweigh the small differences that tell two
    moments of a still shot apart."""
    queries = np.broadcast_to(query, stored.shape)
    explained = explained_cells(query, stored)
    if explained.sum() < MIN_EXPLAINED_CELLS:  # mostly unexplained: no scene is this picture anyway
        explained = ~np.isnan(query)
    part, count = _centred_differences(queries, stored, np.broadcast_to(explained, stored.shape))
    return np.asarray(part.sum(axis=(-2, -1)) / count, dtype=np.float64)
