"""Dark overlays (censorship mist): found only where a dark, flat cloud lies over a lit picture,
and painted over into a reading closer to the picture beneath."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from ashen.descriptors.buckets import bucket_key, deep_buckets
from ashen.descriptors.color_layout import color_layout
from ashen.descriptors.signature import distances
from ashen.query.overlays import dark_overlay, painted_over
from ashen.query.readings import QueryImage, bars_in_pairs, query_readings
from tests.support import CLIP, export_frame


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    out = tmp_path_factory.mktemp("overlay")
    return np.asarray(Image.open(export_frame(CLIP, 3.0, out / "f.png")).convert("RGB"))[58:422]  # inside the bars


def misted(rgb, box):
    img = Image.fromarray(rgb)
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=235)
    mask = mask.filter(ImageFilter.GaussianBlur(12))
    return np.asarray(Image.composite(Image.new("RGB", img.size, (10, 10, 16)), img, mask))


def assert_found_and_painted_closer(query: np.ndarray, picture: np.ndarray) -> None:
    """A cloud of a tenth to a half of ``query`` is found, and painting it over brings the CLD
    closer to the ``picture`` under it (under 0.7 of the distance as given)."""
    mask = dark_overlay(query)
    assert mask is not None and 0.1 < mask.mean() < 0.5
    plain, truth = np.array(color_layout(query)), np.array(color_layout(picture))
    painted = np.array(color_layout(painted_over(query, mask)))
    assert distances(painted, truth) < 0.7 * distances(plain, truth)


def test_a_mist_is_found_and_painted_over_closer_to_the_picture(picture):
    h, w = picture.shape[:2]
    query = misted(picture, (w * 0.2, h * 0.15, w * 0.6, h * 0.8))
    assert_found_and_painted_closer(query, picture)
    paint = next(r for r in query_readings(query) if r.name == "paint")
    assert np.isnan(paint.luma).any() and not np.isnan(paint.luma).all()  # the hidden cells left out


def test_no_overlay_on_a_clean_or_a_dark_picture(picture):
    assert dark_overlay(picture) is None
    h, w = picture.shape[:2]
    for dim in (3, 5, 8):  # a night scene: its dark, flat parts (black, or even patches) are no overlay
        assert dark_overlay((picture // dim).astype(np.uint8)) is None
    stage = misted(picture, (w * 0.2, h * 0.15, w * 0.6, h * 0.8)).astype(np.int16)
    assert dark_overlay(np.clip(stage // 2 + 20, 0, 255).astype(np.uint8)) is None  # a dark grey stage
    sky = (picture // 3).astype(np.uint8)
    sky[: h * 2 // 5] = 0  # a black night sky over two fifths of it
    assert dark_overlay(sky) is None
    ramp = np.linspace(6, 28, w)[None, :, None]  # a dark gradient (a dusk sky), even in each cell
    sky[: h * 2 // 5] = np.broadcast_to(ramp, (h * 2 // 5, w, 3)).astype(np.uint8)
    assert dark_overlay(sky) is None
    assert not any(r.name == "paint" for r in query_readings(picture))


def test_a_mist_under_film_grain_is_still_found(picture):
    """Grain or noise laid over the whole release leaves the cloud dark but not perfectly even."""
    h, w = picture.shape[:2]
    query = misted(picture, (w * 0.2, h * 0.15, w * 0.6, h * 0.8)).astype(np.float64)
    grain = np.random.default_rng(0).normal(0, 6, query.shape[:2])[..., None]
    grainy = np.clip(query + grain, 0, 255).astype(np.uint8)
    mask = dark_overlay(grainy)
    assert mask is not None and 0.1 < mask.mean() < 0.5
    night = np.clip((picture // 3) + grain, 0, 255).astype(np.uint8)
    assert dark_overlay(night) is None  # still no night scene


@pytest.mark.parametrize("dim", [3, 5])
def test_a_mist_over_a_dark_picture_is_found_apart_from_the_black(picture, dim):
    """Over a night scene the rest of the picture is too dark to count as lit: the cloud is the
    even, near-black level a step above the black, and its painted guess is closer to the picture."""
    h, w = picture.shape[:2]
    night = (picture // dim).astype(np.uint8)
    query = misted(night, (w * 0.2, h * 0.15, w * 0.6, h * 0.8))
    assert_found_and_painted_closer(query, night)


@pytest.mark.parametrize("box", [(0.2, 0.15, 0.6, 0.8), (0.45, 0.1, 0.9, 0.7), (0.05, 0.3, 0.5, 0.95)])
def test_the_painted_guess_stays_within_the_deep_probe_of_the_picture(picture, box):
    """The cloud's soft edge is painted over with it: a fill taken from the darkened ring around
    the dark core guesses a picture too dark, whose bucket the deep probe does not reach."""
    h, w = picture.shape[:2]
    query = misted(picture, (w * box[0], h * box[1], w * box[2], h * box[3]))
    paint = next(r for r in query_readings(query) if r.name == "paint")
    assert bucket_key(color_layout(picture)) in deep_buckets(paint.values)


@pytest.mark.parametrize("box", [(-0.3, -0.2, 0.35, 1.2), (0.6, -0.2, 1.3, 1.2), (-0.2, -0.5, 1.2, 0.3)])
def test_a_mist_over_an_edge_is_painted_over_though_the_trim_cuts_it_as_a_bar(picture, box):
    """A cloud over a whole edge is dark and flat there, and the border trim cuts it as a bar: the
    trimmed picture shows no cloud, so the picture as given is painted over too, and its guess
    lands within the deep probe of the picture."""
    h, w = picture.shape[:2]
    query = misted(picture, (w * box[0], h * box[1], w * box[2], h * box[3]))
    image = QueryImage.of(query)
    assert image.boxes is not None and image.boxes.full is not None  # the trim took the cloud for a bar
    paint = next(r for r in query_readings(image) if r.name == "paint")
    assert bucket_key(color_layout(picture)) in deep_buckets(paint.values)


def test_a_dark_flat_part_of_the_picture_apart_from_the_cloud_is_not_painted_over(picture):
    """A black menu bar along the top of a screencast is dark and flat like the cloud, but apart
    from it: picture, and painting it over with the colours around it moves the guess further."""
    h, w = picture.shape[:2]
    barred = picture.copy()
    barred[: h // 16] = 0  # a black bar, two cells of the grid deep
    query = misted(barred, (w * 0.3, h * 0.45, w * 0.7, h * 0.95))
    mask = dark_overlay(query)
    assert mask is not None and mask[len(mask) // 2 :].any()  # the cloud, low in the picture
    assert not mask[:2].any()  # not the bar


def test_a_letterboxed_picture_is_not_painted_over(tmp_path):
    """A pair of black bars is dark and flat like a cloud: a picture inside them has none."""
    framed = np.asarray(Image.open(export_frame(CLIP, 3.0, tmp_path / "f.png")).convert("RGB"))  # with its bars
    assert not any(r.family == "paint" for r in query_readings(framed))


def test_a_mist_over_a_saturated_blue_wall_is_found(picture):
    """A blue wall is lit though its luma is low (45): a cloud over it is found, by the wall's
    brightest channel, while a night scene stays without one."""
    h, w = picture.shape[:2]
    wall = np.zeros_like(picture)
    wall[...] = (20, 30, 215)
    wall[h // 4 :, int(w * 0.45) : int(w * 0.55)] = (15, 15, 15)  # a dancer in black before it
    mask = dark_overlay(misted(wall, (w * 0.15, h * 0.1, w * 0.6, h * 0.9)))
    assert mask is not None and 0.1 < mask.mean() < 0.7
    assert dark_overlay(misted((wall // 3).astype(np.uint8), (w * 0.15, h * 0.1, w * 0.6, h * 0.9))) is None


def test_a_figure_in_black_before_a_saturated_wall_is_no_cloud(picture):
    """A dancer dressed in black before a blue wall is a dark, flat eighth of the picture: no
    cloud (painted over, she would be hidden, and with her all that tells the moments apart),
    while a luma-lit picture keeps the smaller clouds MIN_SHARE allows."""
    h, w = picture.shape[:2]
    wall = np.zeros_like(picture)
    wall[...] = (20, 30, 215)
    wall[h // 5 :, int(w * 0.42) : int(w * 0.58)] = (15, 15, 15)  # 16% wide, 80% high
    assert dark_overlay(wall) is None
    grey = wall.copy()
    grey[wall[..., 2] == 215] = (150, 150, 150)  # the same figure before a lit grey wall
    assert dark_overlay(grey) is not None


def test_a_letterboxed_picture_with_a_cloud_over_an_edge_is_painted_inside_its_bars(picture):
    """Bars in pairs keep the picture as given from being painted over, and the trim cuts a cloud
    over a whole edge as a bar on that one side: the picture inside the pair of bars, the cloud in
    it, is the one painted over (the whole trim would paint over a picture cut in part)."""
    h, w = picture.shape[:2]
    bar = h // 6
    query = np.zeros((h + 2 * bar, w, 3), dtype=np.uint8)
    query[bar : bar + h] = misted(picture, (w * 0.62, -h * 0.3, w * 1.4, h * 1.3))  # over the right edge
    image = QueryImage.of(query)
    assert image.boxes is not None and bars_in_pairs(image.boxes.depths, *image.rgb.shape[:2])
    assert image.boxes.depths[3] > 0.2 * image.rgb.shape[1]  # the trim took the cloud for a bar
    paint = next(r for r in query_readings(image) if r.name == "trim-paint")
    assert bucket_key(color_layout(picture)) in deep_buckets(paint.values)


def test_a_mist_over_a_globe_at_night_is_painted_over_though_its_borders_meet():
    """Over a dark globe on black, the border trim reads the whole picture as border (bars that
    meet, no picture inside them): the picture as given is painted over all the same."""
    img = Image.new("RGB", (480, 270), 0)
    draw = ImageDraw.Draw(img)
    draw.ellipse((125, 20, 355, 250), fill=(70, 90, 130))  # the lit limb
    draw.ellipse((135, 22, 357, 248), fill=(40, 50, 70))  # the night side
    for x, y in ((330, 80), (320, 100), (335, 160), (300, 210)):  # city lights
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=(200, 170, 90))
    query = misted(np.asarray(img), (140, 25, 330, 245))
    image = QueryImage.of(query)
    assert image.boxes is not None and image.boxes.full is None  # all of it read as border
    assert any(r.name == "paint" for r in query_readings(image))
