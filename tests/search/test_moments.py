"""Luma layouts: kept per scene, stored by both stores, and used to pick the moment among scenes
whose CLD signatures tie."""

from __future__ import annotations

import sqlite3

import numpy as np
import numpy.typing as npt
import pytest

from ashen.descriptors.buckets import bucket_key, query_buckets
from ashen.descriptors.color_layout import block_means
from ashen.descriptors.luma_grid import (
    GRID_BYTES,
    explained_cells,
    grid_distances,
    luma_of,
    overlay_free_distances,
    pack_grid,
    unpack_grids,
)
from ashen.descriptors.signature import Signature
from ashen.indexing.indexer import keyed
from ashen.indexing.scenes import scenes_of
from ashen.query.readings import Reading, ReadingOptions, fitted_readings, query_readings
from ashen.records import Candidate, Scene, VideoRecord
from ashen.search import SearchOptions, Tuning, search_clip, search_image, search_readings
from ashen.search.moments import moment_margin, moments, scene_grid_distances
from ashen.search.ranking import candidate_values, reading_distances
from ashen.store import SqliteStore


def sigs(rows: list[int]) -> np.ndarray:
    out = np.full((len(rows), 33), 16, dtype=np.uint8)
    out[:, 0] = rows
    return out


def test_a_scene_keeps_the_mean_layout_of_its_frames() -> None:
    luma = np.stack([np.full((16, 16), v, dtype=np.float32) for v in (10, 20, 31, 200)])
    scenes = scenes_of(np.arange(4) * 0.5, sigs([1, 1, 1, 2]), luma)
    assert [len(s.luma) for s in scenes] == [GRID_BYTES, GRID_BYTES]
    assert unpack_grids([scenes[0].luma])[0, 0, 0] == 20  # (10 + 20 + 31) / 3, rounded
    assert unpack_grids([scenes[1].luma])[0, 0, 0] == 200


def test_layout_distance_ignores_a_uniform_shift_but_not_a_local_change() -> None:
    base = np.random.default_rng(1).uniform(40, 200, (16, 16))
    changed = base.copy()
    changed[2:4, 3:5] += 40  # one 8x8 block of the signature
    d = grid_distances(np.stack([base, base]), np.stack([base + 12, changed]))
    assert d[0] == pytest.approx(0, abs=1e-4)
    assert d[1] > 0.5


def picture(seed: int, patch: bool) -> np.ndarray:
    """A smooth 256x256 picture; ``patch`` adds a small bright square inside one 32x32 block
    (a cursor, a typed word), which moves that block's mean but not the CLD signature."""
    y, x = np.mgrid[0:256, 0:256] / 256.0
    rng = np.random.default_rng(seed)
    rgb = np.stack([120 + 60 * np.sin(3 * x + rng.uniform()), 110 + 50 * np.cos(2 * y), 90 + 40 * x * y], -1)
    if patch:
        rgb[100:108, 165:173] = 200
    return np.clip(rgb, 0, 255).astype(np.uint8)


@pytest.fixture
def still_shot(tmp_path) -> tuple[SqliteStore, np.ndarray, np.ndarray]:
    """One video with two moments of a still shot, 30 s apart, whose signatures are identical."""
    before, after = picture(7, False), picture(7, True)
    sig = Signature.of_image(before)
    assert Signature.of_image(after) - sig <= 1.0, "the patch must leave the signature (nearly) as it was"
    store = SqliteStore(tmp_path / "s.sqlite3")
    scenes = [
        Scene(0.0, 2.0, 4.0, 100, sig.to_bytes(), bytes(np.rint(luma_of(block_means(before, 16))).astype(np.uint8))),
        Scene(30.0, 32.0, 34.0, 100, sig.to_bytes(), bytes(np.rint(luma_of(block_means(after, 16))).astype(np.uint8))),
    ]
    store.replace_video(VideoRecord(id="v", title="Still", filename="v.mkv", source="v.mkv"), keyed(scenes))
    return store, before, after


def test_the_layout_picks_the_moment_among_tied_scenes(still_shot) -> None:
    store, before, after = still_shot
    for query, at in ((before, 2.0), (after, 32.0)):
        best = search_image(store, query).matches[0]
        assert best.video.id == "v" and best.at == at


