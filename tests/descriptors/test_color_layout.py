import math
from functools import cache

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from ashen import color_layout, color_layout_batch
from ashen.descriptors.color_layout import (
    ZIGZAG,
    block_edges,
    block_means,
    block_sums,
    from_block_means,
    from_block_sums,
    halved_means,
)
from ashen.query.readings import ReadingOptions, query_readings
from tests.descriptors.trace_moe_cld import REF_ZIGZAG, reference_color_layout
from tests.support import FIXTURES, SHARED_MEDIA

BLACK = [2] + [16] * 20 + [32] + [16] * 5 + [32] + [16] * 5
HUBBLE = "hubble_deep_field.jpg"  # vendored: the photo the old arithmetic got wrong (value 10: 15, trace.moe 16)
PHOTOS = [
    "astronaut.png",
    "building.jpg",
    "butterfly.jpg",
    "chelsea.png",
    "coffee.png",
    "fruits.jpg",
    "home.jpg",
    HUBBLE,
    "leuvenA.jpg",
    "motorcycle_left.png",
    "rocket.jpg",
]


# --- images ---


@cache
def photo(name: str) -> npt.NDArray[np.uint8]:
    """A photo of the shared media (read-only), or the vendored Hubble photo where that folder is absent."""
    path = SHARED_MEDIA / "images" / name
    img = np.asarray(Image.open(path if path.exists() else FIXTURES / HUBBLE).convert("RGB"))
    img.flags.writeable = False
    return img


def cut(img: npt.NDArray[np.uint8], width: int, height: int) -> npt.NDArray[np.uint8]:
    """The centre ``width`` x ``height`` of ``img``, resized to that when the photo is smaller."""
    h, w = img.shape[:2]
    if width > w or height > h:
        return np.asarray(Image.fromarray(img).resize((width, height), Image.Resampling.BILINEAR))
    top, left = (h - height) // 2, (w - width) // 2
    return img[top : top + height, left : left + width]


def resized(img: npt.NDArray[np.uint8], width: int, height: int) -> npt.NDArray[np.uint8]:
    return np.asarray(Image.fromarray(img).resize((width, height), Image.Resampling.BILINEAR))


@cache
def float32_image() -> npt.NDArray[np.uint8]:
    """A picture whose block sums pass 2^24 (90000 pixels a block), built so that trace.moe's
    float32 sums round them off: each row's part of a block sums to 1 mod 4 (even levels and one
    odd pixel), a tie that float32 breaks the same way once sums pass 2^24, every row. 719 px wide
    so that readings keep its size. Summed exactly instead, values 1, 6 and 15 come out otherwise."""
    height, width = 7997, 719
    img = np.empty((height, width, 3), np.uint8)
    img[:] = (204, 238, 244)
    img[:, [math.ceil(i * width / 8) for i in range(8)]] += 1
    img.flags.writeable = False
    return img


@cache
def float32_reference() -> tuple[int, ...]:
    return tuple(reference_color_layout(float32_image()))


# --- bit-exact with the reference ---


def test_hubble_photo_is_the_reported_case():
    # trace.moe gives 16 for value 10 of this 1000x872 photo; two roundings of the means and a
    # float64 DCT gave 15.
    img = photo(HUBBLE)
    assert img.shape == (872, 1000, 3)
    expected = reference_color_layout(img)
    assert expected[10] == 16
    assert color_layout(img) == expected


@pytest.mark.parametrize("name", PHOTOS)
def test_matches_reference_on_photos_at_odd_sizes(name):
    img = photo(name)
    h, w = img.shape[:2]
    for sized in (img, cut(img, w - 1, h - 1), resized(img, 37, 53), resized(img, 17, 9), resized(img, 8, 8)):
        assert color_layout(sized) == reference_color_layout(sized), (name, sized.shape)


@pytest.mark.parametrize(("width", "height"), [(999, 871), (1000, 872), (451, 300), (64, 48), (13, 200)])
def test_matches_reference_on_hubble_cut_to_odd_sizes(width, height):
    img = cut(photo(HUBBLE), width, height)
    assert color_layout(img) == reference_color_layout(img)


