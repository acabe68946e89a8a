"""Warped grids: a picture's 16x16 luma grid as it would show the master after a small turn or
re-frame (a rotated release with its black corners cut, a tilted phone photo of a screen, a 4:3
pan-and-scan of a 16:9 master).

Such a picture shows the master moved by a fraction of a grid cell near its edges. Between two
moments of a fixed camera's shot the grids differ by less than that misalignment costs, so the
moment would be chosen by noise. Each hypothesis resamples the picture (its 32x32 luma block
means, not its 16x16 grid: ``warp_means``, which a query descriptor carries): every cell of the
master is averaged over 2x2 points where the rotation and the zoom put them in the picture. Search
lines the grids up with what a video's contending moments share and compares them under the one
warp that fits best (ashen.search.moments). A phone photo's keystone tilt moves each corner of the
master its own way, which no hypothesis is: ``fitted_from`` moves the corners one at a time from
a hypothesis until the grid lines up (any projective map of the master's rectangle, ``grids_at``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt

from ashen.descriptors.luma_grid import GRID_SIDE, LUMA_WEIGHTS
from ashen.query.means import fine_means

# Rotations (degrees) and the zoom of each axis that cutting the turned corners leaves (a 2-degree
# turn of a 16:9 picture cut to its largest upright box: about 1.02 across and 1.07 down).
ANGLES = (-2.0, -1.0, 0.0, 1.0, 2.0)
ZOOMS = (1.0, 1.025, 1.05, 1.075)
# A pan-and-scan release keeps 3/4 of the master's width (16:9 -> 4:3) anywhere across it: the
# kept part's middle this far (in master widths) from the master's, in steps of a quarter cell.
PAN_KEPT = 0.75
PANS = tuple(np.linspace(-(1 - PAN_KEPT) / 2, (1 - PAN_KEPT) / 2, 17).tolist())
# ``warps()`` lists the turns first, then the pans from this index on: a pan-and-scan release is a
# crop, so its hypothesis is exact and has no tilt to fit.
FIRST_PAN = len(ANGLES) * len(ZOOMS) ** 2
# A pan is chosen against the median of this many contenders closest under it (``Warps.pan``).
PAN_REFERENCE = 8
POINTS = 2  # samples per cell side
SIDE = GRID_SIDE * POINTS

Warp = tuple[float, float, float, float]  # angle (degrees), zoom across, zoom down, pan (widths)


def warps() -> list[Warp]:
    """Every hypothesis, the picture as it is first."""
    turns = [(a, zx, zy, 0.0) for a, zx, zy in itertools.product(ANGLES, ZOOMS, ZOOMS)]
    pans = [(0.0, 1 / PAN_KEPT, 1.0, p) for p in PANS]
    return sorted(turns, key=lambda w: w != (0.0, 1.0, 1.0, 0.0)) + pans


Samples = tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]


@lru_cache(maxsize=8)
def _sampling(aspect: float) -> Samples:
    """Where every hypothesis of ``warps()`` samples a SIDE x SIDE picture ``aspect`` wide per unit
    of height, all at once: the flat index of each sample's top left neighbour (the others are the
    next one, and those a row below), the fractions across and down between them, and which
    samples fall inside the picture. The same for every picture of that shape (the frames of a
    clip), so kept."""
    n = SIDE
    t = (np.arange(n) + 0.5) / n - 0.5  # master coordinates, centred, in picture widths / heights
    dx, dy = np.meshgrid(t * aspect, t)  # in picture heights
    angle, zx, zy, pan = (np.array(p)[:, None, None] for p in zip(*warps(), strict=True))
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    u = (((c * dx - s * dy) / aspect - pan) * zx + 0.5) * n - 0.5  # (W, SIDE, SIDE)
    v = ((s * dx + c * dy) * zy + 0.5) * n - 0.5
    inside = (u >= -0.5) & (u <= n - 0.5) & (v >= -0.5) & (v <= n - 0.5)
    x, y = np.clip(u, 0, n - 1), np.clip(v, 0, n - 1)
    x0, y0 = np.minimum(x.astype(np.intp), n - 2), np.minimum(y.astype(np.intp), n - 2)
    return y0 * n + x0, x - x0, y - y0, inside


def warp_means(rgb: npt.NDArray[np.integer]) -> npt.NDArray[np.float32]:
    """The SIDE x SIDE luma block means of ``rgb`` every hypothesis samples (area means first:
    samples of them average like pixels), as float32: what a query descriptor carries of a picture
    that gets warps (ashen.query.descriptor), so that both paths sample the very same numbers."""
    return np.asarray(fine_means(rgb, SIDE) @ LUMA_WEIGHTS, dtype=np.float32)


def warped_grids_of(luma: npt.NDArray[np.float32], aspect: float) -> npt.NDArray[np.float32]:
    """(W, 16, 16) luma grids under each hypothesis of ``warps()`` of a picture ``aspect`` wide per
    unit of height whose ``warp_means`` are ``luma`` (bilinear samples, averaged POINTS x POINTS per
    cell); a cell whose points fall partly outside the picture is NaN."""
    at, fx, fy, inside = _sampling(aspect)
    flat = luma.reshape(-1)  # the four neighbours: at, at + 1, a row below
    top = np.take(flat, at) * (1 - fx) + np.take(flat[1:], at) * fx
    bottom = np.take(flat[SIDE:], at) * (1 - fx) + np.take(flat[SIDE + 1 :], at) * fx
    return cell_means(np.where(inside, top * (1 - fy) + bottom * fy, np.nan))


class Warps:
    """The warped grids of one picture of ``size`` (height, width), made the first time search
    asks for them (only a query whose video has several contending moments needs them): of its
    pixels (an upload), or of its ``warp_means`` as a query descriptor carries them."""

    def __init__(
        self,
        rgb: npt.NDArray[np.integer] | None = None,
        *,
        luma: npt.NDArray[np.float32] | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        if rgb is not None:
            size = (int(rgb.shape[0]), int(rgb.shape[1]))
        if size is None or (rgb is None) == (luma is None):
            raise ValueError("Warps takes a picture, or its luma means and size")
        self.rgb, self._luma, self.size = rgb, luma, size
        self._fits: dict[tuple[int, bytes], tuple[npt.NDArray[np.float32], float]] = {}
        self._misfits: dict[bytes, npt.NDArray[np.float64]] = {}
        self._sampled: dict[bytes, npt.NDArray[np.float32]] = {}  # the fits' grids, by their corners
        self._pans: dict[bytes, int] = {}

    @cached_property
    def luma(self) -> npt.NDArray[np.float32]:
        """The picture's ``warp_means``."""
        if self._luma is not None:
            return self._luma
        assert self.rgb is not None
        return warp_means(self.rgb)

    @cached_property
    def grids(self) -> npt.NDArray[np.float32]:
        h, w = self.size
        return warped_grids_of(self.luma, w / h)

    def misfits(self, reference: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """``misfit`` of each hypothesis's grid to ``reference``, kept: search lines the picture up
        with the same contenders again (to choose the reading to fit, then to align it)."""
        key = np.asarray(reference, dtype=np.float32).tobytes()
        if key not in self._misfits:
            self._misfits[key] = misfit(self.grids, reference)
        return self._misfits[key]

    def pan(self, contenders: npt.NDArray[np.floating]) -> int:
        """The pan hypothesis (its index in ``warps()``) that lines the picture up best with the
        median of the PAN_REFERENCE (N, 16, 16) ``contenders`` closest under that pan, kept.

        Each pan is judged against moments of its own: a pan-and-scan crop shows a different part
        of the master under each, and the contenders closest to the plain (stretched) grid are no
        guide to which part. Judged against those, the pan was chosen against the moments around
        a wrong one (a held-out concert's, 4 s away), or a quarter of a cell off (a held-out
        dancer's); under the right pan, the moments around the right one are the closest, and
        share its picture."""
        key = np.asarray(contenders, dtype=np.float32).tobytes()
        if key not in self._pans:
            pans = self.grids[FIRST_PAN:]
            near = np.argsort(pan_distances(pans, contenders), axis=1, kind="stable")[:, :PAN_REFERENCE]
            references = np.median(contenders[near], axis=1)  # (P, 16, 16): each pan's own
            self._pans[key] = FIRST_PAN + int(np.argmin(misfit(pans, references)))  # the first of equals
        return self._pans[key]

    def fitted(self, start: int, reference: npt.NDArray[np.floating]) -> tuple[npt.NDArray[np.float32], float]:
        """``fitted_from`` the picture as it is and from the corners of hypothesis ``start`` of
        ``warps()``, the better of the two (fitted from a turn and a zoom, a tilt can stop short)."""
        key = (start, np.asarray(reference, dtype=np.float32).tobytes())
        if key not in self._fits:  # the same contenders are often asked again, their neighbours read
            h, w = self.size
            corners = warp_corners(w / h)
            grids, costs = fitted_from(self.luma, corners[sorted({0, start})], reference, self._sampled)
            best = int(np.argmin(costs))  # the first of equals, as ``min`` chose
            self._fits[key] = (grids[best], float(costs[best]))
        return self._fits[key]


# --- a warp fitted to the picture: any keystone tilt, not only the hypotheses above ---------------

# Where the master's corners lie in the picture: (K, 4, 2), top left, top right, bottom right and
# bottom left, each (across, down) in shares of the picture's width and height.
Corners = npt.NDArray[np.float64]
FIT_STEP = 1 / 32  # a corner's first move: half a grid cell
FIT_LAST_STEP = 1 / 256
FIT_REACH = 0.05  # how far a corner may move beyond where the fit started and where it is
FIT_ROUNDS = 40
# The 16 moves of one fitting round: one corner's one coordinate, one way or the other.
_MOVES = np.concatenate([np.eye(8), -np.eye(8)]).reshape(16, 4, 2)
_PLAIN = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])  # the picture as it is