def test_the_layout_picks_the_offset_of_a_clip_in_a_still_shot(still_shot) -> None:
    store, before, after = still_shot
    for query, lo, hi in ((before, 0.0, 4.0), (after, 30.0, 34.0)):
        best = search_clip(store, [(k * 0.25, query) for k in range(5)]).matches[0]
        assert best.video.id == "v" and lo <= best.at <= hi


def test_a_store_written_before_layouts_opens_and_still_answers(tmp_path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE videos (id TEXT PRIMARY KEY, record TEXT NOT NULL);
        CREATE TABLE scenes (bucket TEXT NOT NULL, video_id TEXT NOT NULL, start REAL NOT NULL, at REAL NOT NULL,
            end REAL NOT NULL, frames INTEGER NOT NULL, signature BLOB NOT NULL,
            PRIMARY KEY (bucket, video_id, start)) WITHOUT ROWID;
    """)
    img = picture(2, False)
    sig = Signature.of_image(img)
    ((bucket, _),) = keyed([Scene(5.0, 5.5, 6.0, 10, sig.to_bytes())])
    db.execute("INSERT INTO scenes VALUES (?, 'old', 5.0, 5.5, 6.0, 10, ?)", (bucket, sig.to_bytes()))
    record = VideoRecord(id="old", title="Old", filename="old.mkv", source="old.mkv")
    import json

    db.execute("INSERT INTO videos VALUES ('old', ?)", (json.dumps(record.to_dict()),))
    db.commit()
    db.close()
    store = SqliteStore(path)
    assert store.candidates([bucket])[0].luma == b""
    best = search_image(store, img).matches[0]
    assert best.video.id == "old" and best.at == 5.5


def test_cells_the_query_does_not_show_are_left_out() -> None:
    stored = np.random.default_rng(5).uniform(40, 200, (16, 16))
    query = stored + 7.0
    query[:, :2] = np.nan  # padding put back where a crop took the picture away
    other = stored.copy()
    other[:, :2] = 0  # differs only where the query shows nothing
    d = grid_distances(np.stack([query, query]), np.stack([stored, other]))
    assert d[0] == pytest.approx(0, abs=1e-4) and d[1] == pytest.approx(0, abs=1e-4)


def test_an_overlay_no_scene_shows_does_not_decide_the_moment() -> None:
    rng = np.random.default_rng(3)
    moment = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    other = moment + 1.0 * rng.choice([-1.0, 1.0], (16, 16)).astype(np.float32)  # the shot a moment later...
    other[13:] += 20  # ...with a brighter floor where the query carries subtitles
    query = moment.copy()
    query[13:15, 3:13] = 250  # two lines of white text
    stored = np.stack([moment, other])
    queries = np.stack([query, query])
    plain = grid_distances(queries, stored)
    assert plain[1] < plain[0]  # the subtitles outweigh the small differences that tell moments apart
    free = overlay_free_distances(query, stored)
    assert free[0] < 0.1 < 0.5 < free[1]
    # Only cells no scene explains are left out: without an overlay both distances are as before.
    same = overlay_free_distances(moment, stored)
    assert np.allclose(same, grid_distances(np.stack([moment, moment]), stored), atol=0.3)


def test_a_title_card_is_left_out_even_where_some_other_moment_is_as_bright() -> None:
    """A fixed camera's shot has hundreds of contending scenes; one of them (the dancer in the
    middle, say) is bright where a title card's letters are. Cells are explained by the closest
    scenes, not by any one: the card is left out and the moment is the query's."""
    rng = np.random.default_rng(7)
    moment = rng.uniform(40, 120, (16, 16)).astype(np.float32)
    near = [moment + rng.normal(0, 0.7, (16, 16)).astype(np.float32) for _ in range(10)]  # the moments around it
    bright = moment + rng.normal(0, 3.0, (16, 16)).astype(np.float32)  # another moment of the shot...
    bright[6:10, 3:13] = 245  # ...with something bright in the middle
    query = moment.copy()
    query[6:10, 3:13] = 250  # two lines of a title card
    stored = np.stack([*near, bright])
    explained = explained_cells(query, stored)
    assert not explained[6:10, 3:13].any() and explained.sum() == 256 - 40
    free = overlay_free_distances(query, stored)
    assert int(np.argmin(free)) < len(near)  # a moment of the query's, not the bright one


