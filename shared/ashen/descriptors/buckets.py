"""Bucket keys: where a signature is stored, and which buckets a query reads.

Scheme v2: the key quantises six low-frequency values (Y DC, Cb DC, Cr DC and the Y AC terms 1, 2
and 5) into cells 3, 2, 2, 3, 3 and 3 values wide. A re-encode moves each value by at most one step
(measured on a 10-minute film re-encoded at 640 px, CRF 32: never two), so a query reads, in each
dimension where its value sits on a cell edge, the neighbour cell as well: every signature within
one step per dimension is read, and buckets find what brute force over the same signatures finds.
Heavier edits move values further; ``search`` then probes wider once (``query_buckets`` with a
margin of 2, and ``reach_buckets``: up to four steps in any one value), and when the answer is
still far, ``far_buckets`` for the one reading closest to a scene.
A query with no colour says nothing of the chroma cells: ``luma_buckets`` reads every chroma cell
of its luma cells (the luma cells hold about twice the scenes of one bucket's neighbourhood, but
spread over up to a thousand keys).
``benchmarks/scale.py`` measures the share of the index this reads as it grows.

Near-uniform frames (black, white, a plain colour) say nothing about which video they come from and
would pile up in one bucket of every episode: they are not stored at all (``is_flat``).
Everything else depends only on this module's functions; the scheme can change behind them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SCHEME = "v2"
_DIMS = np.array([0, 21, 27, 1, 2, 5], dtype=np.intp)
_WIDTH = np.array([3, 2, 2, 3, 3, 3], dtype=np.int64)
_MARGIN = 1  # probe the neighbour cell when the value is this close to a cell edge
_AC = np.r_[1:21, 22:27, 28:33]
_NEUTRAL_AC_CELL = 16 // 3  # the cell of an AC value of 16 (no texture)
_CHROMA = (1, 2)  # the keyed dimensions that are chroma: Cb DC and Cr DC
_DC_LEVELS = 64  # a DC value takes 6 bits
_AC_LEVELS = 32  # an AC value takes 5 bits
# Cells per keyed dimension (Y DC, Cb DC, Cr DC, then three Y AC): a probe's cell past these (a
# step or two beyond the top of a value) is a bucket no scene can be in.
_CELLS = -(-np.array([_DC_LEVELS] * 3 + [_AC_LEVELS] * 3) // _WIDTH)


def _keys(options: list[list[int]]) -> list[str]:
    """The key of every combination of per-dimension cells, in ``itertools.product``'s order (the
    last dimension's cells change fastest). Plain strings grown one dimension at a time, no
    arrays: a wide or deep probe makes thousands of keys per query, and each is one concatenation
    of the keys of the dimensions before it."""
    keys = [f"{SCHEME}-"]
    for cells in options:
        parts = [f"{c:02d}" for c in cells]
        keys = [key + part for key in keys for part in parts]
    return keys


def _probed(options: list[list[int]]) -> list[str]:
    """The keys of the buckets that can exist among every combination of ``options``' cells."""
    return _keys([[c for c in cells if 0 <= c < n] for cells, n in zip(options, _CELLS.tolist(), strict=True)])


def bucket_keys(signatures: npt.NDArray[np.integer]) -> list[str]:
    """Bucket key of each of (N, 33) signatures."""
    cells = np.asarray(signatures, dtype=np.int64)[:, _DIMS] // _WIDTH
    return [f"{SCHEME}-{''.join(f'{c:02d}' for c in row)}" for row in cells.tolist()]


def bucket_key(values: npt.ArrayLike) -> str:
    return bucket_keys(np.asarray(values, dtype=np.int64)[None, :])[0]


def _cell_options(v: npt.NDArray[np.int64], margin: int) -> list[list[int]]:
    cell = v // _WIDTH
    offset = v - cell * _WIDTH
    options: list[list[int]] = []
    for c, off, w in zip(cell.tolist(), offset.tolist(), _WIDTH.tolist(), strict=True):
        opts = [c]
        if off < margin and c > 0:
            opts.append(c - 1)
        if off >= w - margin:
            opts.append(c + 1)
        options.append(opts)
    return options


def query_buckets(values: npt.ArrayLike, margin: int = _MARGIN) -> list[str]:
    """The buckets a query reads: its own first, then neighbours across nearby cell edges
    (``margin``: how close to an edge a value must be for the neighbour to be read)."""
    return _probed(_cell_options(np.asarray(values, dtype=np.int64)[_DIMS], margin))