def warp_corners(aspect: float) -> Corners:
    """The corners of every hypothesis of ``warps()`` of a picture ``aspect`` wide per unit of
    height (each is affine, so its four corners say all of it)."""
    angle, zx, zy, pan = (np.array(p)[:, None] for p in zip(*warps(), strict=True))
    dx = np.array([-0.5, 0.5, 0.5, -0.5])[None, :] * aspect  # in picture heights
    dy = np.array([-0.5, -0.5, 0.5, 0.5])[None, :]
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    u = ((c * dx - s * dy) / aspect - pan) * zx + 0.5
    v = (s * dx + c * dy) * zy + 0.5
    return np.stack([u, v], axis=-1)


def _homographies(corners: Corners) -> tuple[npt.NDArray[np.float64], ...]:
    """The coefficients (a, b, c, d, e, f, g, h), each (K, 1, 1), of the projective maps of the
    unit square onto ``corners``: u = (a x + b y + c) / (g x + h y + 1), v likewise with d, e, f
    (Heckbert's square-to-quadrilateral)."""
    (x0, x1, x2, x3), (y0, y1, y2, y3) = ([corners[:, i, axis][:, None, None] for i in range(4)] for axis in (0, 1))
    dx1, dx2, dx3 = x1 - x2, x3 - x2, x0 - x1 + x2 - x3
    dy1, dy2, dy3 = y1 - y2, y3 - y2, y0 - y1 + y2 - y3
    den = dx1 * dy2 - dx2 * dy1
    g, h = (dx3 * dy2 - dx2 * dy3) / den, (dx1 * dy3 - dx3 * dy1) / den
    return x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h


