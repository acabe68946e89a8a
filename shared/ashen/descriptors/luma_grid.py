"""Luma layout: block-mean brightness on a 16x16 grid, finer than the 8x8 one a Color Layout
signature is quantised from.

CLD keeps a few coarse DCT terms of the block means, quantised; two moments of a still shot (a
screencast with one line typed, a tree in the wind) often differ by a single quantisation step,
which is as close as a screenshot of either lands. Each stored scene therefore also keeps its
16x16 luma block means (256 bytes, averaged over the scene's frames). When several scenes of one
video lie within ``MOMENT_MARGIN`` of the best CLD distance, the one whose layout is closest to the
query's picks the moment. Layouts are compared after removing their mean brightness, so a
uniform colour shift of the query does not decide between moments.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

LAYOUT_SIDE = 16  # blocks per side: each is a 4x4 patch of the index path's 64x64 grid
LAYOUT_BYTES = LAYOUT_SIDE * LAYOUT_SIDE
# LIRE distance: scenes (or clip offsets) this close to a video's best are told apart by layout. An
# edit (subtitles, a crop, a colour change) can move the signature of the right moment of a still
# shot a few steps further than another moment's.
MOMENT_MARGIN = 3.5
OVERLAY_LUMA = 8.0  # cell difference no scene explains: an overlay (re-encoding noise moves a cell ~1)
MIN_EXPLAINED_CELLS = 64  # a quarter of the layout
_LUMA = np.array([0.299, 0.587, 0.114])


def luma_of(means: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """(..., n, n, 3) RGB block means -> (..., n, n) luma (BT.601, the weights CLD's Y uses)."""
    return (means @ _LUMA).astype(np.float32)


def pack_layout(luma: npt.NDArray[np.floating]) -> bytes:
    """(16, 16) luma -> 256 bytes, rounded."""
    return np.clip(np.rint(luma), 0, 255).astype(np.uint8).tobytes()


def unpack_layouts(blobs: Iterable[bytes]) -> npt.NDArray[np.float32]:
    """Packed layouts -> (n, 16, 16); every blob must be LAYOUT_BYTES long."""
    data = b"".join(blobs)
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, LAYOUT_SIDE, LAYOUT_SIDE).astype(np.float32)


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


def layout_distances(query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """Mean absolute luma difference of (n, 16, 16) query layouts and (n, 16, 16) stored ones, pairwise
    by row, each centred on its own mean. Query cells that are NaN (padding the query does not
    show) are left out of both."""
    diff, count = _centred_differences(query, stored, ~np.isnan(query))
    return diff.sum(axis=(-2, -1)) / count


def overlay_free_distances(
    query: npt.NDArray[np.floating], stored: npt.NDArray[np.floating]
) -> npt.NDArray[np.float64]:
    """``layout_distances`` of one (16, 16) query layout to each of (n, 16, 16) stored ones, leaving
    out the cells an overlay covers: a cell that even the closest stored layout misses by
    OVERLAY_LUMA shows what no scene does (hard subtitles, a logo, a meme caption), and would
    otherwise outweigh the small differences that tell two moments of a still shot apart."""
    queries = np.broadcast_to(query, stored.shape)
    shown = ~np.isnan(queries)
    diff, _ = _centred_differences(queries, stored, shown)
    explained = shown[0] & (diff.min(axis=0) < OVERLAY_LUMA)
    if explained.sum() < MIN_EXPLAINED_CELLS:  # mostly unexplained: no scene is this picture anyway
        explained = shown[0]
    part, count = _centred_differences(queries, stored, np.broadcast_to(explained, stored.shape))
    return part.sum(axis=(-2, -1)) / count
