"""A turned or re-framed picture (a rotated release, a tilted phone photo) keeps its moment of a
fixed camera's shot: its luma grid is compared under the warp that lines it up with the shot."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ashen.descriptors.color_layout import block_means
from ashen.descriptors.luma_grid import grid_distances, luma_of
from ashen.descriptors.signature import Signature
from ashen.query.readings import AS_GIVEN, Reading, query_readings
from ashen.query.warps import Warps
from ashen.records import Candidate
from ashen.search.moments import aligned, moments
from ashen.search.ranking import candidate_values

HEIGHTS = list(range(40, 90, 2))  # where the figure stands, moment by moment


def shot(seed: int, y: int) -> np.ndarray:
    """A fixed camera's 512x288 picture: a textured room and a dark figure whose middle is at
    height ``y`` (near the top left, where a turn and a zoom move the picture most)."""
    rng = np.random.default_rng(seed)
    v, u = np.mgrid[0:288, 0:512] / 288.0
    room = 110 + 50 * np.sin(9 * u + rng.uniform(0, 6)) * np.cos(7 * v + rng.uniform(0, 6)) + 30 * np.sin(23 * u * v)
    rgb = np.stack([room, room * 0.9 + 10, room * 0.8 + 20], -1)
    rgb[y - 40 : y + 40, 76:104] = (30, 30, 40)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def turned(rgb: np.ndarray, angle: float) -> np.ndarray:
    """Rotated by ``angle`` degrees, the black corners cut off (benchmarks/edits.py's rotate2)."""
    img = Image.fromarray(rgb)
    out = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(0, 0, 0))
    s, c = np.sin(np.radians(abs(angle))), np.cos(np.radians(abs(angle)))
    dx = int(np.ceil(img.height / 2 * s + img.width / 2 * (1 - c)))
    dy = int(np.ceil(img.width / 2 * s + img.height / 2 * (1 - c)))
    return np.asarray(out.crop((dx, dy, img.width - dx, img.height - dy)))


def grid(rgb: np.ndarray) -> np.ndarray:
    return np.rint(luma_of(block_means(rgb, 16))).astype(np.float32)


def as_given(rgb: np.ndarray) -> Reading:
    return next(r for r in query_readings(rgb) if r.name == AS_GIVEN)


def test_the_first_warp_is_the_picture_as_it_is() -> None:
    rgb = shot(0, 60)
    grids = Warps(rgb).grids
    assert grids.shape[1:] == (16, 16) and len(grids) > 1
    assert np.abs(grids[0] - grid(rgb)).max() < 2.0
    assert np.isnan(grids[1:]).any()  # a turned or zoomed master shows cells the picture does not


def test_a_turned_picture_lines_up_with_its_master_under_its_warp() -> None:
    master = shot(1, 60)
    reading = as_given(turned(master, 2.0))
    assert reading.luma is not None and reading.warped is not None
    stored = grid(master)[None]
    plain = grid_distances(reading.luma[None], stored)[0]
    warped = grid_distances(aligned(reading.luma, reading.warped, stored)[None], stored)[0]
    assert warped < plain / 2


def test_a_picture_as_it_is_takes_no_warp() -> None:
    """An unedited screenshot is compared as it is: no hypothesis fits what the moments share
    clearly better than the picture itself."""
    shots = [shot(2, y) for y in HEIGHTS]
    reading = as_given(shots[5])
    assert reading.luma is not None and reading.warped is not None
    stored = np.stack([grid(s) for s in shots])
    assert aligned(reading.luma, reading.warped, stored) is reading.luma


@pytest.mark.parametrize("seed", range(6))
def test_a_turned_fixed_camera_shot_keeps_its_moment(seed: int) -> None:
    """Moments of one shot whose signatures tie: only the figure moves. Turned 2 degrees, the
    picture's plain grid is closer to a moment whose figure stands a little higher or lower."""
    shots = [shot(seed, y) for y in HEIGHTS]
    sig = Signature.of_image(shots[0]).to_bytes()
    candidates = [
        Candidate("v", float(i), float(i), float(i), sig, bytes(grid(s).astype(np.uint8))) for i, s in enumerate(shots)
    ]
    truth = HEIGHTS.index(60)
    reading = as_given(turned(shots[truth], 2.0 if seed % 2 else -2.0))
    dist = np.zeros(len(candidates))
    picked, _ = next(moments([reading], candidates, candidate_values(candidates), dist, 3.5))
    assert candidates[picked].at == truth


@pytest.mark.parametrize("seed", range(4))
def test_a_pan_and_scan_crop_keeps_its_moment(seed: int) -> None:
    """A 4:3 release of a 16:9 master keeps 3/4 of its width, panned anywhere: its plain grid
    compares the wrong places; under the pan that lines it up, the moment is the right one."""
    shots = [shot(seed, y) for y in HEIGHTS]
    sig = Signature.of_image(shots[0]).to_bytes()
    candidates = [
        Candidate("v", float(i), float(i), float(i), sig, bytes(grid(s).astype(np.uint8))) for i, s in enumerate(shots)
    ]
    truth = HEIGHTS.index(60)
    x = [0, 25, 50, 70][seed]  # the figure (x 76-104) stays in the picture
    reading = as_given(shots[truth][:, x : x + 384])
    dist = np.zeros(len(candidates))
    picked, _ = next(moments([reading], candidates, candidate_values(candidates), dist, 3.5))
    assert candidates[picked].at == truth


def keystoned(rgb: np.ndarray, seed: int) -> np.ndarray:
    """A phone photo's tilt: each corner of the picture moved its own way by up to 2.5% of the
    width and height (benchmarks/edits.py's phone_photo), the picture kept within its corners."""
    img = Image.fromarray(rgb)
    w, h = img.size
    corners = np.array([(0, 0), (w, 0), (w, h), (0, h)], dtype=float)
    moved = corners + np.random.default_rng(seed).uniform(-0.025, 0.025, (4, 2)) * (w, h)
    rows, rhs = [], []
    for (x, y), (u, v) in zip(corners, moved, strict=True):  # output corner -> where it samples
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    coeffs = tuple(np.linalg.solve(np.array(rows), np.array(rhs)))
    return np.asarray(img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC))


KEYSTONE_HEIGHTS = HEIGHTS[::2]  # 4 px apart: a tilt moves the figure by more than 2


def test_keystoned_fixed_camera_shots_keep_their_moments() -> None:
    """A phone photo of a screen is tilted: each corner moves its own way, which no turn, zoom or
    pan hypothesis is; its warp is fitted corner by corner to what the moments share. Of eight
    tilts, seven keep their moment (the picture as it is, or the best hypothesis alone: two)."""
    right = 0
    for seed in range(8):
        shots = [shot(seed, y) for y in KEYSTONE_HEIGHTS]
        sig = Signature.of_image(shots[0]).to_bytes()
        candidates = [
            Candidate("v", float(i), float(i), float(i), sig, bytes(grid(s).astype(np.uint8)))
            for i, s in enumerate(shots)
        ]
        truth = KEYSTONE_HEIGHTS.index(60)
        reading = as_given(keystoned(shots[truth], seed))
        dist = np.zeros(len(candidates))
        picked, _ = next(moments([reading], candidates, candidate_values(candidates), dist, 3.5))
        right += candidates[picked].at == truth
    assert right >= 7