# Where ``grids_at`` samples the master: POINTS x POINTS points per cell, across (a row) and down
# (a column), each once: a map is evaluated as the outer sum of its terms in each.
_ACROSS = ((np.arange(SIDE) + 0.5) / SIDE)[None, None, :]
_DOWN = ((np.arange(SIDE) + 0.5) / SIDE)[None, :, None]


def cell_means(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """(K, 16, 16) means of the POINTS x POINTS samples of each cell of (K, SIDE, SIDE) ``values``
    (NaN when one is), as float32: the same pairwise sum ``mean(axis=(2, 4))`` of the (K, 16, 2,
    16, 2) view makes, bit for bit, at a tenth of its cost (that reduction strides badly)."""
    rows = values[:, 0::2], values[:, 1::2]
    summed = (rows[0][..., 0::2] + rows[0][..., 1::2]) + (rows[1][..., 0::2] + rows[1][..., 1::2])
    return np.asarray(summed / (POINTS * POINTS), dtype=np.float32)


def grids_at(luma: npt.NDArray[np.float32], corners: Corners) -> npt.NDArray[np.float32]:
    """(K, 16, 16) luma grids of the master under each of ``corners`` of a picture whose
    ``warp_means`` are ``luma``, sampled as ``warped_grids_of`` samples (NaN where a cell's points
    fall partly outside the picture)."""
    a, b, c, d, e, f, g, h = _homographies(corners)
    x, y = _ACROSS, _DOWN
    w = g * x + h * y
    w += 1
    u, v = _mapped(a * x + b * y, c, w), _mapped(d * x + e * y, f, w)
    inside = (u >= -0.5) & (u <= SIDE - 0.5) & (v >= -0.5) & (v <= SIDE - 0.5)
    np.clip(u, 0, SIDE - 1, out=u)
    np.clip(v, 0, SIDE - 1, out=v)
    x0, y0 = np.minimum(u.astype(np.intp), SIDE - 2), np.minimum(v.astype(np.intp), SIDE - 2)
    u -= x0  # the fractions across and down between the neighbours
    v -= y0
    at = y0
    at *= SIDE
    at += x0
    flat = np.asarray(luma, dtype=np.float64).reshape(-1)  # the four neighbours: at, at + 1, a row below
    top, bottom = _between(flat, at, u, 0), _between(flat, at, u, SIDE)
    top *= 1 - v
    bottom *= v
    top += bottom
    return cell_means(np.where(inside, top, np.nan))


def _mapped(
    linear: npt.NDArray[np.float64], offset: npt.NDArray[np.float64], w: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """(linear + offset) / w * SIDE - 0.5, in place: where a map puts the points, in samples."""
    linear += offset
    linear /= w
    linear *= SIDE
    linear -= 0.5
    return linear


def _between(
    flat: npt.NDArray[np.float64], at: npt.NDArray[np.intp], fx: npt.NDArray[np.float64], row: int
) -> npt.NDArray[np.float64]:
    """The samples ``fx`` of the way from each of ``flat`` at ``at`` + ``row`` to the next."""
    out = np.take(flat[row:], at)
    out *= 1 - fx
    out += np.take(flat[row + 1 :], at) * fx
    return out


def pan_distances(pans: npt.NDArray[np.float32], stored: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """(P, N) ``grid_distances`` of each of (P, 16, 16) ``pans`` (grids under pan hypotheses: the
    columns a pan leaves out are NaN) to each of (N, 16, 16) ``stored`` grids: the same mean
    absolute difference over the cells the pan shows, each grid centred on its mean over them,
    computed on those cells alone (a pan shows whole columns), a tenth of the cost of
    ``grid_distances`` of each pan in turn over hundreds of contenders."""
    flat = np.asarray(stored, dtype=np.float64).reshape(len(stored), -1)
    out = np.empty((len(pans), len(stored)))
    for p, grid in enumerate(np.asarray(pans, dtype=np.float64).reshape(len(pans), -1)):
        cells = ~np.isnan(grid)
        shown = flat[:, cells]
        d = shown - shown.mean(axis=1, keepdims=True)
        d -= grid[cells] - grid[cells].mean()
        out[p] = np.abs(d).mean(axis=1)
    return out


def misfit(grids: npt.NDArray[np.float32], reference: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """How badly each of (K, 16, 16) ``grids`` lines up with the (16, 16) ``reference``: their mean
    absolute difference over the cells the grid shows, each centred on its mean over them."""
    shown = ~np.isnan(grids)
    count = np.maximum(shown.sum(axis=(1, 2)), 1)
    w = np.where(shown, grids, 0.0)
    r = np.where(shown, reference, 0.0)
    w -= (w.sum(axis=(1, 2)) / count)[:, None, None]
    r -= (r.sum(axis=(1, 2)) / count)[:, None, None]
    return np.asarray(np.where(shown, np.abs(w - r), 0.0).sum(axis=(1, 2)) / count, dtype=np.float64)


def fitted_from(
    luma: npt.NDArray[np.float32],
    starts: Corners,
    reference: npt.NDArray[np.floating],
    sampled: dict[bytes, npt.NDArray[np.float32]] | None = None,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """The grids of the picture whose ``warp_means`` are ``luma`` under the corners, moved one at a
    time from each of ``starts`` (S, 4, 2) by at most FIT_REACH, that line it up best with
    ``reference``: the (S, 16, 16) grids and their ``misfit``. A keystone tilt of a phone photo
    moves each corner its own way. The
    fits run side by side, each round's moves of all of them sampled in one ``grids_at``.
    ``sampled``: the grids of corners sampled before, by their bytes (kept and added to), so that
    no corners are sampled twice: a fit moves back and forth, and the same picture is fitted again
    to the contenders after their neighbours are read, mostly along the same corners."""
    sample = _sampler(luma, {} if sampled is None else sampled)
    current = np.array(starts, dtype=np.float64)
    low, high = np.minimum(current, _PLAIN) - FIT_REACH, np.maximum(current, _PLAIN) + FIT_REACH
    grids = sample(current)
    costs = misfit(grids, reference)
    steps = np.full(len(current), FIT_STEP)
    going = np.ones(len(current), dtype=bool)
    for _ in range(FIT_ROUNDS):
        which = np.flatnonzero(going)
        if not len(which):
            break
        moved = current[which, None] + _MOVES * steps[which, None, None, None]
        trial = np.clip(moved, low[which, None], high[which, None])
        tried = sample(trial.reshape(-1, 4, 2)).reshape(len(which), len(_MOVES), GRID_SIDE, GRID_SIDE)
        tried_costs = misfit(tried.reshape(-1, GRID_SIDE, GRID_SIDE), reference).reshape(len(which), len(_MOVES))
        for j, s in enumerate(which.tolist()):
            k = int(np.argmin(tried_costs[j]))
            if tried_costs[j, k] < costs[s]:
                current[s], grids[s], costs[s] = trial[j, k], tried[j, k], tried_costs[j, k]
            else:
                steps[s] /= 2
                going[s] = steps[s] >= FIT_LAST_STEP
    return grids, costs


def _sampler(
    luma: npt.NDArray[np.float32], sampled: dict[bytes, npt.NDArray[np.float32]]
) -> Callable[[Corners], npt.NDArray[np.float32]]:
    """``grids_at`` of ``luma``, each corners' grid sampled once into ``sampled`` (a grid depends on
    its corners alone, so a kept one is the very grid sampling would give)."""

    def sample(corners: Corners) -> npt.NDArray[np.float32]:
        keys = [c.tobytes() for c in corners]
        first: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            first.setdefault(k, i)
        missing = [k for k in first if k not in sampled]
        if missing:
            sampled.update(zip(missing, grids_at(luma, corners[[first[k] for k in missing]]), strict=True))
        return np.stack([sampled[k] for k in keys])

    return sample
