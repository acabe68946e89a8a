import numpy as np
import pytest

from ashen import color_layout, color_layout_batch
from ashen.descriptors.color_layout import block_edges

BLACK = [2] + [16] * 20 + [32] + [16] * 5 + [32] + [16] * 5


def test_black_image_matches_trace_moe():
    assert color_layout(np.zeros((180, 320, 3), np.uint8)) == BLACK


def test_grey_and_white_y_dc():
    assert color_layout(np.full((180, 320, 3), 128, np.uint8))[0] == 30
    assert color_layout(np.full((180, 320, 3), 255, np.uint8))[0] == 61


def test_byte_ramp_reference_vector():
    rgb = (np.arange(320 * 180 * 3) % 256).astype(np.uint8).reshape(180, 320, 3)
    expected = [30, 15, 16, 16, 16, 16, 16, 15, 16, 15, 16, 16, 16, 16, 15, 15, 15, 16, 15, 16, 15,
                32, 16, 16, 16, 16, 16, 32, 16, 16, 16, 16, 16]  # fmt: skip
    assert color_layout(rgb) == expected


def test_block_edges_are_ceilings():
    assert block_edges(180).tolist() == [0, 23, 45, 68, 90, 113, 135, 158, 180]
    assert block_edges(8).tolist() == list(range(9))


def test_batch_equals_single_frames_at_odd_sizes():
    rng = np.random.default_rng(7)
    frames = rng.integers(0, 256, (5, 37, 53, 3), dtype=np.uint8)
    batch = color_layout_batch(frames)
    assert batch.shape == (5, 33)
    for f, row in zip(frames, batch, strict=True):
        assert color_layout(f) == row.tolist()


def test_value_ranges_on_noise():
    rng = np.random.default_rng(1)
    out = color_layout_batch(rng.integers(0, 256, (50, 16, 16, 3), dtype=np.uint8))
    assert out[:, [0, 21, 27]].max() <= 63
    assert np.delete(out, [0, 21, 27], axis=1).max() <= 31


def test_mirroring_changes_only_odd_horizontal_terms_sign():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    a, b = color_layout(img), color_layout(img[:, ::-1])
    assert a[0] == b[0] and a[21] == b[21] and a[27] == b[27]  # DC terms survive a mirror
    assert a != b


@pytest.mark.parametrize("shape", [(7, 64, 3), (64, 64), (64, 64, 4)])
def test_rejects_bad_shapes(shape):
    with pytest.raises(ValueError):
        color_layout(np.zeros(shape, np.uint8))


def test_halved_means_are_the_8x8_means_exactly():
    # The query path takes its 8x8 means from the 16x16 sums: the 8x8 block edges are every
    # other 16x16 edge for any size, so the means must match bit for bit.
    from ashen.descriptors.color_layout import block_means, block_sums, halved_means

    rng = np.random.default_rng(3)
    for h, w in ((16, 16), (17, 31), (45, 80), (359, 641), (480, 848)):
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(halved_means(*block_sums(img, 16)), block_means(img, 8)), (h, w)
