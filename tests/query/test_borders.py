import numpy as np

from ashen.query.borders import aspect_boxes, common_box, picture_box, picture_boxes, symmetric_box


def picture(h=180, w=320, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h // 10, w // 10, 3), dtype=np.uint8)
    return np.kron(base, np.ones((10, 10, 1), dtype=np.uint8))  # blocky, like a real frame


def test_no_borders_means_whole_image():
    img = picture()
    assert picture_box(img) == (0, 180, 0, 320)


def test_bars_of_any_flat_colour():
    img = picture()
    for colour in ((0, 0, 0), (128, 128, 128), (250, 250, 250), (0, 90, 200)):
        framed = np.empty((260, 380, 3), dtype=np.uint8)
        framed[:] = colour
        framed[40:220, 30:350] = img
        assert picture_box(framed) == (40, 220, 30, 350), colour


def test_player_window_with_progress_bar():
    img = picture()
    frame = np.full((240, 360, 3), 60, dtype=np.uint8)
    frame[20:200, 20:340] = img
    frame[215:221, 20:200] = (230, 30, 30)  # played part of the progress bar
    frame[215:221, 200:340] = (120, 120, 120)
    t, b, l_, r = picture_box(frame)
    assert (t, b, l_, r) == (20, 200, 20, 340)


def test_flat_image_is_not_trusted():
    assert picture_box(np.full((100, 100, 3), 7, dtype=np.uint8)) is None


def test_symmetric_box_takes_the_shallower_bar():
    assert symmetric_box((70, 420, 0, 848), 480, 848) == (60, 420, 0, 848)


def test_common_box_needs_agreeing_symmetric_bars():
    h, w = 480, 848
    letterbox = [(58, 422, 0, 848)] * 4 + [(75, 422, 0, 848)]  # one dark frame looks deeper
    assert common_box(letterbox, h, w) == (58, 422, 0, 848)
    one_sided = [(0, 400, 0, 848)] * 5  # a flat floor is not a bar
    assert common_box(one_sided, h, w) is None
    wandering = [(40 + 9 * i, 440 - 9 * i, 0, 848) for i in range(5)]  # flat background moving with content
    assert common_box(wandering, h, w) is None
    assert common_box([None, None, (58, 422, 0, 848)], h, w) is None


def test_banner_with_a_line_of_text_is_trimmed_whole():
    # A meme caption: white banner, black text across 40% of some lines (anti-aliased edges too).
    img = np.pad(picture(), ((40, 40), (0, 0), (0, 0)), constant_values=255)
    img[12:28, 60:188] = 0
    img[12:28, 188:190] = 128
    assert picture_box(img) == (40, 220, 0, 320)


def test_black_bars_around_a_white_picture_edge():
    # The picture's own white background touches its edge: the black bar alone is the border.
    img = picture()
    img[:, :40] = 255
    framed = np.pad(img, ((0, 0), (50, 50), (0, 0)))
    found = picture_boxes(framed)
    full, outer = found.full, found.outer
    assert full == (0, 180, 90, 370)  # black bar and white background together
    assert outer == (0, 180, 50, 370)  # the black bar only


def test_aspect_boxes_grow_a_box_back_to_a_common_ratio():
    # A 4:3 picture at rows 23..407 whose light top strip went with a light title bar.
    assert (23, 407, 10, 522) in aspect_boxes((36, 407, 10, 522), 453, 532)
    # Too tall for 4:3: grown on the one side that has room.
    assert aspect_boxes((0, 360, 20, 460), 360, 640) == [(0, 360, 20, 500)]
    assert aspect_boxes((0, 360, 0, 640), 360, 640) == []  # already 16:9
    assert aspect_boxes((0, 300, 0, 300), 300, 400) == []  # square: far from every ratio


def test_a_picture_edge_like_the_player_frame_is_recovered():
    from ashen.descriptors.signature import Signature
    from ashen.query.readings import ReadingOptions, query_readings

    img = picture(240, 320, seed=4)
    img[:16] = 210  # the picture's own light menu bar
    frame = np.full((300, 336, 3), 128, dtype=np.uint8)
    frame[:20] = 210  # the player's title bar, the same light grey
    frame[20:260, 8:328] = img
    frame[260:] = 32  # control bar
    frame[275:279, 20:200] = (230, 30, 30)
    want = Signature.of_image(img).values
    readings = {v.name: v for v in query_readings(frame, ReadingOptions(mirrors=False, crops=False, tones=False))}
    assert not np.array_equal(readings["trim"].values, want)  # the plain trim took the menu bar too
    assert any(np.array_equal(v.values, want) for n, v in readings.items() if n.startswith("trim-aspect"))


def test_meme_banners_around_a_night_picture_are_trimmed():
    # A dark globe on black: from the left and right every column is a few dark colours and reads as
    # border right up to the middle; the white banners above and below are still found.
    h, w, banner = 270, 480, 54
    yy, xx = np.mgrid[:h, :w]
    night = np.zeros((h, w, 3), dtype=np.uint8)
    globe = (yy - h / 2) ** 2 + (xx - w / 2) ** 2 < 120**2
    night[globe] = (np.random.default_rng(1).integers(0, 28, (int(globe.sum()), 1)) * [1, 1, 2] // 2).astype(np.uint8)
    meme = np.full((h + 2 * banner, w, 3), 255, dtype=np.uint8)
    meme[banner : banner + h] = night
    for y in (20, h + banner + 20):  # a line of caption text in each banner
        meme[y : y + 14, 100:380:6] = 0
    assert picture_box(meme) is None  # every side reads as border: no full box to trust
    found = picture_boxes(meme)
    assert found.full == (banner, banner + h, 0, w)
    # The depths are those the scan saw (into the dark sky), not the outer bands the box came from.
    assert found.depths[0] > banner and found.depths[1] > banner


def test_player_window_around_a_picture_with_its_own_bars_is_framed():
    # A 16:9 video with black bars of its own (a letterboxed film), in a player window whose dark
    # control bar runs straight into the bottom bar: the border scan trims frame and bars together,
    # and the band rule cannot part the control bar (32 grey) from the black. The colour steps can.
    video = np.zeros((180, 320, 3), dtype=np.uint8)
    video[25:155] = picture(130, 320)
    window = np.full((180 + 11 + 24, 320 + 12, 3), 128, dtype=np.uint8)
    window[:11] = 210  # title bar
    window[11:191, 6:326] = video
    window[191:209, 6:326] = 32  # control bar
    window[197:200, 20:200] = (230, 30, 30)  # progress
    found = picture_boxes(window)
    full, framed = found.full, found.framed
    assert full == (11 + 25, 11 + 155, 6, 326)  # the film inside its bars, not the video
    assert framed[0] == (11, 191, 6, 326)  # the video, bars included, as it was hashed
    # Without borders there is no frame.
    assert picture_boxes(picture()).framed == []


def test_smallest_images_get_no_reading_under_8x8():
    # 8x8 is the smallest image accepted. A flat one reads as border on every side, and a box of
    # a video's shape (2:1) at half its height must not be hashed: 4 rows cannot make 8x8 blocks.
    from ashen.query.readings import query_readings

    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, shape, dtype=np.uint8) for shape in ((8, 8, 3), (9, 13, 3))]
    for img in (np.full((8, 8, 3), 45, dtype=np.uint8), *noise):
        assert all(v.values.shape == (33,) for v in query_readings(img))
