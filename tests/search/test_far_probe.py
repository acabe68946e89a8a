"""The far probe: when the wide probe leaves the answer far, the reading closest to a scene reads
two cells around in every keyed luma value (a sign or a pan moves several of them at once)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ashen.descriptors.buckets import _DIMS, bucket_key, far_buckets, query_buckets, reach_buckets
from ashen.descriptors.luma_grid import pack_grid
from ashen.descriptors.signature import Signature, distances, similarity_of
from ashen.indexing.indexer import keyed
from ashen.query.readings import Reading
from ashen.records import Scene, VideoRecord
from ashen.search import SearchOptions, Tuning, search_readings
from ashen.search.probe import far_probe
from ashen.store import SqliteStore

BASE = np.full(33, 16, dtype=np.int64)
BASE[0], BASE[1], BASE[2] = 31, 10, 22  # mid-cell in the keyed Y values: few buckets read


def test_the_far_probe_reads_two_cells_around_in_luma_and_the_near_edge_in_chroma() -> None:
    values = BASE.copy()
    values[[21, 27]] = (33, 30)  # Cb on its cell's first value, Cr on its last: one neighbour each
    keys = set(far_buckets(values))
    assert len(keys) == 5**4 * 2 * 2
    far = values.copy()
    far[_DIMS[[0, 3, 4, 5]]] += 6  # two cells of 3 in each luma value
    far[21] += 1  # the chroma neighbour across the near edge
    assert bucket_key(far) in keys
    far[27] += 2  # a chroma cell away from the edge: not read (the colour stays)
    assert bucket_key(far) not in keys


def _store(path: Path, videos: dict[str, tuple[np.ndarray, np.ndarray]]) -> SqliteStore:
    store = SqliteStore(path)
    for name, (values, grid) in videos.items():
        scenes = [Scene(t, t, t, 1, Signature(values).to_bytes(), pack_grid(grid)) for t in (4.0, 30.0)]
        store.replace_video(
            VideoRecord(id=name, title=name, filename=f"{name}.mkv", source=f"{name}.mkv"), keyed(scenes)
        )
    return store


def _decoy_and_right(decoy_step: int) -> tuple[np.ndarray, np.ndarray]:
    """A decoy in the query's own bucket, far (unkeyed terms moved ``decoy_step`` each), and the
    right scene two cells over in two keyed luma values (a sign's shift), closer than the decoy."""
    decoy, right = BASE.copy(), BASE.copy()
    decoy[[3, 4, 6, 7, 8]] += decoy_step
    right[_DIMS[[3, 5]]] += 6
    return decoy, right


def test_a_far_answer_reads_the_buckets_a_sign_moves_the_right_scene_to(tmp_path: Path) -> None:
    """The first and wide probes find only a far decoy of another video (similarity under 0.6);
    brute force answers the right video, whose scene a sign moved two cells in two keyed luma
    values: the far probe must read it."""
    rng = np.random.default_rng(12)
    picture, other = (rng.uniform(40, 200, (16, 16)).astype(np.float32) for _ in range(2))
    decoy, right = _decoy_and_right(8)
    assert bucket_key(decoy) in query_buckets(BASE)
    assert bucket_key(right) not in query_buckets(BASE, 2) + reach_buckets(BASE, 4)
    assert float(similarity_of(distances(BASE, decoy))) < Tuning().far_below
    store = _store(tmp_path / "far.sqlite3", {"decoy": (decoy, other), "right": (right, picture)})
    query = [Reading("original", BASE.astype(np.uint8), 0.0, picture)]

    assert search_readings(store, query, SearchOptions(brute_force=True)).matches[0].video.id == "right"
    assert search_readings(store, query).matches[0].video.id == "right"
    without = SearchOptions(tuning=Tuning(far_below=0.0))
    assert search_readings(store, query, without).matches[0].video.id == "decoy"


def test_an_answer_not_far_pays_for_no_far_probe(tmp_path: Path) -> None:
    """An answer at 0.6 or above, even unconfident, reads no more buckets than without the far
    probe: right answers seldom score lower, and they keep their cost."""
    picture = np.random.default_rng(13).uniform(40, 200, (16, 16)).astype(np.float32)
    decoy, _ = _decoy_and_right(5)
    sim = float(similarity_of(distances(BASE, decoy)))
    assert Tuning().far_below <= sim < Tuning().confident_similarity
    store = _store(tmp_path / "near.sqlite3", {"decoy": (decoy, picture)})
    query = [Reading("original", BASE.astype(np.uint8), 0.0, picture)]

    read = search_readings(store, query).buckets_read
    assert read == search_readings(store, query, SearchOptions(tuning=Tuning(far_below=0.0))).buckets_read
    assert read < search_readings(store, query, SearchOptions(tuning=Tuning(far_below=1.0))).buckets_read


def test_the_far_probe_takes_the_reading_closest_to_a_scene_read() -> None:
    """Of the readings in colour and not painted over (those reach further already), the one
    closest to any candidate: the reading that undoes most of the edit."""
    decoy, _ = _decoy_and_right(8)
    elsewhere = BASE.copy()
    elsewhere[_DIMS[[0, 3]]] += 12  # four cells away in two luma values: far from the decoy
    near, away = (Reading(n, v.astype(np.uint8), 0.0) for n, v in (("uncrop-left", BASE), ("original", elsewhere)))
    shifted = decoy.copy()
    shifted[_DIMS[[4, 5]]] += 12  # a scene of another look, which the painted reading matches exactly
    painted = Reading("paint", shifted.astype(np.uint8), 0.0)  # the closest of all, but probed deep already
    values = np.stack([decoy, shifted]).astype(np.uint8)
    assert far_probe([away, painted, near], values, []) == far_buckets(BASE)
    read = far_buckets(BASE)[:10]
    assert far_probe([away, near], values, read) == far_buckets(BASE)[10:]