def test_other_videos_scenes_do_not_change_the_moment_chosen() -> None:
    """Overlays and plausible readings are judged among one video's scenes: brute force, which
    reads more of other videos, must choose the moment the buckets choose."""
    rng = np.random.default_rng(3)
    moment = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    other = moment + rng.choice([-1.0, 1.0], (16, 16)).astype(np.float32)
    other[13:] += 20
    query = moment.copy()
    query[13:15, 3:13] = 250  # subtitles
    captioned = moment.copy()
    captioned[13:15, 3:13] = 245  # another video that shows text where the subtitles are
    sig = Signature.of_image(np.full((32, 32, 3), 100, dtype=np.uint8)).to_bytes()

    def scene(video: str, at: float, layout: np.ndarray) -> Candidate:
        return Candidate(video, at, at, at, sig, bytes(np.rint(layout).astype(np.uint8)))

    reading = Reading("original", Signature.from_bytes(sig).array, 0.0, query)
    own = [scene("a", 10.0, moment), scene("a", 50.0, other)]
    others = [scene("b", 5.0, captioned), scene("b", 7.0, other)]
    for candidates in (own, own + others):
        dist = np.zeros(len(candidates))
        picked = {
            candidates[i].video_id: candidates[i].at
            for i, _ in moments([reading], candidates, candidate_values(candidates), dist, 3.5)
        }
        assert picked["a"] == 10.0


def test_the_buckets_read_the_moments_next_to_those_they_found(tmp_path, monkeypatch) -> None:
    """A still shot whose right moment lies in a bucket the query does not read, next in time to
    moments that it does: the buckets must choose what brute force chooses."""
    rng = np.random.default_rng(5)
    picture = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    values = np.full(33, 16, dtype=np.int64)
    values[0], values[1], values[2] = 31, 10, 22  # mid-cell in every keyed value: one bucket read
    near_tie = values.copy()
    near_tie[3] += 1  # an unkeyed term: same bucket, distance 1
    right = values.copy()
    right[5] += 3  # a keyed term one cell over: distance 3, within MOMENT_MARGIN of 1
    assert bucket_key(right) not in query_buckets(values) and bucket_key(near_tie) in query_buckets(values)
    elsewhere = picture + rng.choice([-6.0, 6.0], (16, 16)).astype(np.float32)
    scenes = [Scene(t, t, t, 1, Signature(near_tie).to_bytes(), pack_grid(elsewhere)) for t in (3.0, 3.5, 4.0)]
    scenes.append(Scene(4.5, 4.5, 4.5, 1, Signature(right).to_bytes(), pack_grid(picture)))
    store = SqliteStore(tmp_path / "still.sqlite3")
    store.replace_video(VideoRecord(id="v", title="Still", filename="v.mkv", source="v.mkv"), keyed(scenes))
    reading = [Reading("original", values.astype(np.uint8), 0.0, picture)]

    brute = search_readings(store, reading, SearchOptions(brute_force=True)).matches[0]
    found = search_readings(store, reading)
    assert brute.at == 4.5 and found.matches[0].at == 4.5 and found.ranges_read == 1
    no_ranges = SearchOptions(tuning=Tuning(neighbour_ranges=0))  # without them the buckets miss it
    assert search_readings(store, reading, no_ranges).matches[0].at != 4.5
    # A long still shot's range is cut to neighbour_span_s around its closest-grid moment.
    spans: list[tuple[float, float]] = []
    read = store.scenes_between
    monkeypatch.setattr(store, "scenes_between", lambda v, lo, hi: spans.append((lo, hi)) or read(v, lo, hi))
    search_readings(store, reading, SearchOptions(tuning=Tuning(neighbour_span_s=1.5)))
    assert spans and all(hi - lo <= 1.5 + 1e-9 for lo, hi in spans) and min(lo for lo, _ in spans) > 2.0


def terminal(lines: int) -> np.ndarray:
    """A terminal window with ``lines`` lines of text, before a grey gradient (a screencast)."""
    rng = np.random.default_rng(1)
    x = np.mgrid[0:256, 0:256][1]
    img = np.repeat((40 + 200 * x / 255.0)[..., None], 3, axis=2)
    img[40:220, 60:240] = 8
    for k in range(lines):
        img[50 + 12 * k : 56 + 12 * k, 70:220][rng.random((6, 150)) < 0.45] = 235
    return img.astype(np.uint8)


