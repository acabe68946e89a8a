"""The probe's reach: what the buckets read must let search answer what brute force answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ashen.descriptors.buckets import bucket_key, query_buckets, reach_buckets
from ashen.descriptors.luma_grid import pack_grid
from ashen.descriptors.signature import Signature
from ashen.indexing.indexer import keyed
from ashen.query.readings import Reading
from ashen.records import Scene, VideoRecord
from ashen.search import SearchOptions, Tuning, search_readings
from ashen.store import SqliteStore

BASE = np.full(33, 16, dtype=np.int64)
BASE[0], BASE[1], BASE[2] = 31, 10, 22  # mid-cell in the keyed Y values: few buckets read


def _store(path: Path, scenes: list[tuple[float, np.ndarray, np.ndarray]]) -> SqliteStore:
    store = SqliteStore(path)
    rows = [Scene(t, t, t, 1, Signature(v).to_bytes(), pack_grid(g)) for t, v, g in scenes]
    store.replace_video(VideoRecord(id="v", title="Still", filename="v.mkv", source="v.mkv"), keyed(rows))
    return store


def test_a_lone_contender_far_from_the_query_has_its_neighbours_read(tmp_path: Path) -> None:
    """A heavy edit leaves the query far from every scene (not confident), and the buckets hold
    one moment of the video; the next moment, closer on the grid and within the moment margin,
    lies in a bucket neither probe reads. Brute force compares both: so must the buckets."""
    rng = np.random.default_rng(7)
    picture = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    elsewhere = picture + rng.choice([-6.0, 6.0], (16, 16)).astype(np.float32)
    lone, right = BASE.copy(), BASE.copy()
    lone[3] += 10  # an unkeyed term: the query's own bucket, distance 10 (not confident)
    right[3] += 10
    right[5] += 6  # a keyed term two cells over: beyond the wide probe, 1.7 further than ``lone``
    assert bucket_key(lone) in query_buckets(BASE)
    assert bucket_key(right) not in query_buckets(BASE, 2) + reach_buckets(BASE, 4)
    store = _store(tmp_path / "lone.sqlite3", [(4.0, lone, elsewhere), (4.5, right, picture)])
    query = [Reading("original", BASE.astype(np.uint8), 0.0, picture)]

    brute = search_readings(store, query, SearchOptions(brute_force=True)).matches[0]
    found = search_readings(store, query)
    assert not brute.confident and brute.at == 4.5
    assert found.matches[0].at == 4.5 and found.ranges_read == 1


def test_a_confident_lone_contender_reads_no_range(tmp_path: Path) -> None:
    """A query that matches its scene closely pays for no neighbour range: its other moments lie
    beyond the margin."""
    picture = np.random.default_rng(8).uniform(40, 200, (16, 16)).astype(np.float32)
    other = BASE.copy()
    other[5] += 6
    store = _store(tmp_path / "sure.sqlite3", [(4.0, BASE, picture), (4.5, other, picture)])
    found = search_readings(store, [Reading("original", BASE.astype(np.uint8), 0.0, picture)])
    assert found.matches[0].confident and found.matches[0].at == 4.0 and found.ranges_read == 0


def test_the_buckets_of_contenders_found_in_a_range_are_read(tmp_path: Path) -> None:
    """A neighbour range finds a contending moment in a bucket the query's readings do not reach
    (a phone photo moves a keyed value across a cell edge); the moment brute force answers, far
    from the first ones in time, shares that bucket: it must be read, at the cost of one key."""
    rng = np.random.default_rng(9)
    picture = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    near, across = BASE.copy(), BASE.copy()
    near[3] += 1  # an unkeyed term: the query's bucket, distance 1 (confident)
    across[5] += 2  # over a cell edge that no probe of a confident query reads: distance 2
    assert bucket_key(near) in query_buckets(BASE) and bucket_key(across) not in query_buckets(BASE)

    def off(step: float) -> np.ndarray:
        return picture + rng.choice([-step, step], (16, 16)).astype(np.float32)

    scenes = [(4.0, near, off(8)), (4.1, near, off(8)), (5.0, across, off(6)), (20.0, across, picture)]
    store = _store(tmp_path / "follow.sqlite3", scenes)
    query = [Reading("original", BASE.astype(np.uint8), 0.0, picture)]

    brute = search_readings(store, query, SearchOptions(brute_force=True)).matches[0]
    found = search_readings(store, query)
    assert brute.confident and brute.at == 20.0
    assert found.matches[0].at == 20.0 and found.buckets_read == len(query_buckets(BASE)) + 1


def test_a_second_round_reads_around_what_the_follow_found(tmp_path: Path) -> None:
    """The follow finds a moment far from the first ones (a fixed camera's shot seen again); the
    moment brute force answers lies next to it in time, in yet another bucket: a second round of
    ranges and follow reads it. One round only (``Tuning.follow_rounds``) misses it."""
    rng = np.random.default_rng(10)
    picture = rng.uniform(40, 200, (16, 16)).astype(np.float32)
    near, across, further = BASE.copy(), BASE.copy(), BASE.copy()
    near[3] += 1
    across[5] += 2
    further[5] += 2
    further[1] += 2  # a second keyed value over its edge: distance 3.5, still a contender
    assert bucket_key(further) not in query_buckets(BASE) and bucket_key(further) != bucket_key(across)

    def off(step: float) -> np.ndarray:
        return picture + rng.choice([-step, step], (16, 16)).astype(np.float32)

    scenes = [(4.0, near, off(8)), (4.1, near, off(8)), (5.0, across, off(7)), (20.0, across, off(6))]
    store = _store(tmp_path / "rounds.sqlite3", [*scenes, (21.0, further, picture)])
    query = [Reading("original", BASE.astype(np.uint8), 0.0, picture)]

    brute = search_readings(store, query, SearchOptions(brute_force=True)).matches[0]
    assert brute.at == 21.0 and search_readings(store, query).matches[0].at == 21.0
    one = SearchOptions(tuning=Tuning(follow_rounds=1))
    assert search_readings(store, query, one).matches[0].at == 20.0


def test_a_follow_reads_the_buckets_of_the_closest_contenders_only(tmp_path: Path) -> None:
    """Contenders spread over many buckets (a far query's) cost at most ``Tuning.follow_buckets``
    keys a round: those of the closest first."""
    picture = np.random.default_rng(11).uniform(40, 200, (16, 16)).astype(np.float32)
    near = BASE.copy()
    near[3] += 1
    over = []
    for term in (5, 1, 2):  # each over its own cell edge: three buckets no probe reads
        v = BASE.copy()
        v[term] += 2
        over.append(v)
    assert len({bucket_key(v) for v in over} - set(query_buckets(BASE))) == 3
    scenes = [(4.0, near, picture), (4.1, near, picture)] + [(5.0 + i / 5, v, picture) for i, v in enumerate(over)]
    store = _store(tmp_path / "cap.sqlite3", scenes)
    query = [Reading("original", BASE.astype(np.uint8), 0.0, picture)]
    one = SearchOptions(tuning=Tuning(follow_rounds=1))
    assert search_readings(store, query, one).buckets_read == len(query_buckets(BASE)) + Tuning().follow_buckets
