"""A dark overlay's cells are painted over exactly as plainly written numpy paints them (the fill
of each round padded by np.pad, a new picture each round): its faster mechanics move no pixel."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ashen.query.overlays import CELLS, PAINT_ROUNDS, painted_over


def plain_painted_over(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    small = np.asarray(Image.fromarray(rgb).resize((CELLS, CELLS), Image.Resampling.BOX), dtype=np.float64)
    fill = small.copy()
    fill[mask] = small[~mask].mean(axis=0)
    for _ in range(PAINT_ROUNDS):
        padded = np.pad(fill, ((1, 1), (1, 1), (0, 0)), mode="edge")
        around = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4
        fill = np.where(mask[..., None], around, small)
    big = np.asarray(Image.fromarray(np.clip(fill, 0, 255).astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR))
    hidden = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((w, h), Image.Resampling.NEAREST)) > 0
    return np.where(hidden[..., None], big, rgb).astype(np.uint8)


def test_painted_over_paints_as_plainly_written_numpy() -> None:
    rng = np.random.default_rng(0)
    v, u = np.mgrid[0:180, 0:320] / 180.0
    luma = 120 + 80 * np.sin(7 * u) * np.cos(5 * v)
    rgb = np.clip(np.stack([luma, 255 - luma, luma * 0.5 + 60], -1) + rng.normal(0, 8, (180, 320, 3)), 0, 255)
    rgb = rgb.astype(np.uint8)
    for mask in (rng.random((CELLS, CELLS)) < 0.3, np.pad(np.ones((10, 14), bool), ((0, 22), (18, 0)))):
        got = painted_over(rgb, mask)
        assert not np.array_equal(got, rgb)  # something was painted
        assert np.array_equal(got, plain_painted_over(rgb, mask))
