from dataclasses import replace

import numpy as np
import pytest

from ashen.indexing.indexer import keyed
from ashen.indexing.scenes import scenes_of
from ashen.records import VideoRecord
from ashen.store import SqliteStore


def make_scenes(n, seed):
    rng = np.random.default_rng(seed)
    v = rng.integers(10, 20, (n, 33)).astype(np.uint8)
    return keyed(scenes_of(np.arange(n) * 0.04, v))


def video(vid, title="T"):
    return VideoRecord(id=vid, title=title, filename=f"{vid}.mp4", source=f"/x/{vid}.mp4", frames=10)


def test_replace_is_atomic_and_never_duplicates(tmp_path):
    store = SqliteStore(tmp_path / "a.sqlite3")
    store.replace_video(video("a"), make_scenes(50, 1))
    store.replace_video(video("b"), make_scenes(30, 2))
    before = store.stats().scenes
    store.replace_video(video("a"), make_scenes(50, 1))  # re-index: same rows, not twice
    assert store.stats().scenes == before
    store.replace_video(video("a"), make_scenes(10, 3))
    assert store.stats().scenes == before - 50 + 10


def failing_iterable():
    """The scenes' iterable breaks. The rows are read before BEGIN, so nothing is written yet."""

    def scenes():
        yield from make_scenes(5, 9)
        raise RuntimeError("disk on fire")

    return video("a", title="New"), scenes(), RuntimeError


def failing_row():
    """Inside the transaction: after the DELETE and ten inserts, a row SQLite cannot bind."""
    rows = make_scenes(20, 9)
    bucket, scene = rows[10]
    rows[10] = (bucket, replace(scene, frames=2**63))  # too large for an SQLite INTEGER
    return video("a", title="New"), rows, OverflowError


def failing_record():
    """Inside the transaction: after the DELETE and every insert, a record that cannot be serialised."""
    record = video("a", title="New")
    record.extra = {"blob": b"not JSON"}
    return record, make_scenes(20, 9), TypeError


@pytest.mark.parametrize("failure", [failing_iterable, failing_row, failing_record])
def test_failed_replace_rolls_back(tmp_path, failure):
    store = SqliteStore(tmp_path / "a.sqlite3")
    old = make_scenes(40, 1)
    store.replace_video(video("a"), old)
    store.replace_video(video("b"), make_scenes(30, 2))
    buckets = sorted({b for b, _ in old})

    def state():
        stats = store.stats()  # (its size in bytes follows the WAL file, not the content)
        return (
            (stats.videos, stats.scenes),
            store.get_video("a"),
            store.scenes_between("a", 0, 1e9),
            store.candidates(buckets),
        )

    before = state()

    new_record, new_scenes, error = failure()
    with pytest.raises(error):
        store.replace_video(new_record, new_scenes)

    assert state() == before
    with SqliteStore(store.path) as other:  # what another connection sees: committed, and the same
        assert other.get_video("a") == before[1] and other.scenes_between("a", 0, 1e9) == before[2]
    # The store is usable: no transaction was left open.
    store.replace_video(video("a", title="New"), make_scenes(20, 9))
    assert store.get_video("a").title == "New" and len(store.scenes_between("a", 0, 1e9)) == 20


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