def test_a_gamma_edit_is_undone_on_the_pixels_so_text_keeps_its_moment(tmp_path) -> None:
    """Gamma undone on block means leaves a block of text too dark, which looks like a moment with
    less text typed; undone on the pixels it gives back the picture's own layout."""
    one_line, three_lines = terminal(1), terminal(3)
    edited = np.rint(255.0 * (three_lines / 255.0) ** 0.8).astype(np.uint8)
    reading = next(
        v for v in query_readings(edited, ReadingOptions(mirrors=False, crops=False)) if v.name == "tone-gamma"
    )
    own = luma_of(block_means(three_lines, 16))
    assert grid_distances(reading.luma[None], own[None])[0] < 0.5
    scenes = [
        Scene(t, t, t, 1, Signature.of_image(img).to_bytes(), pack_grid(luma_of(block_means(img, 16))))
        for t, img in ((1.0, one_line), (5.0, three_lines))
    ]
    store = SqliteStore(tmp_path / "screencast.sqlite3")
    store.replace_video(VideoRecord(id="v", title="Screencast", filename="v.mkv", source="v.mkv"), keyed(scenes))
    assert search_image(store, edited).matches[0].at == 5.0


def test_bars_added_to_a_video_with_its_own_bars_are_cut_to_the_video_shape(tmp_path) -> None:
    """A screencast with black bars of its own (stored with them: too few keyframes agreed on
    them), queried with more black bars added: the trim cuts both and the dark edge of the picture,
    so its layout is offset from what was stored. Cut to the video's shape, it is not."""
    framed = [np.pad(terminal(n), ((0, 0), (32, 32), (0, 0))) for n in (1, 2, 3)]  # 320x256, 5:4
    scenes = [
        Scene(t, t, t, 1, Signature.of_image(img).to_bytes(), pack_grid(luma_of(block_means(img, 16))))
        for t, img in zip((1.0, 5.0, 9.0), framed, strict=True)
    ]
    store = SqliteStore(tmp_path / "screencast.sqlite3")
    video = VideoRecord(id="v", title="Screencast", filename="v.mkv", source="v.mkv", width=320, height=256)
    store.replace_video(video, keyed(scenes))
    query = np.pad(framed[1], ((0, 0), (48, 48), (0, 0)))  # two lines typed; pillarbox bars added
    for best in (search_image(store, query).matches[0], search_clip(store, [(0.0, query)]).matches[0]):
        assert (best.at, best.reading) == (5.0, "fit")  # (the API and CLI search one image as a clip)
    # Without the video's shape, the picture as given still tells the moments apart: the added
    # bars are cells none of the closest scenes explains, and are left out.
    plain = search_readings(store, query_readings(query)).matches[0]
    assert (plain.at, plain.reading) == (5.0, "original")
    # No cut when the query already has the video's shape, nor where it would leave out picture.
    assert fitted_readings(framed[1], 320 / 256) == []
    noisy = np.random.default_rng(2).integers(0, 256, (256, 48, 3), dtype=np.uint8)
    assert fitted_readings(np.concatenate([noisy, framed[1], noisy], axis=1), 320 / 256) == []


def _a_moment_five_further(
    seed: int,
) -> tuple[npt.NDArray[np.float32], list[Candidate], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A moment's grid, two scenes of one video with one signature (the shot a moment later at
    10 s, the moment at 50 s), their CLD distances (the right moment 5 further: beyond the plain
    margin) and the signature's values."""
    rng = np.random.default_rng(seed)
    moment = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    later = moment + rng.choice([-12.0, 12.0], (16, 16)).astype(np.float32)  # the shot a moment later
    sig = Signature.of_image(np.full((32, 32, 3), 100, dtype=np.uint8)).to_bytes()
    candidates = [
        Candidate("a", 10.0, 10.0, 10.0, sig, bytes(np.rint(later).astype(np.uint8))),
        Candidate("a", 50.0, 50.0, 50.0, sig, bytes(np.rint(moment).astype(np.uint8))),
    ]
    return moment, candidates, np.array([0.0, 5.0]), Signature.from_bytes(sig).array


