"""MPEG-7 Color Layout Descriptor, bit-exact with trace.moe's reference implementation.

The pipeline is split in two so the index path can hand over block means that ffmpeg already
averaged: ``block_means`` (8x8 grid of mean R, G, B) and ``from_block_means`` (colour conversion,
DCT, quantisation). Both are vectorised over a leading batch axis.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Y_COEFFS = 21
C_COEFFS = 6
VALUE_COUNT = Y_COEFFS + 2 * C_COEFFS

# The LIRE / XM cosine table, rounded as they round it, so coefficients tie-break identically.
_COS = np.array(
    [
        [3.535534e-1] * 8,
        [4.903926e-1, 4.157348e-1, 2.777851e-1, 9.754516e-2, -9.754516e-2, -2.777851e-1, -4.157348e-1, -4.903926e-1],
        [4.619398e-1, 1.913417e-1, -1.913417e-1, -4.619398e-1, -4.619398e-1, -1.913417e-1, 1.913417e-1, 4.619398e-1],
        [4.157348e-1, -9.754516e-2, -4.903926e-1, -2.777851e-1, 2.777851e-1, 4.903926e-1, 9.754516e-2, -4.157348e-1],
        [3.535534e-1, -3.535534e-1, -3.535534e-1, 3.535534e-1, 3.535534e-1, -3.535534e-1, -3.535534e-1, 3.535534e-1],
        [2.777851e-1, -4.903926e-1, 9.754516e-2, 4.157348e-1, -4.157348e-1, -9.754516e-2, 4.903926e-1, -2.777851e-1],
        [1.913417e-1, -4.619398e-1, 4.619398e-1, -1.913417e-1, -1.913417e-1, 4.619398e-1, -4.619398e-1, 1.913417e-1],
        [9.754516e-2, -2.777851e-1, 4.157348e-1, -4.903926e-1, 4.903926e-1, -4.157348e-1, 2.777851e-1, -9.754516e-2],
    ],
    dtype=np.float64,
)

ZIGZAG = np.array(
    [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
     13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
     52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63],
    dtype=np.intp,
)  # fmt: skip


def block_edges(size: int, blocks: int = 8) -> npt.NDArray[np.intp]:
    """The blocks + 1 block boundaries along one axis: ceil(i * size / blocks), as trace.moe places them."""
    return np.array([-((-i * size) // blocks) for i in range(blocks + 1)], dtype=np.intp)


def block_sums(rgb: npt.NDArray[np.integer], blocks: int = 8) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sums of R, G, B over each of the ``blocks`` x ``blocks`` blocks, (..., H, W, 3) ->
    (..., blocks, blocks, 3), and the pixel count of each block (blocks, blocks, 1)."""
    if rgb.ndim < 3 or rgb.shape[-1] != 3:
        raise ValueError(f"expected an (..., H, W, 3) RGB array, got shape {rgb.shape}")
    height, width = rgb.shape[-3], rgb.shape[-2]
    if height < blocks or width < blocks:
        raise ValueError(f"image is {width}x{height}; Color Layout needs at least {blocks}x{blocks} pixels")
    ys, xs = block_edges(height, blocks), block_edges(width, blocks)
    # Columns first: that pass walks each row in memory order (twice as fast on one picture; the
    # integer sums, and so the means, are the same either way).
    sums = np.add.reduceat(np.add.reduceat(rgb, xs[:-1], axis=-2, dtype=np.int64), ys[:-1], axis=-3)
    return sums, (np.diff(ys)[:, None] * np.diff(xs)[None, :])[..., None]


def block_means(rgb: npt.NDArray[np.integer], blocks: int = 8) -> npt.NDArray[np.float64]:
    """Mean R, G, B of each of the 8x8 blocks (or ``blocks`` x ``blocks``): (..., H, W, 3) ->
    (..., 8, 8, 3), in 0..255."""
    sums, counts = block_sums(rgb, blocks)
    return sums / counts