def luma_buckets(values: npt.ArrayLike, margin: int = _MARGIN) -> list[str]:
    """The buckets of a query compared on its Y values alone: its luma cells (and neighbours
    across nearby edges, as ``query_buckets``) with every chroma cell."""
    options = _cell_options(np.asarray(values, dtype=np.int64)[_DIMS], margin)
    for d in _CHROMA:
        options[d] = list(range(-(-_DC_LEVELS // int(_WIDTH[d]))))
    return _probed(options)


def deep_buckets(values: npt.ArrayLike, luma_cells: int = 2, chroma_cells: int = 1) -> list[str]:
    """Every bucket within ``luma_cells`` cells of the query's in each luma dimension and
    ``chroma_cells`` in each chroma one: for a guess of a hidden part of the picture, which moves
    every low-frequency value a little at once."""
    cells = np.asarray(values, dtype=np.int64)[_DIMS] // _WIDTH
    options = []
    for d, c in enumerate(cells.tolist()):
        k = chroma_cells if d in _CHROMA else luma_cells
        options.append([x for x in range(c - k, c + k + 1) if x >= 0])
    return _probed(options)


def far_buckets(values: npt.ArrayLike, luma_cells: int = 2) -> list[str]:
    """Every bucket within ``luma_cells`` cells of the query's in each luma dimension, and in the
    chroma ones the query's cell (with the neighbour across a nearby edge, as ``query_buckets``):
    an overlay or a re-frame (a sign, a pan) moves the picture's structure, several luma terms a
    cell or two at once, while its mean colour stays."""
    v = np.asarray(values, dtype=np.int64)[_DIMS]
    near = _cell_options(v, _MARGIN)
    cells = (v // _WIDTH).tolist()
    options = [
        near[d] if d in _CHROMA else [x for x in range(c - luma_cells, c + luma_cells + 1) if x >= 0]
        for d, c in enumerate(cells)
    ]
    return _probed(options)


def reach_buckets(values: npt.ArrayLike, reach: int) -> list[str]:
    """Buckets holding signatures up to ``reach`` steps away in any one keyed value (and the
    usual one step in the others): a caption or a player's bar moves one term far, not all."""
    v = np.asarray(values, dtype=np.int64)[_DIMS]
    near = _cell_options(v, _MARGIN)
    keys: dict[str, None] = {}
    for d in range(len(v)):
        lo, hi = max(0, int(v[d]) - reach) // int(_WIDTH[d]), (int(v[d]) + reach) // int(_WIDTH[d])
        options = [*near[:d], list(range(lo, hi + 1)), *near[d + 1 :]]
        keys.update(dict.fromkeys(_probed(options)))
    return list(keys)


def is_flat(signatures: npt.ArrayLike, extreme_energy: int = 20) -> npt.NDArray[np.bool_]:
    """Near-uniform frames: almost no AC energy (a plain colour), or very dark / very bright with
    little of it (black frames, fades, white flashes). Works on (33,) or (N, 33)."""
    s = np.asarray(signatures, dtype=np.int64)
    energy = np.abs(s[..., _AC] - 16).sum(axis=-1)
    extreme = (s[..., 0] <= 6) | (s[..., 0] >= 58)
    return np.asarray((energy <= 8) | (extreme & (energy <= extreme_energy)), dtype=bool)


def is_flat_query(signatures: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Query readings too uniform to search. Looser than ``is_flat`` for dark and bright images:
    bars or banners over up to 40% of a dark stored frame take that share of its texture away
    (a night sky letterboxed), and the query must still reach it."""
    return is_flat(signatures, extreme_energy=12)


def block_key(key: str, factor: int = 2, kind: str = "b") -> str:
    """The **block** of a bucket: its cells divided by ``factor`` (a coarser grid, 2^6 buckets a
    block at 2), named ``<scheme><kind>-<cells>``. Stores whose cost is the number of requests keep
    a block's buckets together and read neighbouring buckets of one block with one request
    (ashen.store.dynamodb_cells)."""
    scheme, cells = key.split("-", 1)
    return f"{scheme}{kind}-" + "".join(f"{int(cells[i : i + 2]) // factor:02d}" for i in range(0, len(cells), 2))


def is_hot_bucket(key: str) -> bool:
    """Buckets of low-texture frames (all keyed AC terms neutral), which every video fills most:
    stores with per-partition limits spread them over shards."""
    cells = key.split("-", 1)[-1]
    ac = [int(cells[i : i + 2]) for i in range(6, len(cells), 2)]
    return bool(ac) and all(c == _NEUTRAL_AC_CELL for c in ac)