def test_batch_matches_reference():
    frames = np.stack([cut(photo(name), 451, 300) for name in PHOTOS])
    batch = color_layout_batch(frames)
    assert batch.shape == (len(PHOTOS), 33)
    for name, frame, row in zip(PHOTOS, frames, batch, strict=True):
        assert row.tolist() == reference_color_layout(frame), name


def test_float32_sums_past_2_24_match_reference():
    img = float32_image()
    sums, counts = block_sums(img)
    assert sums.max() > 2**24
    expected = list(float32_reference())
    # The image exercises the rounding: exact sums give another signature.
    assert from_block_sums(sums, counts).tolist() != expected
    assert color_layout(img) == expected
    assert from_block_means(block_means(img)).tolist() == expected
    assert color_layout_batch(np.stack([img, img])).tolist() == [expected, expected]


@pytest.mark.parametrize(
    ("colour", "width", "height", "y_dc"),
    [((1, 189, 147), 56, 56, 30), ((24, 160, 236), 24, 200, 31)],
)
def test_scaling_of_sums_rounds_as_reference(colour, width, height, y_dc):
    # 0.299 r + 0.587 g + 0.114 b is exactly 128 for these colours: the Y shape sits on the edge
    # between 125 and 126, and the side is decided by how sum * (1 / (count * 256)) rounds with
    # 49 and 75 pixels a block (sum / count / 256 lands on the other side).
    img = np.empty((height, width, 3), np.uint8)
    img[:] = colour
    assert color_layout(img)[0] == y_dc == reference_color_layout(img)[0]
    assert color_layout(img) == reference_color_layout(img)
    assert _original(img) == reference_color_layout(img)


def test_zigzag_is_the_reference_scan():
    assert ZIGZAG.tolist() == REF_ZIGZAG


# --- the query path reads images as trace.moe does ---


def _original(img: npt.NDArray[np.uint8]) -> list[int]:
    readings = query_readings(img, ReadingOptions(mirrors=False, borders=False, crops=False, tones=False))
    assert readings[0].name == "original"
    return readings[0].values.tolist()


@pytest.mark.parametrize(
    ("name", "width", "height"),
    [(HUBBLE, 719, 700), ("chelsea.png", 451, 300), ("leuvenA.jpg", 751, 563), (HUBBLE, 37, 53), (HUBBLE, 15, 9)],
)
def test_original_reading_matches_reference(name, width, height):
    # Short sides below 720: the query image keeps its size (larger ones are box-reduced first).
    img = cut(photo(name), width, height)
    assert _original(img) == reference_color_layout(img)


def test_original_reading_rounds_big_sums_as_reference():
    assert _original(float32_image()) == list(float32_reference())


def test_halved_means_are_the_8x8_means_exactly():
    # The query path takes its 8x8 means from the 16x16 sums: the 8x8 block edges are every
    # other 16x16 edge for any size, so the means must match bit for bit.
    rng = np.random.default_rng(3)
    for h, w in ((16, 16), (17, 31), (45, 80), (359, 641), (480, 848)):
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(halved_means(*block_sums(img, 16)), block_means(img, 8)), (h, w)


def test_halved_means_round_big_sums_from_the_pixels():
    img = float32_image()
    sums, counts = block_sums(img, 16)
    with pytest.raises(ValueError, match="2\\^24"):
        halved_means(sums, counts)
    assert np.array_equal(halved_means(sums, counts, img), block_means(img, 8))


# --- mirroring ---

# Coefficient 8 * row + column has horizontal frequency column: a horizontal mirror keeps it when
# that is even and negates it when odd. A value v of a negated term comes back as 31 - v or
# 32 - v: quant_ac(-x) is not 256 - quant_ac(x) (floors and shifts round down both ways).
ODD_HORIZONTAL = np.concatenate([ZIGZAG[:21] % 2 == 1, ZIGZAG[:6] % 2 == 1, ZIGZAG[:6] % 2 == 1])


def _assert_mirrored(plain: list[int], mirrored: list[int], what: object) -> None:
    a, b = np.array(plain), np.array(mirrored)
    assert np.array_equal(a[~ODD_HORIZONTAL], b[~ODD_HORIZONTAL]), what
    assert set((a + b)[ODD_HORIZONTAL].tolist()) <= {31, 32}, what


