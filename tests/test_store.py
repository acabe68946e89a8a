import contextlib

import numpy as np

from ashen.indexing.indexer import keyed
from ashen.indexing.scenes import scenes_of
from ashen.records import VideoRecord
from ashen.store import SqliteStore


def make_scenes(n, seed):
    rng = np.random.default_rng(seed)
    v = rng.integers(10, 20, (n, 33)).astype(np.uint8)
    return keyed(scenes_of(np.arange(n) * 0.04, v))


def video(vid):
    return VideoRecord(id=vid, title="T", filename=f"{vid}.mp4", source=f"/x/{vid}.mp4", frames=10)


def test_replace_is_atomic_and_never_duplicates(tmp_path):
    store = SqliteStore(tmp_path / "a.sqlite3")
    store.replace_video(video("a"), make_scenes(50, 1))
    store.replace_video(video("b"), make_scenes(30, 2))
    before = store.stats().scenes
    store.replace_video(video("a"), make_scenes(50, 1))  # re-index: same rows, not twice
    assert store.stats().scenes == before
    store.replace_video(video("a"), make_scenes(10, 3))
    assert store.stats().scenes == before - 50 + 10


def test_failed_replace_rolls_back(tmp_path):
    store = SqliteStore(tmp_path / "a.sqlite3")
    store.replace_video(video("a"), make_scenes(40, 1))

    def broken():
        yield from make_scenes(5, 9)
        raise RuntimeError("disk on fire")

    with contextlib.suppress(RuntimeError):
        store.replace_video(video("a"), broken())
    assert store.stats().scenes == 40


def test_candidates_remove_and_buckets(tmp_path):
    store = SqliteStore(tmp_path / "a.sqlite3")
    rows = make_scenes(60, 4)
    store.replace_video(video("a"), rows)
    buckets = sorted({b for b, _ in rows})
    got = store.candidates(buckets[:1])
    assert got and all(c.video_id == "a" for c in got)
    assert sum(store.bucket_sizes().values()) == len(rows)
    assert store.add_scenes("a", rows[:5]) == 5 and store.stats().scenes == len(rows)  # idempotent
    assert store.remove_video("a") and not store.remove_video("a")
    assert store.stats().scenes == 0 and store.candidates(buckets) == []
