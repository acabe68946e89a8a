"""The decoding budget: hostile query images are refused or cut short before they cost memory."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ashen.errors import ImageTooLarge, NotAnImage, UnsupportedImageFormat
from ashen.query import images
from ashen.query.images import ANIMATION_MAX_PIXELS, MAX_SEEKS, DecodeBudget, load_frames
from tests.query import hostile_files as hostile


def test_a_huge_gif_canvas_is_refused_before_any_frame_is_decoded() -> None:
    budget = DecodeBudget()
    with pytest.raises(ImageTooLarge, match=r"4000x4000 .*over the limit of 8\.3 megapixels"):
        load_frames(hostile.gif((4000, 4000), 300), budget=budget)
    assert budget.decoded == 0


def test_a_gif_frame_that_grows_the_canvas_is_checked_before_it_is_decoded() -> None:
    budget = DecodeBudget()
    with pytest.raises(ImageTooLarge, match="animation frame 5 is 9000x9000"):
        load_frames(hostile.gif((64, 64), 4, delay_cs=30, grow_to=(9000, 9000)), budget=budget)
    assert budget.decoded == 4 * 64 * 64


def test_an_apng_over_the_animation_limit_is_refused() -> None:
    with pytest.raises(ImageTooLarge, match="animation frame 1 is 3000x3000"):
        load_frames(hostile.apng((3000, 3000), 3, rgba=False))


def test_a_many_frame_gif_walk_stops_at_the_seek_cap() -> None:
    budget = DecodeBudget()
    frames = load_frames(hostile.gif((32, 32), 1000, delay_cs=2), budget=budget)
    assert budget.seeks == MAX_SEEKS and budget.decoded == (MAX_SEEKS + 1) * 32 * 32
    assert 1 < len(frames) < 16


def test_the_pixel_budget_cuts_a_large_animation_short() -> None:
    budget = DecodeBudget(pixels=10 * 1000 * 1000)
    frames = load_frames(hostile.gif((1000, 1000), 50, delay_cs=25), budget=budget)
    assert budget.decoded == 10 * 1000 * 1000 and budget.seeks == 10
    assert len(frames) == 10 and frames[0][1].shape == (500, 500, 3)  # reduced to at most 640 px, as a clip


def test_a_still_image_over_the_pixel_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    with pytest.raises(ImageTooLarge, match=r"image is 120x100 .*over the limit of 0\.0 megapixels"):
        load_frames(hostile.apng((120, 100), 1, rgba=False))


def test_a_progressive_jpeg_is_refused_by_its_coefficient_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (9, 99, 199)).save(buf, "JPEG", progressive=True, subsampling=0)
    monkeypatch.setattr(images, "MAX_JPEG_COEFFICIENT_BYTES", 400 * 300 * 6 - 1)
    with pytest.raises(ImageTooLarge, match="progressive JPEG 400x300 needs 0 MB"):
        load_frames(buf.getvalue())


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (hostile.tiff_with_huge_page((64, 48), (9400, 9400)), "TIFF"),
        (hostile.psd((64, 64)), "PSD"),
        (hostile.eps((64, 64)), "EPS"),
    ],
)
def test_formats_off_the_allow_list_are_refused_by_name(data: bytes, name: str) -> None:
    with pytest.raises(UnsupportedImageFormat, match=f"{name} images are not accepted") as caught:
        load_frames(data)
    assert isinstance(caught.value, NotAnImage)  # a file of them may still be read as a video clip


def test_a_large_still_is_reduced_the_same_as_before_a_strip_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (700, 610, 4), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buf, "PNG")
    monkeypatch.setattr(images, "REDUCE_ABOVE", 200)
    monkeypatch.setattr(images, "STRIP_PIXELS", 5000)  # many strips, the last one partial
    frames = load_frames(buf.getvalue())
    # Its alpha laid over the one background (ashen.media.alpha), as the whole image would be.
    whole = np.asarray(images.opaque(Image.fromarray(pixels, "RGBA")).reduce(3))
    assert np.array_equal(frames[0][1], whole)


def test_exif_orientation_still_turns_the_image_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: shown turned 90 degrees clockwise
    buf = io.BytesIO()
    Image.new("RGB", (80, 40), (200, 10, 10)).save(buf, "JPEG", exif=exif)
    assert load_frames(buf.getvalue())[0][1].shape == (80, 40, 3)


def test_budget_limits_are_consistent() -> None:
    assert ANIMATION_MAX_PIXELS <= images.MAX_DECODED_PIXELS and images.MAX_PIXELS <= images.MAX_DECODED_PIXELS