def test_a_painted_over_mist_lets_moments_further_away_by_cld_contend() -> None:
    """A third of a misted picture is a guess: the right moment of a still shot can lie further
    from the closest scene by CLD than an unedited screenshot's would, and its grid must still
    be compared."""
    moment, candidates, dist, values = _a_moment_five_further(4)
    tuning = Tuning()
    for name, at in (("original", 10.0), ("paint", 50.0)):
        readings = [Reading(name, values, 0.0, moment)]
        margin = moment_margin(readings, tuning)
        picked = next(moments(readings, candidates, candidate_values(candidates), dist, margin))[0]
        assert candidates[picked].at == at, name
    assert moment_margin([Reading("luma-paint-mirror", values, 0.0)], tuning) == tuning.painted_moment_margin


def test_a_picture_with_no_colour_lets_moments_further_away_by_cld_contend() -> None:
    """A grayscale release is compared on its Y values alone: among a fixed camera's moments
    another one's Y values can tie the picture's while the right one's lie 4-5 further (held-out
    dancer.avi at 47.24 s, the screencast at 25.7 s), and its grid must still be compared."""
    moment, candidates, dist, values = _a_moment_five_further(4)
    tuning = Tuning()
    given = Reading("original", values, 0.0, moment)
    luma = Reading("luma-original", values, 0.5, moment, luma_only=True)  # the picture has no colour
    for readings, at in (([given], 10.0), ([given, luma], 50.0)):
        margin = moment_margin(readings, tuning)
        picked = next(moments(readings, candidates, candidate_values(candidates), dist, margin))[0]
        assert candidates[picked].at == at, [r.name for r in readings]


def test_a_painted_over_mist_lets_the_moment_closest_on_its_shown_cells_contend_beyond_any_margin() -> None:
    """A cloud over a third of a moving shot: the guess of what it hides can put the right moment
    further by CLD than the painted margin, while the cells the cloud leaves shown still tell it.
    The video's scenes closest on those cells contend too (``Tuning.painted_grid_contenders``)."""
    rng = np.random.default_rng(5)
    moment = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    hidden = np.zeros((16, 16), dtype=bool)
    hidden[:, :6] = True  # the cloud
    other = np.where(hidden, moment, rng.uniform(40, 200, (16, 16))).astype(np.float32)  # agrees only under it
    sig = Signature.of_image(np.full((32, 32, 3), 100, dtype=np.uint8)).to_bytes()
    candidates = [
        Candidate("a", 10.0, 10.0, 10.0, sig, bytes(np.rint(other).astype(np.uint8))),
        Candidate("a", 50.0, 50.0, 50.0, sig, bytes(np.rint(moment).astype(np.uint8))),
    ]
    dist = np.array([0.0, 12.0])  # the right moment is far beyond the painted margin by CLD
    values = Signature.from_bytes(sig).array
    tuning = Tuning()
    readings = [Reading("paint", values, 1.0, np.where(hidden, np.nan, moment).astype(np.float32))]
    margin = moment_margin(readings, tuning)
    assert dist[1] > margin
    picked = next(
        moments(readings, candidates, candidate_values(candidates), dist, margin, shown=tuning.painted_grid_contenders)
    )
    assert candidates[picked[0]].at == 50.0 and picked[1] == 0.0  # the video's distance stays its closest
    unpainted = [Reading("original", values, 0.0, moment)]  # without a painted reading, the margin holds
    picked = next(
        moments(unpainted, candidates, candidate_values(candidates), dist, 3.5, shown=tuning.painted_grid_contenders)
    )
    assert candidates[picked[0]].at == 10.0


def test_a_painted_frame_reads_the_grids_it_compares_on_its_shown_cells_when_they_came_without() -> None:
    """On DynamoDB candidates come without their luma grids (ashen.store.port.SceneStore.
    luma_grids): the video's scenes a painted frame compares on its shown cells are read through
    ``need_grids`` first, so the moment is the one the stored grids tell, as on SQLite."""
    rng = np.random.default_rng(5)
    moment = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    hidden = np.zeros((16, 16), dtype=bool)
    hidden[:, :6] = True
    other = np.where(hidden, moment, rng.uniform(40, 200, (16, 16))).astype(np.float32)
    sig = Signature.of_image(np.full((32, 32, 3), 100, dtype=np.uint8)).to_bytes()
    stored = {10.0: bytes(np.rint(other).astype(np.uint8)), 50.0: bytes(np.rint(moment).astype(np.uint8))}
    candidates = [Candidate("a", at, at, at, sig, b"") for at in (10.0, 50.0)]  # as a DynamoDB probe hands them
    read: list[int] = []

    def need_grids(indices: np.ndarray) -> None:
        for i in indices.tolist():
            read.append(i)
            c = candidates[i]
            candidates[i] = Candidate(c.video_id, c.start, c.at, c.end, c.signature, stored[c.at])

    values = Signature.from_bytes(sig).array
    readings = [Reading("paint", values, 1.0, np.where(hidden, np.nan, moment).astype(np.float32))]
    tuning, dist = Tuning(), np.array([0.0, 12.0])
    margin = moment_margin(readings, tuning)
    values_of = candidate_values(candidates)
    picked = next(moments(readings, candidates, values_of, dist, margin, 0.0, need_grids, shown=8))
    assert candidates[picked[0]].at == 50.0 and sorted(set(read)) == [0, 1]


