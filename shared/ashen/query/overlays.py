"""Dark overlays: censorship "mist" laid over part of a picture, found and painted over.

A release censored with mist hides 20-35% of the picture under a soft, dark, textureless cloud; its
Color Layout moves far from the master's. The cloud is the picture's dark, flat region (its largest
connected part) when the rest is not dark, or over a dark picture the even, near-black level a
step above its black: ``dark_overlay`` finds it on a coarse grid, and
``painted_over`` fills it in from its edges (each hidden cell takes the mean of its neighbours,
repeatedly), a guess of what lies under it that is much closer to the master than the cloud. The
readings made of it (of the picture as given and of the trimmed one) leave the hidden cells out of
their luma grids (ashen.query.readings).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from ashen.descriptors.luma_grid import LUMA_WEIGHTS

CELLS = 32  # the coarse grid the overlay is looked for on, and painted over on
DARK_LUMA = 30.0  # a cell of the cloud: this dark ...
FLAT_LUMA = 10.0  # ... and this even (luma standard deviation inside the cell; a thin mist lets some show)
MIN_SHARE, MAX_SHARE = 0.08, 0.55  # of the picture: less is a shadow, more is a dark picture
LIT_LUMA = 60.0  # the rest of the picture is this bright on average: a dark scene has no cloud ...
LIT_CHANNEL = 120.0  # ... or its brightest channel is: a saturated blue wall (luma 45, blue 210) is lit,
CHANNEL_SHARE = 0.2  # when the cloud covers this much: less, on a saturated backdrop, is a figure in black
PAINT_ROUNDS = 64
MIN_SHOWN = 0.25  # of the picture left to paint from
EDGE_CELLS = 3  # how far the cloud's soft edge reaches beyond its dark, flat core, in cells
# A cloud over a dark picture: the rest is not lit, so the cloud is told apart by its own even level.
BLACK_LUMA = 5.0  # a cell this dark is black (a night sky, bars): no cloud, which lies a level above it
NIGHT_LUMA = 20.0  # the cloud's level is at most this (a mist is near black); a dark grey stage is picture
LEVEL_SPAN = 3.0  # the cloud's cells are within this of its level (the median of the lifted dark cells)
NIGHT_SHARE = 0.14  # and cover this much at least: a dark night scene's even patches cover up to 13%
NIGHT_EDGE_CELLS = 1  # its soft edge: wider would hide the few lit cells left to compare

Mask = npt.NDArray[np.bool_]


def _cells(rgb: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per cell of a CELLS x CELLS grid: mean luma and the luma's standard deviation (of every
    other pixel of every other row: plenty for a cell of a working-size picture)."""
    step = 2 if min(rgb.shape[:2]) >= 4 * CELLS else 1
    luma = np.asarray(rgb[::step, ::step], dtype=np.float32) @ LUMA_WEIGHTS.astype(np.float32)
    h, w = luma.shape
    ys, xs = np.linspace(0, h, CELLS + 1).astype(int), np.linspace(0, w, CELLS + 1).astype(int)
    mean = np.add.reduceat(np.add.reduceat(luma, ys[:-1], 0), xs[:-1], 1)
    sq = np.add.reduceat(np.add.reduceat(luma**2, ys[:-1], 0), xs[:-1], 1)
    count = np.diff(ys)[:, None] * np.diff(xs)[None, :]
    mean, sq = mean / count, sq / count
    return mean, np.sqrt(np.maximum(sq - mean**2, 0.0))


