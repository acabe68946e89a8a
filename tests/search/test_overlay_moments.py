"""A picture with an overlay no stored scene explains (a localised sign, a title card): its CLD is
moved by the overlay, so the right moment may lie further from the closest scene than the moment
margin, and must still contend."""

from __future__ import annotations

import numpy as np

from ashen.descriptors.luma_grid import OVERLAY_CELLS, shows_overlay
from ashen.descriptors.signature import Signature
from ashen.query.readings import Reading
from ashen.records import Candidate
from ashen.search import Tuning
from ashen.search.moments import moment_contenders, moment_margin, moments
from ashen.search.ranking import candidate_values

SIG = Signature.of_image(np.full((32, 32, 3), 100, dtype=np.uint8))


def scene(at: float, grid: np.ndarray) -> Candidate:
    return Candidate("a", at, at, at, SIG.to_bytes(), bytes(np.rint(np.clip(grid, 0, 255)).astype(np.uint8)))


def shot() -> tuple[np.ndarray, list[Candidate], np.ndarray]:
    """A moment of a shot, four other moments of it that lie closer by CLD (the overlay moved the
    query's CLD their way), and the moment itself 5 further: beyond the plain margin, within the
    overlay margin."""
    rng = np.random.default_rng(11)
    moment = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    others = [moment + rng.choice([-12.0, 12.0], (16, 16)).astype(np.float32) for _ in range(4)]
    candidates = [*(scene(10.0 + i, g) for i, g in enumerate(others)), scene(50.0, moment)]
    return moment, candidates, np.array([0.0, 0.5, 1.0, 1.5, 5.0])


def signed(moment: np.ndarray) -> np.ndarray:
    out = moment.copy()
    out[3:7, 10:14] = 235  # a pale board over 16 cells (6% of the picture)
    return out


def test_an_overlay_is_shown_only_where_no_scene_explains_it() -> None:
    moment, candidates, _ = shot()
    grids = np.stack([np.frombuffer(c.luma, dtype=np.uint8).reshape(16, 16).astype(np.float32) for c in candidates])
    assert shows_overlay(signed(moment), grids)
    assert not shows_overlay(moment + 3.0, grids)  # a brighter copy of the moment: nothing laid over
    few = moment.copy()
    few[3:5, 10:13] = 235  # fewer cells than an overlay takes (a cursor, a small change)
    assert OVERLAY_CELLS > 6 and not shows_overlay(few, grids)


def test_under_an_overlay_a_moment_further_by_cld_contends_and_is_chosen() -> None:
    moment, candidates, dist = shot()
    tuning = Tuning()
    mine = np.ones(len(candidates), dtype=bool)
    for query, overlaid in ((signed(moment), True), (moment + 3.0, False)):
        readings = [Reading("original", SIG.array, 0.0, query)]
        margin = moment_margin(readings, tuning)
        wider = tuning.overlay_moment_margin
        near = moment_contenders(readings, candidates, mine, dist, margin, wider)
        picked = next(moments(readings, candidates, candidate_values(candidates), dist, margin, wider))[0]
        # Under the sign the moment 5 further contends and its grid wins; an unedited picture
        # keeps the plain margin (that moment does not contend; CLD says the others are closer).
        assert (candidates[picked].at == 50.0) == overlaid
        assert len(near) == (5 if overlaid else 4)
