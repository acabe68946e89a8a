"""The DynamoDB adapter of the storage port, against moto, held to the SQLite reference semantics."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import numpy as np
import pytest

from ashen.descriptors.buckets import bucket_key
from ashen.descriptors.signature import pack
from ashen.records import Scene, VideoEdit, VideoKind, VideoRecord, VideoStatus, listing_order
from ashen.store.dynamodb import DynamoStore, is_hot
from ashen.store.port import Begun
from ashen.store.sqlite import SqliteStore


@pytest.fixture()
def dynamo(fake_aws: None) -> Iterator[DynamoStore]:
    store = DynamoStore("scenes", "videos", hot_shards=4)
    store.create_tables()
    yield store


def sig(values: list[int]) -> bytes:
    return pack(np.array(values, dtype=np.int64)).tobytes()


def flat(level: int) -> list[int]:
    """A near-uniform frame (black, grey...): its bucket is a hot one."""
    v = [16] * 33
    v[0], v[21], v[27] = level, 32, 32
    return v


def detailed(seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 32, 33).tolist()
    v[0], v[21], v[27] = rng.integers(0, 64, 3).tolist()
    v[1], v[2] = 3, 28  # AC cells far from neutral: not hot
    return v


def scenes_for(video: int, count: int) -> list[tuple[str, Scene]]:
    out = []
    for i in range(count):
        values = flat(2) if i % 3 == 0 else detailed(video * 100 + i)
        layout = bytes((video * 7 + i + k) % 256 for k in range(256)) if i % 2 else b""  # old rows had none
        cut = i % 4 == 0  # shot starts (ashen.indexing.scenes) come back from both stores' reads
        scene = Scene(i * 2.0, i * 2.0 + 0.75, i * 2.0 + 1.5, 10 + i, sig(values), layout, cut)
        out.append((bucket_key(values), scene))
    return out


def record(i: int, **kw: object) -> VideoRecord:
    return VideoRecord(
        id=f"vid{i}",
        title=f"Show {i}",
        filename=f"show - {i:02d}.mkv",
        source=f"s3://b/show{i}.mkv",
        episode=f"{i:02d}",
        duration=100.0 + i,
        fps=24.0,
        width=1280,
        height=720,
        **kw,  # type: ignore[arg-type]
    )


def test_same_semantics_as_sqlite(dynamo: DynamoStore, tmp_path: Path) -> None:
    sqlite = SqliteStore(tmp_path / "ref.sqlite3")
    for store in (dynamo, sqlite):
        store.replace_video(record(1, frames=300, scenes=12), scenes_for(1, 12))
        store.replace_video(record(2, frames=200, scenes=6), scenes_for(2, 6))
        # add_scenes is idempotent: the same scenes again change nothing
        store.add_scenes("vid2", scenes_for(2, 6))
        # replace_video drops what the new set does not hold
        store.replace_video(record(1, frames=300, scenes=9), scenes_for(1, 9))
        store.put_video(record(3, status=VideoStatus.INDEXING))

    def view(store: DynamoStore | SqliteStore) -> tuple:
        buckets = sorted({b for b, _ in scenes_for(1, 12) + scenes_for(2, 6)})
        read = store.candidates(buckets)
        # each candidate's grid as luma_grids gives it (DynamoDB's candidates come without)
        grids = store.luma_grids(read)
        cands = sorted(
            (c.video_id, c.start, c.at, c.end, c.signature, g, c.cut) for c, g in zip(read, grids, strict=True)
        )
        # a time range of one video, ends included, in time order (hot-bucket shards and all)
        ranged = store.scenes_between("vid2", 2.0, 8.0)
        between = [(c.video_id, c.start, c.end, c.signature, c.luma, c.cut) for c in ranged]
        return (
            [v.to_dict() for v in store.list_videos()],
            cands,
            store.bucket_sizes(),
            store.get_video("vid1"),
            store.get_video("nope"),
            between,
        )

    assert view(dynamo) == view(sqlite)
    assert [c.start for c in sqlite.scenes_between("vid2", 2.0, 8.0)] == [2.0, 4.0, 6.0, 8.0]
    assert [c.cut for c in sqlite.scenes_between("vid2", 2.0, 8.0)] == [False, False, False, True]
    assert dynamo.stats().videos == sqlite.stats().videos == 3
    assert dynamo.stats().scenes == sqlite.stats().scenes == 15
    for store in (dynamo, sqlite):
        assert store.remove_video("vid1") is True
        assert store.remove_video("vid1") is False
    assert view(dynamo) == view(sqlite)
    assert dynamo.scene_count("vid1") == 0 and dynamo.scene_count("vid2") == 6


def test_hot_buckets_are_sharded_and_read_back_whole(dynamo: DynamoStore) -> None:
    black = bucket_key(flat(2))
    assert is_hot(black) and not is_hot(bucket_key(detailed(1)))
    scenes = [(black, Scene(t, t + 0.25, t + 0.5, 12, sig(flat(2)))) for t in np.arange(0, 40, 1.0).tolist()]
    dynamo.replace_video(record(5), scenes)
    partitions = {item.block for item in dynamo.Scene.scan(dynamo.Scene.video.exists())}
    assert partitions <= set(dynamo.partitions(black)) and len(partitions) == 4  # spread over every shard
    assert len(dynamo.candidates([black])) == 40
    assert dynamo.bucket_sizes() == {black: 40}
    assert dynamo.remove_video("vid5") and not list(dynamo.Scene.scan(dynamo.Scene.video.exists()))


def test_a_scene_item_is_lean_and_reads_back_its_bucket_and_revision_from_its_keys(dynamo: DynamoStore) -> None:
    """Lean items (issue 19: a probe's cost is the bytes it reads): one-letter names, the video id
    stored in the sort key and the index's hash key only, the bucket and revision tag in the keys
    only, and the luma grid in the scene's timeline item alone; a read gives them back from there."""
    bucket, scene = scenes_for(3, 2)[1]  # detailed (not hot), with a luma grid
    dynamo.replace_video(record(3), [(bucket, replace(scene, cut=True))])
    items = boto3.client("dynamodb").scan(TableName="scenes")["Items"]
    raw = [i for i in items if "v" in i]
    assert len(raw) == 1 and set(raw[0]) == {"b", "k", "v", "s", "a", "e", "g", "c"}
    (timeline,) = [i for i in items if i["b"]["S"].startswith("@")]
    assert timeline["b"]["S"] == "@vid3"
    assert set(timeline) == {"b", "k", "s", "a", "e", "f", "g", "l", "c"} and timeline["l"]["B"] == scene.luma
    stored_bucket, video, tag, start = raw[0]["k"]["S"].split("#")
    assert (stored_bucket, video, raw[0]["v"]["S"]) == (bucket, "vid3", "vid3")
    # the start to the millisecond in base 36 (scene.start is 2.0 s: 2000 = "1jk"), in full in the timeline
    assert (start, len(tag), timeline["k"]["S"]) == ("1jk", 8, f"{tag}#{scene.start:012.3f}")
    (read,) = dynamo.candidates([bucket])
    (ranged,) = dynamo.scenes_between("vid3", 0.0, 10.0)
    live = dynamo.answering_videos(["vid3"])["vid3"][1]
    assert read.luma == b"" and dynamo.luma_grids([read]) == [scene.luma]
    for c in (replace(read, luma=scene.luma), ranged):
        assert (c.video_id, c.start, c.signature, c.luma, c.cut, c.revision) == (
            "vid3",
            scene.start,
            scene.signature,
            scene.luma,
            True,
            live,
        )
    assert live == tag and dynamo.bucket_sizes() == {bucket: 1}


def test_progress_is_idempotent(dynamo: DynamoStore) -> None:
    video = record(7, status=VideoStatus.INDEXING, segments_planned=2)
    assert dynamo.begin_indexing(video, "rev1") == Begun.NEW
    assert dynamo.begin_indexing(video, "rev1") == Begun.RETRY  # recorded, never queued: a split that died
    assert dynamo.mark_queued("vid7", "rev1") is True
    assert dynamo.begin_indexing(video, "rev1") == Begun.KNOWN  # the same S3 event again
    assert dynamo.mark_segment_done("vid7", "rev1", 0, 100, 4) is True
    assert dynamo.mark_segment_done("vid7", "rev1", 0, 100, 4) is False  # redelivered
    assert dynamo.finish_if_complete("vid7", "rev1") is False
    assert dynamo.mark_segment_done("vid7", "rev0", 1, 100, 4) is False  # a stale revision
    assert dynamo.mark_segment_done("vid7", "rev1", 1, 120, 5) is True
    assert dynamo.finish_if_complete("vid7", "rev1") is True
    assert dynamo.finish_if_complete("vid7", "rev1") is False  # flipped exactly once
    got = dynamo.get_video("vid7")
    assert got is not None and (got.status, got.segments_done, got.frames, got.scenes) == ("indexed", 2, 220, 9)
    assert dynamo.begin_indexing(record(7, status=VideoStatus.INDEXING, segments_planned=1), "rev2") == Begun.NEW
    got = dynamo.get_video("vid7")
    assert got is not None and (got.status, got.segments_done, got.frames) == ("indexing", 0, 0)
    assert dynamo.fail_video("vid7", "rev1", "old") is False
    assert dynamo.fail_video("vid7", "rev2", "decoder said no") is True
    assert dynamo.fail_video("vid7", "rev2", "twice") is False  # only an indexing revision fails
    got = dynamo.get_video("vid7")
    assert got is not None and (got.status, got.error) == ("failed", "decoder said no")
    assert dynamo.revision_of("vid7") == ("rev2", "failed") and dynamo.revision_of("nope") is None
    assert got.status is VideoStatus.FAILED and dynamo.revision_of("vid7") == ("rev2", VideoStatus.FAILED)
    # Stored as the plain string, which the condition expressions above compare against.
    raw = boto3.client("dynamodb").get_item(TableName="videos", Key={"id": {"S": "vid7"}})["Item"]
    assert raw["status"] == {"S": "failed"} and json.loads(raw["record"]["S"])["status"] == "indexing"


def answering(store: DynamoStore, scenes: list[tuple[str, Scene]]) -> list[tuple[str, float]]:
    """(video, start) of what may answer a search among the scenes read from these scenes'
    buckets (those of the live revision ``answering_videos`` names), and of a time range."""
    read = store.candidates([b for b, _ in scenes])
    live = {v: tag for v, (_, tag) in store.answering_videos({c.video_id for c in read}).items()}
    found = {(c.video_id, c.start) for c in read if live.get(c.video_id) == c.revision}
    found |= {(c.video_id, c.start) for c in store.scenes_between("vid8", 0.0, 1e6)}
    return sorted(found)


def test_only_the_live_revision_answers_and_the_previous_until_the_new_is_complete(dynamo: DynamoStore) -> None:
    old, new = (
        scenes_for(8, 6),
        [(b, Scene(s.start + 1000, s.at + 1000, s.end + 1000, 5, s.signature)) for b, s in scenes_for(8, 4)],
    )
    indexing = record(8, status=VideoStatus.INDEXING, segments_planned=1)
    assert dynamo.begin_indexing(indexing, "r1", "0A") == Begun.NEW
    dynamo.put_scenes("vid8", "r1", old)
    assert answering(dynamo, old) == []  # nothing answers before the first revision is complete
    assert dynamo.mark_segment_done("vid8", "r1", 0, 60, 6) and dynamo.finish_if_complete("vid8", "r1")
    assert answering(dynamo, old) == [("vid8", s.start) for _, s in old]

    assert dynamo.begin_indexing(indexing, "r2", "0B") == Begun.NEW  # an overwrite: r2 is hashed
    dynamo.put_scenes("vid8", "r2", new)
    assert answering(dynamo, old + new) == [("vid8", s.start) for _, s in old]  # r1 still answers
    dynamo.put_scenes("vid8", "r1", old[:2])  # a late worker of r1 writes again: harmless
    assert dynamo.mark_segment_done("vid8", "r2", 0, 40, 4) and dynamo.finish_if_complete("vid8", "r2")
    assert answering(dynamo, old + new) == [("vid8", s.start) for _, s in new]
    assert dynamo.scene_count("vid8") == 4  # r1's items are gone
    dynamo.put_scenes("vid8", "r1", old[:2])  # later still: never answers, and is taken back by key
    assert answering(dynamo, old + new) == [("vid8", s.start) for _, s in new]
    dynamo.take_back_scenes("vid8", "r1", old[:2])
    assert dynamo.scene_count("vid8") == 4

    # A failed r3 leaves r2 answering, and none of r3's items.
    assert dynamo.begin_indexing(indexing, "r3", "0C") == Begun.NEW
    dynamo.put_scenes("vid8", "r3", old)
    assert dynamo.fail_video("vid8", "r3", "truncated") is True
    assert answering(dynamo, old + new) == [("vid8", s.start) for _, s in new] and dynamo.scene_count("vid8") == 4


def test_events_are_ordered_by_sequencer(dynamo: DynamoStore) -> None:
    indexing = record(9, status=VideoStatus.INDEXING, segments_planned=1)
    # A delete delivered before its create: the tombstone refuses the create.
    assert dynamo.remove_upload("vid9", "0055AED6DCD90281F1") is True
    assert dynamo.get_video("vid9") is None and dynamo.revision_of("vid9") is None and dynamo.list_videos() == []
    assert dynamo.begin_indexing(indexing, "v1", "0055AED6DCD90281E5") == Begun.KNOWN
    assert dynamo.get_video("vid9") is None
    # A later upload (greater sequencer; S3 pads the shorter one with zeros on the right) is indexed.
    assert dynamo.begin_indexing(indexing, "v2", "0055AED6DCD90281F2") == Begun.NEW
    assert dynamo.revision_of("vid9") == ("v2", "indexing")
    # An older delete arriving late changes nothing; an older create neither.
    assert dynamo.remove_upload("vid9", "0055AED6DCD90281F1") is False
    assert dynamo.begin_indexing(indexing, "v0", "0055AED6DCD9028100") == Begun.KNOWN
    assert dynamo.revision_of("vid9") == ("v2", "indexing")
    assert dynamo.remove_upload("vid9", "0055AED6DCD90281F20001") is True  # longer: later


def test_stalled_videos_are_found_and_only_failed_without_progress(dynamo: DynamoStore) -> None:
    assert dynamo.begin_indexing(record(10, status=VideoStatus.INDEXING, segments_planned=2), "r") == Begun.NEW
    now = time.time()
    assert dynamo.stalled(now - 60) == [] and dynamo.stalled(now + 1) == [("vid10", "r")]
    assert dynamo.fail_video("vid10", "r", "stalled", idle_since=now - 60) is False  # it moved within the minute
    assert dynamo.fail_video("vid10", "r", "stalled", idle_since=now + 1) is True


def test_stores_on_other_tables_keep_apart(dynamo: DynamoStore) -> None:
    """Each store binds its own models (and their by_video index) to its own tables."""
    other = DynamoStore("scenes-b", "videos-b", hot_shards=4)
    other.create_tables()
    dynamo.replace_video(record(1), scenes_for(1, 5))
    other.replace_video(record(2), scenes_for(2, 3))
    assert (dynamo.scene_count("vid1"), dynamo.scene_count("vid2")) == (5, 0)
    assert (other.scene_count("vid1"), other.scene_count("vid2")) == (0, 3)
    assert [v.id for v in dynamo.list_videos()] == ["vid1"] and [v.id for v in other.list_videos()] == ["vid2"]
    assert len(other.scenes_between("vid2", 0.0, 10.0)) == 3 and dynamo.scenes_between("vid2", 0.0, 10.0) == []


def pages(store: DynamoStore | SqliteStore, limit: int, status: VideoStatus | None = None) -> list[list[str]]:
    out, after = [], None
    while True:
        page = store.list_page(limit=limit, after=after, status=status)
        out.append([v.id for v in page.videos])
        if page.last is None:
            return out
        after = page.last


def test_the_listing_is_paged_by_query_the_same_as_sqlite(dynamo: DynamoStore, tmp_path: Path) -> None:
    sqlite = SqliteStore(tmp_path / "ref.sqlite3")
    titles = ["Frieren", "Frieren 2", "frieren", "Ōkami", "A", "A B"]
    statuses = [VideoStatus.INDEXED, VideoStatus.INDEXING, VideoStatus.FAILED]
    for i in range(23):
        video = record(i, status=statuses[i % 3])
        video.title, video.episode = titles[i % len(titles)], None if i % 4 == 0 else f"{i % 7:02d}"
        for store in (dynamo, sqlite):
            store.put_video(video)
    late = record(40, status=VideoStatus.INDEXING)
    late.title = "Frieren"
    assert dynamo.begin_indexing(late, "r") == Begun.NEW  # written by the fan-out's update, not put_video
    sqlite.put_video(late)
    dynamo.remove_upload("vid41", "01")  # a tombstone is listed nowhere
    expected = [v.id for v in listing_order(sqlite.list_videos())]
    for limit in (1, 4, 24, 100):
        assert pages(dynamo, limit) == pages(sqlite, limit)
        assert [i for page in pages(dynamo, limit) for i in page] == expected
    for status in statuses:
        assert pages(dynamo, 5, status) == pages(sqlite, 5, status)
    scans = []
    dynamo.Video.scan = lambda *a, **k: scans.append(1)  # type: ignore[method-assign]
    dynamo.list_page(limit=10)
    assert scans == []


@pytest.mark.parametrize("kind", ["dynamodb", "sqlite"])
def test_edit_sets_anilist_and_mal_and_keeps_progress_and_scenes(
    dynamo: DynamoStore, tmp_path: Path, kind: str
) -> None:
    store = dynamo if kind == "dynamodb" else SqliteStore(tmp_path / "s.sqlite3")
    video = record(1, status=VideoStatus.INDEXED, frames=30, segments_planned=2, segments_done=2)
    store.replace_video(video, scenes_for(1, 6))
    edited = store.edit_video("vid1", VideoEdit("Show 1", "01", anilist=21, mal=33))
    assert edited is not None and (edited.anilist, edited.mal, edited.episode) == (21, 33, "01")
    back = store.get_video("vid1")
    assert back is not None and (back.anilist, back.mal, back.title) == (21, 33, "Show 1")
    assert (back.status, back.frames, back.segments_done) == (VideoStatus.INDEXED, 30, 2)
    assert len(store.scenes_between("vid1", 0, 1e9)) == len(scenes_for(1, 6))
    cleared = store.edit_video("vid1", VideoEdit("Show 1"))
    assert cleared is not None and store.get_video("vid1") == cleared and cleared.anilist is None
    assert store.edit_video("nope", VideoEdit("X", anilist=1)) is None


def test_a_still_keeps_its_kind_and_a_video_item_written_before_kinds_reads_as_a_video(dynamo: DynamoStore) -> None:
    still = VideoRecord("s1", "Art", "cg.png", "s3://b/library/Art/cg.png", kind=VideoKind.STILL, frames=1, scenes=1)
    dynamo.replace_video(still, scenes_for(1, 1))
    assert dynamo.get_video("s1") == still and dynamo.Video.get("s1").kind == "still"
    began = VideoRecord("s2", "Art", "b.png", "s3://b/library/Art/b.png", kind=VideoKind.STILL, segments_planned=1)
    began.status = VideoStatus.INDEXING
    assert dynamo.begin_indexing(began, "rev-1") == Begun.NEW
    assert dynamo.Video.get("s2").kind == "still" and dynamo.get_video("s2").kind == VideoKind.STILL
    old = VideoRecord("v1", "Show", "ep.mkv", "/x/ep.mkv")
    dynamo.replace_video(old, scenes_for(2, 2))
    item = dynamo.Video.get("v1")  # as an older version wrote it: no kind anywhere
    record = json.loads(item.record)
    del record["kind"]
    item.update(actions=[dynamo.Video.kind.remove(), dynamo.Video.record.set(json.dumps(record))])
    assert dynamo.get_video("v1").kind == VideoKind.VIDEO
