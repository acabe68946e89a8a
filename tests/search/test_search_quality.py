"""Queries the plain CLD misses and the readings find: mirrors, extra bars, crops, clips."""

import subprocess

import numpy as np
import pytest
from PIL import Image

from ashen.box import Box
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.media.frames import read_range
from ashen.media.probe import ffmpeg_exe, probe
from ashen.media.stills import clip_frames
from ashen.query.images import load_frames
from ashen.query.readings import ReadingOptions
from ashen.search import SearchOptions, Tuning, search_clip, search_image
from ashen.store import SqliteStore
from tests.support import export_frame


@pytest.fixture(scope="module")
def store(tmp_path_factory, clip):
    s = SqliteStore(tmp_path_factory.mktemp("q") / "s.sqlite3")
    report = index_video(s, str(clip), IndexOptions(title="Sintel"))
    assert report.video.picture == Box(58, 422, 0, 848)  # the clip's baked-in letterbox
    return s


def true_time(clip, at):
    return next(iter(read_range(str(clip), at, at + 1, info=probe(str(clip))))).times[0]


def frame(clip, at, tmp_path):
    return np.asarray(Image.open(export_frame(clip, at, tmp_path / "f.png")).convert("RGB"))


def found(result, t, tol=2.0):
    top = result.matches[0]
    return top.video.title == "Sintel" and top.start - tol <= t <= top.end + tol


@pytest.mark.parametrize("at", [3.0, 12.3, 19.7])
def test_clean_mirrored_and_letterboxed_screenshots(store, clip, tmp_path, at):
    img, t = frame(clip, at, tmp_path), true_time(clip, at)
    assert found(search_image(store, img), t)
    mirrored = search_image(store, img[:, ::-1].copy())
    assert found(mirrored, t) and "mirror" in mirrored.matches[0].reading
    boxed = np.zeros((img.shape[0] + 120, img.shape[1], 3), np.uint8)
    boxed[60:-60] = img
    assert found(search_image(store, boxed), t)


def test_mirror_needs_the_mirror_reading(store, clip, tmp_path):
    img, t = frame(clip, 12.3, tmp_path), true_time(clip, 12.3)
    plain = search_image(
        store, img[:, ::-1].copy(), SearchOptions(readings=ReadingOptions(mirrors=False, borders=False, crops=False))
    )
    assert not plain.matches or not found(plain, t) or plain.matches[0].similarity < 0.9


def test_clip_query_votes_for_one_offset(store, clip, tmp_path):
    out = tmp_path / "c.mp4"
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        "-ss",
        "8",
        "-t",
        "2",
        "-i",
        str(clip),
        "-vf",
        "crop=iw*0.9:ih:0:0,hflip,scale=480:-2",
        "-an",
        str(out),
    ]
    subprocess.run(cmd, check=True, timeout=60)
    result = search_clip(store, clip_frames(str(out)))
    top = result.matches[0]
    assert top.video.title == "Sintel" and abs(top.at - true_time(clip, 8.0)) <= 1.0
    assert top.reading == "clip"


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_animated_gif_is_a_clip(store, clip, tmp_path):
    frames = [Image.fromarray(frame(clip, 14 + 0.25 * i, tmp_path)).resize((424, 240)) for i in range(8)]
    gif = tmp_path / "a.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=250, loop=0)
    loaded = load_frames(gif.read_bytes())
    assert len(loaded) == 8 and loaded[1][0] == pytest.approx(0.25)
    top = search_clip(store, loaded).matches[0]
    assert top.video.title == "Sintel" and abs(top.at - 14.0) <= 1.0


def test_unrelated_photo_is_not_confident(store):
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    result = search_image(store, noise)
    assert all(not m.confident for m in result.matches)


def test_near_uniform_query_is_flagged_not_matched(store):
    for colour in (0, 255, 90):
        result = search_image(store, np.full((180, 320, 3), colour, np.uint8))
        assert result.flat and not result.matches and result.to_dict()["flat"] is True


def test_flat_frames_are_not_stored(tmp_path):
    from ashen.descriptors.buckets import is_flat
    from ashen.indexing.indexer import keyed
    from ashen.indexing.scenes import scenes_of

    black = np.array([[2] + [16] * 20 + [32] + [16] * 5 + [32] + [16] * 5], dtype=np.uint8)
    detailed = np.random.default_rng(0).integers(8, 24, (1, 33)).astype(np.uint8)
    assert is_flat(black[0]) and not is_flat(detailed[0])
    rows = keyed(scenes_of(np.array([0.0, 1.0]), np.concatenate([black, detailed])))
    assert len(rows) == 1 and rows[0][1].start == 1.0


