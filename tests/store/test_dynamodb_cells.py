"""The read plan of the DynamoDB layout: few requests, and never a scene of a bucket not asked for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import product
from pathlib import Path

import botocore.client
import numpy as np
import pytest

from ashen.descriptors.buckets import block_key, bucket_key, query_buckets
from ashen.query.readings import Reading
from ashen.records import Scene, VideoStatus
from ashen.search.pipeline import search_readings
from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_cells import Span, plan, runs
from ashen.store.sqlite import SqliteStore
from tests.store.test_dynamodb import detailed, flat, record, sig


def mirrored(values: np.ndarray) -> np.ndarray:
    """Values of a mirrored picture near enough for the test: the odd horizontal Y terms flipped."""
    out = values.copy()
    out[[1, 3, 6, 8]] = 32 - out[[1, 3, 6, 8]]
    return out


def key(*cells: int) -> str:
    return "v2-" + "".join(f"{c:02d}" for c in cells)


def test_a_run_ends_at_a_bucket_that_holds_scenes_but_is_not_wanted() -> None:
    present = ["a", "b", "c", "d", "e"]
    assert runs(present, {"a", "b", "d", "e"}) == [("a", "b"), ("d", "e")]
    assert runs(present, {"a", "c", "e"}) == [("a", "a"), ("c", "c"), ("e", "e")]
    assert runs(present, {"a", "b", "c", "d", "e"}) == [("a", "e")]
    assert runs(present, set()) == []


def test_one_query_per_block_when_nothing_unwanted_lies_between() -> None:
    a, b, c = key(10, 4, 6, 2, 8, 0), key(11, 5, 7, 3, 9, 1), key(10, 4, 7, 2, 8, 0)
    assert block_key(a) == block_key(b) == block_key(c)
    maps = {block_key(a): {a, b}}
    # c is wanted but holds nothing: not read, and it does not split the run
    assert plan([a, b, c], maps, hot_shards=8) == [Span(block_key(a), a, b)]
    maps = {block_key(a): {a, b, c}}
    assert plan([a, b], maps, hot_shards=8) == [Span(block_key(a), a, a), Span(block_key(a), b, b)]
    assert plan([a], {}, hot_shards=8) == []  # a block without a map holds nothing


def test_hot_buckets_are_read_on_every_shard_of_their_block() -> None:
    hot, cold = key(10, 16, 16, 5, 5, 5), key(10, 16, 16, 5, 5, 4)
    assert block_key(hot) == block_key(cold)
    spans = plan([hot, cold], {block_key(hot): {hot, cold}}, hot_shards=4)
    assert Span(block_key(hot), cold, cold) in spans
    assert sorted(s.partition for s in spans if s.first == hot) == [f"{block_key(hot)}#{i}" for i in range(4)]


def test_a_signature_probe_is_a_few_queries() -> None:
    """The ~30 buckets around one signature fall in a few blocks: with every bucket of them
    holding scenes, a handful of Queries, not one per bucket."""
    wanted = query_buckets(np.array(detailed(3)))
    maps: dict[str, set[str]] = {}
    for b in wanted:
        maps.setdefault(block_key(b), set()).add(b)
    spans = plan(wanted, maps, hot_shards=8)
    assert len(wanted) >= 16 and len(spans) == len({block_key(b) for b in wanted}) < len(wanted) / 2


@pytest.fixture()
def dynamo(fake_aws: None) -> Iterator[DynamoStore]:
    store = DynamoStore("scenes", "videos", hot_shards=4)
    store.create_tables()
    yield store


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_candidates_are_exactly_the_buckets_asked_for(dynamo: DynamoStore) -> None:
    """Neighbouring buckets of one block, some asked for and some not, hot ones among them: the
    store returns the scenes of the buckets asked for, no more, no fewer."""
    values = [detailed(i) for i in range(10)] + [flat(level) for level in (2, 30, 61)]
    for y, cb, ac1, ac2 in product((30, 33), (32, 34), (6, 9), (24, 27)):  # 16 buckets of one block
        v = detailed(99)
        v[0], v[21], v[1], v[2] = y, cb, ac1, ac2
        values.append(v)
    scenes = [(bucket_key(np.array(v)), Scene(i * 1.0, i + 0.5, i + 0.9, 5, sig(v))) for i, v in enumerate(values)]
    dynamo.replace_video(record(1), scenes)
    buckets = sorted({b for b, _ in scenes})
    assert max(Counter(block_key(b) for b in buckets).values()) == 16
    for chosen in (buckets[::2], buckets[1::3], buckets, [buckets[0]]):
        expect = sorted(s.start for b, s in scenes if b in set(chosen))
        assert sorted(c.start for c in dynamo.candidates(chosen)) == expect


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_scenes_in_reads_every_span_in_one_round(dynamo: DynamoStore) -> None:
    scenes = [
        (bucket_key(np.array(detailed(i))), Scene(i * 2.0, i * 2 + 1, i * 2 + 1.5, 5, sig(detailed(i))))
        for i in range(10)
    ]
    dynamo.replace_video(record(1), scenes)
    got = dynamo.scenes_in("vid1", [(10.0, 14.0), (0.0, 2.0)])
    assert [c.start for c in got] == [10.0, 12.0, 14.0, 0.0, 2.0]  # span after span, each by time
    assert dynamo.scenes_in("nope", [(0.0, 1.0)]) == [] and dynamo.scenes_in("vid1", []) == []
    (video, tag), *_ = dynamo.answering_videos(["vid1", "nope"]).values()
    assert video.id == "vid1" and set(dynamo.answering_videos(["vid1", "nope"])) == {"vid1"}
    # The live revision's tag given: the same scenes, without reading the record; another tag: none.
    assert [c.start for c in dynamo.scenes_in("vid1", [(10.0, 14.0)], tag)] == [10.0, 12.0, 14.0]
    assert {c.revision for c in got} == {tag} and dynamo.scenes_in("vid1", [(10.0, 14.0)], "0badc0de") == []


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_a_search_is_a_few_requests_and_finds_what_sqlite_finds(
    dynamo: DynamoStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screenshot's readings probe hundreds of buckets; on DynamoDB the search is a few rounds of
    requests (cell maps, runs, live revisions, the likeliest videos, the neighbour ranges) and
    answers exactly what the SQLite reference answers over the same scenes."""
    rng = np.random.default_rng(7)
    sqlite = SqliteStore(tmp_path / "ref.sqlite3")
    for v in range(3):
        values = [detailed(v * 1000 + i) for i in range(60)]
        scenes = [
            (bucket_key(np.array(x)), Scene(i * 2.0, i * 2 + 1, i * 2 + 1.9, 5, sig(x))) for i, x in enumerate(values)
        ]
        for store in (dynamo, sqlite):
            store.replace_video(record(v), scenes)
    made: list[str] = []
    call = botocore.client.BaseClient._make_api_call

    def counted(client: object, operation: str, params: dict[str, object]) -> object:
        made.append(operation)
        return call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    for _ in range(3):
        query = np.array(detailed(1000 + int(rng.integers(60))))
        query[3:21] = np.clip(query[3:21] + rng.integers(-1, 2, 18), 0, 31)  # a re-encode's drift
        readings = [Reading("original", query, 0.0), Reading("mirror", mirrored(query), 0.5)]
        for i, (dim, step) in enumerate([(0, 4), (0, -4), (21, 3), (27, -3), (1, 3), (2, -3)]):
            tone = query.copy()
            tone[dim] = np.clip(int(tone[dim]) + step, 0, 63 if dim in (0, 21, 27) else 31)
            readings.append(Reading(f"tone-{i}", tone, 1.0))
        made.clear()
        found = search_readings(dynamo, readings)
        assert found.buckets_read > 50 and len(made) <= 12, (found.buckets_read, made)
        expect = search_readings(sqlite, readings)
        assert [(m.video.id, m.at, m.distance) for m in found.matches] == [
            (m.video.id, m.at, m.distance) for m in expect.matches
        ]