def test_the_picture_as_given_has_its_say_on_the_moment_even_when_a_hypothesis_is_closer() -> None:
    """A sign or a title over a fixed camera's shot moves the picture's CLD further from its scene
    than an un-crop hypothesis lands: the hypothesis is then the closest reading, but its grid (the
    picture shrunk into the middle) compares the wrong places; the grid of the picture as given,
    with the sign left out, is compared too."""
    rng = np.random.default_rng(6)
    moment = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    later = moment + rng.choice([-12.0, 12.0], (16, 16)).astype(np.float32)
    sig = Signature.of_image(np.full((32, 32, 3), 100, dtype=np.uint8))
    signed = Signature.of_image(np.linspace(0, 255, 32 * 32 * 3).reshape(32, 32, 3).astype(np.uint8))
    assert sig - signed > 3.5  # the picture as given is not within the margin of the hypothesis
    candidates = [
        Candidate("a", 10.0, 10.0, 10.0, sig.to_bytes(), bytes(np.rint(later).astype(np.uint8))),
        Candidate("a", 50.0, 50.0, 50.0, sig.to_bytes(), bytes(np.rint(moment).astype(np.uint8))),
    ]
    readings = [Reading("original", signed.array, 0.0, moment), Reading("uncrop-zoom", sig.array, 1.0, later)]
    fine = scene_grid_distances(readings, candidates, candidate_values(candidates), 3.5)
    assert fine[1] == pytest.approx(0, abs=0.3)


def test_a_painted_reading_chooses_the_moment_though_its_guess_is_far_by_cld() -> None:
    """A cloud over the dancer's black body on a blue wall: the picture as given matches a moment
    where the body stands where the cloud is, while the cells the cloud leaves shown tell the
    right one. The painted reading's grid is compared though its CLD (partly a guess of what the
    cloud hides) lies far beyond the margin of the closest reading's."""
    rng = np.random.default_rng(7)
    moment = rng.uniform(60, 200, (16, 16)).astype(np.float32)
    hidden = np.zeros((16, 16), dtype=bool)
    hidden[3:12, 2:8] = True  # the cloud
    other = np.where(hidden, 12.0, moment + rng.normal(0, 6, (16, 16))).astype(np.float32)  # dark where it lies
    sig = Signature.of_image(np.full((32, 32, 3), 100, dtype=np.uint8)).to_bytes()
    candidates = [
        Candidate("a", 10.0, 10.0, 10.0, sig, bytes(np.rint(np.clip(other, 0, 255)).astype(np.uint8))),
        Candidate("a", 50.0, 50.0, 50.0, sig, bytes(np.rint(moment).astype(np.uint8))),
    ]
    values = Signature.from_bytes(sig).array
    far = Signature.of_image(np.full((32, 32, 3), 30, dtype=np.uint8)).array  # the guess, far by CLD
    readings = [
        Reading("original", values, 0.0, np.where(hidden, 12.0, moment).astype(np.float32)),
        Reading("paint", far, 1.0, np.where(hidden, np.nan, moment).astype(np.float32)),
    ]
    by_cld = reading_distances(readings, candidate_values(candidates)).min(axis=1)
    assert by_cld[1] > by_cld[0] + 6.0  # beyond the margin
    fine = scene_grid_distances(readings, candidates, candidate_values(candidates), margin=6.0)
    assert fine[1] < fine[0]
    fine = scene_grid_distances(readings[:1], candidates, candidate_values(candidates), margin=6.0)
    assert fine[0] < fine[1]  # the picture as given alone chooses the moment the body explains