def test_a_dark_frame_behind_bars_is_still_searched():
    from ashen.descriptors.buckets import is_flat, is_flat_query

    # A night frame with a little texture: stored (not flat), and still searchable when bars
    # covering part of it take some of that texture away.
    stored = np.array([2] + [17] * 22 + [16] * 10, dtype=np.uint8)  # 21 AC steps of energy (and Cb DC 17)
    letterboxed = np.array([2] + [17] * 16 + [16] * 16, dtype=np.uint8)  # 16 left
    black = np.array([2] + [16] * 32, dtype=np.uint8)
    assert not is_flat(stored) and is_flat(letterboxed)
    assert not is_flat_query(letterboxed) and is_flat_query(black)
    # ...but such a dim reading alone can never make a confident answer.
    from ashen.descriptors.signature import similarity_of
    from ashen.query.readings import Reading
    from ashen.search.options import Tuning
    from ashen.search.probe import searchable

    readings = [Reading("original", letterboxed, 0.0), Reading("mirror", black, 0.5), Reading("x", stored, 0.0)]
    kept = searchable(readings, Tuning())
    assert [v.name for v in kept] == ["original", "x"] and kept[1].penalty == 0.0
    assert similarity_of(0.0 + kept[0].penalty) <= Tuning().confident_similarity


def grey(img):
    return np.repeat(np.asarray(Image.fromarray(img).convert("L"))[..., None], 3, axis=2)


@pytest.mark.parametrize("at", [3.0, 19.7])
def test_grayscale_screenshot_is_found_on_its_luma(store, clip, tmp_path, at):
    # A grayscale release of a colour video: its readings are compared on their Y values alone,
    # and the probe reads every chroma cell of their luma cells.
    img, t = frame(clip, at, tmp_path), true_time(clip, at)
    result = search_image(store, grey(img))
    assert found(result, t) and result.matches[0].confident
    assert result.matches[0].reading.startswith("luma-")
    # It swept the chroma cells: a thousand keys for each luma cell of its first luma readings.
    assert result.buckets_read >= 4 * 1024


@pytest.mark.parametrize("at", [3.0, 19.7])
def test_zoomed_reframe_is_found(store, clip, tmp_path, at):
    # A re-framed master: 12% cut all round (here of the picture inside the clip's bars), scaled
    # back; the uncrop-zoom reading pads it back to about the stored picture.
    img, t = frame(clip, at, tmp_path)[58:422], true_time(clip, at)
    h, w = img.shape[:2]
    dy, dx = round(h * 0.12), round(w * 0.12)
    zoomed = np.asarray(Image.fromarray(img[dy : h - dy, dx : w - dx]).resize((w, h), Image.Resampling.LANCZOS))
    result = search_image(store, zoomed)
    assert found(result, t) and "uncrop-zoom" in result.matches[0].reading


def test_a_query_far_from_every_bucket_of_a_small_store_still_gets_an_answer(store):
    # Nothing near any reading (an unrelated, saturated picture): a small store is read whole,
    # and the closest scene is answered, though not as confident.
    rng = np.random.default_rng(0)
    odd = np.kron(rng.integers(0, 2, (6, 8, 3)) * 255, np.ones((40, 40, 1))).astype(np.uint8)
    result = search_image(store, odd)
    assert result.matches and not result.matches[0].confident
    none_read_whole = search_image(store, odd, SearchOptions(tuning=Tuning(read_all_scenes=0)))
    assert not none_read_whole.matches and none_read_whole.frame_count == 0


@pytest.mark.parametrize("at", [21.9, 22.2])
def test_a_pan_and_scan_of_the_letterboxed_master_finds_its_moment(store, clip, tmp_path, at):
    # A 4:3 release of the master, bars and all: its right three quarters. At 21.9 s a flat sky and
    # sand are trimmed with the bars, so the picture inside the bars is the symmetric trim, whose
    # pans line it up (compared stretched, a moment 3.4 s away won). At 22.2 s the pan chosen against
    # the contenders closest to the stretched grid lined it up with a moment 3.5 s away; each pan
    # judged against the contenders closest under it finds the right one (warps.Warps.pan).
    img, t = frame(clip, at, tmp_path), true_time(clip, at)
    keep = round(img.shape[1] * 0.75)
    assert found(search_image(store, img[:, -keep:].copy()), t)
