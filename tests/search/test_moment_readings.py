"""Which readings of a query choose its moment: those that explain the picture, not a reading that
matches a few cells of it (a phone photo's room around the screen) nor one flipped the other way
from the reading the video matched best."""

from __future__ import annotations

import numpy as np

from ashen.query.readings import AS_GIVEN, Reading
from ashen.records import Candidate
from ashen.search.moments import scene_grid_distances

SIG = np.full(33, 16, dtype=np.uint8)


def moments_of(seed: int) -> np.ndarray:
    """Twelve moments of a fixed camera's shot (16x16 luma grids): a textured room, and a bright
    patch that moves one cell down from one moment to the next."""
    room = np.random.default_rng(seed).uniform(40, 200, (16, 16)).astype(np.float32)
    out = np.repeat(room[None], 12, axis=0)
    for i in range(12):
        out[i, 2 + i, 9:12] = 250.0
    return out


def candidates(grids: np.ndarray) -> list[Candidate]:
    return [
        Candidate("v", float(i), float(i), float(i), bytes(SIG), bytes(np.rint(g).astype(np.uint8)))
        for i, g in enumerate(grids)
    ]


def test_a_reading_that_explains_few_cells_does_not_choose_the_moment() -> None:
    """The picture as given (room and bezel around a phone photo's screen) matches the shot only
    in the cells left of the moving patch, as well at every moment; the trimmed picture shows it
    all, the patch at moment 7 included, a little noisy. The trimmed picture decides."""
    grids = moments_of(0)
    truth = 7
    rng = np.random.default_rng(1)
    trimmed = grids[truth] + rng.normal(0, 1.5, (16, 16)).astype(np.float32)
    given = grids[truth].copy()
    given[:, 7:] = 128.0 - 90.0 * (np.arange(9) % 2)  # the room: stripes no moment shows
    readings = [
        Reading(AS_GIVEN, SIG, 0.0, given),
        Reading("trim", SIG, 0.0, trimmed),
    ]
    values = np.repeat(SIG[None], 12, axis=0)
    dist = scene_grid_distances(readings, candidates(grids), values, 3.5)
    assert int(np.argmin(dist)) == truth


def test_a_mirrored_reading_does_not_choose_the_moment_of_an_unmirrored_match() -> None:
    """The reading the video matched best is not flipped; a flipped one within the margin (a
    symmetric layout) lines its few matching cells up with another moment. It does not decide."""
    grids = moments_of(2)
    truth = 4
    rng = np.random.default_rng(3)
    trimmed = grids[truth] + rng.normal(0, 2.0, (16, 16)).astype(np.float32)
    flipped = grids[9].copy()  # what a mirrored reading happens to match: another moment
    readings = [
        Reading("trim", SIG, 0.0, trimmed),
        Reading("trim-mirror", SIG, 0.5, flipped),
    ]
    values = np.repeat(SIG[None], 12, axis=0)
    dist = scene_grid_distances(readings, candidates(grids), values, 3.5)
    assert int(np.argmin(dist)) == truth
