"""The largest part of a mask is the one a plainly written flood fill finds (parts met row by row,
the first of two of one size kept): labelling the parts in numpy moves no cell."""

from __future__ import annotations

import numpy as np

from ashen.query.overlays import CELLS, largest_part


def plain_largest_part(mask: np.ndarray) -> np.ndarray:
    seen = np.zeros_like(mask)
    best: list[tuple[int, int]] = []
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        seen[start], part, todo = True, [], [start]
        while todo:
            y, x = todo.pop()
            part.append((y, x))
            for n in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= n[0] < mask.shape[0] and 0 <= n[1] < mask.shape[1] and mask[n] and not seen[n]:
                    seen[n] = True
                    todo.append(n)
        best = part if len(part) > len(best) else best
    out = np.zeros_like(mask)
    if best:
        out[tuple(np.array(best).T)] = True
    return out


def test_largest_part_is_the_plain_flood_fills() -> None:
    rng = np.random.default_rng(0)
    masks = [rng.random((CELLS, CELLS)) < share for share in np.linspace(0.0, 1.0, 41)]
    masks += [rng.random((int(rng.integers(1, 40)), int(rng.integers(1, 40)))) < 0.6 for _ in range(60)]
    snake = np.zeros((CELLS, CELLS), bool)  # one part that winds back and forth: the longest chain
    snake[::2] = True
    snake[1::4, -1] = snake[3::4, 0] = True
    tie = np.zeros((CELLS, CELLS), bool)  # two parts of one size: the first row by row is kept
    tie[9, 20:23] = tie[4, 0:3] = True
    masks += [snake, tie, np.zeros((CELLS, CELLS), bool), np.ones((CELLS, CELLS), bool)]
    for mask in masks:
        got = largest_part(mask)
        assert got.dtype == bool and got.shape == mask.shape
        assert np.array_equal(got, plain_largest_part(mask))
    assert largest_part(tie)[4, 0] and not largest_part(tie)[9, 20]
