"""The brightness offset a query's grid is compared at, when choosing a moment: the median of its
cell differences, which a fixed camera's still part sets, not their mean, which its moving part
moves (and with it every still cell's difference)."""

from __future__ import annotations

import numpy as np
import pytest

from ashen.descriptors.luma_grid import overlay_free_distances


def test_the_still_part_of_a_shot_counts_nothing_whatever_the_moving_part_does_to_the_mean() -> None:
    """Moments of a still room differ only where a patch grows from none to six cells; the
    query is the room, a little brighter. Its distance to each moment is what the patch's cells
    differ by, spread over the grid: the still cells count nothing for any moment."""
    room = np.random.default_rng(4).uniform(60, 180, (16, 16)).astype(np.float32)
    stored = np.repeat(room[None], 7, axis=0)
    for k in range(7):
        stored[k].reshape(-1)[100 : 100 + k] += 40.0
    dist = overlay_free_distances(room + 5.0, stored)
    assert dist == pytest.approx([40.0 * k / 256 for k in range(7)], abs=1e-6)