@pytest.mark.slow  # seconds of moto: the full suite runs it, not the fast one
def test_a_stale_revision_never_answers_even_when_it_ranks_first(dynamo: DynamoStore, tmp_path: Path) -> None:
    """A probe reads scenes of every revision; the closest here are a new upload of vid1 still
    being hashed and vid2's first upload, not yet complete: neither answers, and the answer is the
    one the live scenes alone give (the SQLite reference, which holds only those)."""
    query = np.array(detailed(5))
    drifted = query.copy()
    drifted[10] = (drifted[10] + 2) % 32  # not a keyed value: the same bucket, a little further
    bucket = bucket_key(query)
    live = [(bucket, Scene(10.0, 10.5, 11.0, 5, sig(drifted.tolist()))), *scenes_of(1, 20)]
    for i, tag in ((1, "r1"), (2, "r1")):
        assert dynamo.begin_indexing(record(i, status=VideoStatus.INDEXING, segments_planned=1), tag, "0A")
    dynamo.put_scenes("vid1", "r1", live)
    assert dynamo.mark_segment_done("vid1", "r1", 0, 60, len(live)) and dynamo.finish_if_complete("vid1", "r1")
    assert dynamo.begin_indexing(record(1, status=VideoStatus.INDEXING, segments_planned=1), "r2", "0B")
    dynamo.put_scenes("vid1", "r2", [(bucket, Scene(50.0, 50.5, 51.0, 5, sig(query.tolist())))])
    dynamo.put_scenes("vid2", "r1", [(bucket, Scene(70.0, 70.5, 71.0, 5, sig(query.tolist())))])
    assert {c.start for c in dynamo.candidates([bucket])} >= {10.0, 50.0, 70.0}  # all three are read

    reference = SqliteStore(tmp_path / "ref.sqlite3")
    reference.replace_video(record(1), live)
    readings = [Reading("original", query, 0.0)]
    found, expect = (search_readings(store, readings) for store in (dynamo, reference))
    assert [(m.video.id, m.start) for m in found.matches][:1] == [("vid1", 10.0)]
    assert [(m.video.id, m.at, m.distance) for m in found.matches] == [
        (m.video.id, m.at, m.distance) for m in expect.matches
    ]


def scenes_of(video: int, count: int) -> list[tuple[str, Scene]]:
    values = [detailed(video * 1000 + i) for i in range(count)]
    return [
        (bucket_key(np.array(x)), Scene(20.0 + i * 2, 20.5 + i * 2, 21.5 + i * 2, 5, sig(x)))
        for i, x in enumerate(values)
    ]
