"""Block means of a query picture, the stuff every reading is made of.

A reading is a pair of block-mean grids of one picture: the 8x8 one its Color Layout signature is
quantised from, and the 16x16 one its luma grid is (``Means``). Here: those means of a picture, of
a picture padded back as if cropped, and with common colour edits undone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from PIL import Image

from ashen.descriptors.color_layout import block_edges, block_means, block_sums, halved_means
from ashen.descriptors.luma_grid import GRID_SIDE, LUMA_WEIGHTS

Means = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]  # 8x8 block means and 16x16 ones
Pad = tuple[float, float, float, float]  # top, bottom, left, right, as shares of the visible size

CLIPPED_BEFORE_BRIGHTENING = round(1.15 * (255 + 255 / 1.15) / 2)  # in the brightened scale
_GAMMA_UNDONE = np.rint(255.0 * (np.arange(256) / 255.0) ** 1.25).astype(np.uint8)  # per level


# A picture is colourless (grayscale, black and white) when its pixels' channels barely differ:
# JPEG and chroma subsampling leave a few levels between them, a pale colour picture far more.
COLOURLESS_MEAN_SPREAD = 3.0
COLOURLESS_HIGH_SPREAD = 16.0  # at the 99th percentile
COLOURLESS_SAMPLE = 90  # pixels on the short side looked at (every k-th row and column, not means)


def is_colourless(rgb: npt.NDArray[np.integer]) -> bool:
    """Whether a picture has no colour: the spread of its R, G and B is small everywhere (on
    every k-th pixel of every k-th row: pixels, not means, so that fine colour counts too)."""
    k = max(1, min(rgb.shape[:2]) // COLOURLESS_SAMPLE)
    px = np.asarray(rgb[::k, ::k], dtype=np.int16).reshape(-1, 3)
    spread = px.max(axis=1) - px.min(axis=1)
    high = np.partition(spread, int(0.99 * (len(spread) - 1)))[int(0.99 * (len(spread) - 1))]
    return bool(spread.mean() <= COLOURLESS_MEAN_SPREAD and high <= COLOURLESS_HIGH_SPREAD)


def fine_means(rgb: npt.NDArray[np.integer], blocks: int = GRID_SIDE) -> npt.NDArray[np.float64]:
    """Block means on a ``blocks`` grid; an image smaller than that (8 px is allowed) is enlarged first."""
    k = -(-blocks // min(rgb.shape[:2]))
    return block_means(rgb if k <= 1 else np.repeat(np.repeat(rgb, k, axis=0), k, axis=1), blocks)


def means_of(rgb: npt.NDArray[np.integer]) -> Means:
    """The 8x8 block means the signature is made of, and the 16x16 ones its luma grid is (the 8x8
    ones summed from those: one pass over the pixels)."""
    if min(rgb.shape[:2]) < GRID_SIDE:
        return block_means(rgb), fine_means(rgb)
    sums, counts = block_sums(rgb, GRID_SIDE)
    return halved_means(sums, counts, rgb), sums / counts


def mirrored(means: Means) -> Means:
    """The means of the horizontal mirror (exact: the blocks are flipped)."""
    return means[0][:, ::-1], means[1][:, ::-1]


def padded_means(rgb: npt.NDArray[np.uint8], pad: Pad) -> Means:
    """Block means of ``rgb`` padded back with edge pixels. The 16x16 grid leaves out (NaN) the
    cells that hold padding: the query does not show what was there, so it must not decide the
    moment."""
    h, w = rgb.shape[:2]
    t, b, l_, r = (round(p * s) for p, s in zip(pad, (h, h, w, w), strict=True))
    m8, m16 = means_of(np.pad(rgb, ((t, b), (l_, r), (0, 0)), mode="edge"))
    ys, xs = block_edges(h + t + b, GRID_SIDE), block_edges(w + l_ + r, GRID_SIDE)
    shown_rows = (ys[:-1] >= t) & (ys[1:] <= t + h)
    shown_cols = (xs[:-1] >= l_) & (xs[1:] <= l_ + w)
    return m8, np.where((shown_rows[:, None] & shown_cols[None, :])[..., None], m16, np.nan)


def reduced(rgb: npt.NDArray[np.uint8], target: int = 180) -> npt.NDArray[np.uint8]:
    """Box-reduce by an integer factor to about ``target`` on the short side (Pillow's C box filter)."""
    k = max(1, min(rgb.shape[:2]) // target)
    if k == 1:
        return rgb
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).reduce(k))


def tones_undone(rgb: npt.NDArray[np.uint8], means: Means) -> list[tuple[str, Means]]:
    """Block means (``means``, of ``rgb``) with common colour edits undone. Brightness and contrast
    are linear, so undoing them on block means is exact but for clipping. Gamma is not: on a block
    that mixes dark and bright pixels (text, line art) its undone mean comes out too dark, so it
    is undone on the pixels. A brightened picture's clipped pixels were anywhere from 255 / 1.15
    up: they are taken back to the middle of that range, not its bottom."""
    clipped = rgb >= 254
    restored = (
        np.where(clipped, np.uint16(CLIPPED_BEFORE_BRIGHTENING), rgb.astype(np.uint16)) if clipped.any() else None
    )
    # Editors lower contrast towards the picture's mean grey (Pillow's ImageEnhance.Contrast does).
    centre = float((means[0] @ LUMA_WEIGHTS).mean())

    def darker(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (m if restored is None else fine_means(restored, m.shape[0])) / 1.15

    edits: dict[str, Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]] = {
        "tone-darker": darker,
        "tone-brighter": lambda m: np.clip(m * 1.15, 0, 255),
        "tone-contrast": lambda m: np.clip(centre + (m - centre) * 1.25, 0, 255),
    }
    out = [(name, (undo(means[0]), undo(means[1]))) for name, undo in edits.items()]
    return [*out, ("tone-gamma", means_of(_GAMMA_UNDONE[rgb]))]
