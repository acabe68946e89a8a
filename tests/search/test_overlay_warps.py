"""A sign or a title laid over a fixed camera's shot does not choose the warp its grid is compared
under, nor its brightness offset: the moment is told by the picture around the overlay."""

from __future__ import annotations

import numpy as np
import pytest

from ashen.descriptors.color_layout import block_means
from ashen.descriptors.luma_grid import luma_of, overlay_free_distances
from ashen.query.readings import AS_GIVEN, query_readings
from ashen.records import Candidate
from ashen.search.moments import scene_grid_distances

SIG = np.full(33, 16, dtype=np.uint8)
PLACES = list(range(200, 320, 8))  # where the dancer stands, moment by moment
TRUTH = 7


def stage(x: int) -> np.ndarray:
    """A fixed camera's 512x288 picture of a plain stage (a smooth wall, little for a warp to
    line up) and a dark dancer whose left edge is at ``x``."""
    v, u = np.mgrid[0:288, 0:512] / 288.0
    wall = 90 + 40 * v + 10 * u
    rgb = np.stack([wall, wall, wall * 0.95], -1)
    rgb[120:250, x : x + 24] = (40, 35, 30)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def signed(rgb: np.ndarray, seed: int) -> np.ndarray:
    """``rgb`` with a bright board and its dark text laid over a tenth of it, placed by ``seed``."""
    out = rgb.copy()
    rng = np.random.default_rng(seed)
    y, x = int(rng.integers(10, 228)), int(rng.integers(10, 362))
    out[y : y + 50, x : x + 140] = (250, 240, 80)
    out[y + 15 : y + 35, x + 10 : x + 130] = (20, 20, 20)
    return out


@pytest.mark.parametrize("seed", [0, 1, 5, 6, 7, 8])
def test_a_sign_does_not_choose_the_warp_and_with_it_the_moment(seed: int) -> None:
    """The sign misses what the moments share by far more than the picture does; fitted to it,
    the warp bent the stage and chose another place of the dancer. Chosen on the cells some
    scene explains, the warp leaves the picture as it is, and the dancer's place decides."""
    grids = [np.rint(luma_of(block_means(stage(x), 16))) for x in PLACES]
    scenes = [
        Candidate("v", float(i), float(i), float(i), bytes(SIG), bytes(g.astype(np.uint8))) for i, g in enumerate(grids)
    ]
    given = next(r for r in query_readings(signed(stage(PLACES[TRUTH]), seed)) if r.name == AS_GIVEN)
    values = np.repeat(SIG[None], len(scenes), axis=0)
    assert given.warped is not None
    dist = scene_grid_distances([given], scenes, values, 3.5, fit=True)
    assert int(np.argmin(dist)) == TRUTH


def test_the_still_part_of_a_shot_counts_nothing_whatever_the_moving_part_does_to_the_mean() -> None:
    """Moments of a still room differ only where a patch grows from none to six cells; the
    query is the room, a little brighter. Its distance to each moment is what the patch's cells
    differ by, spread over the grid: the brightness offset is the median of the cell differences
    (which the still part sets), not their mean (which the patch moves, and with it every still
    cell's difference)."""
    room = np.random.default_rng(4).uniform(60, 180, (16, 16)).astype(np.float32)
    stored = np.repeat(room[None], 7, axis=0)
    for k in range(7):
        stored[k].reshape(-1)[100 : 100 + k] += 40.0
    dist = overlay_free_distances(room + 5.0, stored)
    assert dist == pytest.approx([40.0 * k / 256 for k in range(7)], abs=1e-6)