def halved_means(sums: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """``block_means`` on a grid half as fine, from ``block_sums`` on an even one: its edges
    ceil(2i * n / 2b) are the coarse grid's ceil(i * n / b), so each coarse block is exactly 2x2 of
    these and the means come out the same as when summed afresh."""
    b = sums.shape[-2] // 2
    coarse = sums.reshape(*sums.shape[:-3], b, 2, b, 2, 3).sum(axis=(-4, -2))
    return coarse / counts.reshape(b, 2, b, 2, 1).sum(axis=(1, 3))


def _quant_ydc(i: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return np.select(
        [i > 192, i > 160, i > 96, i > 64],
        [112 + ((i - 192) >> 2), 96 + ((i - 160) >> 1), 32 + (i - 96), 16 + ((i - 64) >> 1)],
        i >> 2,
    )


def _quant_cdc(i: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return np.select(
        [i > 191, i > 160, i > 144, i > 112, i > 96, i > 64],
        [63, 56 + ((i - 160) >> 2), 48 + ((i - 144) >> 1), 16 + (i - 112), 8 + ((i - 96) >> 1), (i - 64) >> 2],
        0,
    )


def _quant_ac(i: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    i = np.clip(i, -256, 255)
    a = np.abs(i)
    j = np.where(a > 127, 64 + (a >> 2), np.where(a > 63, 32 + (a >> 1), a))
    return np.where(i < 0, -j, j) + 128


def _fdct(shape: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Separable 8x8 DCT-II on (..., 8, 8), rounded as the reference does."""
    dct = np.einsum("...ik,jk->...ij", shape.astype(np.float64), _COS)
    out = np.einsum("ik,...kj->...ij", _COS, dct)
    return np.floor(out + 0.499999).astype(np.int64)


def from_block_means(means: npt.NDArray[np.floating]) -> npt.NDArray[np.uint8]:
    """(..., 8, 8, 3) mean R, G, B in 0..255 -> (..., 33) Color Layout values."""
    rgb = np.asarray(means, dtype=np.float64) / 256.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    yy = 0.299 * r + 0.587 * g + 0.114 * b
    y = np.floor(219.0 * yy + 16.5).astype(np.int64)
    cb = np.floor(126.336 * (b - yy) + 128.5).astype(np.int64)
    cr = np.floor(159.712 * (r - yy) + 128.5).astype(np.int64)
    batch = y.shape[:-2]
    fy, fcb, fcr = (_fdct(c).reshape((*batch, 64)) for c in (y, cb, cr))

    out = np.empty((*batch, VALUE_COUNT), dtype=np.uint8)
    out[..., 0] = _quant_ydc(fy[..., 0] >> 3) >> 1
    out[..., Y_COEFFS] = _quant_cdc(fcb[..., 0] >> 3)
    out[..., Y_COEFFS + C_COEFFS] = _quant_cdc(fcr[..., 0] >> 3)
    out[..., 1:Y_COEFFS] = _quant_ac(fy[..., ZIGZAG[1:Y_COEFFS]] >> 1) >> 3
    out[..., Y_COEFFS + 1 : Y_COEFFS + C_COEFFS] = _quant_ac(fcb[..., ZIGZAG[1:C_COEFFS]]) >> 3
    out[..., Y_COEFFS + C_COEFFS + 1 :] = _quant_ac(fcr[..., ZIGZAG[1:C_COEFFS]]) >> 3
    return out


def color_layout(rgb: npt.NDArray[np.integer]) -> list[int]:
    """The 33 Color Layout values (21 Y, 6 Cb, 6 Cr, zigzag order) of an HxWx3 uint8 image."""
    arr = np.asarray(rgb)
    if arr.ndim != 3:
        raise ValueError(f"expected an HxWx3 RGB array, got shape {arr.shape}")
    return from_block_means(block_means(arr)).tolist()


def color_layout_batch(frames: npt.NDArray[np.integer]) -> npt.NDArray[np.uint8]:
    """Color Layout of N frames at once: (N, H, W, 3) -> (N, 33) uint8, no per-frame loop."""
    arr = np.asarray(frames)
    if arr.ndim != 4:
        raise ValueError(f"expected an (N, H, W, 3) array of frames, got shape {arr.shape}")
    return from_block_means(block_means(arr))
