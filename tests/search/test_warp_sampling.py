"""The warped grids and the corner fit are sampled as plainly written numpy samples them, bit for
bit: their faster mechanics (ashen.query.warps) must not move any grid, so no answer moves."""

from __future__ import annotations

import numpy as np

from ashen.descriptors.luma_grid import GRID_SIDE, grid_distances
from ashen.query.warps import (
    FIRST_PAN,
    PAN_REFERENCE,
    POINTS,
    SIDE,
    Warps,
    cell_means,
    fitted_from,
    grids_at,
    misfit,
    pan_distances,
    warp_corners,
    warp_means,
    warped_grids_of,
)

ASPECT = 16 / 9


def picture(seed: int) -> np.ndarray:
    """A 288x512 RGB picture with texture at every scale (so that every sample matters)."""
    rng = np.random.default_rng(seed)
    v, u = np.mgrid[0:288, 0:512] / 288.0
    luma = 120 + 60 * np.sin(11 * u + rng.uniform(0, 6)) * np.cos(8 * v) + rng.normal(0, 20, u.shape)
    return np.clip(np.stack([luma, luma * 0.9 + 10, luma * 0.7 + 30], -1), 0, 255).astype(np.uint8)


def plain_grids_at(luma: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """``grids_at`` as first written: each step on whole arrays, numpy's mean of each cell's points."""
    a, b, c, d, e, f, g, h = (
        np.asarray(k, dtype=np.float64)
        for k in _coefficients(corners)  # the same projective maps of the unit square
    )
    x, y = np.meshgrid((np.arange(SIDE) + 0.5) / SIDE, (np.arange(SIDE) + 0.5) / SIDE)
    w = g * x + h * y + 1
    u = (a * x + b * y + c) / w * SIDE - 0.5
    v = (d * x + e * y + f) / w * SIDE - 0.5
    inside = (u >= -0.5) & (u <= SIDE - 0.5) & (v >= -0.5) & (v <= SIDE - 0.5)
    u, v = np.clip(u, 0, SIDE - 1), np.clip(v, 0, SIDE - 1)
    x0, y0 = np.minimum(u.astype(np.intp), SIDE - 2), np.minimum(v.astype(np.intp), SIDE - 2)
    fx, fy = u - x0, v - y0
    flat, at = luma.reshape(-1), y0 * SIDE + x0
    top = flat[at] * (1 - fx) + flat[at + 1] * fx
    bottom = flat[at + SIDE] * (1 - fx) + flat[at + SIDE + 1] * fx
    values = np.where(inside, top * (1 - fy) + bottom * fy, np.nan)
    return np.asarray(values.reshape(-1, GRID_SIDE, POINTS, GRID_SIDE, POINTS).mean(axis=(2, 4)), dtype=np.float32)


def _coefficients(corners: np.ndarray) -> tuple[np.ndarray, ...]:
    (x0, x1, x2, x3), (y0, y1, y2, y3) = ([corners[:, i, axis][:, None, None] for i in range(4)] for axis in (0, 1))
    dx1, dx2, dx3 = x1 - x2, x3 - x2, x0 - x1 + x2 - x3
    dy1, dy2, dy3 = y1 - y2, y3 - y2, y0 - y1 + y2 - y3
    den = dx1 * dy2 - dx2 * dy1
    g, h = (dx3 * dy2 - dx2 * dy3) / den, (dx1 * dy3 - dx3 * dy1) / den
    return x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h


def test_cell_means_are_numpys_means_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(120, 60, (7, SIDE, SIDE)) * rng.uniform(0, 1, (7, SIDE, SIDE))
    values[rng.random(values.shape) < 0.05] = np.nan
    expected = values.reshape(-1, GRID_SIDE, POINTS, GRID_SIDE, POINTS).mean(axis=(2, 4)).astype(np.float32)
    assert np.array_equal(cell_means(values), expected, equal_nan=True)


def test_grids_at_samples_as_plainly_written_bit_for_bit() -> None:
    luma = warp_means(picture(1))
    rng = np.random.default_rng(1)
    corners = warp_corners(ASPECT)[rng.integers(0, len(warp_corners(ASPECT)), 24)]
    corners = corners + rng.uniform(-0.04, 0.04, corners.shape)  # keystone tilts, some past the edges
    got, expected = grids_at(luma, corners), plain_grids_at(luma, corners)
    assert np.isnan(expected).any() and not np.isnan(expected).all()
    assert np.array_equal(got, expected, equal_nan=True)


def test_the_hypotheses_grids_are_their_corners_grids() -> None:
    """Every hypothesis is affine, so its corners say all of it: its precomputed samples and the
    projective map of its corners sample the same points (to float rounding)."""
    luma = warp_means(picture(2))
    hypotheses, by_corners = warped_grids_of(luma, ASPECT), grids_at(luma, warp_corners(ASPECT))
    assert np.array_equal(np.isnan(hypotheses), np.isnan(by_corners))
    assert np.nanmax(np.abs(hypotheses - by_corners)) < 1e-3


def test_fits_side_by_side_are_the_fits_one_by_one() -> None:
    luma, corners = warp_means(picture(3)), warp_corners(ASPECT)
    reference = np.nan_to_num(plain_grids_at(warp_means(picture(4)), corners[[33]])[0], nan=120.0)
    starts = corners[[0, 33, 70]]
    grids, costs = fitted_from(luma, starts, reference)
    for i, start in enumerate(starts):
        (grid,), (cost,) = fitted_from(luma, start[None], reference)  # alone
        assert cost == costs[i] and np.array_equal(grid, grids[i], equal_nan=True)
    assert len(set(costs.tolist())) == 3  # three fits that end apart: each kept its own
    warps = Warps(luma=luma, size=(288, 512))
    best = int(np.argmin(costs[:2]))
    assert warps.fitted(33, reference)[1] == costs[best]  # the picture as it is, and from hypothesis 33


def test_fits_sharing_their_sampled_grids_are_the_fits_alone() -> None:
    """A picture fitted again (to the contenders after their neighbours were read) reuses the grids
    of corners already sampled, and ends where it would have alone."""
    luma, corners = warp_means(picture(5)), warp_corners(ASPECT)
    first = np.nan_to_num(plain_grids_at(warp_means(picture(6)), corners[[40]])[0], nan=120.0)
    second = first + np.random.default_rng(5).normal(0, 1.0, first.shape)
    sampled: dict[bytes, np.ndarray] = {}
    for reference in (first, second):
        shared, alone = (
            fitted_from(luma, corners[[0, 40]], reference, sampled),
            fitted_from(luma, corners[[0, 40]], reference),
        )
        assert np.array_equal(shared[1], alone[1]) and np.array_equal(shared[0], alone[0], equal_nan=True)
    size = len(sampled)
    fitted_from(luma, corners[[0, 40]], second, sampled)
    assert len(sampled) == size  # the same fit again samples nothing new


def test_kept_misfits_are_those_of_each_reference() -> None:
    """A picture lined up with one video's contenders, then another's (or the same after their
    neighbours are read), is measured against each anew."""
    warps, corners = Warps(luma=warp_means(picture(7)), size=(288, 512)), warp_corners(ASPECT)
    references = [np.nan_to_num(plain_grids_at(warp_means(picture(s)), corners[[0]])[0], nan=120.0) for s in (8, 9)]
    for reference in (*references, references[0]):
        assert np.array_equal(warps.misfits(reference), misfit(warps.grids, reference))


def test_pan_distances_are_grid_distances_of_each_pan() -> None:
    # On the cells each pan shows alone, what grid_distances gives of each pan in turn (it
    # computes in float32: equal to its rounding).
    rng = np.random.default_rng(3)
    pans = Warps(picture(4)).grids[FIRST_PAN:]
    stored = rng.uniform(0, 255, (50, GRID_SIDE, GRID_SIDE)).astype(np.float32)
    plain = np.stack([grid_distances(np.broadcast_to(g, stored.shape), stored) for g in pans])
    assert np.allclose(pan_distances(pans, stored), plain, rtol=0, atol=1e-4)


def test_a_pan_is_chosen_against_the_contenders_closest_under_it() -> None:
    # Each pan's reference is the median of the PAN_REFERENCE stored grids closest under it,
    # written out plainly pan by pan: the pan whose grid misses its own reference least. Moments
    # like the picture under two pans, those under pan 11 closer: pan 11, though the moments
    # closest under the first pans (one reference for all) are those like pan 3.
    rng = np.random.default_rng(5)
    warps = Warps(picture(6))
    like = [
        warps.grids[FIRST_PAN + k] + rng.normal(0, noise, (10, GRID_SIDE, GRID_SIDE)) for k, noise in ((3, 8), (11, 2))
    ]
    stored = np.where(np.isnan(np.concatenate(like)), 128.0, np.concatenate(like)).astype(np.float32)
    costs = []
    for grid in warps.grids[FIRST_PAN:]:
        near = np.argsort(grid_distances(np.broadcast_to(grid, stored.shape), stored), kind="stable")
        costs.append(float(misfit(grid[None], np.median(stored[near[:PAN_REFERENCE]], axis=0))[0]))
    assert warps.pan(stored) == FIRST_PAN + int(np.argmin(costs)) == FIRST_PAN + 11
