"""Timelines (ashen.store.dynamodb_timeline): the luma grids apart from the probe's scene items,
read for the scenes a search compares, and gone with the scenes they belong to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ashen.descriptors.buckets import bucket_key
from ashen.descriptors.luma_grid import pack_grid
from ashen.descriptors.signature import pack
from ashen.query.readings import AS_GIVEN, QueryImage, query_readings
from ashen.records import Candidate, Scene, VideoStatus
from ashen.search import search_image
from ashen.search.ranking import Pool
from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_models import timeline_key
from ashen.store.dynamodb_timeline import runs
from ashen.store.sqlite import SqliteStore
from tests.store.test_dynamodb import record, scenes_for


@pytest.fixture()
def dynamo(fake_aws: None) -> Iterator[DynamoStore]:
    store = DynamoStore("scenes", "videos", hot_shards=4)
    store.create_tables()
    yield store


def grid(n: int) -> bytes:
    return bytes((n + k) % 256 for k in range(256))


def gridded(video: int, count: int, offset: int = 0) -> list[tuple[str, Scene]]:
    """Scenes 2 s apart, each with a grid of its own (``offset`` tells two uploads apart)."""
    return [(b, replace(s, luma=grid(video * 50 + i + offset))) for i, (b, s) in enumerate(scenes_for(video, count))]


def timeline(dynamo: DynamoStore, video_id: str) -> list[Any]:
    T = dynamo.Timeline
    return list(T.query(timeline_key(video_id), consistent_read=True))


def test_starts_close_together_in_one_revision_are_one_run() -> None:
    wanted = [("v1", "aa", 4.0), ("v1", "aa", 0.0), ("v1", "aa", 1.5), ("v1", "aa", 9.0), ("v1", "bb", 1.0)]
    wanted += [("v2", "aa", 1.0), ("v1", "aa", 1.5)]
    got = [(r.video_id, r.tag, r.lo, r.hi) for r in runs(wanted, gap=2.0)]
    assert got[:2] == [("v1", "aa", 0.0, 1.5), ("v1", "aa", 4.0, 4.0)]
    assert got[2:] == [("v1", "aa", 9.0, 9.0), ("v1", "bb", 1.0, 1.0), ("v2", "aa", 1.0, 1.0)]


def test_the_probe_reads_no_grid_and_luma_grids_reads_each_candidates_own(dynamo: DynamoStore) -> None:
    scenes = gridded(1, 12)
    dynamo.replace_video(record(1), scenes)
    read = dynamo.candidates(sorted({b for b, _ in scenes}))
    assert len(read) == 12 and all(c.luma == b"" for c in read)
    # lone starts (BatchGetItem) and runs (Queries of a time range) alike; asked in any order
    asked = [c for c in read if c.start in (0.0, 2.0, 4.0, 14.0, 22.0)][::-1]
    want = {s.start: s.luma for _, s in scenes}
    assert dynamo.luma_grids(asked) == [want[c.start] for c in asked]
    # no timeline item of that revision: no grid
    assert dynamo.luma_grids([replace(asked[0], revision="00000000")]) == [b""]
    assert dynamo.luma_grids([]) == []


def test_a_revision_reads_its_own_grids_while_another_is_hashed(dynamo: DynamoStore) -> None:
    dynamo.replace_video(record(2), gridded(2, 4))
    (live,) = {c.revision for c in dynamo.scenes_between("vid2", 0.0, 10.0)}
    dynamo.put_video(record(2, status=VideoStatus.INDEXING, segments_planned=1))
    dynamo.begin_indexing(record(2, status=VideoStatus.INDEXING, segments_planned=1), "rev-new")
    dynamo.put_scenes("vid2", "rev-new", gridded(2, 4, offset=7))  # the same starts, other grids
    read = sorted(dynamo.candidates(sorted({b for b, _ in gridded(2, 4)})), key=lambda c: (c.revision, c.start))
    grids = dynamo.luma_grids(read)
    for c, g in zip(read, grids, strict=True):
        i = int(c.start // 2)
        assert g == grid(2 * 50 + i + (0 if c.revision == live else 7))


def test_timeline_items_go_with_their_scenes(dynamo: DynamoStore) -> None:
    dynamo.replace_video(record(3), gridded(3, 6))
    dynamo.replace_video(record(3), gridded(3, 4, offset=1))  # the earlier revision's items go
    assert len(timeline(dynamo, "vid3")) == 4 == dynamo.scene_count("vid3")
    assert {t.rev for t in timeline(dynamo, "vid3")} == {c.revision for c in dynamo.scenes_between("vid3", 0, 99)}
    # a writer taking back its own scenes takes back their timeline items
    video = record(4, status=VideoStatus.INDEXING, segments_planned=1)
    dynamo.begin_indexing(video, "r1")
    dynamo.put_scenes("vid4", "r1", gridded(4, 3))
    dynamo.take_back_scenes("vid4", "r1", gridded(4, 3)[:2])
    assert [t.start for t in timeline(dynamo, "vid4")] == [4.0]
    # a failed revision leaves nothing behind
    assert dynamo.fail_video("vid4", "r1", "broken") is True
    assert timeline(dynamo, "vid4") == [] and dynamo.scene_count("vid4") == 0
    assert dynamo.remove_video("vid3") is True
    assert timeline(dynamo, "vid3") == [] and dynamo.scene_count("vid3") == 0


def test_a_pool_reads_only_the_grids_asked_for_each_once() -> None:
    asked: list[list[float]] = []
    store = {0.0: grid(1), 1.0: grid(2), 2.0: b""}

    def read(cands: Any) -> list[bytes]:
        asked.append([c.start for c in cands])
        return [store[c.start] for c in cands]

    sig = bytes(21)
    pool = Pool([], read)  # (no frames to rank against)
    pool.add([Candidate("v", t, t, t, sig) for t in (0.0, 1.0, 2.0)] + [Candidate("v", 3.0, 3, 3, sig, grid(9))])
    pool.need_grids(np.array([0, 2, 3]))
    pool.need_grids([0, 1, 2, 3])
    assert asked == [[0.0, 2.0], [1.0]]  # each once; the one that came with its grid never
    assert [c.luma for c in pool.candidates] == [grid(1), grid(2), b"", grid(9)]


def test_a_search_on_dynamodb_chooses_the_moment_by_the_stored_grids(dynamo: DynamoStore, tmp_path: Path) -> None:
    """A still shot: five scenes with the query's signature, one with its luma grid, the others a
    checkerboard off. The probe's items carry no grid: the search must read the stored ones to
    answer the moment SQLite answers, the one whose grid is the query's."""
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (6, 8, 3)).repeat(40, 0).repeat(40, 1).astype(np.uint8)
    (plain,) = [r for r in query_readings(QueryImage.of(rgb)) if r.name == AS_GIVEN]
    assert plain.luma is not None
    off = plain.luma + 30 * (np.indices((16, 16)).sum(axis=0) % 2)
    signature = pack(np.asarray(plain.values, dtype=np.int64)).tobytes()
    bucket = bucket_key(list(plain.values))
    scenes = [
        (bucket, Scene(t, t + 0.5, t + 1.0, 12, signature, pack_grid(plain.luma if t == 4.0 else off)))
        for t in (0.0, 2.0, 4.0, 6.0, 8.0)
    ]
    sqlite = SqliteStore(tmp_path / "ref.sqlite3")
    for store in (dynamo, sqlite):
        store.replace_video(record(1), scenes)
    answers = [search_image(store, rgb).matches[0] for store in (sqlite, dynamo)]
    assert [(m.video.id, m.start) for m in answers] == [("vid1", 4.0), ("vid1", 4.0)]
