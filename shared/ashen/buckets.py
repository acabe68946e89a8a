"""Bucket keys: where a signature is stored, and which buckets a query reads.

Scheme v1: the key is a coarse quantisation of five low-frequency values (Y DC, Cb DC, Cr DC and
the first two Y AC terms, the ones LIRE weighs most). A query reads its own bucket plus, in each
dimension where its value sits next to a cell boundary, the neighbouring cell, so re-encodes that
drift by one step across a boundary are still found. Everything else depends only on
``bucket_key`` / ``query_buckets``; the scheme can change behind them.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import numpy.typing as npt

SCHEME = "v1"
_DIMS = np.array([0, 21, 27, 1, 2], dtype=np.intp)
_WIDTH = np.array([4, 4, 4, 4, 4], dtype=np.int64)
_MARGIN = 1  # probe the neighbour cell when the value is this close to a cell edge


def _format(cells: npt.NDArray[np.int64]) -> str:
    return SCHEME + "-" + "".join(f"{c:02d}" for c in cells.tolist())


def bucket_keys(signatures: npt.NDArray[np.integer]) -> list[str]:
    """Bucket key of each of (N, 33) signatures."""
    cells = np.asarray(signatures, dtype=np.int64)[:, _DIMS] // _WIDTH
    return [_format(c) for c in cells]


def bucket_key(values: npt.ArrayLike) -> str:
    return bucket_keys(np.asarray(values, dtype=np.int64)[None, :])[0]


def query_buckets(values: npt.ArrayLike) -> list[str]:
    """The buckets a query reads: its own first, then neighbours across nearby cell edges."""
    v = np.asarray(values, dtype=np.int64)[_DIMS]
    cell = v // _WIDTH
    offset = v - cell * _WIDTH
    options: list[list[int]] = []
    for c, off, w in zip(cell.tolist(), offset.tolist(), _WIDTH.tolist(), strict=True):
        opts = [c]
        if off < _MARGIN and c > 0:
            opts.append(c - 1)
        if off >= w - _MARGIN:
            opts.append(c + 1)
        options.append(opts)
    return [_format(np.array(combo)) for combo in product(*options)]