@pytest.mark.parametrize("name", PHOTOS)
def test_mirroring_changes_only_odd_horizontal_terms_sign(name):
    # Widths a multiple of 8 (and short sides below 720): the blocks of the mirrored image are
    # those of the image, mirrored, so the mirror reading must give what the mirrored image gives.
    img = photo(name)
    for width, height in ((448, 296), (64, 48), (8, 8)):
        sized = cut(img, width, height) if width > 8 else resized(img, width, height)
        plain, mirrored = color_layout(sized), color_layout(sized[:, ::-1])
        _assert_mirrored(plain, mirrored, (name, width, height))
        assert plain != mirrored, (name, width, height)  # the odd terms do change
        readings = query_readings(sized, ReadingOptions(borders=False, crops=False, tones=False))
        # Besides: luma-only ones (a small cut of black sky has no colour), a painted-over one (a
        # black sky beside a lit picture looks like censorship mist).
        readings = [r for r in readings if not r.luma_only and not r.name.startswith("paint")]
        assert [v.name for v in readings] == ["original", "mirror"]
        assert readings[0].values.tolist() == plain
        assert readings[1].values.tolist() == mirrored, (name, width, height)


def test_mirror_reading_of_any_width_negates_odd_horizontal_terms():
    # At widths that are no multiple of 8 the mirrored image's blocks are not the mirrored blocks;
    # the mirror reading flips the blocks, whose terms still mirror exactly.
    img = cut(photo(HUBBLE), 451, 301)
    original, mirror = query_readings(img, ReadingOptions(borders=False, crops=False, tones=False))
    _assert_mirrored(original.values.tolist(), mirror.values.tolist(), img.shape)


# --- basics ---


def test_black_image_matches_trace_moe():
    assert color_layout(np.zeros((180, 320, 3), np.uint8)) == BLACK


def test_grey_and_white_y_dc():
    assert color_layout(np.full((180, 320, 3), 128, np.uint8))[0] == 30
    assert color_layout(np.full((180, 320, 3), 255, np.uint8))[0] == 61


def test_byte_ramp_reference_vector():
    rgb = (np.arange(320 * 180 * 3) % 256).astype(np.uint8).reshape(180, 320, 3)
    y = [30, 15, 16, 16, 16, 16, 16, 15, 16, 15, 16, 16, 16, 16, 15, 15, 15, 16, 15, 16, 15]
    expected = [*y, 32, 16, 16, 16, 16, 16, 32, 16, 16, 16, 16, 16]
    assert color_layout(rgb) == expected == reference_color_layout(rgb)


def test_block_edges_are_ceilings():
    assert block_edges(180).tolist() == [0, 23, 45, 68, 90, 113, 135, 158, 180]
    assert block_edges(8).tolist() == list(range(9))


def test_batch_equals_single_frames_at_odd_sizes():
    rng = np.random.default_rng(7)
    frames = rng.integers(0, 256, (5, 37, 53, 3), dtype=np.uint8)
    batch = color_layout_batch(frames)
    assert batch.shape == (5, 33)
    for f, row in zip(frames, batch, strict=True):
        assert color_layout(f) == row.tolist() == reference_color_layout(f)


def test_big_batches_equal_grid_by_grid():
    # Batches are computed a chunk of grids at a time: across chunk edges too, each grid is its own.
    means = np.random.default_rng(5).uniform(0, 255, (2100, 8, 8, 3))
    batch = from_block_means(means.reshape(3, 700, 8, 8, 3))
    assert batch.shape == (3, 700, 33)
    assert np.array_equal(batch.reshape(2100, 33), np.stack([from_block_means(m) for m in means]))


def test_value_ranges_on_noise():
    rng = np.random.default_rng(1)
    out = color_layout_batch(rng.integers(0, 256, (50, 16, 16, 3), dtype=np.uint8))
    assert out[:, [0, 21, 27]].max() <= 63
    assert np.delete(out, [0, 21, 27], axis=1).max() <= 31


@pytest.mark.parametrize("shape", [(7, 64, 3), (64, 64), (64, 64, 4)])
def test_rejects_bad_shapes(shape):
    with pytest.raises(ValueError):
        color_layout(np.zeros(shape, np.uint8))