def _brightest(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """Per cell of the CELLS x CELLS grid: its brightest channel's mean. How lit a cell is: a
    saturated blue or red is bright though its luma is low, and a cloud is dark in every channel."""
    small = Image.fromarray(rgb).resize((CELLS, CELLS), Image.Resampling.BOX)
    return np.asarray(np.asarray(small, dtype=np.float64).max(axis=2), dtype=np.float64)


def _lit(rgb: npt.NDArray[np.uint8], mean: npt.NDArray[np.float64], rest: Mask) -> bool:
    """Whether the ``rest`` cells (of ``mean`` luma) are a lit picture, by luma or by the brightest
    channel: a night scene's dark, flat parts are no cloud, a cloud over a blue wall is one. By the
    brightest channel only for a cloud of CHANNEL_SHARE or more: a dancer dressed in black before
    a blue wall is a dark, flat tenth of the picture, and painting her over would hide the only
    part that tells the moments of the shot apart (a censorship mist covers 20-35%)."""
    if float(mean[rest].mean()) >= LIT_LUMA:
        return True
    return float((~rest).mean()) >= CHANNEL_SHARE and float(_brightest(rgb)[rest].mean()) >= LIT_CHANNEL


def _grown(mask: Mask, cells: int = EDGE_CELLS) -> Mask:
    """The mask grown by up to ``cells`` steps to the 4-neighbours, as long as a quarter of the
    picture stays shown: the cloud's soft edge. A cloud is blurred over a few cells, and a fill
    taken from the darkened ring just outside its core guesses a picture too dark (Y DC and the
    first AC terms two or three bucket cells off, out of the deep probe's reach)."""
    out = mask.copy()
    for _ in range(cells):
        step = out.copy()
        step[1:] |= out[:-1]
        step[:-1] |= out[1:]
        step[:, 1:] |= out[:, :-1]
        step[:, :-1] |= out[:, 1:]
        if step.mean() > 1 - MIN_SHOWN:
            break
        out = step
    return out


def largest_part(mask: Mask) -> Mask:
    """The largest 4-connected part of ``mask`` (of two parts of one size, the one whose first
    cell comes first row by row): a cloud is one, and a dark, flat part of the picture apart from
    it (a black menu bar, a shadow) is picture, not to be painted over. Each cell takes the
    smallest label among itself and its 4-neighbours in the mask, and then its label's label
    (jumping along the chain), until nothing changes: every part ends labelled by its first cell."""
    h, w = mask.shape
    last = h * w  # the label of no cell: above every cell's
    label = np.where(mask, np.arange(h * w).reshape(h, w), last)
    flat = np.append(label.ravel(), last)  # a label's label, a cell outside the mask keeping ``last``
    while True:
        step = label.copy()
        np.minimum(step[1:], label[:-1], out=step[1:])
        np.minimum(step[:-1], label[1:], out=step[:-1])
        np.minimum(step[:, 1:], label[:, :-1], out=step[:, 1:])
        np.minimum(step[:, :-1], label[:, 1:], out=step[:, :-1])
        step = np.where(mask, step, last)
        flat[:-1] = step.ravel()
        step = flat[flat[step]]  # two jumps along the chain of labels
        if np.array_equal(step, label):
            break
        label = step
    sizes = np.bincount(label[mask], minlength=h * w)
    if not len(sizes) or sizes.max() == 0:
        return np.zeros_like(mask)
    return np.asarray(label == int(np.argmax(sizes)), dtype=bool) & mask


def dark_overlay(rgb: npt.NDArray[np.uint8]) -> Mask | None:
    """The CELLS x CELLS cells a dark overlay covers (with its soft edge), or None when the
    picture shows none: too few or too many dark flat cells, or a dark picture anyway."""
    if min(rgb.shape[:2]) < CELLS:
        return None
    mean, spread = _cells(rgb)
    dark = (mean < DARK_LUMA) & (spread < FLAT_LUMA)
    if dark.mean() < MIN_SHARE:  # no part of it can be a cloud (most pictures: no parts looked for)
        return None
    cloud = largest_part(dark)
    if MIN_SHARE <= float(cloud.mean()) <= MAX_SHARE and _lit(rgb, mean, ~cloud):
        return _grown(cloud)
    return _night_cloud(mean, dark)


def _night_cloud(mean: npt.NDArray[np.float64], dark: Mask) -> Mask | None:
    """A cloud over a dark picture, whose rest is too dark to count as lit: the largest part of
    the dark, flat cells a level above black and of one even level, near black. A night scene's
    dark, flat parts are black (left out), or a dark grey above NIGHT_LUMA, or smaller patches;
    a mist over a night scene is one even, near-black level over a fifth of the picture or more."""
    lifted = dark & (mean >= BLACK_LUMA)
    if lifted.mean() < NIGHT_SHARE:
        return None
    level = float(np.median(mean[lifted]))
    cloud = largest_part(lifted & (np.abs(mean - level) <= LEVEL_SPAN))
    if level > NIGHT_LUMA or not NIGHT_SHARE <= float(cloud.mean()) <= MAX_SHARE:
        return None
    return _grown(cloud, NIGHT_EDGE_CELLS)


def grid_mask(mask: Mask, side: int) -> Mask:
    """The cells of a ``side`` x ``side`` grid (CELLS a multiple of it) that touch ``mask``."""
    k = CELLS // side
    return np.asarray(mask.reshape(side, k, side, k).any(axis=(1, 3)), dtype=bool)


def painted_over(rgb: npt.NDArray[np.uint8], mask: Mask) -> npt.NDArray[np.uint8]:
    """The picture with the cells of ``mask`` filled in from around them."""
    h, w = rgb.shape[:2]
    small = np.asarray(Image.fromarray(rgb).resize((CELLS, CELLS), Image.Resampling.BOX), dtype=np.float64)
    shown = ~mask
    # The fill, its edge repeated around it (np.pad's "edge"), painted in place round after round.
    padded = np.empty((CELLS + 2, CELLS + 2, small.shape[2]))
    fill, hidden_cells, around = padded[1:-1, 1:-1], np.broadcast_to(mask[..., None], small.shape), small.copy()
    fill[...] = small
    fill[mask] = small[shown].mean(axis=0)
    for _ in range(PAINT_ROUNDS):
        padded[0], padded[-1] = padded[1], padded[-2]
        padded[:, 0], padded[:, -1] = padded[:, 1], padded[:, -2]
        np.add(padded[:-2, 1:-1], padded[2:, 1:-1], out=around)
        around += padded[1:-1, :-2]
        around += padded[1:-1, 2:]
        around /= 4
        np.copyto(fill, around, where=hidden_cells)  # the shown cells stay the picture's
    big = np.asarray(Image.fromarray(np.clip(fill, 0, 255).astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR))
    hidden = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((w, h), Image.Resampling.NEAREST)) > 0
    out = np.array(rgb, dtype=np.uint8)
    np.copyto(out, big, where=hidden[..., None])
    return out
