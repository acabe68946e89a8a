"""Queries with no colour: how they are told apart, and the buckets their luma reads."""

import numpy as np
import pytest
from PIL import Image

from ashen.descriptors.buckets import bucket_key, luma_buckets
from ashen.descriptors.color_layout import color_layout
from ashen.descriptors.signature import distances, luma_distances
from ashen.query.means import is_colourless
from ashen.query.readings import query_readings
from tests.support import CLIP, export_frame


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    out = tmp_path_factory.mktemp("colour")
    return [np.asarray(Image.open(export_frame(CLIP, at, out / f"{at}.png")).convert("RGB")) for at in (3.0, 12.3)]


def grey(rgb):
    y = np.rint(rgb.astype(np.float64) @ [0.299, 0.587, 0.114]).astype(np.uint8)
    return np.repeat(y[..., None], 3, axis=2)


def test_a_grey_picture_is_colourless_and_a_pale_one_is_not(frames):
    rgb = frames[0]
    assert is_colourless(grey(rgb))
    assert not is_colourless(rgb)
    pale = (grey(rgb).astype(np.int16) + np.array([0, 0, 12])).clip(0, 255).astype(np.uint8)  # a faint blue cast
    assert not is_colourless(pale)


def test_only_a_colourless_picture_gets_luma_readings(frames):
    rgb = frames[1]
    assert not any(r.luma_only for r in query_readings(rgb))
    readings = query_readings(grey(rgb))
    luma = [r for r in readings if r.luma_only]
    assert [r.name for r in luma] == [f"luma-{r.name}" for r in readings if not r.luma_only]


@pytest.mark.parametrize("i", [0, 1])
def test_luma_distance_ignores_the_lost_colour_and_its_buckets_hold_the_colour_frame(frames, i):
    rgb = frames[i]
    colour, gray = np.array(color_layout(rgb)), np.array(color_layout(grey(rgb)))
    assert distances(gray, colour) > 20  # in colour the grayscale copy is far off
    assert luma_distances(gray, colour) <= 3.0
    assert bucket_key(colour) in luma_buckets(gray)
